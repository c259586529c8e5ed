#!/usr/bin/env python3
"""Import at scale: wall time and peak memory of `conflict-timeline import` on N synthetic
CSV rows (issue: import real conflict data at scale). Standard library only.

What it does:
  1. builds the release binary (`cargo build --release`; skip with --no-build);
  2. generates N rows with ../shared/bench/gen_events.py (seed 42) once per N, in the work
     directory (reused by later runs of this script);
  3. for each run: imports the file into a fresh database, then imports the same file again
     into that database (which must change nothing), each time measuring the wall time and
     the peak resident memory of the import process (os.wait4's rusage: ru_maxrss);
  4. then imports a file of the first tenth of those rows with every title changed (made
     once, beside the CSV) into that database: an update of N/10 events among N;
  5. checks the results (N events, N full-text entries, an unchanged dataset version after
     the re-import, N/10 events updated and found by their new titles) and prints the
     medians, rows per second and whether the targets are met.

Targets (2-core machine): N = 1,000,000 imported in under 30 s with a peak RSS under 300 MB.

Usage: python3 bench/import_bench.py [--rows 1000000] [--runs 3] [--workdir DIR] [--no-build] [--keep]
(`--events` is another name for `--rows`; with CARGO_TARGET_DIR set, the binary is built and
taken from there.)
"""
import argparse, datetime, os, sqlite3, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")
# Cargo's target directory: CARGO_TARGET_DIR when set (a build apart from target/, so that a
# benchmark does not replace a binary other benchmarks are running), else target/.
TARGET_DIR = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR", "target"))
BIN = os.path.join(TARGET_DIR, "release", "conflict-timeline")
TARGET_SECONDS = 30.0
TARGET_RSS_MB = 300.0
CONFLICT = "bench"


