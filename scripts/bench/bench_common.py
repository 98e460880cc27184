"""Helpers shared by the benchmark scripts' Python halves (redirect_vs_nginx.py, rehearsal_forum.py)."""

import os
import sys
import time


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


def publish_table(lines, doc, begin_mark, end_mark, say):
    """Print the table made of lines; with doc, also write it into doc between the marks.

    Return an exit code (0, or 2 when doc has no such block)."""
    table = "\n".join(lines)
    print(table)
    if doc:
        return write_table_into_doc(doc, table, begin_mark, end_mark, say)
    return 0


def sayer(program):
    """Return a function that writes one line of talk to stderr, naming the program."""
    return lambda text: print(f"{program}: {text}", file=sys.stderr)


def wait_for(probe, timeout, pid, who, interval, say):
    """Call probe() until it returns true (connection errors count as not yet).

    Return 0 once it does; 2 if process pid (when given) exits first, saying so; None when
    timeout seconds pass, for the caller to say what did not answer."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pid and not os.path.exists(f"/proc/{pid}"):
            say(f"{who} (pid {pid}) exited before answering")
            return 2
        try:
            if probe():
                return 0
        except OSError:
            pass
        time.sleep(interval)
    return None
