#!/usr/bin/env python3
"""Soak test: the release build under 256 concurrent connections for a while, then a
SIGTERM in the middle of load.

1. Builds the release binary (unless --no-build), creates a database in a temporary
   directory (the bundled dataset plus --generate synthetic events), and serves it.
2. Drives --connections connections for --duration seconds with wrk (bench/soak.lua picks
   a random path per request from a list that mixes every route: the timeline with filters,
   search, event pages, the API, exports, static files, health probes).
3. Reports total requests, status counts, socket errors and the server's RSS at start,
   peak and end; fails if any response is a 5xx other than a deliberate 503 (load
   shedding), or if wrk saw read/write errors (connections reset).
4. Starts load again with a Python client (fresh connection per request), sends SIGTERM
   mid-load, and checks that every request the server had accepted completed with a whole
   response, and that the process exited 0.

With --slow-clients N (before step 4): 32 normal wrk clients over the same mix without
exports, for --slow-duration seconds alone and then again while N other connections are
slow or idle (a third send their request head a byte a second, a third connect and send
nothing, a third make one request and then keep the connection idle; each reconnects when
the server cuts it off). Reports both p50/p99, how many slow connections the server cut off,
and fails if the p99 with slow clients is more than 1.5 times the p99 without (plus 5 ms).

Needs wrk (Debian package `wrk`; installed with apt-get if missing and running as root).
Usage: bench/soak.py [--duration 300] [--connections 256] [--generate 20000] [--no-build]
                     [--slow-clients 1000] [--slow-duration 30]
"""

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "conflict-timeline")
LUA = os.path.join(ROOT, "bench", "soak.lua")


def log(*args):
    print(*args, flush=True)


def ensure_wrk():
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing wrk (apt-get)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")


