#!/usr/bin/env python3
"""Helpers of scripts/bench/redirect-vs-nginx (Python standard library only).

  wait     waits until a server answers a probe with 301; prints seconds since --since
  compare  asks two servers for a sample of targets; exit 1 if status or Location differ
  table    medians of the runs, ratios and floors as a Markdown table; can write it into a doc

Results go to stdout, talk to stderr.
"""

import argparse
import http.client
import statistics
import sys
import time

import bench_common

BEGIN_MARK = "<!-- redirect-vs-nginx:begin (written by scripts/bench/redirect-vs-nginx) -->"
END_MARK = "<!-- redirect-vs-nginx:end -->"


say = bench_common.sayer("redirect_vs_nginx.py")


def ask(connection, host, target):
    """GET target over a kept-alive connection; return (status, Location or '')."""
    connection.request("GET", target, headers={"Host": host})
    response = connection.getresponse()
    response.read()
    return response.status, response.getheader("Location") or ""


def command_wait(args):
    def answers_301():
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
        status, _ = ask(connection, args.host, args.probe)
        connection.close()
        return status == 301

    waited = bench_common.wait_for(answers_301, args.timeout, args.pid, args.name, 0.005, say)
    if waited == 0:
        print(f"{time.time() - args.since:.3f}")
        return 0
    if waited is None:
        say(f"{args.name} did not answer {args.probe} with 301 within {args.timeout} s")
    return 2


