#!/usr/bin/env python3
"""Serving benchmark: conflict-timeline side by side with Datasette and a static nginx copy
(issue: fast at a million events, measured against the peers). Standard library only; needs
Debian's wrk and nginx-light and PyPI's datasette, and installs them when missing.

What it does, in one run:
  1. generates N synthetic events with ../shared/bench/gen_events.py (seed 42) and caches the
     CSV and both databases under target/bench/N/ (rebuilt with --fresh, or when migrations/
     changes, so a rerun goes straight to the measurements);
  2. builds the release binary, imports the CSV into our database and loads it into
     Datasette's with ../shared/bench/load_sqlite.py;
  3. measures our start-up on the existing database (spawn to the first 200 from /readyz);
  4. drives each server with wrk (-t2 -c32 -d10s by default) on the equivalent pages of
     ../shared/bench/README.md, plus our histogram API, and nginx serving a static copy of
     our one-month page; samples our server's RSS during and after the load;
  5. prints a table with ratios, the targets met or not, and a Markdown section for
     BENCHMARKS.md (--markdown FILE writes it to a file, --write-benchmarks replaces the
     section in BENCHMARKS.md).

Usage: python3 bench/serve_bench.py [--events 1000000] [--duration 10] [--connections 32]
                                    [--threads 2] [--fresh] [--reimport] [--no-build] [--markdown FILE]
                                    [--write-benchmarks]
"""
import argparse, datetime, hashlib, http.client, json, os, platform, re, shutil, signal
import resource, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The shared benchmark inputs sit beside the checkout; SHARED_BENCH points elsewhere (a worktree).
SHARED = os.environ.get("SHARED_BENCH") or os.path.join(os.path.dirname(ROOT), "shared", "bench")
BIN = os.path.join(ROOT, "target", "release", "conflict-timeline")
LUA = os.path.join(ROOT, "bench", "wrk_report.lua")
BENCHMARKS = os.path.join(ROOT, "BENCHMARKS.md")

# Two words of gen_events.py's titles ("{actor} {verb} near {place}"): VERBS has
# "blockade", PLACES has "Lachin"; checked against the generated CSV before measuring.
SEARCH_WORDS = ("blockade", "Lachin")
HIST_FROM, HIST_TO, HIST_BUCKETS = "1988-01-01", "2025-12-31", 100

# (key, label, our path, Datasette path or None). {slug} and {id} are filled from the API.
ROUTES = [
    ("month", "one-month timeline", "/?from=2020-01-01&to=2020-01-31",
     "/events/events?start_date__gte=2020-01-01&start_date__lt=2020-02-01&_sort=start_date&_size=50"),
    ("year", "one-year timeline", "/?from=2020&to=2020",
     "/events/events?start_date__gte=2020-01-01&start_date__lt=2021-01-01&_sort=start_date&_size=50"),
    ("whole", "whole span", "/", "/events/events?_sort=start_date&_size=50"),
    ("event", "one event", "/events/{slug}", "/events/events/{id}"),
    ("search", "search", "/?q={q}", "/events/events?_search={q}&_size=50"),
    ("api", "JSON page", "/api/events?from=2020-01-01&to=2020-01-31&limit=50",
     "/events/events.json?start_date__gte=2020-01-01&start_date__lt=2020-02-01&_sort=start_date&_size=50"),
    ("histogram", "histogram (whole span)",
     f"/api/histogram?from={HIST_FROM}&to={HIST_TO}&buckets={HIST_BUCKETS}",
     # Datasette has no histogram page: the same count as SQL (dates are ISO strings).
     "/events.json?sql=" + urllib.parse.quote_plus(
         "select cast((julianday(start_date) - julianday(:a)) * :n / "
         "(julianday(:b) - julianday(:a) + 1) as integer) as bucket, count(*) as n "
         "from events where start_date >= :a and start_date <= :b group by bucket")
     + f"&a={HIST_FROM}&b={HIST_TO}&n={HIST_BUCKETS}&_shape=array"),
]

# Targets at 1,000,000 events (the issue).
RATIO_TARGET = 30.0          # each page, ours / Datasette req/s
NGINX_FRACTION = 1 / 3       # one-month page, ours / nginx static req/s
P99_TARGETS_MS = {"month": 10, "event": 10, "api": 10, "whole": 50}
RSS_TARGET_MB = 150
STARTUP_TARGET_S = 1.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, **kw):
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, check=True, **kw)


# ---------------------------------------------------------------- tools and machine

