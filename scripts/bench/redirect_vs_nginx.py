#!/usr/bin/env python3
"""Helpers of scripts/bench/redirect-vs-nginx (Python standard library only).

  wait     waits until a server answers a probe with 301; prints seconds since --since
  compare  asks two servers for a sample of targets; exit 1 if status or Location differ
  status   asks one server for a sample of targets; exit 1 if any status is not --expect
  table    medians of the runs, ratios and goals as a Markdown table (one layout per mode of
           the benchmark: compare, pipeline, threads); can write it into a doc

Results go to stdout, talk to stderr.
"""

import argparse
import http.client
import math
import statistics
import sys
import time

import bench_common

# The doc's block of each mode's table.
MARKS = {
    "compare": ("<!-- redirect-vs-nginx:begin (written by scripts/bench/redirect-vs-nginx) -->",
                "<!-- redirect-vs-nginx:end -->"),
    "pipeline": ("<!-- redirect-vs-nginx-pipeline:begin (written by FORUMGATE_BENCH_MODE=pipeline scripts/bench/redirect-vs-nginx) -->",
                 "<!-- redirect-vs-nginx-pipeline:end -->"),
    "threads": ("<!-- redirect-vs-nginx-threads:begin (written by FORUMGATE_BENCH_MODE=threads scripts/bench/redirect-vs-nginx) -->",
                "<!-- redirect-vs-nginx-threads:end -->"),
}
# The servers each mode measures.
SERVERS = {
    "compare": ("forumgate", "nginx", "floor"),
    "pipeline": ("forumgate", "nginx", "floor"),
    "threads": ("forumgate", "forumgate2", "nginx", "nginx2"),
}


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


