#!/usr/bin/env python3
"""The driver of scripts/bench/soak (Python standard library only).

Starts `forumgate serve` (pinned to the server core) on the store the shell half filled, then:

  baseline  wrk at saturation with the Zipf mix, a SIGHUP reload every --reload-every s (after a
            topic renamed and after a rule changed in turn, each compared and layered);
  soak      the same for --soak s with --idle kept-alive idle connections held open;
  attack    wrk for --attack s, no reload, with beside it the request floods that once
            exhausted the server's memory (an endless chunk extension, trailer, header or body),
            each reconnecting as soon as it is cut off, and --slowloris connections trickling a
            header;

samples the server's RSS every second, reads its /metrics, stops it, checks the floors, prints
a Markdown table and (with --doc) writes it into docs/benchmarks.md. Exit status: 0 every floor
met, 1 one missed (the table says which), 2 a tool or the server failed.

Load and attack traffic stays on loopback: the server listens on its own 127.0.0.x, the idle and
attacking clients come from others.
"""

import argparse
import asyncio
import http.client
import os
import re
import signal
import subprocess
import sys
import time

import bench_common

BEGIN_MARK = "<!-- soak:begin (written by scripts/bench/soak) -->"
END_MARK = "<!-- soak:end -->"

say = bench_common.sayer("soak.py")


class Failure(Exception):
    """A tool or the server failed: exit 2."""


# ---------------------------------------------------------------------------------------------
# the server


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise Failure(f"no VmRSS for pid {pid}")


def metrics(admin):
    """The server's /metrics as {name{labels}: value}."""
    host, port = admin.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", "/metrics")
    body = connection.getresponse().read().decode()
    connection.close()
    values = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def metric_sum(values, prefix):
    return sum(v for k, v in values.items() if k == prefix or k.startswith(prefix + "{"))


class Server:
    def __init__(self, args):
        self.args = args
        self.log = open(os.path.join(args.work, "forumgate.log"), "ab")
        command = ["taskset", "-c", str(args.server_core), args.binary, "serve", "--db", args.db,
                   "--listen", f"{args.address}:{args.port}", "--admin-listen", args.admin,
                   "--threads", "1", "--max-connections", str(args.max_connections), "--stats-interval", "0",
                   "--miss-log-interval", "0", "--no-listen-for-changes"]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, probe, host, timeout):
        def answers_301():
            connection = http.client.HTTPConnection(self.args.address, self.args.port, timeout=2)
            connection.request("GET", probe, headers={"Host": host})
            status = connection.getresponse().status
            connection.close()
            return status == 301

        if bench_common.wait_for(answers_301, timeout, self.process.pid, "forumgate", 0.05, say) != 0:
            raise Failure(f"forumgate did not start; see {self.log.name}")

    def alive(self):
        return self.process.poll() is None

    def rss(self):
        return rss_kib(self.process.pid)

    def reload(self):
        """A SIGHUP, alternately after a topic renamed in the store and after a rule changed: each
        reload compares the map with the store and layers what differs."""
        self.reloads = getattr(self, "reloads", 0) + 1
        if self.reloads % 2:
            change = (f"UPDATE forumgate.topics SET new_slug = 'soak-renamed-{self.reloads}' "
                      "WHERE old_id = (SELECT min(old_id) FROM forumgate.topics)")
        else:
            change = ("INSERT INTO forumgate.rules VALUES (999999, '^/soak-reload$', "
                      f"'/t/soak/{self.reloads}', 'redirect') ON CONFLICT (position) DO UPDATE SET "
                      "replacement = excluded.replacement")
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.args.db, "-c", change], check=True,
                       stdout=subprocess.DEVNULL)
        self.process.send_signal(signal.SIGHUP)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                say("forumgate did not stop within 30 s; killing it")
                self.process.kill()
                self.process.wait()
        self.log.close()


# ---------------------------------------------------------------------------------------------
# clients


def request_bytes(host, target):
    return f"GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: forumgate-soak\r\n\r\n".encode()


async def read_response(reader):
    """Read one response with a Content-Length (every answer of the server has one)."""
    head = await reader.readuntil(b"\r\n\r\n")
    match = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
    if match and int(match.group(1)):
        await reader.readexactly(int(match.group(1)))
    return int(head.split(b" ", 2)[1])