def generate_csv(path, rows, seed=7):
    rng = random.Random(seed)
    actors = ["Armenia", "Azerbaijan", "Russia", "Turkey", "Iran", "Artsakh", "OSCE", "EU",
              "United States", "France", "Georgia", "UN"]
    places = ["Stepanakert", "Shusha", "Hadrut", "Martuni", "Lachin", "Kalbajar", "Agdam",
              "Fuzuli", "Jabrayil", "Goris", "Yerevan", "Baku", "Ganja", "Tartar"]
    categories = ["military", "diplomatic", "political", "humanitarian", "ceasefire", "protest"]
    words = ("ceasefire shelling talks border village corridor refugees observers mediation "
             "negotiators casualties artillery drone peacekeepers convoy statement").split()
    with open(path, "w", encoding="utf-8") as f:
        f.write("id,title,start_date,date_precision,category,actors,location,summary,"
                "source_url,conflict\n")
        for i in range(rows):
            y = rng.randint(1988, 2025)
            m = rng.randint(1, 12)
            d = rng.randint(1, 28)
            place = rng.choice(places)
            cat = rng.choice(categories)
            who = ";".join(rng.sample(actors, rng.randint(1, 3)))
            summary = " ".join(rng.choice(words) for _ in range(rng.randint(12, 30)))
            precision = rng.choice(["day", "day", "day", "month", "year"])
            f.write(f"{i},{cat.title()} near {place} {i},{y:04}-{m:02}-{d:02},{precision},{cat},"
                    f"{who},{place},{summary},https://example.org/s/{i},soak\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def start_server(db, port):
    proc = subprocess.Popen(
        [BIN, "serve", "--db", db, "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, RUST_LOG="warn"),
    )
    line = proc.stdout.readline()
    if "is serving" not in line:
        proc.kill()
        sys.exit(f"the server did not start: {line}{proc.stderr.read()}")
    # Keep draining both pipes so that the server never blocks on a full pipe.
    errors = []

    def drain(stream, keep):
        for l in stream:
            if keep is not None and len(keep) < 2000:
                keep.append(l)

    threading.Thread(target=drain, args=(proc.stdout, None), daemon=True).start()
    threading.Thread(target=drain, args=(proc.stderr, errors), daemon=True).start()
    proc.log_lines = errors
    return proc


def get(base, path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return r.read().decode("utf-8", "replace")


def route_mix(base):
    """Paths for every route, weighted roughly like real traffic."""
    events = json.loads(get(base, "/api/events?limit=500"))["events"]
    slugs = [e["slug"] for e in events]
    home = get(base, "/")
    static = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', home)))
    actors, categories = set(), set()
    for e in events:
        categories.add(e.get("category", "event"))
        for a in e.get("actors", []):
            if isinstance(a, dict) and a.get("slug"):
                actors.add(a["slug"])
    actors = sorted(actors) or ["armenia"]
    categories = sorted(categories) or ["military"]
    years = list(range(1988, 2026))
    paths = []
    rng = random.Random(1)
    for _ in range(40):
        y = rng.choice(years)
        paths += [
            "/",
            f"/?from={y}&to={min(y + rng.randint(0, 3), 2025)}",
            f"/?from={y}-{rng.randint(1, 12):02}",
            f"/?category={rng.choice(categories)}",
            f"/?actor={rng.choice(actors)}&from={y}",
            f"/?q={rng.choice(['ceasefire', 'shelling', 'talks', 'peacekeep*', 'border OR corridor', 'Stepanakert'])}",
            f"/?q=drone&page={rng.randint(1, 3)}",
            f"/search?q={rng.choice(['convoy', 'refugees'])}",
            f"/events/{rng.choice(slugs)}",
            f"/events/{rng.choice(slugs)}",
            f"/api/events?from={y}&limit={rng.choice([10, 50, 200])}",
            f"/api/events?q=ceasefire&category={rng.choice(categories)}",
            f"/api/events/{rng.choice(slugs)}",
            "/api/conflicts",
            f"/export/events.csv?from={y}&to={y}",
            f"/export/events.ics?from={y}&to={y}",
            f"/export/events.atom?category={rng.choice(categories)}",
            f"/export/timelinejs.json?from={y}&to={y}",
            "/healthz",
            "/readyz",
            "/events/no-such-event",
            "/?from=1988-13",
        ]
    paths += ["/api/openapi.json"] * 10
    paths += static * 20
    return paths


def run_wrk(base, paths_file, connections, duration, proc):
    env = dict(os.environ, SOAK_PATHS=paths_file)
    threads = str(min(2, os.cpu_count() or 2))
    cmd = ["wrk", "-t", threads, "-c", str(connections), "-d", f"{duration}s",
           "--timeout", "15s", "-s", LUA, base]
    log("$", " ".join(cmd))
    wrk = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env=env)
    peak = rss_kib(proc.pid) or 0
    while wrk.poll() is None:
        time.sleep(1)
        peak = max(peak, rss_kib(proc.pid) or 0)
    out = wrk.stdout.read()
    m = re.search(r"^SOAKJSON (.*)$", out, re.M)
    if not m:
        sys.exit(f"wrk gave no summary:\n{out}")
    return json.loads(m.group(1)), peak, out


# ---- Slow and idle clients ---------------------------------------------------------------

async def slow_connection(port, kind, stop, stats):
    """One slow or idle client, reconnecting whenever the server closes it."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            stats["connect_errors"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["open"] += 1
        opened = time.monotonic()
        try:
            if kind == "idle-after-request":
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: slow\r\n\r\n")
                await writer.drain()
                await reader.readuntil(b"ok\n")
            if kind == "slow-head":
                head = b"GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: " + b"a" * 200
                for i in range(len(head)):
                    if stop.is_set():
                        break
                    writer.write(head[i:i + 1])
                    await writer.drain()
                    try:
                        if await asyncio.wait_for(reader.read(1), timeout=1.0) == b"":
                            break
                    except asyncio.TimeoutError:
                        pass
            else:
                while not stop.is_set():
                    try:
                        if await asyncio.wait_for(reader.read(1), timeout=1.0) == b"":
                            break
                    except asyncio.TimeoutError:
                        pass
            if not stop.is_set():
                stats["cut_off"] += 1
                stats["held_s"].append(time.monotonic() - opened)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            stats["cut_off"] += 1
        finally:
            stats["open"] -= 1
            writer.close()


async def with_slow_clients(port, n, work):
    """Runs the blocking `work` in a thread while `n` slow or idle connections are held."""
    stop = asyncio.Event()
    stats = {"open": 0, "cut_off": 0, "connect_errors": 0, "held_s": [], "peak_open": 0}
    kinds = ["slow-head", "idle", "idle-after-request"]
    tasks = [asyncio.create_task(slow_connection(port, kinds[i % 3], stop, stats))
             for i in range(n)]
    await asyncio.sleep(3)
    result = asyncio.get_running_loop().run_in_executor(None, work)
    while not result.done():
        stats["peak_open"] = max(stats["peak_open"], stats["open"])
        await asyncio.sleep(0.25)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return await result, stats


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def slow_clients_phase(base, port, paths, tmp, n, duration, proc):
    """32 normal clients alone, then with `n` slow or idle ones; returns failures."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1024), hard))
    normal = [p for p in paths if not p.startswith("/export/")]
    normal_file = os.path.join(tmp, "normal-paths.txt")
    with open(normal_file, "w") as f:
        f.write("\n".join(normal) + "\n")
    log(f"\nSlow clients: 32 normal connections for {duration} s alone, then with {n} slow "
        f"or idle connections (exports left out of the mix)")
    alone, _, _ = run_wrk(base, normal_file, 32, duration, proc)
    fds_before = open_fds(proc.pid)
    fds_peak = [fds_before or 0]

    def work():
        return run_wrk(base, normal_file, 32, duration, proc)

    (slow, _, _), stats = asyncio.run(with_slow_clients(port, n, work))
    fds_peak.append(open_fds(proc.pid) or 0)
    held = sorted(stats["held_s"])
    median_held = held[len(held) // 2] if held else None
    for label, r in (("alone", alone), (f"with {n} slow", slow)):
        log(f"  {label}: {r['requests']} requests, p50 {r['p50_us'] / 1000:.1f} ms, "
            f"p99 {r['p99_us'] / 1000:.1f} ms, max {r['max_us'] / 1000:.0f} ms, "
            f"socket errors {r['connect'] + r['read'] + r['write'] + r['timeout']}, "
            f"statuses {dict(sorted((int(k), v) for k, v in r['statuses'].items()))}")
    log(f"  slow connections held open at peak: {stats['peak_open']}; cut off by the server: "
        f"{stats['cut_off']} (median held {median_held:.1f} s)" if median_held is not None else
        f"  slow connections held open at peak: {stats['peak_open']}; none cut off")
    log(f"  server file descriptors: {fds_before} before, {max(fds_peak)} after; RSS "
        f"{rss_kib(proc.pid)} KiB")
    failures = []
    if slow["p99_us"] > 1.5 * alone["p99_us"] + 5000:
        failures.append(f"p99 with slow clients {slow['p99_us'] / 1000:.1f} ms against "
                        f"{alone['p99_us'] / 1000:.1f} ms alone")
    if slow["read"] or slow["write"] or slow["connect"]:
        failures.append(f"normal clients saw socket errors with slow clients: {slow}")
    return failures


# ---- SIGTERM under load --------------------------------------------------------------------

async def one_request(port, path, term_at):
    """One request on a fresh connection; returns (sent_at, outcome)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        return None, f"connect: {e.__class__.__name__}"
    sent_at = None
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        sent_at = time.monotonic()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split()[1])
        headers = head.decode("latin-1").lower()
        m = re.search(r"content-length:\s*(\d+)", headers)
        if m:
            await reader.readexactly(int(m.group(1)))
        else:
            body = await reader.read()
            if "chunked" in headers and not body.endswith(b"0\r\n\r\n"):
                return sent_at, "truncated chunked body"
        return sent_at, status
    except (asyncio.IncompleteReadError, ConnectionError, OSError) as e:
        return sent_at, f"{e.__class__.__name__}"
    finally:
        writer.close()


async def sigterm_under_load(port, proc, paths, clients=64, before=3.0):
    results = []
    term_at = [None]
    stop = asyncio.Event()

    async def client(i):
        rng = random.Random(i)
        while not stop.is_set():
            sent_at, outcome = await one_request(port, rng.choice(paths), term_at)
            results.append((sent_at, outcome))
            if isinstance(outcome, str) and outcome.startswith("connect"):
                await asyncio.sleep(0.05)

    tasks = [asyncio.create_task(client(i)) for i in range(clients)]
    await asyncio.sleep(before)
    term_at[0] = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    # Keep the load on while the server drains, until it has exited.
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    exited_after = time.monotonic() - term_at[0]
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.gather(*tasks)
    return results, term_at[0], exited_after


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=300, help="seconds of load (300)")
    ap.add_argument("--connections", type=int, default=256)
    ap.add_argument("--generate", type=int, default=20000,
                    help="synthetic events added to the bundled dataset (20000; 0 for none)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--slow-clients", type=int, default=0,
                    help="also measure 32 clients beside this many slow or idle ones (0: no)")
    ap.add_argument("--slow-duration", type=int, default=30,
                    help="seconds of each slow-client run (30)")
    args = ap.parse_args()

    ensure_wrk()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="soak-")
    db = os.path.join(tmp, "soak.db")
    try:
        if args.generate:
            csv = os.path.join(tmp, "generated.csv")
            generate_csv(csv, args.generate)
            # The bundled dataset is seeded by the first serve; import it first the same way.
            subprocess.run([BIN, "import", "--db", db, "--conflict", "soak",
                            "--conflict-name", "Soak", csv], check=True,
                           stdout=subprocess.DEVNULL)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db, port)
        paths = route_mix(base)
        paths_file = os.path.join(tmp, "paths.txt")
        with open(paths_file, "w") as f:
            f.write("\n".join(paths) + "\n")
        rss_start = rss_kib(proc.pid)
        log(f"serving {db} ({args.generate} generated events) at {base}; "
            f"{len(paths)} paths, {len(set(paths))} distinct; RSS {rss_start} KiB")

        failures = []
        if args.slow_clients:
            failures += slow_clients_phase(base, port, paths, tmp, args.slow_clients,
                                           args.slow_duration, proc)
        summary, rss_peak, raw = run_wrk(base, paths_file, args.connections, args.duration, proc)
        rss_end = rss_kib(proc.pid)
        statuses = {int(k): v for k, v in summary["statuses"].items()}
        five_xx = {k: v for k, v in statuses.items() if k >= 500 and k != 503}
        socket_errors = {k: summary[k] for k in ("connect", "read", "write", "timeout")}
        log(raw.split("SOAKJSON")[0].rstrip())
        log(f"requests: {summary['requests']} in {summary['duration_us'] / 1e6:.0f} s "
            f"({summary['requests'] / (summary['duration_us'] / 1e6):.0f}/s); "
            f"p50 {summary['p50_us'] / 1000:.1f} ms, p99 {summary['p99_us'] / 1000:.1f} ms, "
            f"max {summary['max_us'] / 1000:.0f} ms")
        log(f"statuses: {dict(sorted(statuses.items()))}")
        log(f"socket errors: {socket_errors}")
        log(f"RSS: start {rss_start} KiB, peak {rss_peak} KiB, end {rss_end} KiB")

        if five_xx:
            failures.append(f"5xx other than 503: {five_xx}")
        if socket_errors["read"] or socket_errors["write"]:
            failures.append(f"connections reset or broken: {socket_errors}")
        if proc.poll() is not None:
            failures.append(f"the server died: {proc.returncode}")

        # SIGTERM in the middle of load.
        log("\nSIGTERM under load: 64 clients, fresh connection per request, signal after 3 s")
        heavy = [p for p in paths if p.startswith(("/export/", "/?q=", "/api/events?"))]
        results, term_at, exited_after = asyncio.run(sigterm_under_load(port, proc, heavy))
        code = proc.wait(timeout=30)
        before_term = [o for s, o in results if s is not None and s < term_at]
        completed = [o for o in before_term if isinstance(o, int)]
        broken = [o for o in before_term if not isinstance(o, int)]
        gaps = sorted(round((term_at - s) * 1000, 1) for s, o in results
                      if s is not None and s < term_at and not isinstance(o, int))
        after = [o for s, o in results if s is None or s >= term_at]
        after_ok = sum(1 for o in after if isinstance(o, int))
        log(f"requests sent before SIGTERM: {len(before_term)}; completed {len(completed)} "
            f"(statuses {dict(sorted(_count(completed).items()))}); broken {len(broken)} "
            f"{dict(_count(broken))}" + (f", sent {gaps} ms before the signal" if gaps else ""))
        log(f"requests after SIGTERM: {len(after)}, answered {after_ok}, refused/closed "
            f"{len(after) - after_ok} {dict(_count([o for o in after if not isinstance(o, int)]))}")
        log(f"the server exited {code} after {exited_after:.2f} s")
        if broken:
            failures.append(f"{len(broken)} accepted requests did not complete: {_count(broken)}")
        bad = {k: v for k, v in _count(completed).items() if k >= 500 and k != 503}
        if bad:
            failures.append(f"5xx during shutdown: {bad}")
        if code != 0:
            failures.append(f"exit status {code}: {''.join(proc.log_lines[-5:])}")
        panics = [l for l in proc.log_lines if "panicked" in l]
        if panics:
            failures.append(f"panics: {panics[:3]}")

        if failures:
            log("\nFAILED:\n  " + "\n  ".join(failures))
            return 1
        log("\nOK")
        return 0
    finally:
        try:
            if proc.poll() is None:
                proc.kill()
        except NameError:
            pass
        shutil.rmtree(tmp, ignore_errors=True)


def _count(items):
    counts = {}
    for i in items:
        counts[i] = counts.get(i, 0) + 1
    return counts


if __name__ == "__main__":
    sys.exit(main())
