"""Helpers shared by the benchmark scripts' Python halves (redirect_vs_nginx.py, rehearsal_forum.py)."""

import sys


def write_table_into_doc(doc, table, begin_mark, end_mark, say):
    """Replace what stands between begin_mark and end_mark in doc with table; return an exit code."""
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    if begin_mark not in text or end_mark not in text:
        say(f"{doc} has no {begin_mark} … {end_mark} block; not written")
        return 2
    before, rest = text.split(begin_mark, 1)
    _, after = rest.split(end_mark, 1)
    with open(doc, "w", encoding="utf-8") as f:
        f.write(before + begin_mark + "\n" + table + "\n" + end_mark + after)
    say(f"table written into {doc}")
    return 0


def sayer(program):
    """Return a function that writes one line of talk to stderr, naming the program."""
    return lambda text: print(f"{program}: {text}", file=sys.stderr)
