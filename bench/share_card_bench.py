#!/usr/bin/env python3
"""Share-card previews at scale (issue 21): how long one 1200x630 PNG takes to draw when
nothing is cached, at N synthetic events (target: <= 50 ms at 1,000,000). Standard library
only.

The server runs with `--cache-mb 0` (no response cache) and no request carries
`If-None-Match`, so every request builds the overview from the database, writes the SVG,
rasterises and encodes it. Each address is asked --runs times in a row on the otherwise
idle server; the figure is the median of the wall time of the whole HTTP request (an upper
bound on the rendering), and the first request is shown apart (it parses the bundled fonts).

The data is the one bench/serve_bench.py uses (target/bench/N/): generated with
../shared/bench/gen_events.py (seed 42) and imported with the release binary, here if it is
not there yet.

Usage: python3 bench/share_card_bench.py [--events 1000000] [--runs 15] [--no-build]
"""
import argparse, http.client, json, os, socket, statistics, struct, subprocess, sys, time, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")
BIN = os.path.join(ROOT, "target", "release", "conflict-timeline")
TARGET_MS = 50.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return resp.status, body, elapsed * 1000


def png_size(data):
    """Width and height from a PNG's IHDR, after checking the signature and CRC."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    length = struct.unpack(">I", data[8:12])[0]
    chunk = data[12:16 + length]
    (crc,) = struct.unpack(">I", data[16 + length:20 + length])
    if zlib.crc32(chunk) != crc:
        raise ValueError("bad IHDR checksum")
    return struct.unpack(">II", data[16:24])


def prepare(n):
    cache = os.path.join(ROOT, "target", "bench", str(n))
    os.makedirs(cache, exist_ok=True)
    csv_path = os.path.join(cache, "events.csv")
    db = os.path.join(cache, "conflict-timeline.db")
    if not os.path.exists(csv_path + ".done"):
        subprocess.run([sys.executable, os.path.join(SHARED, "gen_events.py"), str(n), "-o", csv_path],
                       check=True)
        open(csv_path + ".done", "w").close()
    if not os.path.exists(db):
        subprocess.run([BIN, "import", csv_path, "--db", db, "--format", "csv", "--conflict",
                        "synthetic", "--conflict-name", "Synthetic benchmark conflict"],
                       check=True, stdout=subprocess.DEVNULL)
    return db


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    db = prepare(a.events)

    port = free_port()
    server = subprocess.Popen([BIN, "--db", db, "--cache-mb", "0", "--bind", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(1200):
            try:
                if get(port, "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("the server did not become ready")
        _, body, _ = get(port, "/api/events?from=2020-01-01&to=2020-01-31&limit=1")
        slug = json.loads(body)["events"][0]["slug"]
        cases = [
            ("whole span (histogram)", "/share/view.png"),
            ("one year (histogram)", "/share/view.png?from=2020&to=2020"),
            ("one month", "/share/view.png?from=2020-01&to=2020-01"),
            ("one month, one category", "/share/view.png?from=2020-01&to=2020-01&category=military"),
            ("one event", f"/events/{slug}/card.png"),
        ]
        print(f"Share cards at {a.events:,} events, --cache-mb 0, {a.runs} requests each "
              f"(median of the whole request; target <= {TARGET_MS:.0f} ms)\n")
        print(f"| card | first (ms) | median (ms) | max (ms) | PNG bytes | target |")
        print(f"|---|---:|---:|---:|---:|---|")
        worst = 0.0
        for label, path in cases:
            times, size = [], 0
            for _ in range(a.runs + 1):
                status, png, ms = get(port, path)
                if status != 200:
                    sys.exit(f"{path}: HTTP {status}")
                if png_size(png) != (1200, 630):
                    sys.exit(f"{path}: {png_size(png)} is not 1200x630")
                times.append(ms)
                size = len(png)
            first, rest = times[0], times[1:]
            median = statistics.median(rest)
            worst = max(worst, median)
            ok = "met" if median <= TARGET_MS else "MISSED"
            print(f"| {label} | {first:.1f} | {median:.1f} | {max(rest):.1f} | {size:,} | {ok} |")
        print(f"\nworst median: {worst:.1f} ms ({'met' if worst <= TARGET_MS else 'missed'})")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
