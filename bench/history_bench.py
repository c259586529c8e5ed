#!/usr/bin/env python3
"""What keeping history costs (issue 20, point 2), and what `optimize` gives back.
Standard library only.

What it does:
  1. builds the release binary (`cargo build --release`; skip with --no-build);
  2. generates N rows with the shared generator (`gen_events.py`, seed 42; SHARED_BENCH
     points at its folder, default ../shared/bench beside the checkout), and a file of the
     first tenth of those rows with every title changed (both made once, in the work
     directory);
  3. for each run: imports the N rows into a fresh database, then the changed tenth (an
     update of N/10 titles among N events), timing each import process and reading, before
     and after the second one, the bytes of the file in use (pages less free pages) and the
     bytes of the history tables (SQLite's dbstat);
  4. checks the history the second import kept: N/10 `changed` rows whose previous titles
     are the old ones;
  5. runs `conflict-timeline optimize` on the last database and reports its time and the
     bytes it reclaimed;
  6. with `--baseline BIN` (a binary built from the commit before history), does the same
     imports with it, its runs alternating with those of this build, so that both meet the
     same load of the machine;
  7. prints the medians and whether the targets are met.

Targets (issue 20, 1,000,000 events): the re-import with 100,000 changed titles within
1.5x of the baseline's time (12.8 s in BENCHMARKS.md, or the --baseline binary's median),
and the history it adds at most 2x the size of the changed text (the previous titles).

Usage: python3 bench/history_bench.py [--rows 1000000] [--runs 3] [--baseline BIN]
       [--workdir DIR] [--no-build]
"""
import argparse, csv, datetime, os, sqlite3, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED_BENCH") or os.path.join(os.path.dirname(ROOT), "shared", "bench")
TARGET_DIR = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR", "target"))
BIN = os.path.join(TARGET_DIR, "release", "conflict-timeline")
BASELINE_SECONDS = 12.8
CONFLICT = "bench"


def run_timed(args):
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        fail(f"{' '.join(args)} exited with {proc.returncode}", proc.stdout, proc.stderr)
    return wall, proc.stdout.strip()


def fail(message, stdout="", stderr=""):
    print(f"FAILED: {message}\n{stdout}\n{stderr[-4000:]}", file=sys.stderr)
    sys.exit(1)


def generate(rows, path):
    if os.path.exists(path):
        return
    print(f"generating {rows:,} rows into {path} …", file=sys.stderr)
    tmp = path + ".part"
    subprocess.run([sys.executable, os.path.join(SHARED, "gen_events.py"), str(rows), "-o", tmp], check=True)
    os.replace(tmp, path)


def changed_tenth(csv_path, rows):
    """The first tenth of the rows with every title changed; made once."""
    path = csv_path.replace(".csv", "-changed-tenth.csv")
    if os.path.exists(path):
        return path
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


def old_titles_bytes(csv_path, rows):
    """UTF-8 bytes of the titles the changed tenth replaces: the changed text."""
    total = 0
    with open(csv_path, newline="") as src:
        reader = csv.reader(src)
        title = next(reader).index("title")
        for i, row in enumerate(reader):
            if i >= rows // 10:
                break
            total += len(row[title].encode())
    return total