def command_status(args):
    with open(args.targets, encoding="utf-8") as f:
        targets = [line.rstrip("\n") for line in f if line.strip()]
    step = max(1, len(targets) // args.sample)
    sample = targets[::step][: args.sample]
    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
    wrong = []
    for target in sample:
        try:
            status, _ = ask(connection, args.host, target)
        except (OSError, http.client.HTTPException) as e:
            say(f"{args.name}: asking for {target}: {e}")
            return 2
        if status != args.expect:
            wrong.append((target, status))
    if wrong:
        say(f"{len(wrong)} of {len(sample)} answers of {args.name} are not {args.expect}:")
        for target, status in wrong[:20]:
            say(f"  {target}: {status}")
        return 1
    say(f"{args.name} answers {args.expect} to all {len(sample)} sampled targets")
    return 0


# Figures of the compare and pipeline tables: key, label, unit, format, the goal of forumgate ÷
# nginx and the goal of forumgate ÷ floor (None: no goal), and whether the floor server has the
# figure at all. A goal is (rule, value): "ge" at least value, "le" at most, "lt" below.
FIGURES = [
    ("rps", "requests/s", "", "{:,.0f}", ("ge", 1.0), None, True),
    ("p50_ms", "latency p50", "ms", "{:.3f}", None, None, True),
    ("p99_ms", "latency p99", "ms", "{:.3f}", ("le", 1.0), None, True),
    ("core_us", "CPU per request: server core busy ÷ requests", "µs", "{:.2f}", ("le", 0.8), ("le", 1.15), True),
    ("proc_us", "CPU per request: server processes' utime+stime ÷ requests", "µs", "{:.2f}", ("le", 0.8), ("le", 1.15), True),
    ("core_load", "server core busy during the run", "%", "{:.0f}", None, None, True),
    ("wrk_load", "wrk's CPU time during the run, share of its core", "%", "{:.0f}", None, None, True),
    ("pss_mib", "PSS after the run (nginx: master + worker)", "MiB", "{:.1f}", ("le", 1.0), None, False),
    ("startup_s", "start-up with the 1M map, launch to first 301", "s", "{:.2f}", ("lt", 1.0), None, False),
]
# In pipeline mode: the batch is the unit of latency, and the goal is on requests/s.
PIPELINE_KEYS = ("rps", "p50_ms", "p99_ms", "core_us", "proc_us", "core_load", "wrk_load")
PIPELINE_GOALS = {"rps": ("ge", 1.5)}
# Figures of the threads table (key, label, unit, format, goal of forumgate 2 threads ÷ 1).
THREAD_FIGURES = [
    ("rps", "requests/s", "", "{:,.0f}", ("ge", 1.8)),
    ("proc_us", "CPU per request: server processes' utime+stime ÷ requests", "µs", "{:.2f}", None),
    ("proc_load", "server's CPU time during the run, share of one core", "%", "{:.0f}", None),
    ("wrk_load", "wrk's CPU time during the run, share of one core", "%", "{:.0f}", None),
    ("core_load", "both cores busy during the run (at most 200)", "%", "{:.0f}", None),
    ("p99_ms", "latency p99 of a batch", "ms", "{:.3f}", None),
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
        "proc_load": 100 * float(row["proc_ticks"]) / hz / float(row["wall_s"]),
        "wrk_load": 100 * float(row["wrk_ticks"]) / hz / float(row["wall_s"]),
        "pss_mib": float(row["pss_kib"]) / 1024,
        "startup_s": float(row["startup_s"]),
        "other_server": float(row["other_server_pct"]),
        "other_wrk": float(row["other_wrk_pct"]),
        "status_errors": float(row["status_errors"]) / requests,
    }


def median_of(key, values):
    """The median of one figure over runs. A latency of 0 is wrk's percentile() finding no value
    at that rank (it happens with pipelined batches): left out, and NaN ("n/a") if every run has it."""
    if key in ("p50_ms", "p99_ms"):
        values = [value for value in values if value > 0]
        if not values:
            return float("nan")
    return statistics.median(values)


def goal_text(goal):
    if not goal:
        return ""
    rule, value = goal
    text = f"{value:g}"
    return {"ge": "≥", "le": "≤", "lt": "<"}[rule] + " " + (text if "." in text else text + ".0")


def ratio_cells(a, b, goal, failed, what):
    """The cells ratio, goal, met of a ÷ b; what names the ratio in `failed` when a goal is missed."""
    ratio = a / b if b else float("inf")
    if math.isnan(ratio):
        return ["n/a", goal_text(goal), ""]
    if not goal:
        return [f"{ratio:.2f}", "", ""]
    rule, value = goal
    ok = {"ge": ratio >= value, "le": ratio <= value, "lt": ratio < value}[rule]
    if not ok:
        failed.append(what)
    return [f"{ratio:.2f}", goal_text(goal), "yes" if ok else "**no**"]


def value_cell(fmt, value, unit):
    if math.isnan(value):
        return "n/a"
    return fmt.format(value) + (f" {unit}" if unit else "")


def compare_lines(args, median, failed):
    pipelined = args.mode == "pipeline"
    batches = f", batches of {args.pipeline} pipelined requests" if pipelined else ""
    lines = [
        "| figure | forumgate | nginx | floor | forumgate ÷ nginx | goal | met | forumgate ÷ floor | goal | met |",
        "|---|---:|---:|---:|---:|:---:|:---:|---:|:---:|:---:|",
    ]
    fg, ng, fl = median["forumgate"], median["nginx"], median["floor"]
    for key, label, unit, fmt, nginx_goal, floor_goal, floor_has in FIGURES:
        if pipelined:
            if key not in PIPELINE_KEYS:
                continue
            nginx_goal, floor_goal = PIPELINE_GOALS.get(key), None
            if key in ("p50_ms", "p99_ms"):
                label += " of a batch"
        if key == "rps":
            label += f" (wrk, {args.wrk_threads} thread, {args.connections} connections{batches})"
        cells = [label, value_cell(fmt, fg[key], unit), value_cell(fmt, ng[key], unit)]
        cells.append(value_cell(fmt, fl[key], unit) if floor_has else "n/a")
        cells += ratio_cells(fg[key], ng[key], nginx_goal, failed, f"{label}, forumgate ÷ nginx")
        cells += ratio_cells(fg[key], fl[key], floor_goal, failed, f"{label}, forumgate ÷ floor") if floor_has else ["", "", ""]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def threads_lines(median, failed):
    lines = [
        "| figure | forumgate `--threads 1` | forumgate `--threads 2` | 2 ÷ 1 | goal | met | nginx, 1 worker | nginx, 2 workers | 2 ÷ 1 |",
        "|---|---:|---:|---:|:---:|:---:|---:|---:|---:|",
    ]
    for key, label, unit, fmt, goal in THREAD_FIGURES:
        one, two = median["forumgate"][key], median["forumgate2"][key]
        cells = [label, value_cell(fmt, one, unit), value_cell(fmt, two, unit)]
        cells += ratio_cells(two, one, goal, failed, f"{label}, forumgate 2 threads ÷ 1")
        one, two = median["nginx"][key], median["nginx2"][key]
        cells += [value_cell(fmt, one, unit), value_cell(fmt, two, unit), f"{two / one:.2f}" if one and not math.isnan(two / one) else "n/a"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def command_table(args):
    servers = SERVERS[args.mode]
    rows = read_results(args.results)
    every_run, good_runs = {}, {}
    for row in rows:
        every_run.setdefault(row["server"], []).append(figures_of(row))
        if row["disturbed"] == "0":
            good_runs.setdefault(row["server"], []).append(figures_of(row))
    for name in servers:
        if name not in every_run:
            say(f"{args.results} has no run of {name}")
            return 2
    if all(len(good_runs.get(name, [])) >= args.min_good_runs for name in servers):
        per_server = good_runs
        which = "undisturbed runs"
    else:
        per_server = every_run
        which = "runs, **some disturbed by other programs on the machine** (too few undisturbed ones)"
        say(f"warning: fewer than {args.min_good_runs} undisturbed runs of a server; the table uses every run")
    counts = ", ".join(f"{name} {len(per_server[name])} of {len(every_run[name])}" for name in servers)
    median = {name: {key: median_of(key, [run[key] for run in per_server[name]]) for key in per_server[name][0]}
              for name in servers}
    if args.mode == "threads":
        how = (f"each run {args.duration} s of `wrk -t{args.wrk_threads} -c{args.connections}` sending batches of "
               f"{args.pipeline} pipelined requests after a {args.warmup} s warm-up, neither the server nor wrk pinned "
               f"(both share the 2 cores).")
    else:
        batches = f" sending batches of {args.pipeline} pipelined requests" if args.mode == "pipeline" else ""
        how = (f"each run {args.duration} s of `wrk -t{args.wrk_threads} -c{args.connections}`{batches} on core 0 "
               f"after a {args.warmup} s warm-up, the server on core 1.")
    lines = [
        f"{args.date}, {args.machine}. Medians of {which} ({counts}), the servers interleaved; {how}",
        "",
    ]
    failed = []
    lines += threads_lines(median, failed) if args.mode == "threads" else compare_lines(args, median, failed)
    other_server = max(f["other_server"] for name in servers for f in per_server[name])
    other_wrk = max(f["other_wrk"] for name in servers for f in per_server[name])
    errors = ", ".join(f"{name} {100 * median[name]['status_errors']:.1f}%" for name in servers if name != "floor")
    where = (f"{other_server:.0f}% of one core" if args.mode == "threads"
             else f"{other_server:.0f}% of the server's core, {other_wrk:.0f}% of wrk's")
    lines += [
        "",
        f"Answers with status ≥ 400 (unknown ids): {errors} of requests. Most time other programs took in a run "
        f"counted here: {where}.",
    ]
    begin_mark, end_mark = MARKS[args.mode]
    written = bench_common.publish_table(lines, args.doc, begin_mark, end_mark, say)
    if written != 0:
        return written
    if failed:
        say("goals not met: " + "; ".join(failed))
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

    status = commands.add_parser("status", help="check that one server answers a sample of targets with one status")
    status.add_argument("--targets", required=True)
    status.add_argument("--sample", type=int, default=1000)
    status.add_argument("--host", required=True)
    status.add_argument("--port", type=int, required=True)
    status.add_argument("--name", default="server")
    status.add_argument("--expect", type=int, default=301)

    table = commands.add_parser("table", help="Markdown table of the medians")
    table.add_argument("--results", required=True, help="TSV with one line per run")
    table.add_argument("--doc", help="Markdown file whose marked table to replace")
    table.add_argument("--date", required=True)
    table.add_argument("--machine", required=True)
    table.add_argument("--duration", type=int, required=True)
    table.add_argument("--warmup", type=int, required=True)
    table.add_argument("--connections", type=int, required=True)
    table.add_argument("--mode", choices=sorted(MARKS), default="compare")
    table.add_argument("--wrk-threads", type=int, default=1)
    table.add_argument("--pipeline", type=int, default=16, help="requests per pipelined batch")
    table.add_argument("--min-good-runs", type=int, default=3, help="undisturbed runs each server needs to leave out the others")

    args = parser.parse_args()
    commands = {"wait": command_wait, "compare": command_compare, "status": command_status, "table": command_table}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
