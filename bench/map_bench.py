#!/usr/bin/env python3
"""What the map beside the timeline adds to a page with nothing cached, at N synthetic
events (issue: places and a map; budget 5 ms at a million events). Standard library only.

1. generates N events with ../shared/bench/gen_events.py (seed 42; `SHARED_BENCH` names
   another folder), or reuses the CSV that
   bench/serve_bench.py cached under target/bench/N/;
2. gives the generator's places coordinates here (the shared generator is left as it is):
   a `latitude` and `longitude` column per row, from PLACES below, so that the importer
   makes one place with coordinates per generated place name;
3. imports that CSV into target/bench/map-N/ with the release binary;
4. serves it with `--cache-mb 0` and the in-memory index ready, asks each view 7 times in a
   row, and reads from the server's debug log how long the map took to count and draw on
   each request (`timeline map drawn`, microseconds), beside the whole page's time.

Usage: python3 bench/map_bench.py [--events 1000000] [--runs 7] [--no-build]
"""
import argparse, csv, http.client, os, re, socket, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED_BENCH") or os.path.join(os.path.dirname(ROOT), "shared", "bench")
BIN = os.path.join(ROOT, "target", "release", "conflict-timeline")

# The generator's place names with rough coordinates (degrees, 0.01°): only to give the
# benchmark's places positions on the map, not facts of the dataset.
PLACES = {
    "Stepanakert": (39.82, 46.75), "Shusha": (39.76, 46.75), "Lachin": (39.64, 46.55),
    "Agdam": (39.99, 46.93), "Fizuli": (39.60, 47.14), "Jabrayil": (39.40, 47.03),
    "Kalbajar": (40.10, 46.04), "Goris": (39.51, 46.34), "Ganja": (40.68, 46.36),
    "Tartar": (40.34, 46.93), "Hadrut": (39.52, 47.03), "Martuni": (39.79, 47.11),
    "Baku": (40.41, 49.87), "Yerevan": (40.18, 44.51), "Moscow": (55.76, 37.62),
    "Geneva": (46.20, 6.15), "Vienna": (48.21, 16.37), "Tbilisi": (41.72, 44.79),
    "Tehran": (35.69, 51.39), "Ankara": (39.93, 32.86), "Brussels": (50.85, 4.35),
    "Kelbajar Pass": (40.20, 45.90),
}

MONTH = "from=2020-01-01&to=2020-01-31"
YEAR = "from=2020-01-01&to=2020-12-31"


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
    ms = (time.perf_counter() - started) * 1000
    conn.close()
    return resp.status, body, ms


def prepare(n, build):
    if build:
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    cache = os.path.join(ROOT, "target", "bench", f"map-{n}")
    os.makedirs(cache, exist_ok=True)
    source = os.path.join(ROOT, "target", "bench", str(n), "events.csv")
    if not os.path.exists(source + ".done"):
        source = os.path.join(cache, "generated.csv")
        if not os.path.exists(source + ".done"):
            subprocess.run([sys.executable, os.path.join(SHARED, "gen_events.py"), str(n), "-o", source], check=True)
            open(source + ".done", "w").close()
    placed = os.path.join(cache, "events.csv")
    db = os.path.join(cache, "conflict-timeline.db")
    if not os.path.exists(db + ".done"):
        with open(source, newline="") as src, open(placed, "w", newline="") as out:
            reader = csv.DictReader(src)
            fields = reader.fieldnames + ["latitude", "longitude"]
            writer = csv.DictWriter(out, fieldnames=fields)
            writer.writeheader()
            for row in reader:
                lat, lon = PLACES.get(row.get("location", ""), ("", ""))
                row["latitude"], row["longitude"] = lat, lon
                writer.writerow(row)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        t = time.time()
        subprocess.run([BIN, "import", placed, "--db", db, "--format", "csv", "--conflict", "synthetic",
                        "--conflict-name", "Synthetic benchmark conflict"], check=True, stdout=subprocess.DEVNULL)
        print(f"import: {time.time() - t:.0f} s", file=sys.stderr)
        open(db + ".done", "w").close()
    return db


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    db = prepare(a.events, not a.no_build)
    port = free_port()
    log_path = os.path.join(os.path.dirname(db), "server.log")
    log = open(log_path, "w")
    env = dict(os.environ, RUST_LOG="info,conflict_timeline::web::pages::timeline=debug")
    server = subprocess.Popen([BIN, "serve", "--db", db, "--cache-mb", "0", "--bind", f"127.0.0.1:{port}",
                               "--log-format", "json"], stdout=subprocess.DEVNULL, stderr=log, env=env)
    try:
        for _ in range(1200):
            try:
                if get(port, "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("the server did not become ready")
        # Until the index is built SQLite answers; wait for it.
        for _ in range(600):
            if "in-memory event index ready" in open(log_path).read():
                break
            time.sleep(0.1)
        views = [
            ("whole span", "/"),
            ("one month", f"/?{MONTH}"),
            ("one year, one category", f"/?{YEAR}&category=military"),
            ("whole span, one actor", "/?actor=armenia"),
            ("one year, a box over Karabakh", f"/?{YEAR}&bbox=46,39,47.5,40.5"),
            ("one year, one place by name", f"/?{YEAR}&place=Shusha"),
        ]
        rows = []
        for name, path in views:
            pages, maps = [], []
            for _ in range(a.runs):
                before = len(open(log_path).read().splitlines())
                status, body, ms = get(port, path)
                if status != 200:
                    sys.exit(f"{path}: status {status}")
                time.sleep(0.05)
                lines = open(log_path).read().splitlines()[before:]
                micros = [int(m) for l in lines if "timeline map drawn" in l
                          for m in re.findall(r'"micros":(\d+)', l)]
                if not micros:
                    sys.exit(f"{path}: no map timing in the log")
                pages.append(ms)
                maps.append(micros[-1] / 1000)
            rows.append((name, path, statistics.median(pages), statistics.median(maps), max(maps)))
            print(f"{name:32} page {statistics.median(pages):7.1f} ms  map {statistics.median(maps):6.2f} ms", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)
    load = os.getloadavg()
    print(f"\nThe map at {a.events:,} events (`--cache-mb 0`, index ready, {a.runs} requests each; "
          f"load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}):\n")
    print("| view | address | page median ms | map median ms | map max ms |")
    print("|---|---|---:|---:|---:|")
    for name, path, page, m, mx in rows:
        print(f"| {name} | `{path}` | {page:.1f} | {m:.2f} | {mx:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