def command_compare(args):
    with open(args.targets, encoding="utf-8") as f:
        targets = [line.rstrip("\n") for line in f if line.strip()]
    step = max(1, len(targets) // args.sample)
    sample = targets[::step][: args.sample]
    servers = [(args.name_a, args.port_a), (args.name_b, args.port_b)]
    connections = {name: http.client.HTTPConnection("127.0.0.1", port, timeout=5) for name, port in servers}
    mismatches = []
    statuses = {}
    for target in sample:
        answers = []
        for name, _ in servers:
            try:
                answers.append(ask(connections[name], args.host, target))
            except (OSError, http.client.HTTPException) as e:
                # One retry on a fresh connection: a server may close a kept-alive one.
                connections[name].close()
                try:
                    answers.append(ask(connections[name], args.host, target))
                except (OSError, http.client.HTTPException):
                    say(f"{name}: asking for {target}: {e}")
                    return 2
        statuses[answers[0][0]] = statuses.get(answers[0][0], 0) + 1
        if answers[0] != answers[1]:
            mismatches.append((target, answers[0], answers[1]))
    counts = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
    if mismatches:
        say(f"{len(mismatches)} of {len(sample)} answers differ between {args.name_a} and {args.name_b}:")
        for target, a, b in mismatches[:20]:
            say(f"  {target}: {args.name_a} {a[0]} {a[1] or '-'} | {args.name_b} {b[0]} {b[1] or '-'}")
        return 1
    say(f"{args.name_a} and {args.name_b} agree on all {len(sample)} sampled targets ({counts})")
    return 0


# Figures of the table: key, label, unit, format, floor as text, and the rule the ratio
# forumgate ÷ nginx must follow to meet it: "ge" at least 1.0, "le" at most 1.0, "lt" below 1.0.
FIGURES = [
    ("rps", "requests/s (wrk, 1 thread, 50 connections)", "", "{:,.0f}", "≥ 1.0", "ge"),
    ("p50_ms", "latency p50", "ms", "{:.3f}", "", None),
    ("p99_ms", "latency p99", "ms", "{:.3f}", "≤ 1.0", "le"),
    ("core_us", "CPU per request: server core busy ÷ requests", "µs", "{:.2f}", "≤ 1.0", "le"),
    ("proc_us", "CPU per request: server processes' utime+stime ÷ requests", "µs", "{:.2f}", "≤ 1.0", "le"),
    ("core_load", "server core busy during the run", "%", "{:.0f}", "", None),
    ("wrk_load", "wrk's CPU time during the run, share of its core", "%", "{:.0f}", "", None),
    ("pss_mib", "PSS after the run (nginx: master + worker)", "MiB", "{:.1f}", "≤ 1.0", "le"),
    ("startup_s", "start-up with the 1M map, launch to first 301", "s", "{:.2f}", "< 1.0", "lt"),
]


def read_results(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().split()
        for line in f:
            if line.strip():
                rows.append(dict(zip(header, line.split())))
    return rows


def figures_of(row):
    requests = float(row["requests"])
    seconds = float(row["duration_us"]) / 1e6
    hz = float(row["clk_tck"])
    return {
        "rps": requests / seconds,
        "p50_ms": float(row["p50_us"]) / 1000,
        "p99_ms": float(row["p99_us"]) / 1000,
        "core_us": float(row["core_jiffies"]) / hz / requests * 1e6,
        "proc_us": float(row["proc_ticks"]) / hz / requests * 1e6,
        "core_load": 100 * float(row["core_jiffies"]) / hz / float(row["wall_s"]),
        "wrk_load": 100 * float(row["wrk_ticks"]) / hz / float(row["wall_s"]),
        "pss_mib": float(row["pss_kib"]) / 1024,
        "startup_s": float(row["startup_s"]),
        "other_server": float(row["other_server_pct"]),
        "other_wrk": float(row["other_wrk_pct"]),
        "status_errors": float(row["status_errors"]) / requests,
    }


def meets(ratio, rule):
    return {"ge": ratio >= 1.0, "le": ratio <= 1.0, "lt": ratio < 1.0}[rule]


def command_table(args):
    rows = read_results(args.results)
    every_run, good_runs = {}, {}
    for row in rows:
        every_run.setdefault(row["server"], []).append(figures_of(row))
        if row["disturbed"] == "0":
            good_runs.setdefault(row["server"], []).append(figures_of(row))
    for name in ("forumgate", "nginx"):
        if name not in every_run:
            say(f"{args.results} has no run of {name}")
            return 2
    if all(len(good_runs.get(name, [])) >= args.min_good_runs for name in every_run):
        per_server = good_runs
        which = "undisturbed runs"
    else:
        per_server = every_run
        which = "runs, **some disturbed by other programs on the machine** (too few undisturbed ones)"
        say(f"warning: fewer than {args.min_good_runs} undisturbed runs of a server; the table uses every run")
    counts = ", ".join(f"{name} {len(per_server[name])} of {len(every_run[name])}" for name in ("forumgate", "nginx"))
    median = {name: {key: statistics.median(run[key] for run in v) for key in v[0]} for name, v in per_server.items()}
    lines = [
        f"{args.date}, {args.machine}. Medians of {which} ({counts}), the servers interleaved; "
        f"each run {args.duration} s of `wrk -t1 -c{args.connections}` on core 0 after a {args.warmup} s warm-up, "
        f"the server on core 1.",
        "",
        "| figure | forumgate | nginx | forumgate ÷ nginx | floor | met |",
        "|---|---:|---:|---:|:---:|:---:|",
    ]
    failed = []
    for key, label, unit, fmt, floor, rule in FIGURES:
        fg, ng = median["forumgate"][key], median["nginx"][key]
        ratio = fg / ng if ng else float("inf")
        met = ""
        if rule:
            ok = meets(ratio, rule)
            met = "yes" if ok else "**no**"
            if not ok:
                failed.append(label)
        suffix = f" {unit}" if unit else ""
        lines.append(f"| {label} | {fmt.format(fg)}{suffix} | {fmt.format(ng)}{suffix} | {ratio:.2f} | {floor} | {met} |")
    other_server = max(f["other_server"] for v in per_server.values() for f in v)
    other_wrk = max(f["other_wrk"] for v in per_server.values() for f in v)
    errors = {name: median[name]["status_errors"] for name in median}
    lines += [
        "",
        f"Answers with status ≥ 400 (unknown ids): forumgate {100 * errors['forumgate']:.1f}%, "
        f"nginx {100 * errors['nginx']:.1f}% of requests. Most time other programs took in a run "
        f"counted here: {other_server:.0f}% of the server's core, {other_wrk:.0f}% of wrk's.",
    ]
    written = bench_common.publish_table(lines, args.doc, BEGIN_MARK, END_MARK, say)
    if written != 0:
        return written
    if failed:
        say("floors not met: " + "; ".join(failed))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    wait = commands.add_parser("wait", help="wait for a first 301; print seconds since --since")
    wait.add_argument("--port", type=int, required=True)
    wait.add_argument("--host", required=True, help="Host header")
    wait.add_argument("--probe", default="/t/1", help="a target that must get a 301")
    wait.add_argument("--since", type=float, required=True, help="launch time, seconds since the epoch")
    wait.add_argument("--timeout", type=float, default=120)
    wait.add_argument("--pid", type=int, help="give up if this process exits")
    wait.add_argument("--name", default="server")

    compare = commands.add_parser("compare", help="compare two servers' answers on a sample of targets")
    compare.add_argument("--targets", required=True)
    compare.add_argument("--sample", type=int, default=1000)
    compare.add_argument("--host", required=True)
    compare.add_argument("--port-a", type=int, required=True)
    compare.add_argument("--name-a", default="forumgate")
    compare.add_argument("--port-b", type=int, required=True)
    compare.add_argument("--name-b", default="nginx")

    table = commands.add_parser("table", help="Markdown table of the medians")
    table.add_argument("--results", required=True, help="TSV with one line per run")
    table.add_argument("--doc", help="Markdown file whose marked table to replace")
    table.add_argument("--date", required=True)
    table.add_argument("--machine", required=True)
    table.add_argument("--duration", type=int, required=True)
    table.add_argument("--warmup", type=int, required=True)
    table.add_argument("--connections", type=int, required=True)
    table.add_argument("--min-good-runs", type=int, default=3, help="undisturbed runs each server needs to leave out the others")

    args = parser.parse_args()
    return {"wait": command_wait, "compare": command_compare, "table": command_table}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
