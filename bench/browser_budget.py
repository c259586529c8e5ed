#!/usr/bin/env python3
"""Front-end budget of the timeline page, measured in headless Chromium (issue: interactive
timeline). Standard library only; needs Debian's chromium and chromium-driver.

What it does, in one run:
  1. generates N synthetic events with ../shared/bench/gen_events.py (default 20,000) and
     converts them to the native dataset format;
  2. imports them into a fresh database with the release binary and starts the server;
  3. drives Chromium over WebDriver and, for each view, loads it R times and reads the
     Navigation Timing of each load: domInteractive and domContentLoadedEventEnd (the
     page's deferred script has set up the strip, drag, zoom and keys by then);
  4. checks what the views show (histogram instead of marks when dense, one page of cards);
  5. on each view, plays a scripted gesture in the page (a drag that pans the strip 60
     steps, then 40 wheel steps that zoom in and out around a point) and measures each
     frame with the Performance API: the work of the step (event handlers, style and
     layout, forced at once) and the interval between animation frames (which grows past
     16.7 ms when a frame misses its slot); reports p95 and the worst of both;
  6. prints medians and the byte sizes of the page's JavaScript and CSS.

Usage: python3 bench/browser_budget.py [--events 20000] [--runs 9]
"""
import argparse, csv, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")
BIN = os.path.join(ROOT, "target", "release", "conflict-timeline")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def edtf(row):
    start, prec, end = row["start_date"], row["date_precision"], row["end_date"]
    s = {"day": start, "month": start[:7], "year": start[:4]}[prec]
    return f"{s}/{end}" if end else s


def convert(csv_path, toml_path):
    with open(csv_path, newline="") as f, open(toml_path, "w") as out:
        out.write('format = "conflict-timeline/1"\n[[conflicts]]\nslug = "synthetic"\nname = "Synthetic benchmark conflict"\n')
        for row in csv.DictReader(f):
            out.write("[[events]]\n")
            out.write(f"slug = {toml_str(row['slug'])}\ndate = {toml_str(edtf(row))}\n")
            out.write(f"title = {toml_str(row['title'])}\ncategory = {toml_str(row['category'])}\n")
            out.write(f"place = {toml_str(row['location'])}\nsummary = {toml_str(row['summary'])}\n")
            out.write("actors = [" + ", ".join(toml_str(a) for a in row["actors"].split(";") if a) + "]\n")
            out.write(f"[[events.sources]]\ntitle = \"Synthetic source\"\nurl = {toml_str(row['source_url'])}\n")


class WebDriver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--window-size=1280,900"]}}}}
        for _ in range(100):
            try:
                self.session = self.call("POST", "/session", caps)["sessionId"]
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("cannot reach chromedriver")

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["value"]

    def goto(self, url):
        self.call("POST", f"/session/{self.session}/url", {"url": url})

    def js(self, script):
        return self.call("POST", f"/session/{self.session}/execute/sync", {"script": script, "args": []})

    def js_async(self, script, *args):
        return self.call("POST", f"/session/{self.session}/execute/async", {"script": script, "args": list(args)})

    def quit(self):
        self.call("DELETE", f"/session/{self.session}")