def ensure_tools():
    missing = [pkg for tool, pkg in (("wrk", "wrk"), ("nginx", "nginx-light")) if not shutil.which(tool)
               and not os.path.exists(f"/usr/sbin/{tool}")]
    if missing:
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", *missing], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if subprocess.run([sys.executable, "-c", "import datasette"], capture_output=True).returncode:
        run([sys.executable, "-m", "pip", "install", "-q", "datasette"])


def nginx_bin():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {"nproc": os.cpu_count(), "memory": mem, "kernel": platform.release(), "cpu": cpu}


def versions():
    out = {}
    for name, cmd in (("wrk", ["wrk", "-v"]), ("nginx", [nginx_bin(), "-v"]),
                      ("datasette", [sys.executable, "-m", "datasette", "--version"]),
                      ("sqlite (python)", [sys.executable, "-c", "import sqlite3; print(sqlite3.sqlite_version)"])):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            text = (p.stdout + p.stderr).strip().splitlines()
            out[name] = text[0] if text else "?"
        except (OSError, subprocess.TimeoutExpired):
            out[name] = "?"
    out["nginx"] = out["nginx"].replace("nginx version: ", "")
    out["wrk"] = out["wrk"].split(" [")[0]
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "migrations", "templates", "Cargo.toml"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        out["commit"] = rev + (" (with uncommitted changes in src/migrations/templates)" if dirty else "")
    except OSError:
        out["commit"] = "?"
    return out


# ---------------------------------------------------------------- data