class Idle:
    """Holds `count` kept-alive connections open and idle: each makes one request, then one
    more every `every` s (under the server's keep-alive timeout), and is reopened if closed."""

    def __init__(self, args, source):
        self.args = args
        self.source = source
        self.open = 0
        self.reopened = 0
        self.errors = 0
        self.stopping = False
        self.tasks = []

    async def one(self, index):
        args = self.args
        first = True
        # Spread the keep-alive requests over the period.
        await asyncio.sleep(index * 0.0005)
        while not self.stopping:
            writer = None
            try:
                reader, writer = await asyncio.open_connection(args.address, args.port,
                                                               local_addr=(self.source, 0))
                if not first:
                    self.reopened += 1
                first = False
                self.open += 1
                try:
                    delay = (index % 1000) / 1000 * args.idle_every
                    while not self.stopping:
                        writer.write(request_bytes(args.host, args.idle_target))
                        await writer.drain()
                        await read_response(reader)
                        await asyncio.sleep(delay)
                        delay = args.idle_every
                finally:
                    self.open -= 1
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                if not self.stopping:
                    self.errors += 1
                    await asyncio.sleep(1)
            finally:
                if writer:
                    writer.close()

    async def start(self):
        self.tasks = [asyncio.create_task(self.one(i)) for i in range(self.args.idle)]
        deadline = time.time() + 120
        while self.open < self.args.idle and time.time() < deadline:
            await asyncio.sleep(0.5)
        if self.open < self.args.idle:
            raise Failure(f"only {self.open} of {self.args.idle} idle connections opened "
                          f"(raise the open-files limit?)")

    async def stop(self):
        self.stopping = True
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


class Attacks:
    """The request floods that once exhausted the server's memory, and a slowloris; each connection
    reconnects when cut off.
    Counts connections made, bytes sent and how each ended."""

    FLOODS = {
        # An endless chunk extension, then an endless trailer, on a chunked POST.
        "chunk-extension": (b"POST /t/x/1 HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=", b"a"),
        "trailer": (b"POST /t/x/1 HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ", b"a"),
        # An endless header line, and an endless body announced as a terabyte.
        "header": (b"GET /t/x/1 HTTP/1.1\r\nHost: {host}\r\nX-Long: ", b"a"),
        "body": (b"POST /t/x/1 HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1000000000000\r\n\r\n", b"a"),
    }

    def __init__(self, args, source):
        self.args = args
        self.source = source
        self.stopping = False
        self.tasks = []
        self.connections = {}
        self.sent = {}
        self.statuses = {}

    def note(self, kind, status):
        counts = self.statuses.setdefault(kind, {})
        counts[status] = counts.get(status, 0) + 1

    async def flood(self, kind):
        head, filler = self.FLOODS[kind]
        head = head.replace(b"{host}", self.args.host.encode())
        chunk = filler * 65536
        while not self.stopping:
            writer = None
            try:
                reader, writer = await asyncio.open_connection(self.args.address, self.args.port,
                                                               local_addr=(self.source, 0))
                self.connections[kind] = self.connections.get(kind, 0) + 1
                writer.write(head)
                answer = asyncio.create_task(reader.read(256))
                # Send until the server answers or closes; at most --flood-rate bytes/s each.
                while not self.stopping and not answer.done():
                    writer.write(chunk)
                    await writer.drain()
                    self.sent[kind] = self.sent.get(kind, 0) + len(chunk)
                    await asyncio.sleep(len(chunk) / self.args.flood_rate)
                data = await answer if answer.done() else b""
                answer.cancel()
                self.note(kind, data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "closed")
            except (ConnectionResetError, BrokenPipeError):
                self.note(kind, "reset")
            except OSError as e:
                self.note(kind, f"error {e.errno}")
                await asyncio.sleep(0.5)
            finally:
                if writer:
                    writer.close()
            await asyncio.sleep(0.05)

    async def slowloris(self, index):
        await asyncio.sleep(index * 0.01)
        while not self.stopping:
            writer = None
            try:
                reader, writer = await asyncio.open_connection(self.args.address, self.args.port,
                                                               local_addr=(self.source, 0))
                self.connections["slowloris"] = self.connections.get("slowloris", 0) + 1
                writer.write(f"GET /t/x/1 HTTP/1.1\r\nHost: {self.args.host}\r\n".encode())
                answer = asyncio.create_task(reader.read(256))
                while not self.stopping and not answer.done():
                    writer.write(b"X-a: b\r\n")
                    await writer.drain()
                    self.sent["slowloris"] = self.sent.get("slowloris", 0) + 8
                    await asyncio.wait([answer], timeout=self.args.slowloris_every)
                data = await answer if answer.done() else b""
                self.note("slowloris", data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "closed")
            except (ConnectionResetError, BrokenPipeError):
                self.note("slowloris", "reset")
            except OSError as e:
                self.note("slowloris", f"error {e.errno}")
                await asyncio.sleep(0.5)
            finally:
                if writer:
                    writer.close()

    def start(self):
        for kind in self.FLOODS:
            for _ in range(self.args.floods):
                self.tasks.append(asyncio.create_task(self.flood(kind)))
        for i in range(self.args.slowloris):
            self.tasks.append(asyncio.create_task(self.slowloris(i)))

    async def stop(self):
        self.stopping = True
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


