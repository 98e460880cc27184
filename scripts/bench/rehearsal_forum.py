#!/usr/bin/env python3
"""Helpers of scripts/bench/rehearsal-forum (Python standard library only).

  wait     waits until the rehearsal forum answers /latest.json with 200
  prepare  picks the routes to load from a running forum, saves their bodies as static files for
           nginx, and writes the list of routes and the topic ids the write workload replies to
  compare  asks both servers for every route; exit 1 unless both answer 200 with the same bytes
  table    medians of the runs, ratios and floors as a Markdown table; can write it into a doc

Results go to stdout, talk to stderr.
"""

import argparse
import http.client
import json
import os
import re
import statistics
import sys

import bench_common

BEGIN_MARK = "<!-- rehearsal-forum:begin (written by scripts/bench/rehearsal-forum) -->"
END_MARK = "<!-- rehearsal-forum:end -->"

# Posts a topic must have for the posts.json route to ask for the 20 after the first page, as an
# importer does once /t/{id}.json gave it the first 20 and the whole stream.
POSTS_BEYOND_FIRST_PAGE = 40


say = bench_common.sayer("rehearsal_forum.py")


def get(port, target, host="127.0.0.1"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", target, headers={"Host": host})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def get_json(port, target):
    status, body = get(port, target)
    if status != 200:
        raise RuntimeError(f"GET {target}: HTTP {status}")
    return json.loads(body)


def command_wait(args):
    def answers_200():
        status, _ = get(args.port, "/latest.json")
        return status == 200

    waited = bench_common.wait_for(answers_200, args.timeout, args.pid, "the server", 0.05, say)
    if waited is None:
        say(f"no 200 for /latest.json on port {args.port} within {args.timeout} s")
        return 2
    return waited


def listed_topics(port):
    """Every topic of /latest.json, page by page."""
    topics, page = [], 0
    while True:
        answer = get_json(port, f"/latest.json?page={page}")
        topics += answer["topic_list"]["topics"]
        if "more_topics_url" not in answer["topic_list"]:
            return topics
        page += 1


def command_prepare(args):
    port, out = args.port, args.out
    topics = listed_topics(port)
    if not topics:
        say("the forum lists no topics")
        return 2
    # The topic: the first (newest) one long enough to need posts.json after its first page.
    chosen = next((t for t in topics if t["posts_count"] >= POSTS_BEYOND_FIRST_PAGE), None)
    chosen = chosen or max(topics, key=lambda t: t["posts_count"])
    topic = get_json(port, f"/t/{chosen['id']}.json")
    stream = topic["post_stream"]["stream"]
    later = stream[20:40] or stream[:20]
    posts_target = f"/t/{chosen['id']}/posts.json?" + "&".join(f"post_ids[]={i}" for i in later)
    # An upload: the first one cooked into a post of the listed topics.
    upload = None
    for item in [chosen] + topics:
        body = get(port, f"/t/{item['id']}.json")[1].decode("utf-8")
        found = re.search(r'/uploads/default/original/[0-9]+X/[^"\\ ]+\.png', body)
        if found:
            upload = found.group(0)
            break
    if upload is None:
        say("no upload found in the listed topics")
        return 2
    routes = [
        ("latest.json", "/latest.json"),
        ("topic.json", f"/t/{chosen['id']}.json"),
        ("posts.json", posts_target),
        ("upload", upload),
        ("sitemap_1.xml", "/sitemap_1.xml"),
        ("topic page (HTML)", f"/t/{chosen['slug']}/{chosen['id']}"),
    ]
    # The same bodies as static files, at their paths, for nginx (the query is not part of a file
    # name: nginx serves a file by path).
    with open(os.path.join(out, "routes.tsv"), "w", encoding="utf-8") as listing:
        for name, target in routes:
            status, body = get(port, target, args.host)
            if status != 200:
                say(f"{target}: HTTP {status}")
                return 2
            path = os.path.join(out, "static", target.split("?")[0].lstrip("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(body)
            listing.write(f"{name}\t{target}\t{len(body)}\n")
            say(f"{name}: {target[:90]} ({len(body)} bytes)")
    # Topics the write workload replies to: listed ones, not closed or archived.
    open_ids = [str(t["id"]) for t in topics if not t["closed"] and not t["archived"]][:200]
    with open(os.path.join(out, "reply_topics.txt"), "w", encoding="utf-8") as f:
        f.write(",".join(open_ids) + "\n")
    return 0


def command_compare(args):
    failures = 0
    with open(args.routes, encoding="utf-8") as f:
        routes = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for name, target, _ in routes:
        a = get(args.port_a, target, args.host)
        b = get(args.port_b, target, args.host)
        if a[0] != 200 or b[0] != 200 or a[1] != b[1]:
            say(f"{name} ({target[:80]}): {args.name_a} {a[0]} {len(a[1])} bytes, {args.name_b} {b[0]} {len(b[1])} bytes")
            failures += 1
    if failures:
        return 1
    say(f"both servers answer the {len(routes)} routes with the same bytes")
    return 0


def median(values):
    return statistics.median(values) if values else float("nan")


def command_table(args):
    rows = []
    with open(args.results, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    with open(args.routes, encoding="utf-8") as f:
        routes = [line.rstrip("\n").split("\t") for line in f if line.strip()]

    def figures(route, server):
        runs = [r for r in rows if r["route"] == route and r["server"] == server]
        rate = [int(r["requests"]) / (int(r["duration_us"]) / 1e6) for r in runs]
        cpu = [int(r["proc_ticks"]) / int(r["clk_tck"]) / int(r["requests"]) * 1e6 for r in runs if int(r["requests"])]
        return {
            "runs": len(runs),
            "rate": median(rate),
            "p50": median([int(r["p50_us"]) / 1000 for r in runs]),
            "p99": median([int(r["p99_us"]) / 1000 for r in runs]),
            "cpu": median(cpu),
            "errors": sum(int(r["status_errors"]) for r in runs),
        }

    lines = [
        f"{args.date}, {args.machine}. Medians of {args.runs} runs a route and server, interleaved; each run "
        f"{args.duration} s of `wrk -t1 -c{args.connections}` on core 0 after a {args.warmup} s warm-up, the server "
        f"on core 1. The forum: `forumgate rehearsal-forum --generate {args.generate}`.",
        "",
        "| route | bytes | forumgate requests/s | nginx requests/s | forumgate ÷ nginx | forumgate CPU µs/request | "
        "nginx CPU µs/request | CPU ratio | forumgate p99 | nginx p99 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total_errors = 0
    for name, target, size in routes:
        fg, ng = figures(name, "forumgate"), figures(name, "nginx")
        total_errors += fg["errors"] + ng["errors"]
        lines.append(
            f"| {name} | {int(size):,} | {fg['rate']:,.0f} | {ng['rate']:,.0f} | {fg['rate'] / ng['rate']:.2f} | "
            f"{fg['cpu']:.1f} | {ng['cpu']:.1f} | {fg['cpu'] / ng['cpu']:.2f} | {fg['p99']:.2f} ms | {ng['p99']:.2f} ms |"
        )
    writes = figures("POST /posts.json", "forumgate")
    lines.append("")
    if writes["runs"]:
        lines.append(
            f"Writes: `POST /posts.json` replies with the admin `Api-Key` (as `system`, `skip_validations=true`, a new "
            f"body each time, spread over {args.reply_topics} topics): **{writes['rate']:,.0f} posts/s** (floor 1,000), "
            f"{writes['cpu']:.1f} µs CPU a post, p99 {writes['p99']:.2f} ms, {writes['errors']} answers other than 200. "
            "nginx has no write side to compare with."
        )
    else:
        lines.append("Writes: not measured in this run.")
    busy_runs = [r for r in rows if int(r["busy_pct"]) >= args.quiet_percent]
    lines.append("")
    lines.append(
        f"Answers with status ≥ 400 during the read runs: {total_errors}. Runs started while other programs kept the "
        f"machine {args.quiet_percent}% busy or more: {len(busy_runs)} of {len(rows)}"
        + (f" (at most {max(int(r['busy_pct']) for r in busy_runs)}%): their latencies are the least sure figures."
           if busy_runs else ".")
    )
    return bench_common.publish_table(lines, args.doc, BEGIN_MARK, END_MARK, say)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    wait = commands.add_parser("wait")
    wait.add_argument("--port", type=int, required=True)
    wait.add_argument("--timeout", type=float, default=120)
    wait.add_argument("--pid", type=int)
    prepare = commands.add_parser("prepare")
    prepare.add_argument("--port", type=int, required=True)
    prepare.add_argument("--host", required=True)
    prepare.add_argument("--out", required=True)
    compare = commands.add_parser("compare")
    compare.add_argument("--routes", required=True)
    compare.add_argument("--host", required=True)
    compare.add_argument("--port-a", type=int, required=True)
    compare.add_argument("--name-a", default="forumgate")
    compare.add_argument("--port-b", type=int, required=True)
    compare.add_argument("--name-b", default="nginx")
    table = commands.add_parser("table")
    table.add_argument("--results", required=True)
    table.add_argument("--routes", required=True)
    table.add_argument("--doc")
    table.add_argument("--date", required=True)
    table.add_argument("--machine", required=True)
    table.add_argument("--runs", type=int, required=True)
    table.add_argument("--duration", type=int, required=True)
    table.add_argument("--warmup", type=int, required=True)
    table.add_argument("--connections", type=int, required=True)
    table.add_argument("--generate", type=int, required=True)
    table.add_argument("--reply-topics", type=int, default=0)
    table.add_argument("--quiet-percent", type=int, default=10)
    args = parser.parse_args()
    return {"wait": command_wait, "prepare": command_prepare, "compare": command_compare, "table": command_table}[
        args.command
    ](args)


if __name__ == "__main__":
    sys.exit(main())
