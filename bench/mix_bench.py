#!/usr/bin/env python3
"""Mixed-traffic benchmark that the response cache cannot flatter: tens of thousands of
distinct addresses, each requested once, against Datasette on the equivalent requests
(issue: every slice fast, cached or not). Standard library only; uses serve_bench.py's data
preparation (target/bench/N/: the CSV and both databases), its tool installation and its
server helpers.

What it does, in one run:
  1. prepares N synthetic events as serve_bench.py does (cached under target/bench/N/);
  2. draws --addresses distinct addresses (seeded) from the generator's own actors,
     categories, places and words, weighted 40 % time slices (one month to ten years, zero
     to three facets), 25 % searches (one to three words), 15 % API pages, 20 % event
     pages, each with Datasette's equivalent (`start_date__gte/__lt`, `actors__contains`,
     `category`, `location`, `_search`, `_sort`, `_size`);
  3. each kind alone: a fixed sample of other addresses of each kind (never in the mix),
     sent one at a time to an idle server: median and worst, the slowest address named;
     and the named heavy pages (the whole span of one actor, a one-word search matching a
     third of the events, histograms, facet counts) on a server with its response cache
     off (`--cache-mb 0`), median of --repeat;
  4. the mix: wrk (-t2 -c32 by default, bench/mix.lua) walks the list so that no address
     is asked twice, for at most --duration seconds per server; only 2xx answers count;
  5. our start-up, RSS during the mix, the machine's load; prints a table, the targets
     met or not, and a Markdown section (--markdown FILE, --write-benchmarks).

Usage: python3 bench/mix_bench.py [--events 1000000] [--addresses 60000] [--duration 60]
                                  [--connections 32] [--threads 2] [--no-build]
                                  [--skip-datasette] [--markdown FILE] [--write-benchmarks]
"""
import argparse, csv, datetime, importlib.util, json, os, random, statistics, subprocess, sys
import tempfile, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_bench as sb  # noqa: E402

ROOT = sb.ROOT
MIX_LUA = os.path.join(ROOT, "bench", "mix.lua")

WEIGHTS = [("slice", 40), ("search", 25), ("api", 15), ("event", 20)]
KIND_LABEL = {"slice": "time slice (0-3 facets)", "search": "search (1-3 words)",
              "api": "API page", "event": "event page"}
FIRST_YEAR, LAST_YEAR = 1988, 2025

# Targets at 1,000,000 events (the issue).
MIX_RATIO_TARGET = 30.0
MIX_P99_TARGET_MS = 50.0
ALONE_TARGET_MS = 20.0
RSS_TARGET_MB = 200
STARTUP_TARGET_S = 1.5

log = sb.log