# ---------------------------------------------------------------------------------------------
# a phase: wrk at saturation, reloads, RSS samples


def parse_result(text):
    match = re.search(r"^RESULT (.*)$", text, re.MULTILINE)
    if not match:
        raise Failure(f"no RESULT line from wrk:\n{text}")
    return {k: int(v) for k, v in (field.split("=") for field in match.group(1).split())}


async def phase(name, args, server, seconds, reload_every):
    """Run wrk for `seconds` with a reload every `reload_every` s (0: none); return its figures and
    the RSS samples [(second, KiB, seconds since the last reload)]."""
    reloads_said = f"a reload every {reload_every} s" if reload_every else "no reload"
    say(f"{name}: {seconds} s at saturation ({args.connections} connections), {reloads_said}")
    env = dict(os.environ, TARGETS=args.targets, HOST_HEADER=args.host)
    wrk = await asyncio.create_subprocess_exec(
        "taskset", "-c", str(args.client_core), "wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s",
        "--latency", "-s", args.lua, f"http://{args.address}:{args.port}", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output = asyncio.create_task(wrk.stdout.read())
    start = time.time()
    last_reload = start
    reloads = 0
    samples = []
    while not output.done():
        await asyncio.wait([output], timeout=1)
        now = time.time()
        if not server.alive():
            raise Failure(f"forumgate exited during the {name} phase")
        samples.append((now - start, server.rss(), now - last_reload))
        if reload_every and now - last_reload >= reload_every and now - start < seconds - 2:
            server.reload()
            reloads += 1
            last_reload = now
    await wrk.wait()
    text = output.result().decode(errors="replace")
    result = parse_result(text)
    result["reloads"] = reloads
    result["errors"] = result["connect"] + result["read"] + result["write"] + result["timeout"] + result["status"]
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    say(f"{name}: {result['rps']:.0f} requests/s, p99 {result['p99_us']} µs, errors {result['errors']}, "
        f"{reloads} reloads, RSS {samples[0][1] // 1024}–{max(s[1] for s in samples) // 1024} MiB")
    return result, samples


def steady(samples, after, reload_every):
    """RSS samples taken after `after` s and at least half a reload period after a reload: the
    map in memory alone, not two maps during a rebuild."""
    return [kib for second, kib, since in samples if second >= after and since >= reload_every / 2]


def redirected_targets(args):
    """Write the targets the server answers 301 (the mix holds unknown ids, answered 404) to a
    file of their own and return its name: any other status during the phases is then an error."""
    with open(args.targets, encoding="utf-8") as f:
        targets = [line.rstrip("\n") for line in f if line.strip()]
    answers = {}
    connection = http.client.HTTPConnection(args.address, args.port, timeout=5)
    for target in targets:
        if target not in answers:
            connection.request("GET", target, headers={"Host": args.host})
            response = connection.getresponse()
            response.read()
            answers[target] = response.status
    connection.close()
    kept = [t for t in targets if answers[t] == 301]
    name = os.path.join(args.work, "targets-301.txt")
    with open(name, "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in kept))
    say(f"{len(kept):,} of {len(targets):,} targets are answered 301; the others are left out")
    return name


async def run(args):
    server = Server(args)
    try:
        server.wait_ready(args.probe, args.host, 300)
        args.targets = redirected_targets(args)
        await asyncio.sleep(2)
        idle_rss = server.rss()
        say(f"server started; idle RSS {idle_rss / 1024:.1f} MiB")
        base, base_samples = await phase("baseline", args, server, args.baseline, args.reload_every)

        idle = Idle(args, args.idle_source)
        say(f"opening {args.idle} idle keep-alive connections from {args.idle_source}")
        await idle.start()
        held_rss = server.rss()
        soak, soak_samples = await phase("soak", args, server, args.soak, args.reload_every)
        held_at_end = idle.open
        soak_metrics = metrics(args.admin)
        await idle.stop()
        say(f"idle connections: {held_at_end} open at the end, {idle.reopened} reopened, {idle.errors} errors")
        # The server gives the heap of closed connections back at its next check, every 5 s
        # (TRIM_CHECK_INTERVAL, redirector/server.cpp): the attack starts after it, so that its
        # RSS is what the attack costs, not what the idle connections left.
        await asyncio.sleep(7)

        attacks = Attacks(args, args.attack_source)
        attacks.start()
        # No reload here: a reload holds two maps for a moment, and what is measured is what
        # the attacks cost.
        attack, attack_samples = await phase("attack", args, server, args.attack, 0)
        await attacks.stop()
        final_metrics = metrics(args.admin)
        after_rss = server.rss()
    finally:
        server.stop()

    figures = {
        "idle_rss": idle_rss, "held_rss": held_rss, "after_rss": after_rss, "held_at_end": held_at_end,
        "idle_reopened": idle.reopened, "idle_errors": idle.errors, "base": base, "soak": soak, "attack": attack,
        "soak_steady": steady(soak_samples, 60, args.reload_every), "soak_peak": max(s[1] for s in soak_samples),
        "attack_peak": max(s[1] for s in attack_samples), "soak_metrics": soak_metrics,
        "final_metrics": final_metrics, "attacks": attacks,
    }
    with open(os.path.join(args.work, "rss.tsv"), "w", encoding="ascii") as f:
        f.write("phase\tsecond\trss_kib\tsince_reload_s\n")
        for name, samples in (("baseline", base_samples), ("soak", soak_samples), ("attack", attack_samples)):
            for second, kib, since in samples:
                f.write(f"{name}\t{second:.1f}\t{kib}\t{since:.1f}\n")
    return figures


# ---------------------------------------------------------------------------------------------
# the table


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def table(args, f):
    checks = []

    def check(what, value, floor, met):
        checks.append(met)
        lines.append(f"| {what} | {value} | {floor} | {'met' if met else '**missed**'} |")

    base, soak, attack = f["base"], f["soak"], f["attack"]
    lines = [f"Run of {args.date}: {args.machine}; map of {args.topics:,} topics; wrk {args.connections} connections "
             f"on core {args.client_core}, the server on core {args.server_core}; a SIGHUP reload (a topic renamed, "
             f"a rule changed, in turn) every "
             f"{args.reload_every} s in the baseline and the soak.", "",
             "| figure | value | floor | |", "|---|---:|---:|---|"]
    check(f"soak: errors in {soak['requests']:,} requests over {args.soak} s with {args.idle:,} idle connections",
          soak["errors"], "0", soak["errors"] == 0)
    check("soak: idle connections still open at the end (reopened)", f"{f['held_at_end']:,} ({f['idle_reopened']})",
          f"{args.idle:,} (0)", f["held_at_end"] == args.idle and f["idle_reopened"] == 0)
    reloads_ok = metric_sum(f["final_metrics"], 'forumgate_reloads_total{result="ok"}')
    reloads_failed = metric_sum(f["final_metrics"], 'forumgate_reloads_total{result="failed"}')
    total_reloads = base["reloads"] + soak["reloads"] + attack["reloads"]
    check("reloads done (failed), all phases", f"{reloads_ok:.0f} ({reloads_failed:.0f})", f"{total_reloads} (0)",
          reloads_ok == total_reloads and reloads_failed == 0)
    steady_rss = f["soak_steady"]
    spread = (max(steady_rss) - min(steady_rss)) / min(steady_rss) if steady_rss else 1
    check("soak: RSS between reloads after the first minute, lowest–highest",
          f"{mib(min(steady_rss))}–{mib(max(steady_rss))} ({spread:.1%})", "within 5%", spread <= 0.05)
    lines.append(f"| soak: RSS peak, reloads included | {mib(f['soak_peak'])} | | |")
    ratio = soak["p99_us"] / base["p99_us"]
    check("p99 latency, soak ÷ baseline (no idle connections)",
          f"{soak['p99_us']} µs ÷ {base['p99_us']} µs = {ratio:.2f}", "2", ratio <= 2)
    lines.append(f"| requests/s: baseline / soak / attack | {base['rps']:,.0f} / {soak['rps']:,.0f} / "
                 f"{attack['rps']:,.0f} | | |")
    check(f"attack: errors of the honest clients in {attack['requests']:,} requests", attack["errors"], "0",
          attack["errors"] == 0)
    limit = f["idle_rss"] + 64 * 1024
    check("attack: RSS peak, ÷ the idle server's + 64 MiB",
          f"{mib(f['attack_peak'])} (idle {mib(f['idle_rss'])})", mib(limit), f["attack_peak"] < limit)
    attacks = f["attacks"]
    for kind in list(Attacks.FLOODS) + ["slowloris"]:
        ends = ", ".join(f"{status} × {count:,}" for status, count in sorted(attacks.statuses.get(kind, {}).items()))
        lines.append(f"| attack `{kind}`: connections, MiB sent, how they ended | "
                     f"{attacks.connections.get(kind, 0):,}, {attacks.sent.get(kind, 0) / 2**20:,.1f}, {ends or '—'} | | |")
    lines.append(f"| RSS with {args.idle:,} idle connections held, before the soak / after the attack | "
                 f"{mib(f['held_rss'])} / {mib(f['after_rss'])} | | |")
    return lines, all(checks)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--targets", required=True)
    parser.add_argument("--lua", required=True)
    parser.add_argument("--host", required=True, help="the old host (Host header)")
    parser.add_argument("--probe", required=True, help="a target answered 301")
    parser.add_argument("--idle-target", required=True, help="the target idle connections ask for")
    parser.add_argument("--address", default="127.0.0.41")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--admin", required=True, help="ADDRESS:PORT of the admin listener")
    parser.add_argument("--idle-source", default="127.0.0.42")
    parser.add_argument("--attack-source", default="127.0.0.43")
    parser.add_argument("--server-core", type=int, default=1)
    parser.add_argument("--client-core", type=int, default=0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--max-connections", type=int, default=12000)
    parser.add_argument("--baseline", type=int, default=120)
    parser.add_argument("--soak", type=int, default=600)
    parser.add_argument("--attack", type=int, default=120)
    parser.add_argument("--reload-every", type=int, default=30)
    parser.add_argument("--idle", type=int, default=10000)
    parser.add_argument("--idle-every", type=float, default=40, help="seconds between an idle connection's requests")
    parser.add_argument("--floods", type=int, default=3, help="connections of each flood")
    parser.add_argument("--flood-rate", type=float, default=8 * 2**20, help="bytes/s at most of one flood connection")
    parser.add_argument("--slowloris", type=int, default=300)
    parser.add_argument("--slowloris-every", type=float, default=5)
    parser.add_argument("--topics", type=int, required=True)
    parser.add_argument("--machine", default="")
    parser.add_argument("--date", default=time.strftime("%Y-%m-%d", time.gmtime()))
    parser.add_argument("--doc", help="write the table into this file between the soak marks")
    args = parser.parse_args()
    try:
        figures = asyncio.run(run(args))
    except Failure as e:
        say(str(e))
        return 2
    lines, met = table(args, figures)
    status = bench_common.publish_table(lines, args.doc, BEGIN_MARK, END_MARK, say)
    if status:
        return status
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