def space(db_path):
    """(bytes in use: pages less free pages, bytes of the history tables and indexes)."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        page = con.execute("PRAGMA page_size").fetchone()[0]
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
        try:
            history = con.execute(
                "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN "
                "('event_change', 'event_change_by_event', 'event_last_change', 'change_field', "
                "'import_revision', 'event_removed', 'event_removed_by_slug', 'event_slug_alias')"
            ).fetchone()[0]
        except sqlite3.OperationalError:
            history = None
    finally:
        con.close()
    return (pages - free) * page, history


def check_history(db_path, tenth):
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        last = con.execute("SELECT max(id) FROM import_revision").fetchone()[0]
        changed = con.execute(
            "SELECT count(*) FROM event_change_json WHERE revision_id = ? AND kind = 'changed'",
            (last,),
        ).fetchone()[0]
        kept = con.execute(
            "SELECT coalesce(sum(length(CAST(json_extract(previous, '$.title') AS BLOB))), 0) "
            "FROM event_change_json WHERE revision_id = ?", (last,)
        ).fetchone()[0]
        wrong = con.execute(
            "SELECT count(*) FROM event_change_json c JOIN event e ON e.id = c.event_id "
            "WHERE c.revision_id = ? AND e.title <> json_extract(c.previous, '$.title') || ' (revised)'",
            (last,),
        ).fetchone()[0]
    finally:
        con.close()
    if changed != tenth or wrong != 0:
        fail(f"expected {tenth} title changes with the old titles kept; found {changed}, {wrong} wrong")
    return kept


def remove_db(db_path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db_path + suffix):
            os.remove(db_path + suffix)


def measure_run(binary, label, run, csv_path, changed_path, rows, workdir, history):
    """One run of one binary: a fresh import, then the changed tenth. Returns (database,
    first wall, second wall, bytes in use added, history bytes added or None)."""
    db_path = os.path.join(workdir, f"history-{label}-{rows}.db")
    remove_db(db_path)
    first, out = run_timed([binary, "import", csv_path, "--db", db_path, "--conflict", CONFLICT])
    print(f"{label} run {run}: import {first:.2f} s ({out})", file=sys.stderr)
    used_before, history_before = space(db_path)
    second, out = run_timed([binary, "import", changed_path, "--db", db_path, "--conflict", CONFLICT])
    print(f"{label} run {run}: changed tenth {second:.2f} s ({out})", file=sys.stderr)
    if f"{rows // 10} updated" not in out:
        fail(f"expected {rows // 10} updated", out)
    used_after, history_after = space(db_path)
    kept = None
    if history:
        check_history(db_path, rows // 10)
        if history_before is not None:
            kept = history_after - history_before
    return db_path, first, second, used_after - used_before, kept


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", "--events", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", help="a binary without history, measured the same way")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "conflict-timeline-history-bench"))
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()

    if not a.no_build:
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    os.makedirs(a.workdir, exist_ok=True)
    csv_path = os.path.join(a.workdir, f"events-{a.rows}.csv")
    generate(a.rows, csv_path)
    changed_path = changed_tenth(csv_path, a.rows)
    changed_text = old_titles_bytes(csv_path, a.rows)
    load = os.getloadavg()

    # The runs of both binaries alternate, so that both meet the same load of the machine.
    first, second, used, kept = [], [], [], []
    bfirst, bsecond, bused = [], [], []
    db_path = base_db = None
    for run in range(1, a.runs + 1):
        db_path, f, s2, u, k = measure_run(BIN, "history", run, csv_path, changed_path, a.rows, a.workdir, True)
        first.append(f); second.append(s2); used.append(u)
        if k is not None:
            kept.append(k)
        if a.baseline:
            base_db, f, s2, u, _ = measure_run(a.baseline, "baseline", run, csv_path, changed_path, a.rows, a.workdir, False)
            bfirst.append(f); bsecond.append(s2); bused.append(u)
            remove_db(base_db)
    opt_wall, opt_out = run_timed([BIN, "optimize", "--db", db_path])
    print(f"optimize {opt_wall:.2f} s ({opt_out})", file=sys.stderr)
    size_after_optimize = os.path.getsize(db_path)
    base = None
    if a.baseline:
        base = (statistics.median(bfirst), statistics.median(bsecond), statistics.median(bused))
    remove_db(db_path)
    end_load = os.getloadavg()

    med = statistics.median
    tenth = a.rows // 10
    print(f"\nHistory at {a.rows:,} events ({tenth:,} changed titles, {changed_text / 1e6:.2f} MB of "
          f"previous titles), medians of {a.runs} runs, {datetime.date.today().isoformat()}, "
          f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, at the end "
          f"{end_load[0]:.2f} {end_load[1]:.2f} {end_load[2]:.2f}:")
    print("| | with history | baseline |")
    print("|---|---:|---:|")
    b = base or (None, BASELINE_SECONDS, None)
    fmt = lambda v, unit="s": "—" if v is None else (f"{v:.1f} s" if unit == "s" else f"{v / 1e6:.1f} MB")
    print(f"| import of {a.rows:,} rows into a fresh database | {fmt(med(first))} | {fmt(b[0])} |")
    print(f"| {tenth:,} changed titles into those events | {fmt(med(second))} | "
          f"{fmt(b[1])}{'' if base else ' (BENCHMARKS.md)'} |")
    print(f"| bytes in use added by the changed titles | {fmt(med(used), 'MB')} | {fmt(b[2], 'MB')} |")
    if kept:
        print(f"| of which history tables (dbstat) | {fmt(med(kept), 'MB')} | |")
    print(f"`optimize` on the last database: {opt_wall:.1f} s; {opt_out}; file {size_after_optimize / 1e6:.0f} MB after")
    ratio_time = med(second) / b[1]
    met_time = ratio_time <= 1.5
    growth = (med(kept) if kept else med(used) - (b[2] or 0))
    ratio_space = growth / changed_text if changed_text else float("inf")
    met_space = ratio_space <= 2.0
    print(f"targets: changed-titles import within 1.5x of the baseline: {ratio_time:.2f}x, "
          f"{'met' if met_time else 'NOT met'}; history added within 2x the changed text: "
          f"{ratio_space:.2f}x, {'met' if met_space else 'NOT met'}")
    return 0 if met_time and met_space else 2


if __name__ == "__main__":
    sys.exit(main())
