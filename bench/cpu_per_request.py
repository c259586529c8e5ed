#!/usr/bin/env python3
"""Server CPU time per request, response cache off, for the mix's own addresses of one kind
(issue: every slice fast). Each address is a first request: the cache is off and no
address is asked twice. Uses the database and the address lists that bench/mix_bench.py
prepared under target/bench/N/ (run it once first). Standard library only.

Usage: python3 bench/cpu_per_request.py [--binary target/release/conflict-timeline]
           [--events 1000000] [--kind slice|search|api|event] [--skip 1000] [--count 300]
Prints the server's CPU (utime + stime) per request, the median and 90th percentile of the
wall time, and the mean answer size.
"""
import argparse, http.client, json, os, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "conflict-timeline"))
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--kind", default="slice", choices=["slice", "search", "api", "event"])
    ap.add_argument("--skip", type=int, default=1000, help="addresses of the list passed over first")
    ap.add_argument("--count", type=int, default=300, help="requests measured (after 50 to warm up)")
    ap.add_argument("--port", type=int, default=3111)
    a = ap.parse_args()

    cache = os.path.join(ROOT, "target", "bench", str(a.events))
    lists = [f for f in os.listdir(cache) if f.startswith("mix-") and f.endswith(".json")]
    if not lists:
        sys.exit(f"no address list in {cache}: run bench/mix_bench.py first")
    with open(os.path.join(cache, sorted(lists)[0])) as f:
        mix = json.load(f)["mix"]
    paths = [m[1] for m in mix if m[0] == a.kind][a.skip:a.skip + a.count + 50]
    if len(paths) < a.count + 50:
        sys.exit(f"only {len(paths)} {a.kind} addresses after --skip {a.skip}")

    log_path = os.path.join(cache, "cpu_per_request.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen([a.binary, "serve", "--db", os.path.join(cache, "conflict-timeline.db"),
                                   "--bind", f"127.0.0.1:{a.port}", "--cache-mb", "0"],
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        started = time.time()
        while not all(ready in open(log_path).read()
                      for ready in ("search index ready", "in-memory event index ready")):
            if time.time() - started > 300 or server.poll() is not None:
                sys.exit(f"the server did not get both indexes ready: see {log_path}")
            time.sleep(0.5)
        conn = http.client.HTTPConnection("127.0.0.1", a.port)

        def get(path):
            t = time.perf_counter()
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
            return (time.perf_counter() - t) * 1000, r.status, len(body)

        def cpu():
            fields = open(f"/proc/{server.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        for path in paths[:50]:
            get(path)
        before = cpu()
        results = [get(path) for path in paths[50:]]
        used = cpu() - before
    finally:
        server.terminate()
        server.wait()
    wall = sorted(r[0] for r in results)
    bad = sum(1 for r in results if r[1] != 200)
    print(f"{a.kind}: CPU {1000 * used / a.count:.2f} ms a request, wall median {statistics.median(wall):.2f} ms, "
          f"p90 {wall[int(0.9 * len(wall))]:.2f} ms, answers {statistics.mean(r[2] for r in results) / 1024:.0f} KB, "
          f"not 200: {bad}, load {open('/proc/loadavg').read().split()[0]}")


if __name__ == "__main__":
    main()