def run_measured(args):
    """Runs a command; returns (wall seconds, peak RSS in MB, stdout, stderr, exit code)."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    # Linux reports ru_maxrss in KiB.
    rss_mb = usage.ru_maxrss * 1024 / 1e6
    return wall, rss_mb, out.read().decode(errors="replace"), err.read().decode(errors="replace"), proc.returncode


def generate(rows, path):
    if os.path.exists(path):
        return
    print(f"generating {rows:,} rows into {path} …", file=sys.stderr)
    tmp = path + ".part"
    subprocess.run(
        [sys.executable, os.path.join(SHARED, "gen_events.py"), str(rows), "-o", tmp],
        check=True,
    )
    os.replace(tmp, path)


def changed_tenth(csv_path, rows):
    """The first tenth of the rows with every title changed; made once."""
    path = csv_path.replace(".csv", "-changed-tenth.csv")
    if os.path.exists(path):
        return path
    import csv
    tmp = path + ".part"
    with open(csv_path, newline="") as src, open(tmp, "w", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        header = next(reader)
        title = header.index("title")
        writer.writerow(header)
        for i, row in enumerate(reader):
            if i >= rows // 10:
                break
            row[title] += " (revised)"
            writer.writerow(row)
    os.replace(tmp, path)
    return path


def import_cmd(csv_path, db_path):
    return [BIN, "import", csv_path, "--db", db_path, "--conflict", CONFLICT]


def measured_import(run, label, csv_path, db_path):
    """Imports `csv_path` into `db_path`, measured; stops the script if the import fails.
    Returns (wall seconds, peak RSS in MB, stdout, stderr)."""
    wall, rss, stdout, stderr, code = run_measured(import_cmd(csv_path, db_path))
    if code != 0:
        fail(f"{label} exited with {code}", stdout, stderr)
    print(f"run {run}: {label} {wall:.2f} s, peak RSS {rss:.0f} MB ({stdout.strip()})", file=sys.stderr)
    return wall, rss, stdout, stderr


def db_state(db_path):
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        events = con.execute("SELECT count(*) FROM event").fetchone()[0]
        version = con.execute("SELECT version FROM dataset_version").fetchone()[0]
        # Rows of the FTS index itself (the docsize shadow table has one per document).
        fts = con.execute("SELECT count(*) FROM event_fts_docsize").fetchone()[0]
    finally:
        con.close()
    return events, version, fts


def fail(message, stdout="", stderr=""):
    print(f"FAILED: {message}\n{stdout}\n{stderr[-4000:]}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", "--events", type=int, default=1_000_000, help="CSV rows (events) to import")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "conflict-timeline-import-bench"),
                    help="where the generated CSV and the databases go")
    ap.add_argument("--no-build", action="store_true", help="use the release binary as it is")
    ap.add_argument("--keep", action="store_true", help="keep the last database (the CSV is always kept)")
    a = ap.parse_args()

    if not a.no_build:
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    os.makedirs(a.workdir, exist_ok=True)
    csv_path = os.path.join(a.workdir, f"events-{a.rows}.csv")
    generate(a.rows, csv_path)

    changed_path = changed_tenth(csv_path, a.rows)

    first, again, changed = [], [], []
    for run in range(1, a.runs + 1):
        db_path = os.path.join(a.workdir, f"import-{a.rows}.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                os.remove(db_path + suffix)

        wall, rss, stdout, stderr = measured_import(run, "import", csv_path, db_path)
        events, version, fts = db_state(db_path)
        if events != a.rows or fts != a.rows:
            fail(f"expected {a.rows} events and index entries, found {events} and {fts}", stdout, stderr)
        first.append((wall, rss))

        wall2, rss2, stdout2, stderr2 = measured_import(run, "re-import", csv_path, db_path)
        if db_state(db_path) != (events, version, fts) or f"{a.rows} unchanged" not in stdout2:
            fail("the re-import changed something", stdout2, stderr2)
        again.append((wall2, rss2))

        wall3, rss3, stdout3, stderr3 = measured_import(run, "changed rows", changed_path, db_path)
        events3, _, fts3 = db_state(db_path)
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            revised = con.execute("SELECT count(*) FROM event_fts WHERE event_fts MATCH 'revised'").fetchone()[0]
        finally:
            con.close()
        tenth = a.rows // 10
        if f"{tenth} updated" not in stdout3 or (events3, fts3) != (a.rows, a.rows) or revised != tenth:
            fail(f"expected {tenth} events updated and found by their new titles (found {revised})", stdout3, stderr3)
        changed.append((wall3, rss3))

    db_mb = os.path.getsize(db_path) / 1e6
    if not a.keep:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                os.remove(db_path + suffix)
    wall = statistics.median(w for w, _ in first)
    rss = statistics.median(r for _, r in first)
    wall2 = statistics.median(w for w, _ in again)
    rss2 = statistics.median(r for _, r in again)
    wall3 = statistics.median(w for w, _ in changed)
    rss3 = statistics.median(r for _, r in changed)
    met_time = wall < TARGET_SECONDS
    met_rss = max(rss, rss2, rss3) < TARGET_RSS_MB
    csv_mb = os.path.getsize(csv_path) / 1e6

    print(f"\nImport of {a.rows:,} CSV rows ({csv_mb:.0f} MB file, database {db_mb:.0f} MB), "
          f"medians of {a.runs} runs, {datetime.date.today().isoformat()}:")
    print("| | wall time | rows/s | peak RSS |")
    print("|---|---:|---:|---:|")
    print(f"| import into a fresh database | {wall:.1f} s | {a.rows / wall:,.0f} | {rss:.0f} MB |")
    print(f"| re-import of the same file (nothing changes) | {wall2:.1f} s | {a.rows / wall2:,.0f} | {rss2:.0f} MB |")
    print(f"| {a.rows // 10:,} changed rows (titles) into those {a.rows:,} events | {wall3:.1f} s | "
          f"{a.rows // 10 / wall3:,.0f} | {rss3:.0f} MB |")
    print(f"targets (set for 1,000,000 rows): under {TARGET_SECONDS:.0f} s: {'met' if met_time else 'NOT met'}; "
          f"peak RSS under {TARGET_RSS_MB:.0f} MB: {'met' if met_rss else 'NOT met'}")
    return 0 if met_time and met_rss else 2


if __name__ == "__main__":
    sys.exit(main())
