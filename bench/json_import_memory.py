#!/usr/bin/env python3
"""Peak memory of importing a TimelineJS JSON file against the CSV path for the same
events (issue 14, item 5: JSON inputs read event by event). Standard library only.

What it does:
  1. builds the release binary (`cargo build --release`; skip with --no-build);
  2. generates N events with ../shared/bench/gen_events.py (seed 42) and writes the same
     events twice (texts cut to 24 characters): as a TimelineJS JSON file
     (`{"title": …, "events": [...]}`, about 100 MB for a million events) and as a
     TimelineJS sheet CSV (the same fields, read by the streaming CSV path);
  3. for each run, imports each file into a fresh database
     (`conflict-timeline import FILE --db DB --conflict bench`), measuring the wall time and
     the peak resident memory of the process (os.wait4's rusage: ru_maxrss), and checks
     that N events arrived;
  4. imports 3 MB of empty slides (`{"events": [{}, {}, …]}`), which must fail with
     problems, and measures its peak memory too;
  5. prints the medians and the ratio JSON / CSV (target: at most 1.5).

Usage: python3 bench/json_import_memory.py [--events 1000000] [--runs 3] [--workdir DIR] [--no-build] [--binary PATH]
"""
import argparse, csv, json, os, sqlite3, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
def find_shared():
    """The shared bench folder (`shared/bench` beside the checkout, or beside a parent)."""
    here = ROOT
    while True:
        candidate = os.path.join(os.path.dirname(here), "shared", "bench")
        if os.path.exists(os.path.join(candidate, "gen_events.py")) or os.path.dirname(here) == here:
            return candidate
        here = os.path.dirname(here)


SHARED = find_shared()
TARGET_DIR = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR", "target"))
BIN = os.path.join(TARGET_DIR, "release", "conflict-timeline")
TARGET_RATIO = 1.5
SHEET_HEADER = ["Year", "Month", "Day", "Time", "End Year", "End Month", "End Day", "End Time",
                "Display Date", "Headline", "Text", "Media", "Media Credit", "Media Caption",
                "Media Thumbnail", "Type", "Group", "Background"]


def run_measured(args):
    """Runs a command; returns (wall seconds, peak RSS in MB, stderr, exit code)."""
    err = tempfile.TemporaryFile()
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err.seek(0)
    return wall, usage.ru_maxrss * 1024 / 1e6, err.read().decode(errors="replace"), os.waitstatus_to_exitcode(status)


def components(day, precision):
    """(year, month, day) strings of a YYYY-MM-DD at a precision (day, month or year)."""
    y, m, d = day.split("-")
    if precision == "year":
        return y, "", ""
    if precision == "month":
        return y, str(int(m)), ""
    return y, str(int(m)), str(int(d))


def write_files(n, workdir):
    """The generated events as TimelineJS JSON and sheet CSV; returns both paths."""
    plain = os.path.join(workdir, f"events-{n}.csv")
    json_path = os.path.join(workdir, f"timeline-{n}.json")
    sheet_path = os.path.join(workdir, f"timeline-{n}.sheet.csv")
    if os.path.exists(json_path) and os.path.exists(sheet_path):
        return json_path, sheet_path
    if not os.path.exists(plain):
        print(f"generating {n:,} events …", file=sys.stderr)
        # Written beside and renamed, so that an interrupted run leaves no half file behind.
        subprocess.run([sys.executable, os.path.join(SHARED, "gen_events.py"), str(n), "-o", plain + ".part"], check=True)
        os.replace(plain + ".part", plain)
    with open(plain, newline="", encoding="utf-8") as src, \
            open(json_path + ".part", "w", encoding="utf-8") as js, \
            open(sheet_path + ".part", "w", newline="", encoding="utf-8") as sh:
        sheet = csv.writer(sh)
        sheet.writerow(SHEET_HEADER)
        sheet.writerow(["", "", "", "", "", "", "", "", "", "Bench", "<p>Generated events.</p>",
                        "", "", "", "", "title", "", ""])
        js.write('{"title": {"text": {"headline": "Bench", "text": "<p>Generated events.</p>"}},\n "events": [\n')
        for i, row in enumerate(csv.DictReader(src)):
            # A short text keeps a million slides near 100 MB, the size issue 14 measured.
            row["summary"] = row["summary"][:24]
            y, m, d = components(row["start_date"], row["date_precision"])
            ey, em, ed = components(row["end_date"], row["date_precision"]) if row["end_date"] else ("", "", "")
            slide = {"start_date": {"year": y, "month": m, "day": d},
                     "text": {"headline": row["title"], "text": f"<p>{row['summary']}</p>"},
                     "media": {"url": row["source_url"]},
                     "group": row["category"]}
            if ey:
                slide["end_date"] = {"year": ey, "month": em, "day": ed}
            js.write(("" if i == 0 else ",\n") + json.dumps(slide, ensure_ascii=False))
            sheet.writerow([y, m, d, "", ey, em, ed, "", "", row["title"], f"<p>{row['summary']}</p>",
                            row["source_url"], "", "", "", "", row["category"], ""])
        js.write("\n]}\n")
    os.replace(json_path + ".part", json_path)
    os.replace(sheet_path + ".part", sheet_path)
    return json_path, sheet_path