def migrations_hash():
    h = hashlib.sha256()
    mdir = os.path.join(ROOT, "migrations")
    for name in sorted(os.listdir(mdir)) if os.path.isdir(mdir) else []:
        h.update(name.encode())
        with open(os.path.join(mdir, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def remove_db(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    # The search index the server keeps beside the database (derived; rebuilt when missing).
    for folder in (path + ".search", path + ".search.new"):
        if os.path.isdir(folder):
            shutil.rmtree(folder)


def prepare_data(n, fresh, reimport=False, datasette=True):
    """Returns (csv, our db, Datasette db, timings); cached under target/bench/N/. Without
    `datasette` its database is not built (at ten million events it takes an hour)."""
    cache = os.path.join(ROOT, "target", "bench", str(n))
    if fresh and os.path.isdir(cache):
        shutil.rmtree(cache)
    os.makedirs(cache, exist_ok=True)
    csv_path = os.path.join(cache, "events.csv")
    ours = os.path.join(cache, "conflict-timeline.db")
    theirs = os.path.join(cache, "events.db")
    timings = {}

    if not os.path.exists(csv_path + ".done"):
        t = time.time()
        run([sys.executable, os.path.join(SHARED, "gen_events.py"), str(n), "-o", csv_path])
        timings["generate"] = time.time() - t
        open(csv_path + ".done", "w").close()
        for stamp in (ours + ".done", theirs + ".done"):
            if os.path.exists(stamp):
                os.remove(stamp)

    key = migrations_hash()
    stamp = ours + ".done"
    if reimport and os.path.exists(stamp):
        os.remove(stamp)
    if not (os.path.exists(stamp) and open(stamp).read().strip() == key):
        remove_db(ours)
        t = time.time()
        run([BIN, "import", csv_path, "--db", ours, "--format", "csv",
             "--conflict", "synthetic", "--conflict-name", "Synthetic benchmark conflict"],
            stdout=subprocess.DEVNULL)
        timings["import"] = time.time() - t
        with open(stamp, "w") as f:
            f.write(key + "\n")
    else:
        log(f"using cached {os.path.relpath(ours, ROOT)} (migrations {key})")

    if datasette and not os.path.exists(theirs + ".done"):
        remove_db(theirs)
        t = time.time()
        run([sys.executable, os.path.join(SHARED, "load_sqlite.py"), csv_path, theirs])
        timings["load_sqlite"] = time.time() - t
        open(theirs + ".done", "w").close()
    return csv_path, ours, theirs, timings


def search_hits_in_csv(csv_path, words, rows=200_000):
    """How many of the first rows have every word (case-insensitively) in title or summary."""
    import csv
    want = [w.lower() for w in words]
    hits = 0
    with open(csv_path, newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i >= rows:
                break
            text = (row["title"] + " " + row["summary"]).lower()
            if all(re.search(r"\b" + re.escape(w) + r"\b", text) for w in want):
                hits += 1
    return hits


# ---------------------------------------------------------------- HTTP helpers

def fetch(port, path, headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


def wait_ready(port, path, proc, timeout=120.0, interval=0.005):
    """Seconds until `path` answers 200; stops the process and raises if it dies or time runs out."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            status, _, _ = fetch(port, path, timeout=5)
            if status == 200:
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(interval)
    stop(proc)
    raise SystemExit(f"server on port {port} not ready after {timeout} s")


def stop(proc, sig=signal.SIGTERM):
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- servers

def start_ours(db, port, logfile):
    t0 = time.monotonic()
    proc = subprocess.Popen([BIN, "serve", "--db", db, "--bind", f"127.0.0.1:{port}"],
                            stdout=logfile, stderr=logfile, env={**os.environ, "RUST_LOG": "warn"})
    wait_ready(port, "/readyz", proc)
    return proc, time.monotonic() - t0  # from before the spawn to the first 200


def start_datasette(db, port, logfile):
    proc = subprocess.Popen([sys.executable, "-m", "datasette", "serve", "-i", db, "-h", "127.0.0.1",
                             "-p", str(port), "--setting", "suggest_facets", "off"],
                            stdout=logfile, stderr=logfile)
    wait_ready(port, "/-/versions.json", proc, timeout=300, interval=0.1)
    return proc


NGINX_STATIC_CONF = """\
worker_processes auto;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
        location / {{ default_type text/html; }}
    }}
}}
"""


def start_nginx(tmp, port, page, logfile):
    www = os.path.join(tmp, "www")
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, "month.html"), "wb") as f:
        f.write(page)
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_STATIC_CONF.format(tmp=tmp, port=port))
    # Workers run as nobody when started as root: let them read the copy.
    for d, _, files in os.walk(tmp):
        os.chmod(d, 0o755)
        for name in files:
            os.chmod(os.path.join(d, name), 0o644)
    proc = subprocess.Popen([nginx_bin(), "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "error.log")],
                            stdout=logfile, stderr=logfile)
    wait_ready(port, "/month.html", proc, timeout=30, interval=0.05)
    return proc


# ---------------------------------------------------------------- measuring

class RssSampler(threading.Thread):
    def __init__(self, pid, interval=0.1):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.max_rss_kb = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            s = read_status(self.pid)
            if s:
                self.max_rss_kb = max(self.max_rss_kb, s.get("VmRSS", 0))
            self.stopped.wait(self.interval)


def read_status(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            out = {}
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                    out[k] = int(v.split()[0])
            return out
    except OSError:
        return None


# ---- CPU accounting: how much of the machine went to neither the server nor wrk.
CLK_TCK = os.sysconf("SC_CLK_TCK")


def busy_jiffies():
    """Busy CPU time of the whole machine (all cores), in clock ticks."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return sum(v) - v[3] - v[4]  # minus idle and iowait


def tree_pids(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def tree_jiffies(pid):
    """User and system time of a process and its descendants (nginx workers), in clock ticks."""
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def children_ticks():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (ru.ru_utime + ru.ru_stime) * CLK_TCK


def machine_busy(seconds=1.0):
    """Fraction of all cores busy over `seconds`."""
    b0, t0 = busy_jiffies(), time.monotonic()
    time.sleep(seconds)
    return (busy_jiffies() - b0) / ((time.monotonic() - t0) * CLK_TCK * os.cpu_count())


def wait_quiet(a, server_pid):
    """Waits (at most --quiet-wait seconds) until the machine is idle apart from the server."""
    if not a.quiet_wait:
        return
    t0 = time.monotonic()
    while True:
        s0 = tree_jiffies(server_pid)
        b0 = busy_jiffies()
        time.sleep(1.0)
        other = (busy_jiffies() - b0 - (tree_jiffies(server_pid) - s0)) / (CLK_TCK * os.cpu_count())
        if other <= a.quiet_threshold:
            return
        if time.monotonic() - t0 > a.quiet_wait:
            log(f"    machine still {other:.0%} busy with other work after {a.quiet_wait} s: measuring anyway")
            return
        if int(time.monotonic() - t0) % 15 == 0:
            log(f"    waiting for the machine to quieten ({other:.0%} of it busy with other work)")


def wrk(port, path, a, duration=None, connections=None, server_pid=None):
    cmd = ["wrk", f"-t{a.threads}", f"-c{connections or a.connections}", f"-d{duration or a.duration}s",
           "--timeout", "10s", "-s", LUA, f"http://127.0.0.1:{port}{path}"]
    b0, c0, s0, t0 = busy_jiffies(), children_ticks(), tree_jiffies(server_pid) if server_pid else 0, time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    busy = busy_jiffies() - b0
    wrk_ticks = children_ticks() - c0
    server_ticks = (tree_jiffies(server_pid) - s0) if server_pid else 0
    capacity = wall * CLK_TCK * os.cpu_count()
    for line in p.stdout.splitlines():
        if line.startswith("WRKJSON "):
            r = json.loads(line[8:])
            r["cpu_server"] = server_ticks / capacity
            r["cpu_wrk"] = wrk_ticks / capacity
            r["cpu_other"] = max(0.0, (busy - server_ticks - wrk_ticks) / capacity)
            secs = r["duration_us"] / 1e6
            r["rps"] = r["requests"] / secs if secs else 0.0
            r["errors"] = r["connect"] + r["read"] + r["write"] + r["timeout"]
            r["non2xx"] = r["status"]
            r["wire_bytes"] = r["bytes"] / r["requests"] if r["requests"] else 0
            return r
    raise SystemExit(f"wrk printed no summary for {path}:\n{p.stdout}\n{p.stderr}")


def probe(port, path, alone=5):
    """One plain request (as wrk sends it, no Accept-Encoding) and one asking for compression;
    then `alone` sequential requests on an idle server, for the latency of one request alone."""
    status, headers, body = fetch(port, path)
    times = []
    for _ in range(alone if status == 200 else 0):
        t = time.perf_counter()
        fetch(port, path)
        times.append(time.perf_counter() - t)
    try:
        _, zh, zbody = fetch(port, path, {"Accept-Encoding": "gzip, br"})
        enc = zh.get("content-encoding", "")
        zlen = len(zbody)
    except OSError:
        enc, zlen = "", None
    return {"status": status, "bytes": len(body), "body": body,
            "alone_ms": statistics.median(times) * 1000 if times else None,
            "etag": headers.get("etag", ""), "cache_control": headers.get("cache-control", ""),
            "last_modified": headers.get("last-modified", ""), "vary": headers.get("vary", ""),
            "content_type": headers.get("content-type", ""), "encoding": enc, "compressed_bytes": zlen}


def measure(name, port, path, a, results, pid):
    log(f"  {name:10} {path}")
    wait_quiet(a, pid)
    if a.warmup:
        wrk(port, path, a, duration=a.warmup)
    r = wrk(port, path, a, server_pid=pid)
    log(f"    {r['rps']:9.1f} req/s  p50 {r['p50_us'] / 1000:.2f} ms  p99 {r['p99_us'] / 1000:.2f} ms"
        f"  non-2xx {r['non2xx']}  timeouts {r['timeout']}  connect/read/write errors "
        f"{r['connect']}/{r['read']}/{r['write']}  CPU: server {r['cpu_server']:.0%}, wrk {r['cpu_wrk']:.0%}, "
        f"other {r['cpu_other']:.0%}")
    results.append(r)
    return r


# ---------------------------------------------------------------- report

def fmt_ms(us):
    return f"{us / 1000:.2f}" if us else "–"


def fmt_alone(ms):
    return f"{ms:.1f}" if ms is not None else "–"


def fmt_rps(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def build_report(a, mach, vers, timings, startups, rss, rows, nginx, slug, q, headers_seen):
    n = a.events
    targets = []

    def target(what, ok, figure):
        targets.append((what, ok, figure))

    lines = []
    lines.append(f"## Serving at {n:,} events (peers side by side)")
    lines.append("")
    cmd = f"python3 bench/serve_bench.py --events {n}"
    if a.duration != 10 or a.connections != 32 or a.threads != 2:
        cmd += f" --duration {a.duration} --connections {a.connections} --threads {a.threads}"
    lines.append(f"Command: `{cmd}` (scale-out check: `python3 bench/scale_out.py --events {n}`)")
    lines.append("")
    lines.append(f"Run of {datetime.date.today().isoformat()} on {mach['nproc']} cores ({mach['cpu']}), "
                 f"{mach['memory']}, Linux {mach['kernel']}; commit {vers['commit']}; "
                 f"wrk {vers['wrk'].replace('wrk ', '')}, Datasette {vers['datasette'].split('version ')[-1]}, "
                 f"nginx {vers['nginx'].replace('nginx/', '')}, SQLite {vers['sqlite (python)']} (Datasette's).")
    lines.append("")
    lines.append(f"`wrk -t{a.threads} -c{a.connections} -d{a.duration}s` per page after a {a.warmup} s warm-up, "
                 "load generator on the same machine, no `Accept-Encoding` (bodies uncompressed for every server); "
                 "\"alone\" is the median of 5 sequential requests on the idle server, before the load. "
                 f"{n:,} events from `../shared/bench/gen_events.py` (seed 42); Datasette in immutable mode with "
                 "facet suggestions off; nginx (`nginx-light`) serves a static copy of our one-month page. "
                 f"Event page: `{slug}`; search: `{q}`.")
    lines.append("")
    others = [(row["label"], who, row[who]["cpu_other"]) for row in rows for who in ("ours", "datasette")
              if row[who] and not row[who].get("missing")]
    if nginx:
        others.append(("one-month (static)", "nginx", nginx["cpu_other"]))
    worst = max(others, key=lambda o: o[2])
    busy = [f"{label} ({who}) {share:.0%}" for label, who, share in others if share > 0.10]
    if len(busy) > 4:
        busy = [f"{len(busy)} of {len(others)} runs"]
    lines.append(f"Other work on the machine (neither the server measured nor wrk) took at most {worst[2]:.0%} of "
                 "the CPUs during a timed run" + (f"; more than 10% during {', '.join(busy)}: those figures are "
                                                  "understated, rerun when the machine is quiet." if busy else "."))
    lines.append("")
    if timings:
        parts = [f"{k} {v:.1f} s" for k, v in timings.items()]
        lines.append("Preparation: " + ", ".join(parts) + ".")
        lines.append("")
    lines.append("| page | ours req/s | p50 ms | p99 ms | alone ms | bytes | errors | Datasette req/s | p50 ms | p99 ms | alone ms | bytes | errors | ours / Datasette |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        o, d = row["ours"], row["datasette"]
        cells = [row["label"]]
        if o.get("missing"):
            cells += [f"missing ({o['status']})", "–", "–", "–", "–", "–"]
        else:
            cells += [fmt_rps(o["rps"]), fmt_ms(o["p50_us"]), fmt_ms(o["p99_us"]), fmt_alone(o.get("alone_ms")),
                      f"{o['bytes']:,}", str(o["non2xx"] + o["errors"])]
        if d is None:
            cells += ["–"] * 6
        elif d.get("missing"):
            cells += [f"failed ({d['status']})", "–", "–", "–", "–", "–"]
        elif not d["requests"]:
            cells += [f"no response within {a.duration} s", "–", "–", fmt_alone(d.get("alone_ms")), f"{d['bytes']:,}", "–"]
        else:
            cells += [fmt_rps(d["rps"]), fmt_ms(d["p50_us"]), fmt_ms(d["p99_us"]), fmt_alone(d.get("alone_ms")),
                      f"{d['bytes']:,}", str(d["non2xx"] + d["errors"])]
        ratio = row.get("ratio")
        cells.append(f"{ratio:.1f}×" if ratio is not None else "–")
        lines.append("| " + " | ".join(cells) + " |")
        if ratio is not None and not row.get("no_target"):
            target(f"{row['label']}: ≥ {RATIO_TARGET:.0f}× Datasette req/s", ratio >= RATIO_TARGET, f"{ratio:.1f}×")
        elif o.get("missing"):
            target(f"{row['label']}: ≥ {RATIO_TARGET:.0f}× Datasette req/s", False, f"route answers {o['status']}")
    lines.append("")
    month = next(r for r in rows if r["key"] == "month")["ours"]
    if nginx and not month.get("missing"):
        frac = month["rps"] / nginx["rps"]
        lines.append(f"nginx, static copy of the one-month page ({nginx['bytes']:,} bytes): "
                     f"{fmt_rps(nginx['rps'])} req/s, p50 {fmt_ms(nginx['p50_us'])} ms, p99 {fmt_ms(nginx['p99_us'])} ms, "
                     f"errors {nginx['non2xx'] + nginx['errors']}; ours / nginx = {frac:.2f} ({frac * 100:.0f}%).")
        lines.append("")
        target("one-month timeline: ≥ 1/3 of nginx static req/s", frac >= NGINX_FRACTION, f"{frac:.2f}")
    for key, limit in P99_TARGETS_MS.items():
        row = next(r for r in rows if r["key"] == key)
        o = row["ours"]
        if o.get("missing"):
            target(f"{row['label']}: p99 ≤ {limit} ms at {a.connections} connections", False, "missing")
        else:
            target(f"{row['label']}: p99 ≤ {limit} ms at {a.connections} connections",
                   o["p99_us"] / 1000 <= limit, f"{o['p99_us'] / 1000:.2f} ms")
    hwm_mb = rss["hwm_kb"] / 1024
    lines.append(f"Our server: start-up on the existing database (spawn to first 200 from `/readyz`) "
                 f"{', '.join(f'{s * 1000:.0f}' for s in startups)} ms (median {statistics.median(startups) * 1000:.0f} ms); "
                 f"RSS peak during the load {rss['max_sampled_kb'] / 1024:.1f} MB (VmHWM {hwm_mb:.1f} MB), "
                 f"{rss['after_kb'] / 1024:.1f} MB after it (anonymous {rss['anon_kb'] / 1024:.1f} MB, file-backed "
                 f"{rss['file_kb'] / 1024:.1f} MB: mostly the binary); database {rss['db_mb']:.0f} MB on disk.")
    lines.append("")
    target(f"server RSS ≤ {RSS_TARGET_MB} MB (VmHWM)", hwm_mb <= RSS_TARGET_MB, f"{hwm_mb:.1f} MB")
    target(f"start-up ≤ {STARTUP_TARGET_S:.0f} s (median of {len(startups)})",
           statistics.median(startups) <= STARTUP_TARGET_S, f"{statistics.median(startups) * 1000:.0f} ms")
    errs = [r["label"] for r in rows if not r["ours"].get("missing") and (r["ours"]["non2xx"] + r["ours"]["errors"])]
    target("no non-2xx or socket errors on our pages", not errs, ", ".join(errs) or "none")

    lines.append("| target | figure | met |")
    lines.append("|---|---:|---|")
    for what, ok, figure in targets:
        lines.append(f"| {what} | {figure} | {'met' if ok else '**not met**'} |")
    lines.append("")
    scale = os.path.join(ROOT, "target", "bench", str(n), "scale_out.md")
    if os.path.exists(scale):  # the last run of bench/scale_out.py at this size
        lines.append(open(scale).read().strip())
        lines.append("")
    lines.append("Response headers of our pages (with `Accept-Encoding: gzip, br`):")
    lines.append("")
    for label, h in headers_seen:
        bits = [f"ETag {'`' + h['etag'] + '`' if h['etag'] else 'none'}",
                f"Cache-Control {'`' + h['cache_control'] + '`' if h['cache_control'] else 'none'}",
                f"Content-Encoding {'`' + h['encoding'] + '`' if h['encoding'] else 'none'}"
                + (f" ({h['bytes']:,} → {h['compressed_bytes']:,} bytes)" if h["encoding"] and h["compressed_bytes"] is not None else "")]
        if h["vary"]:
            bits.append(f"Vary `{h['vary']}`")
        lines.append(f"- {label}: " + ", ".join(bits))
    lines.append("")
    return "\n".join(lines), targets


def replace_section(path, section):
    heading = section.splitlines()[0]
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if l.rstrip("\n") == heading), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = "".join(lines[end:])
        new = "".join(lines[:start]) + section.rstrip("\n") + "\n" + ("\n" + tail if tail else "")
    with open(path, "w") as f:
        f.write(new)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2, help="seconds of untimed load before each page (0: none)")
    ap.add_argument("--quiet-wait", type=int, default=180,
                    help="before each page, wait up to this many seconds for other work on the machine to stop (0: don't)")
    ap.add_argument("--quiet-threshold", type=float, default=0.15,
                    help="share of all cores that other work may use when a page starts (default 0.15)")
    ap.add_argument("--startups", type=int, default=3, help="start-up measurements")
    ap.add_argument("--fresh", action="store_true", help="regenerate the CSV and rebuild both databases")
    ap.add_argument("--reimport", action="store_true",
                    help="rebuild our database only (it is otherwise kept while migrations/ is unchanged)")
    ap.add_argument("--no-build", action="store_true", help="use target/release/conflict-timeline as it is")
    ap.add_argument("--skip-datasette", action="store_true")
    ap.add_argument("--markdown", metavar="FILE", help="write the BENCHMARKS.md section to FILE")
    ap.add_argument("--write-benchmarks", action="store_true",
                    help="replace (or add) this section of BENCHMARKS.md")
    a = ap.parse_args()

    ensure_tools()
    mach = machine()
    log(f"machine: {mach['nproc']} cores, {mach['memory']}, Linux {mach['kernel']}, {mach['cpu']}")
    if not a.no_build:
        run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    vers = versions()  # the tree the binary was built from, not the one at the end of the run
    csv_path, ours_db, theirs_db, timings = prepare_data(a.events, a.fresh, a.reimport)
    for k, v in timings.items():
        log(f"{k}: {v:.1f} s")

    hits = search_hits_in_csv(csv_path, SEARCH_WORDS)
    if not hits:
        raise SystemExit(f"no row of {csv_path} has all of {SEARCH_WORDS}: pick other search words")
    q = "+".join(SEARCH_WORDS)
    log(f"search '{' '.join(SEARCH_WORDS)}': {hits} matching rows in the first 200,000 of the CSV")

    tmp = tempfile.mkdtemp(prefix="ct-serve-bench-")
    os.chmod(tmp, 0o755)  # nginx workers run as nobody
    logfile = open(os.path.join(tmp, "servers.log"), "wb")
    procs = []
    try:
        # Start-up on the existing database.
        port = free_port()
        startups = []
        for i in range(a.startups):
            proc, secs = start_ours(ours_db, port, logfile)
            startups.append(secs)
            stop(proc)
            log(f"start-up {i + 1}: {secs * 1000:.0f} ms")

        proc, _ = start_ours(ours_db, port, logfile)
        procs.append(proc)
        status, _, body = fetch(port, "/api/events?from=2020-01-01&to=2020-01-31&limit=1")
        if status != 200:
            raise SystemExit(f"/api/events answered {status}")
        slug = json.loads(body)["events"][0]["slug"]
        event_id = slug.rsplit("-", 1)[1]
        subst = {"slug": slug, "id": event_id, "q": q}

        rows, headers_seen = [], []
        sampler = RssSampler(proc.pid)
        sampler.start()
        log(f"\nours (pid {proc.pid}, port {port})")
        month_page = None
        for key, label, ours_path, ds_path in ROUTES:
            path = ours_path.format(**subst)
            p = probe(port, path)
            row = {"key": key, "label": label, "ours_path": path,
                   "ds_path": ds_path.format(**subst) if ds_path else None}
            if key == "month":
                month_page = p["body"]
            if key == "search":
                _, _, b = fetch(port, f"/api/events?q={q}&limit=1")
                total = json.loads(b).get("total")
                log(f"  search '{' '.join(SEARCH_WORDS)}' matches {total} events (API total)")
                if not total:
                    raise SystemExit("our search finds nothing: pick other search words")
            if p["status"] != 200:
                log(f"  {key:10} {path} answered {p['status']}: reported as missing")
                row["ours"] = {"missing": True, "status": p["status"]}
            else:
                r = measure(key, port, path, a, [], proc.pid)
                r["bytes"] = p["bytes"]
                r["alone_ms"] = p["alone_ms"]
                row["ours"] = r
                headers_seen.append((label, p))
            rows.append(row)
        sampler.stopped.set()
        sampler.join()
        time.sleep(2)
        after = read_status(proc.pid) or {}
        rss = {"max_sampled_kb": max(sampler.max_rss_kb, after.get("VmRSS", 0)),
               "hwm_kb": after.get("VmHWM", 0), "after_kb": after.get("VmRSS", 0),
               "anon_kb": after.get("RssAnon", 0), "file_kb": after.get("RssFile", 0),
               "db_mb": sum(os.path.getsize(ours_db + s) for s in ("", "-wal") if os.path.exists(ours_db + s)) / 1e6}
        log(f"RSS: peak sampled {rss['max_sampled_kb'] / 1024:.1f} MB, VmHWM {rss['hwm_kb'] / 1024:.1f} MB, "
            f"after {rss['after_kb'] / 1024:.1f} MB (anonymous {rss['anon_kb'] / 1024:.1f} MB, "
            f"file {rss['file_kb'] / 1024:.1f} MB)")

        # nginx: a static copy of our one-month page.
        nginx = None
        nginx_port = free_port()
        nginx_tmp = os.path.join(tmp, "nginx")
        os.makedirs(nginx_tmp)
        stop(proc)
        procs.remove(proc)
        nproc = start_nginx(nginx_tmp, nginx_port, month_page, logfile)
        procs.append(nproc)
        log(f"\nnginx (port {nginx_port})")
        nginx = measure("static", nginx_port, "/month.html", a, [], nproc.pid)
        nginx["bytes"] = len(month_page)
        stop(nproc, signal.SIGQUIT)
        procs.remove(nproc)

        # Datasette.
        if not a.skip_datasette:
            ds_port = free_port()
            t = time.time()
            dproc = start_datasette(theirs_db, ds_port, logfile)
            procs.append(dproc)
            log(f"\ndatasette (port {ds_port}, ready in {time.time() - t:.1f} s)")
            for row in rows:
                if not row["ds_path"]:
                    row["datasette"] = None
                    continue
                p = probe(ds_port, row["ds_path"])
                if p["status"] != 200:
                    log(f"  {row['key']:10} {row['ds_path']} answered {p['status']}")
                    row["datasette"] = {"missing": True, "status": p["status"]}
                    continue
                if row["key"] == "search" and b'"rows": []' in p["body"]:
                    log("    warning: Datasette's search found nothing")
                r = measure(row["key"], ds_port, row["ds_path"], a, [], dproc.pid)
                r["bytes"] = p["bytes"]
                r["alone_ms"] = p["alone_ms"]
                row["datasette"] = r
            stop(dproc)
            procs.remove(dproc)
        else:
            for row in rows:
                row["datasette"] = None
        for row in rows:
            o, d = row["ours"], row["datasette"]
            if not o.get("missing") and d and not d.get("missing") and d["requests"]:
                row["ratio"] = o["rps"] / d["rps"]
            # Datasette has no histogram page: the SQL equivalent is shown, not held to the ratio.
            row["no_target"] = row["key"] == "histogram"
    finally:
        for p in procs:
            stop(p)
        logfile.close()
        shutil.rmtree(tmp, ignore_errors=True)

    section, targets = build_report(a, mach, vers, timings, startups, rss, rows, nginx, slug,
                                    f"/?q={q}", headers_seen)

    # Plain table on stdout.
    print()
    print(f"machine: nproc {mach['nproc']}, memory {mach['memory']}, kernel {mach['kernel']}, CPU {mach['cpu']}")
    print(f"{a.events:,} events; wrk -t{a.threads} -c{a.connections} -d{a.duration}s\n")
    hdr = (f"{'page':24} {'server':9} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>9} {'non2xx':>7} "
           f"{'sockerr':>7} {'ratio':>8} {'cpu srv':>7} {'cpu wrk':>7} {'other':>6}")
    print(hdr)
    print("-" * len(hdr))
    for row in rows:
        for who in ("ours", "datasette"):
            r = row[who]
            if r is None:
                continue
            if r.get("missing"):
                print(f"{row['label']:24} {who:9} {'status ' + str(r['status']):>10}")
                continue
            ratio = f"{row['ratio']:.1f}x" if who == "ours" and row.get("ratio") else ""
            print(f"{row['label']:24} {who:9} {r['rps']:10.1f} {r['p50_us'] / 1000:8.2f} {r['p99_us'] / 1000:8.2f} "
                  f"{r['bytes']:9,} {r['non2xx']:7} {r['errors']:7} {ratio:>8} {r['cpu_server']:7.0%} "
                  f"{r['cpu_wrk']:7.0%} {r['cpu_other']:6.0%}")
    if nginx:
        month = next(r for r in rows if r["key"] == "month")["ours"]
        ratio = f"{month['rps'] / nginx['rps']:.2f}x" if not month.get("missing") else ""
        print(f"{'one-month (static)':24} {'nginx':9} {nginx['rps']:10.1f} {nginx['p50_us'] / 1000:8.2f} "
              f"{nginx['p99_us'] / 1000:8.2f} {nginx['bytes']:9,} {nginx['non2xx']:7} {nginx['errors']:7} {ratio:>8} "
              f"{nginx['cpu_server']:7.0%} {nginx['cpu_wrk']:7.0%} {nginx['cpu_other']:6.0%}")
    print(f"\nstart-up: {', '.join(f'{s * 1000:.0f} ms' for s in startups)}; "
          f"RSS peak {rss['max_sampled_kb'] / 1024:.1f} MB, VmHWM {rss['hwm_kb'] / 1024:.1f} MB, after {rss['after_kb'] / 1024:.1f} MB")
    print("\ntargets:")
    for what, ok, figure in targets:
        print(f"  [{'met' if ok else 'NOT MET'}] {what}: {figure}")
    print("\n" + section)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(section)
        log(f"wrote {a.markdown}")
    if a.write_benchmarks:
        replace_section(BENCHMARKS, section)
        log(f"updated {os.path.relpath(BENCHMARKS, ROOT)}")


if __name__ == "__main__":
    main()
