#!/usr/bin/env python3
"""First visits: how long one request waits when nothing is cached (issue: fast at a
million events). The serving benchmark measures throughput with the response cache on, so
after the first request every page there is a cache hit; this script measures the work
behind a page: the server runs with `--cache-mb 0`, and each address is asked 5 times in a
row on the otherwise idle server (median, and the first). Standard library only.

It uses the database `bench/serve_bench.py --events N` prepared (target/bench/N/), so run
that once first. The addresses cover the views a reader builds: date ranges of different
lengths, each alone and combined with a category, a place, an actor, a search, plus the
JSON API and the event page.

Usage: python3 bench/first_visit.py [--events 1000000] [--runs 5] [--no-build]
"""
import argparse, http.client, json, os, socket, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "conflict-timeline")

MONTH = "from=2020-01-01&to=2020-01-31"
YEAR = "from=2020-01-01&to=2020-12-31"
ALL = "from=1988-01-01&to=2025-12-31"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return resp.status, body, elapsed * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    db = os.path.join(ROOT, "target", "bench", str(a.events), "conflict-timeline.db")
    if not os.path.exists(db):
        sys.exit(f"{db} is missing: run python3 bench/serve_bench.py --events {a.events} first")
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)

    port = free_port()
    server = subprocess.Popen([BIN, "--db", db, "--cache-mb", "0", "--bind", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                if get(port, "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("the server did not become ready")
        # An actor and an event that exist in this database.
        _, body, _ = get(port, f"/api/events?{MONTH}&limit=1")
        first = json.loads(body)["events"][0]
        actor = first["actors"][0]["slug"] if first.get("actors") else None
        slug = first["slug"]
        views = [
            ("one month", f"/?{MONTH}"),
            ("one month, one category", f"/?{MONTH}&category=military"),
            ("one month, one place", f"/?{MONTH}&place=Lachin"),
            ("one month, one actor", f"/?{MONTH}&actor={actor}"),
            ("one month, a search", f"/?{MONTH}&q=blockade"),
            ("one year, one category", f"/?{YEAR}&category=military"),
            ("38 years, one category", f"/?{ALL}&category=military"),
            ("38 years, one actor", f"/?{ALL}&actor={actor}"),
            ("whole span", "/"),
            ("whole span, one category", "/?category=military"),
            ("search", "/?q=blockade+Lachin"),
            ("JSON, one month of one category", f"/api/events?{MONTH}&category=military"),
            ("event page", f"/events/{slug}"),
        ]
        rows = []
        for name, path in views:
            times = []
            for _ in range(a.runs):
                status, _, ms = get(port, path)
                if status != 200:
                    sys.exit(f"{path}: status {status}")
                times.append(ms)
            rows.append((name, path, times[0], statistics.median(times)))
            print(f"{name:34} {statistics.median(times):8.1f} ms  ({path})", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"\nFirst visits at {a.events:,} events (`--cache-mb 0`, {a.runs} sequential requests each, idle server):\n")
    print("| view | address | first ms | median ms |")
    print("|---|---|---:|---:|")
    for name, path, first_ms, median in rows:
        print(f"| {name} | `{path}` | {first_ms:.1f} | {median:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