def empty_slides(workdir, size=3_000_000):
    path = os.path.join(workdir, "empty-slides.json")
    if not os.path.exists(path):
        count = (size - 14) // 3
        with open(path, "w") as f:
            f.write('{"events": [' + ",".join(["{}"] * count) + "]}")
    return path


def import_once(path, fmt, workdir, expect):
    db = os.path.join(workdir, "bench.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    wall, rss, err, code = run_measured([BIN, "import", path, "--db", db, "--conflict", "bench", "--format", fmt])
    if expect is None:
        if code == 0:
            sys.exit(f"{path}: expected problems, the import succeeded")
        return wall, rss
    if code != 0:
        sys.exit(f"{path}: import failed ({code}): {err[-2000:]}")
    count = sqlite3.connect(db).execute("SELECT count(*) FROM event").fetchone()[0]
    if count != expect:
        sys.exit(f"{path}: {count} events, expected {expect}")
    return wall, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "ct-json-bench"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--binary", help="the conflict-timeline binary to run (default: the release build)")
    a = ap.parse_args()
    global BIN
    BIN = a.binary or BIN
    os.makedirs(a.workdir, exist_ok=True)
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    json_path, sheet_path = write_files(a.events, a.workdir)
    empty = empty_slides(a.workdir)
    print(f"JSON file {os.path.getsize(json_path) / 1e6:.0f} MB, sheet CSV {os.path.getsize(sheet_path) / 1e6:.0f} MB, "
          f"empty slides {os.path.getsize(empty) / 1e6:.1f} MB")
    results = {"json": [], "csv": [], "empty": []}
    for run in range(a.runs):
        results["json"].append(import_once(json_path, "timelinejs-json", a.workdir, a.events))
        results["csv"].append(import_once(sheet_path, "timelinejs-csv", a.workdir, a.events))
        results["empty"].append(import_once(empty, "timelinejs-json", a.workdir, None))
        print(f"run {run + 1}: " + ", ".join(f"{k} {w:.1f} s {r:.0f} MB" for k, v in results.items() for w, r in [v[-1]]))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(r for _, r in v)) for k, v in results.items()}
    ratio = med["json"][1] / med["csv"][1]
    print(f"\nmedians of {a.runs} runs, {a.events:,} events:")
    print(f"  TimelineJS JSON : {med['json'][0]:.1f} s, peak RSS {med['json'][1]:.0f} MB")
    print(f"  TimelineJS CSV  : {med['csv'][0]:.1f} s, peak RSS {med['csv'][1]:.0f} MB")
    print(f"  3 MB of {{}}     : {med['empty'][0]:.1f} s, peak RSS {med['empty'][1]:.0f} MB (fails with problems, as it must)")
    print(f"  RSS ratio JSON / CSV = {ratio:.2f} (target <= {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'MISSED'})")


if __name__ == "__main__":
    main()