def generator():
    """The shared generator as a module, for its own actors, categories, places and words."""
    path = os.path.join(sb.SHARED, "gen_events.py")
    spec = importlib.util.spec_from_file_location("gen_events", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def slug(text):
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def month_after(y, m):
    return (y + 1, 1) if m == 12 else (y, m + 1)


class Addresses:
    """Draws addresses of each kind, ours and Datasette's, never the same one twice."""

    def __init__(self, gen, slugs, seed):
        self.r = random.Random(seed)
        self.gen = gen
        self.slugs = slugs  # [(id, slug)] of events to pick from
        words = set()
        for w in gen.LOREM + gen.VERBS + gen.PLACES + gen.ACTORS:
            words.update(w.lower().split())
        self.words = sorted(words)
        self.seen = set()

    def window(self):
        r = self.r
        months = max(1, round(120 ** r.random()))  # one month to ten years, log-uniform
        first = r.randrange((LAST_YEAR - FIRST_YEAR + 1) * 12 - months + 1)
        y0, m0 = FIRST_YEAR + first // 12, first % 12 + 1
        last = first + months - 1
        y1, m1 = FIRST_YEAR + last // 12, last % 12 + 1
        ya, ma = month_after(y1, m1)
        ours = [("from", f"{y0:04}-{m0:02}"), ("to", f"{y1:04}-{m1:02}")]
        theirs = [("start_date__gte", f"{y0:04}-{m0:02}-01"), ("start_date__lt", f"{ya:04}-{ma:02}-01")]
        return ours, theirs

    def facets(self):
        r, g = self.r, self.gen
        ours, theirs = [], []
        for kind in r.sample(["actor", "category", "place"], r.randint(0, 3)):
            if kind == "actor":
                a = r.choice(g.ACTORS)
                ours.append(("actor", slug(a)))
                theirs.append(("actors__contains", a))
            elif kind == "category":
                c = r.choice(g.CATEGORIES)
                ours.append(("category", c))
                theirs.append(("category", c))
            else:
                p = r.choice(g.PLACES)
                ours.append(("place", p))
                theirs.append(("location", p))
        return ours, theirs

    def draw(self, kind):
        for _ in range(1000):
            ours, theirs = self._draw(kind)
            if ours not in self.seen:
                self.seen.add(ours)
                return ours, theirs
        raise SystemExit(f"cannot draw another distinct {kind} address")

    def _draw(self, kind):
        q = urllib.parse.urlencode
        if kind in ("slice", "api"):
            (wo, wt), (fo, ft) = self.window(), self.facets()
            if kind == "slice":
                return "/?" + q(wo + fo), "/events/events?" + q(wt + ft + [("_sort", "start_date"), ("_size", 50)])
            return ("/api/events?" + q(wo + fo + [("limit", 50)]),
                    "/events/events.json?" + q(wt + ft + [("_sort", "start_date"), ("_size", 50)]))
        if kind == "search":
            text = " ".join(self.r.sample(self.words, self.r.randint(1, 3)))
            return "/?" + q([("q", text)]), "/events/events?" + q([("_search", text), ("_size", 50)])
        event_id, event_slug = self.r.choice(self.slugs)
        return f"/events/{event_slug}", f"/events/events/{event_id}"


def event_slugs(csv_path, n, want, seed):
    """(id, slug) of `want` events picked at random (seeded), read from the CSV."""
    picked = set(random.Random(seed).sample(range(1, n + 1), min(want, n)))
    out = []
    with open(csv_path, newline="") as f:
        rows = csv.reader(f)
        next(rows)
        for row in rows:
            if int(row[0]) in picked:
                out.append((int(row[0]), row[1]))
    return out


def build_lists(csv_path, n, count, sample, seed):
    """The mix (shuffled by kind weights) and the fixed per-kind samples, cached as JSON."""
    cache = os.path.join(ROOT, "target", "bench", str(n), f"mix-{seed}-{count}-{sample}.json")
    if os.path.exists(cache):
        with open(cache) as f:
            return json.load(f)
    gen = generator()
    t = time.time()
    slugs = event_slugs(csv_path, n, 30_000, seed)
    log(f"picked {len(slugs)} event slugs from the CSV in {time.time() - t:.1f} s")
    addr = Addresses(gen, slugs, seed)
    # The samples are drawn first, so that the mix never repeats one of them.
    samples = {kind: [addr.draw(kind) for _ in range(sample)] for kind, _ in WEIGHTS}
    kinds = random.Random(seed + 1).choices([k for k, _ in WEIGHTS], [w for _, w in WEIGHTS], k=count)
    mix = [(kind, *addr.draw(kind)) for kind in kinds]
    data = {"mix": mix, "samples": samples}
    with open(cache, "w") as f:
        json.dump(data, f)
    return data


def start_datasette(db, port, logfile):
    """Datasette in its fastest configuration, with a time limit raised so that it finishes
    what it starts (its default of one second would turn slow answers into errors)."""
    proc = subprocess.Popen([sys.executable, "-m", "datasette", "serve", "-i", db, "-h", "127.0.0.1",
                             "-p", str(port), "--setting", "suggest_facets", "off",
                             "--setting", "sql_time_limit_ms", "60000"],
                            stdout=logfile, stderr=logfile)
    sb.wait_ready(port, "/-/versions.json", proc, timeout=300, interval=0.1)
    return proc


INDEX_READY = "in-memory event index ready"
TEXT_READY = "search index ready"


def start_ours(db, port, logfile, extra=(), wait_index=False):
    """Starts our server; returns it and the seconds from spawn to the first 200 from
    /readyz. With `wait_index`, also waits until the in-memory event index and the search
    index are ready (the server answers from SQLite before that; the search index is built
    once and then opened from its folder beside the database), so that what is measured is
    the steady state."""
    logfile.flush()
    offset = os.path.getsize(logfile.name)
    t0 = time.monotonic()
    proc = subprocess.Popen([sb.BIN, "serve", "--db", db, "--bind", f"127.0.0.1:{port}", *extra],
                            stdout=logfile, stderr=logfile,
                            env={**os.environ, "RUST_LOG": "warn,conflict_timeline::db::derived=info"})
    sb.wait_ready(port, "/readyz", proc)
    ready = time.monotonic() - t0
    if wait_index and "--no-event-index" not in extra:
        wanted = {INDEX_READY: "event index"}
        if "--no-search-index" not in extra:
            wanted[TEXT_READY] = "search index"
        # A first build of the search index at a million events takes a while; later
        # starts open it from its folder.
        while wanted and time.monotonic() - t0 < 3600:
            with open(logfile.name, errors="replace") as f:
                f.seek(offset)
                seen = f.read()
            for line in [k for k in wanted if k in seen]:
                log(f"  {wanted.pop(line)} ready {time.monotonic() - t0:.1f} s after the spawn")
            time.sleep(0.05)
        for name in wanted.values():
            log(f"  warning: no {name} after 600 s: measuring the SQLite path")
    return proc, ready


def timed_get(port, path):
    t = time.perf_counter()
    status, _, body = sb.fetch(port, path, timeout=120)
    return status, (time.perf_counter() - t) * 1000, body


def alone(port, samples):
    """Each sample address once, one at a time: {kind: {median, worst, worst_path, failed}}."""
    out = {}
    for kind, items in samples.items():
        times, failed, worst = [], [], (0.0, "")
        for path in items:
            status, ms, _ = timed_get(port, path)
            if status != 200:
                failed.append(f"{path} ({status})")
                continue
            times.append(ms)
            worst = max(worst, (ms, path))
        out[kind] = {"median": statistics.median(times) if times else None,
                     "worst": worst[0] if times else None, "worst_path": worst[1], "failed": failed,
                     "n": len(items)}
        log(f"  {kind:8} median {fmt(out[kind]['median'])} ms, worst {fmt(out[kind]['worst'])} ms "
            f"({worst[1]}){', failed: ' + ', '.join(failed) if failed else ''}")
    return out


def repeated(port, path, repeat):
    times, status = [], None
    for _ in range(repeat):
        status, ms, _ = timed_get(port, path)
        if status != 200:
            break
        times.append(ms)
    return {"status": status, "median": statistics.median(times) if times else None,
            "worst": max(times) if times else None}


def named_pages(gen, csv_words):
    """The heavy pages of the issue: (label, ours, Datasette's or None)."""
    actor = "Turkey"
    word = csv_words
    hist = "/api/histogram?from=1988-01-01&to=2025-12-31&buckets=100"
    return [
        (f"whole span, one actor (`actor={slug(actor)}`)", f"/?actor={slug(actor)}",
         f"/events/events?actors__contains={actor}&_sort=start_date&_size=50"),
        (f"one-word search matching about a third (`q={word}`)", f"/?q={word}",
         f"/events/events?_search={word}&_size=50"),
        ("one-word search, second page", f"/?q={word}&page=2", None),
        ("search of one word and one actor", f"/?q={word}&actor={slug(actor)}",
         f"/events/events?_search={word}&actors__contains={actor}&_size=50"),
        ("whole span, no filter", "/", "/events/events?_sort=start_date&_size=50"),
        ("ten years, one category and one place (facet counts)",
         "/?from=2000&to=2009&category=military&place=Lachin",
         "/events/events?start_date__gte=2000-01-01&start_date__lt=2010-01-01&category=military"
         "&location=Lachin&_sort=start_date&_size=50"),
        ("histogram, whole span", hist, None),
        ("histogram, whole span, one actor", hist + f"&actor={slug(actor)}", None),
        ("API, whole span of one actor", f"/api/events?actor={slug(actor)}&limit=50",
         f"/events/events.json?actors__contains={actor}&_sort=start_date&_size=50"),
    ]


def mix_run(port, paths_file, a, pid):
    cmd = ["wrk", f"-t{a.threads}", f"-c{a.connections}", f"-d{a.duration}s", "--timeout", "10s",
           "-s", MIX_LUA, f"http://127.0.0.1:{port}", "--", paths_file, str(a.threads)]
    b0, c0, s0, t0 = sb.busy_jiffies(), sb.children_ticks(), sb.tree_jiffies(pid), time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    capacity = wall * sb.CLK_TCK * os.cpu_count()
    busy, wrk_ticks, server_ticks = sb.busy_jiffies() - b0, sb.children_ticks() - c0, sb.tree_jiffies(pid) - s0
    for line in p.stdout.splitlines():
        if line.startswith("WRKJSON "):
            r = json.loads(line[8:])
            secs = r["duration_us"] / 1e6
            r["ok"] = min(r["ok"], r["sent"])
            r["rps"] = r["ok"] / secs if secs else 0.0
            r["errors"] = r["connect"] + r["read"] + r["write"] + r["timeout"]
            r["cpu_server"] = server_ticks / capacity
            r["cpu_wrk"] = wrk_ticks / capacity
            r["cpu_other"] = max(0.0, (busy - server_ticks - wrk_ticks) / capacity)
            log(f"    {r['rps']:.1f} successful req/s over {secs:.1f} s ({r['sent']:,} sent, {r['ok']:,} 2xx, "
                f"{r['failed']} other statuses, {r['errors']} socket errors incl. {r['timeout']} timeouts); "
                f"p50 {r['p50_us'] / 1000:.1f} ms, p99 {r['p99_us'] / 1000:.1f} ms; CPU server "
                f"{r['cpu_server']:.0%}, wrk {r['cpu_wrk']:.0%}, other {r['cpu_other']:.0%}")
            if r["threads_exhausted"]:
                log("    warning: the list ran out before the time did; rerun with more --addresses")
            return r
    raise SystemExit(f"wrk printed no summary:\n{p.stdout}\n{p.stderr}")


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def fmt(ms):
    if ms is None:
        return "–"
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--addresses", type=int, default=60_000, help="distinct addresses in the mix (>= 50,000)")
    ap.add_argument("--sample", type=int, default=12, help="addresses of each kind measured alone")
    ap.add_argument("--repeat", type=int, default=5, help="requests of each named page (cache off)")
    ap.add_argument("--duration", type=int, default=60, help="longest mix run per server, seconds")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--startups", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--skip-datasette", action="store_true")
    ap.add_argument("--markdown", metavar="FILE")
    ap.add_argument("--write-benchmarks", action="store_true")
    a = ap.parse_args()

    sb.ensure_tools()
    mach = sb.machine()
    if not a.no_build:
        sb.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    vers = sb.versions()
    csv_path, ours_db, theirs_db, timings = sb.prepare_data(a.events, False, datasette=not a.skip_datasette)
    lists = build_lists(csv_path, a.events, a.addresses, a.sample, a.seed)
    gen = generator()
    word = "corridor"  # a LOREM word: in about a third of the summaries
    pages = named_pages(gen, word)
    counts = {k: sum(1 for m in lists["mix"] if m[0] == k) for k, _ in WEIGHTS}
    log(f"mix: {len(lists['mix']):,} distinct addresses: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

    tmp = tempfile.mkdtemp(prefix="ct-mix-bench-")
    ours_file = os.path.join(tmp, "ours.txt")
    theirs_file = os.path.join(tmp, "theirs.txt")
    with open(ours_file, "w") as f:
        f.writelines(m[1] + "\n" for m in lists["mix"])
    with open(theirs_file, "w") as f:
        f.writelines(m[2] + "\n" for m in lists["mix"])
    logfile = open(os.path.join(tmp, "servers.log"), "wb")
    procs = []
    res = {"load": {}}
    try:
        port = sb.free_port()
        startups = []
        for _ in range(a.startups):
            proc, secs = start_ours(ours_db, port, logfile)
            startups.append(secs)
            sb.stop(proc)
        log(f"start-up: {', '.join(f'{s * 1000:.0f}' for s in startups)} ms")

        # Heavy named pages, response cache off.
        proc, _ = start_ours(ours_db, port, logfile, ["--cache-mb", "0"], wait_index=True)
        procs.append(proc)
        res["load"]["named"] = load_average()
        log(f"\nours, cache off: named pages (load {res['load']['named']})")
        _, _, body = sb.fetch(port, f"/api/events?q={word}&limit=1")
        res["word_total"] = json.loads(body).get("total")
        named = []
        for label, path, _ in pages:
            r = repeated(port, path, a.repeat)
            named.append(r)
            log(f"  {fmt(r['median'])} ms (worst {fmt(r['worst'])}, status {r['status']})  {path}")
        sb.stop(proc)
        procs.remove(proc)

        # Each kind alone, then the mix, cache on (the default).
        proc, _ = start_ours(ours_db, port, logfile, wait_index=True)
        procs.append(proc)
        res["load"]["alone"] = load_average()
        log(f"\nours: each kind alone (load {res['load']['alone']})")
        ours_alone = alone(port, {k: [s[0] for s in v] for k, v in lists["samples"].items()})
        sampler = sb.RssSampler(proc.pid)
        sampler.start()
        sb.wait_quiet(argparse.Namespace(quiet_wait=120, quiet_threshold=0.15), proc.pid)
        res["load"]["mix"] = load_average()
        log(f"\nours: the mix (load {res['load']['mix']})")
        ours_mix = mix_run(port, ours_file, a, proc.pid)
        sampler.stopped.set()
        sampler.join()
        status = sb.read_status(proc.pid) or {}
        rss = {"max_sampled_kb": max(sampler.max_rss_kb, status.get("VmRSS", 0)), "hwm_kb": status.get("VmHWM", 0)}
        sb.stop(proc)
        procs.remove(proc)

        ds = None
        if not a.skip_datasette:
            ds_port = sb.free_port()
            dproc = start_datasette(theirs_db, ds_port, logfile)
            procs.append(dproc)
            log(f"\nDatasette: named pages (load {load_average()})")
            ds_named = []
            for label, _, path in pages:
                r = repeated(ds_port, path, a.repeat) if path else None
                ds_named.append(r)
                if r:
                    log(f"  {fmt(r['median'])} ms (worst {fmt(r['worst'])}, status {r['status']})  {path}")
            log("Datasette: each kind alone")
            ds_alone = alone(ds_port, {k: [s[1] for s in v] for k, v in lists["samples"].items()})
            sb.wait_quiet(argparse.Namespace(quiet_wait=120, quiet_threshold=0.15), dproc.pid)
            res["load"]["ds_mix"] = load_average()
            log(f"Datasette: the mix (load {res['load']['ds_mix']})")
            ds_mix = mix_run(ds_port, theirs_file, a, dproc.pid)
            sb.stop(dproc)
            procs.remove(dproc)
            ds = {"named": ds_named, "alone": ds_alone, "mix": ds_mix}
    finally:
        for p in procs:
            sb.stop(p)
        logfile.close()

    section, targets = report(a, mach, vers, counts, startups, rss, named, pages, ours_alone, ours_mix, ds,
                              lists, res)
    print("\n" + section)
    print("targets:")
    for what, ok, figure in targets:
        print(f"  [{'met' if ok else 'NOT MET'}] {what}: {figure}")
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(section)
    if a.write_benchmarks:
        sb.replace_section(sb.BENCHMARKS, section)
        log(f"updated {os.path.relpath(sb.BENCHMARKS, ROOT)}")


def report(a, mach, vers, counts, startups, rss, named, pages, ours_alone, ours_mix, ds, lists, res):
    targets = []
    L = []
    n = a.events
    L.append(f"## Distinct requests at {n:,} events (the mix: no address asked twice)")
    L.append("")
    L.append(f"Command: `python3 bench/mix_bench.py --events {n}`")
    L.append("")
    L.append(f"Run of {datetime.date.today().isoformat()} on {mach['nproc']} cores ({mach['cpu']}), {mach['memory']}; "
             f"commit {vers['commit']}; Datasette {vers['datasette'].split('version ')[-1]} (immutable, facet "
             f"suggestions off, `sql_time_limit_ms` 60000). Load average (1, 5, 15 min) when each part began: "
             + "; ".join(f"{k} {v}" for k, v in res["load"].items()) + ".")
    L.append("")
    total = sum(counts.values())
    L.append(f"{total:,} distinct addresses drawn (seed {a.seed}) from the generator's actors, categories, places "
             f"and words: " + ", ".join(f"{KIND_LABEL[k]} {v:,}" for k, v in counts.items())
             + f". wrk `-t{a.threads} -c{a.connections}`, `bench/mix.lua` walking the list so that no address is "
             f"requested twice, at most {a.duration} s per server, 10 s timeout; only 2xx answers counted.")
    L.append("")
    L.append("| the mix | successful req/s | p50 ms | p99 ms | max ms | other statuses | socket errors (timeouts) | requests |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|")

    def mixrow(who, m):
        L.append(f"| {who} | {m['rps']:,.1f} | {fmt(m['p50_us'] / 1000)} | {fmt(m['p99_us'] / 1000)} | "
                 f"{fmt(m['max_us'] / 1000)} | {m['failed']} | {m['errors']} ({m['timeout']}) | {m['sent']:,} |")
    mixrow("ours", ours_mix)
    if ds:
        mixrow("Datasette", ds["mix"])
    L.append("")
    if ds and ds["mix"]["rps"]:
        ratio = ours_mix["rps"] / ds["mix"]["rps"]
        L.append(f"Ours / Datasette: **{ratio:.1f}×** the successful throughput.")
        L.append("")
        targets.append((f"mix ≥ {MIX_RATIO_TARGET:.0f}× Datasette's throughput", ratio >= MIX_RATIO_TARGET, f"{ratio:.1f}×"))
    targets.append((f"mix p99 ≤ {MIX_P99_TARGET_MS:.0f} ms at {a.connections} connections",
                    ours_mix["p99_us"] / 1000 <= MIX_P99_TARGET_MS, f"{ours_mix['p99_us'] / 1000:.1f} ms"))
    errs = ours_mix["failed"] + ours_mix["errors"]
    targets.append(("mix: no errors", errs == 0, str(errs)))

    L.append(f"Each kind alone: {a.sample} addresses of each kind (not in the mix), one at a time on the idle "
             "server, response cache on but cold for them; median and worst, and the slowest address.")
    L.append("")
    L.append("| kind | ours median ms | ours worst ms | slowest address (ours) | Datasette median ms | worst ms | slowest (Datasette) |")
    L.append("|---|---:|---:|---|---:|---:|---|")
    for kind, _ in WEIGHTS:
        o = ours_alone[kind]
        row = [KIND_LABEL[kind], fmt(o["median"]), fmt(o["worst"]), f"`{o['worst_path']}`"]
        if ds:
            d = ds["alone"][kind]
            row += [fmt(d["median"]), fmt(d["worst"]), f"`{d['worst_path']}`"]
        else:
            row += ["–"] * 3
        L.append("| " + " | ".join(row) + " |")
        targets.append((f"{KIND_LABEL[kind]} alone, worst of {o['n']} ≤ {ALONE_TARGET_MS:.0f} ms",
                        o["worst"] is not None and o["worst"] <= ALONE_TARGET_MS and not o["failed"],
                        f"{fmt(o['worst'])} ms" + (f", {len(o['failed'])} failed" if o["failed"] else "")))
    L.append("")
    L.append(f"Heavy pages alone, response cache off (`--cache-mb 0`), median of {a.repeat} (worst); "
             f"`q=corridor` matches {res.get('word_total') or 0:,} events:")
    L.append("")
    L.append("| page | ours ms | Datasette ms |")
    L.append("|---|---:|---:|")
    for i, (label, path, dpath) in enumerate(pages):
        o = named[i]
        cell = f"{fmt(o['median'])} ({fmt(o['worst'])})" if o["status"] == 200 else f"status {o['status']}"
        dcell = "–"
        if ds and ds["named"][i]:
            d = ds["named"][i]
            dcell = f"{fmt(d['median'])} ({fmt(d['worst'])})" if d["status"] == 200 else f"status {d['status']}"
        L.append(f"| {label}: `{path}` | {cell} | {dcell} |")
        targets.append((f"{label} ≤ {ALONE_TARGET_MS:.0f} ms (median, cache off)",
                        o["status"] == 200 and o["median"] <= ALONE_TARGET_MS, f"{fmt(o['median'])} ms"))
    L.append("")
    hwm = rss["hwm_kb"] / 1024
    st = statistics.median(startups)
    L.append(f"Our server: start-up {', '.join(f'{s * 1000:.0f}' for s in startups)} ms (spawn to the first 200 "
             f"from `/readyz`); RSS peak during the mix {rss['max_sampled_kb'] / 1024:.0f} MB (VmHWM {hwm:.0f} MB). "
             f"CPU during our mix: server {ours_mix['cpu_server']:.0%}, wrk {ours_mix['cpu_wrk']:.0%}, other work "
             f"{ours_mix['cpu_other']:.0%} of the machine.")
    L.append("")
    targets.append((f"server RSS ≤ {RSS_TARGET_MB} MB (VmHWM)", hwm <= RSS_TARGET_MB, f"{hwm:.0f} MB"))
    targets.append((f"start-up ≤ {STARTUP_TARGET_S} s (median)", st <= STARTUP_TARGET_S, f"{st * 1000:.0f} ms"))
    L.append("| target | figure | met |")
    L.append("|---|---:|---|")
    for what, ok, figure in targets:
        L.append(f"| {what} | {figure} | {'met' if ok else '**not met**'} |")
    L.append("")
    return "\n".join(L), targets


if __name__ == "__main__":
    main()
