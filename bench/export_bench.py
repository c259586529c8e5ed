#!/usr/bin/env python3
"""Streaming exports under load: 8 concurrent downloads of a 100,000-event export while a
cheap API request is timed, and the server's resident memory sampled (issue: exports that
fail together). Standard library only.

What it does:
  1. generates N events with ../shared/bench/gen_events.py (seed 42) once, in the work
     directory, and imports them with the release binary of this tree into one database
     (reused by later runs);
  2. for each binary to compare (this tree's release build, and with --before BIN another
     build, e.g. the last one before streaming), and each export path
     (/export/events.csv, /export/timelinejs.json): starts the server on 127.0.0.1 with the
     response cache off (so the cheap request reaches the database every time), then
     - starts 8 downloads of the export at once (each read to the end),
     - meanwhile sends GET /api/events?limit=1 every 100 ms and times it,
     - samples the server's VmRSS every 50 ms;
  3. checks each download (status 200, the whole body: N data rows in the CSV, N events in
     the TimelineJS JSON) and prints, per binary and path: downloads complete, median and
     slowest download time, peak and median RSS, the cheap request's median, p95 and max.

Targets: all 8 complete, peak RSS under 200 MB, the cheap request under 50 ms (p95).

Usage: python3 bench/export_bench.py [--events 100000] [--runs 1] [--before BIN]
                                     [--workdir DIR] [--no-build] [--port 33517]
"""
import argparse, http.client, json, os, socket, statistics, subprocess, sys, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")
TARGET_DIR = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR", "target"))
BIN = os.path.join(TARGET_DIR, "release", "conflict-timeline")
CONFLICT = "bench"
CLIENTS = 8
PATHS = ["/export/events.csv", "/export/timelinejs.json"]
TARGET_RSS_MB = 200.0
TARGET_CHEAP_MS = 50.0


def prepare(workdir, events):
    csv_path = os.path.join(workdir, f"events-{events}.csv")
    db_path = os.path.join(workdir, f"export-{events}.db")
    if not os.path.exists(csv_path):
        print(f"generating {events:,} events …", file=sys.stderr)
        subprocess.run(
            [sys.executable, os.path.join(SHARED, "gen_events.py"), str(events), "-o", csv_path + ".part"],
            check=True,
        )
        os.replace(csv_path + ".part", csv_path)
    if not os.path.exists(db_path):
        print(f"importing into {db_path} …", file=sys.stderr)
        subprocess.run(
            [BIN, "import", csv_path, "--db", db_path + ".part", "--conflict", CONFLICT],
            check=True, stdout=subprocess.DEVNULL,
        )
        os.replace(db_path + ".part", db_path)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db_path + ".part" + suffix):
                os.remove(db_path + ".part" + suffix)
    return db_path


def wait_ready(port, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            status, _ = get(port, "/readyz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not become ready")


def get(port, path, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "identity"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def complete(path, body, events):
    """Whether the body is the whole export: every event, well formed."""
    if path.endswith(".csv"):
        rows = body.count(b"\r\n") - 1
        return rows == events and body.endswith(b"\r\n"), rows
    try:
        doc = json.loads(body)
    except ValueError:
        return False, 0
    n = len(doc.get("events", []))
    return n == events, n


def measure(binary, db_path, path, events, port):
    proc = subprocess.Popen(
        [binary, "serve", "--db", db_path, "--bind", f"127.0.0.1:{port}", "--cache-mb", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port, proc)
        base_rss = rss_mb(proc.pid)
        results = [None] * CLIENTS
        done = threading.Event()

        def download(i):
            started = time.perf_counter()
            try:
                status, body = get(port, path, timeout=300)
            except Exception as err:  # a reset or an incomplete body
                results[i] = (None, 0, time.perf_counter() - started, False, 0, repr(err))
                return
            elapsed = time.perf_counter() - started
            results[i] = (status, len(body), elapsed, None, None, body)

        samples, cheap = [], []

        def sample():
            while not done.is_set():
                value = rss_mb(proc.pid)
                if value is not None:
                    samples.append(value)
                time.sleep(0.05)

        def probe():
            while not done.is_set():
                started = time.perf_counter()
                try:
                    status, _ = get(port, "/api/events?limit=1", timeout=30)
                except Exception:
                    status = None
                cheap.append(((time.perf_counter() - started) * 1000, status))
                time.sleep(0.1)

        threads = [threading.Thread(target=download, args=(i,)) for i in range(CLIENTS)]
        watchers = [threading.Thread(target=sample), threading.Thread(target=probe)]
        for t in watchers + threads:
            t.start()
        for t in threads:
            t.join()
        done.set()
        for t in watchers:
            t.join()
        checked = []
        for status, size, elapsed, _, _, body in results:
            ok, count = (False, 0)
            if status == 200 and isinstance(body, bytes):
                ok, count = complete(path, body, events)
            checked.append((status, size, elapsed, ok, count))
        return {
            "downloads": checked,
            "base_rss": base_rss,
            "rss": samples,
            "cheap": cheap,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def report(label, path, runs):
    complete_counts = [sum(1 for d in r["downloads"] if d[3]) for r in runs]
    times = [d[2] for r in runs for d in r["downloads"] if d[3]]
    statuses = sorted({str(d[0]) for r in runs for d in r["downloads"]})
    peaks = [max(r["rss"]) for r in runs if r["rss"]]
    medians = [statistics.median(r["rss"]) for r in runs if r["rss"]]
    cheap = [ms for r in runs for ms, status in r["cheap"] if status == 200]
    cheap_failed = sum(1 for r in runs for _, status in r["cheap"] if status != 200)
    line = {
        "binary": label,
        "path": path,
        "complete": f"{statistics.median(complete_counts):.0f}/{CLIENTS}",
        "statuses": ",".join(statuses),
        "download_s_median": round(statistics.median(times), 2) if times else None,
        "download_s_max": round(max(times), 2) if times else None,
        "rss_mb_peak": round(statistics.median(peaks), 1) if peaks else None,
        "rss_mb_median": round(statistics.median(medians), 1) if medians else None,
        "rss_mb_idle": round(statistics.median([r["base_rss"] for r in runs]), 1),
        "cheap_ms_median": round(statistics.median(cheap), 1) if cheap else None,
        "cheap_ms_p95": round(pct(cheap, 95), 1) if cheap else None,
        "cheap_ms_max": round(max(cheap), 1) if cheap else None,
        "cheap_failed": cheap_failed,
        "cheap_samples": len(cheap) + cheap_failed,
    }
    met = (
        statistics.median(complete_counts) == CLIENTS
        and line["rss_mb_peak"] is not None and line["rss_mb_peak"] < TARGET_RSS_MB
        and line["cheap_ms_p95"] is not None and line["cheap_ms_p95"] < TARGET_CHEAP_MS
        and cheap_failed == 0
    )
    line["targets_met"] = met
    print(json.dumps(line))
    return line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--before", help="another binary to measure in the same run")
    ap.add_argument("--workdir", default=os.path.join(ROOT, "target", "bench-export"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--port", type=int, default=33517)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    db_path = prepare(args.workdir, args.events)
    binaries = [("after", BIN)]
    if args.before:
        binaries.insert(0, ("before", args.before))
    print(f"# {args.events:,} events, {CLIENTS} concurrent downloads, {args.runs} run(s), "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    for path in PATHS:
        for label, binary in binaries:
            runs = [measure(binary, db_path, path, args.events, args.port) for _ in range(args.runs)]
            report(label, path, runs)


if __name__ == "__main__":
    main()