# Plays a pan (a pointer drag over the titles' lanes, 60 steps) or a zoom (40 wheel steps
# at a point, in then out) on the strip, one step per animation frame, and returns
# [work ms per step], [frame interval ms]. The gesture is left unfinished (the next page
# load ends it), so no page load is measured.
GESTURE = """
const kind = arguments[0], done = arguments[arguments.length - 1];
const strip = document.querySelector('.overview__strip');
const box = strip.getBoundingClientRect();
const top = Number(strip.getAttribute('data-plot-top')) || box.height / 2;
const y = box.top + top - 12, x0 = box.left + box.width * 0.6;
const steps = [];
if (kind === 'pan') {
  steps.push(() => strip.dispatchEvent(new PointerEvent('pointerdown', {pointerId: 9, button: 0, clientX: x0, clientY: y, bubbles: true})));
  for (let i = 1; i <= 60; i++) steps.push(() => strip.dispatchEvent(new PointerEvent('pointermove', {pointerId: 9, clientX: x0 - i * 4, clientY: y, bubbles: true})));
} else {
  for (let i = 0; i < 40; i++) steps.push(() => strip.dispatchEvent(new WheelEvent('wheel', {deltaY: i < 20 ? -60 : 60, clientX: box.left + box.width * 0.3, clientY: y, bubbles: true, cancelable: true})));
}
const work = [], frames = [];
let last = null, i = 0;
function frame(t) {
  if (last !== null) frames.push(t - last);
  last = t;
  if (i >= steps.length) { done([work, frames]); return; }
  const t0 = performance.now();
  steps[i++]();
  strip.getBoundingClientRect(); document.body.offsetHeight;
  work.push(performance.now() - t0);
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
"""


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--gen", default=os.path.join(SHARED, "gen_events.py"),
                    help="the synthetic generator (default ../shared/bench/gen_events.py)")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="ct-budget-")
    procs = []
    try:
        csv_path, toml_path, db = (os.path.join(work, n) for n in ("events.csv", "events.toml", "bench.db"))
        subprocess.run([sys.executable, a.gen, str(a.events), "-o", csv_path], check=True)
        convert(csv_path, toml_path)
        t = time.time()
        subprocess.run([BIN, "import", toml_path, "--db", db], check=True, stdout=subprocess.DEVNULL)
        print(f"imported {a.events} events in {time.time() - t:.1f} s")
        port = free_port()
        procs.append(subprocess.Popen([BIN, "serve", "--db", db, "--bind", f"127.0.0.1:{port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wd_port = free_port()
        procs.append(subprocess.Popen(["chromedriver", f"--port={wd_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.5)
        wd = WebDriver(wd_port)
        site = f"http://127.0.0.1:{port}"
        views = [("about 300 events in range (marks)", "/?from=2010-01&to=2010-06"),
                 ("about 1,000 events in range", "/?from=2010&to=2011"),
                 (f"whole span ({a.events:,} events)", "/")]
        print(f"\n{'view':34} {'in view':>8} {'cards':>6} {'drawn as':>10} {'domInteractive':>15} {'DCL end (ready)':>16} {'first load DCL':>16}")
        gestures = []
        for name, path in views:
            interactive, ready = [], []
            first = None
            for i in range(a.runs + 1):
                wd.goto(site + path)
                # Read once the entry is complete (a first navigation can be read before).
                for _ in range(100):
                    timing = wd.js("const n = performance.getEntriesByType('navigation')[0];"
                                   "return [n.domInteractive, n.domContentLoadedEventEnd];")
                    if timing[1] > 0:
                        break
                    time.sleep(0.02)
                if i:  # the first load meets cold caches; it is reported apart
                    interactive.append(timing[0])
                    ready.append(timing[1])
                else:
                    first = timing[1]
            shown = wd.js("return [document.querySelector('#result-count strong').textContent,"
                          " document.querySelectorAll('article.card').length,"
                          " !!document.querySelector('.overview__strip--dense'),"
                          " document.documentElement.classList.contains('js')];")
            assert shown[3], "the page script ran"
            print(f"{name:34} {shown[0].split(' of ')[0]:>8} {shown[1]:>6} {'histogram' if shown[2] else 'marks':>10} "
                  f"{statistics.median(interactive):>12.0f} ms {statistics.median(ready):>13.0f} ms"
                  f" {first:>13.0f} ms")
            drawn = wd.js("const s = document.querySelector('.overview__strip');"
                          "return [s.querySelectorAll('.mark').length, s.querySelectorAll('.hist-bar').length,"
                          " Array.from(s.querySelectorAll('text.label')).filter(t => t.getClientRects().length).length];")
            work, frames = [], []
            for kind in ("pan", "zoom") * 3:
                wd.goto(site + path)
                w, f = wd.js_async(GESTURE, kind)
                work += w
                frames += f
            gestures.append((name, drawn, work, frames))
        print(f"\n{'3 pans (60 steps), 3 zooms (40 steps)':40} {'marks':>6} {'bars':>5} {'titles':>6} "
              f"{'work p95':>9} {'worst':>7} {'frame p95':>10} {'worst':>7}")
        for name, drawn, work, frames in gestures:
            print(f"{name:40} {drawn[0]:>6} {drawn[1]:>5} {drawn[2]:>6} {p95(work):>6.1f} ms {max(work):>4.1f} ms"
                  f" {p95(frames):>7.1f} ms {max(frames):>4.1f} ms")
        wd.goto(site + "/")
        served = wd.js("return [document.querySelector('script[src]').src,"
                       " document.querySelector('link[rel=stylesheet]').href];")
        wd.quit()
        # What the browser downloads, uncompressed (the stylesheet is served minified).
        js_bytes, css_bytes = (len(urllib.request.urlopen(url).read()) for url in served)
        print(f"\napp.js as served {js_bytes:,} bytes (budget 30,720); "
              f"app.css as served {css_bytes:,} bytes (budget 30,720)")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
