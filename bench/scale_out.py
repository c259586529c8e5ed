#!/usr/bin/env python3
"""Scale-out check: two instances of conflict-timeline on one database file behind an nginx
proxy_cache (issue: fast at a million events). Standard library only; needs Debian's
nginx-light (installed when missing).

It starts two servers on two ports sharing one SQLite file (the cached benchmark database of
bench/serve_bench.py, built if missing), both with the same --public-url (the proxy's
address, as a deployment would set it), and nginx in front of them with proxy_cache and
`X-Cache-Status`. For each URL it checks that:
  - both instances answer the same status and byte-identical bodies;
  - through nginx the body is the same as direct;
  - a repeat request through nginx is a cache HIT (for 200 responses);
and it prints the caching headers each response carries (ETag, Cache-Control,
Last-Modified, Vary, Content-Encoding) and whether If-None-Match gets a 304.
Exits non-zero on any mismatch or missed HIT.

Usage: python3 bench/scale_out.py [--events 100000] [--no-build] [--ignore-upstream-cache-headers]
"""
import argparse, json, os, re, signal, subprocess, sys, tempfile, time, shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_bench as sb  # noqa: E402

NGINX_PROXY_CONF = """\
worker_processes 2;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    proxy_cache_path {tmp}/cache levels=1:2 keys_zone=ct:10m max_size=256m inactive=10m use_temp_path=off;
    upstream conflict_timeline {{
        server 127.0.0.1:{a};
        server 127.0.0.1:{b};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://conflict_timeline;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_cache ct;
            proxy_cache_valid 200 301 302 1m;
            proxy_cache_valid 404 10s;
            proxy_cache_lock on;
{ignore}
            add_header X-Cache-Status $upstream_cache_status always;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""

CACHE_HEADERS = ("etag", "cache-control", "last-modified", "vary", "content-encoding", "expires", "set-cookie")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--ignore-upstream-cache-headers", action="store_true",
                    help="make nginx cache even what our Cache-Control/Expires/Set-Cookie forbid")
    a = ap.parse_args()

    sb.ensure_tools()
    if not a.no_build:
        sb.run(["cargo", "build", "--release", "--quiet"], cwd=sb.ROOT)
    _, db, _, _ = sb.prepare_data(a.events, a.fresh)

    tmp = tempfile.mkdtemp(prefix="ct-scale-out-")
    logfile = open(os.path.join(tmp, "servers.log"), "wb")
    procs = []
    failures = []
    try:
        pa, pb, pn = sb.free_port(), sb.free_port(), sb.free_port()
        while len({pa, pb, pn}) < 3:
            pb, pn = sb.free_port(), sb.free_port()
        public = f"http://127.0.0.1:{pn}"
        for port in (pa, pb):
            proc = subprocess.Popen([sb.BIN, "serve", "--db", db, "--bind", f"127.0.0.1:{port}",
                                     "--public-url", public], stdout=logfile, stderr=logfile,
                                    env={**os.environ, "RUST_LOG": "warn"})
            procs.append(proc)
            sb.wait_ready(port, "/readyz", proc)
        ntmp = os.path.join(tmp, "nginx")
        os.makedirs(ntmp)
        conf = os.path.join(ntmp, "nginx.conf")
        ignore = ("            proxy_ignore_headers Cache-Control Expires Set-Cookie;\n"
                  if a.ignore_upstream_cache_headers else "")
        with open(conf, "w") as f:
            f.write(NGINX_PROXY_CONF.format(tmp=ntmp, a=pa, b=pb, port=pn, ignore=ignore))
        os.chmod(tmp, 0o755)
        os.chmod(ntmp, 0o755)
        nginx = subprocess.Popen([sb.nginx_bin(), "-p", ntmp, "-c", conf, "-e", os.path.join(ntmp, "error.log")],
                                 stdout=logfile, stderr=logfile)
        procs.append(nginx)
        sb.wait_ready(pn, "/healthz", nginx, timeout=30, interval=0.05)

        # Real values for the URLs.
        _, _, body = sb.fetch(pa, "/api/events?from=2020-01-01&to=2020-01-31&limit=1")
        slug = json.loads(body)["events"][0]["slug"]
        _, _, page = sb.fetch(pa, "/")
        assets = sorted(set(re.findall(r'/static/[A-Za-z0-9._-]+', page.decode("utf-8", "replace"))))
        urls = [
            "/", "/?from=2020-01-01&to=2020-01-31", "/?from=2020&to=2020", f"/events/{slug}",
            "/?q=blockade+Lachin", "/api/events?from=2020-01-01&to=2020-01-31&limit=50",
            f"/api/events/{slug}", "/api/conflicts", "/api/openapi.json",
            "/api/histogram?from=1988-01-01&to=2025-12-31&buckets=100",
            "/export/events.csv?from=2020-01-01&to=2020-01-07",
            "/events/no-such-event-anywhere",
        ] + assets[:2]

        print(f"instances on :{pa} and :{pb}, one database ({os.path.relpath(db, sb.ROOT)}), "
              f"nginx proxy_cache on :{pn}{' (ignoring upstream cache headers)' if ignore else ''}\n")
        header_rows, etag_differs = [], []
        for url in urls:
            sa, ha, ba = sb.fetch(pa, url)
            sb_, hb, bb = sb.fetch(pb, url)
            notes = []
            ok = True
            if sa != sb_ or ba != bb:
                ok = False
                detail = f"status {sa} vs {sb_}" if sa != sb_ else f"bodies differ ({len(ba)} vs {len(bb)} bytes)"
                failures.append(f"{url}: instances disagree: {detail}")
                notes.append("instances DIFFER")
            if ha.get("etag") != hb.get("etag"):
                etag_differs.append(url)
                notes.append(f"ETags differ ({ha.get('etag')} vs {hb.get('etag')})")
            s1, h1, b1 = sb.fetch(pn, url)
            s2, h2, b2 = sb.fetch(pn, url)
            c1, c2 = h1.get("x-cache-status", "-"), h2.get("x-cache-status", "-")
            if s1 != sa or b1 != ba or b2 != ba:
                ok = False
                failures.append(f"{url}: body through nginx differs from direct")
                notes.append("proxied body DIFFERS")
            if sa == 200 and c2 != "HIT":
                ok = False
                failures.append(f"{url}: repeat through nginx is {c2}, not HIT (Cache-Control: {ha.get('cache-control')})")
            if ha.get("etag"):
                s304, _, _ = sb.fetch(pa, url, {"If-None-Match": ha["etag"]})
                notes.append(f"If-None-Match → {s304}")
            _, hz, _ = sb.fetch(pa, url, {"Accept-Encoding": "gzip, br"})
            print(f"{'ok  ' if ok else 'FAIL'} {sa} {url}")
            print(f"       {len(ba):,} bytes; nginx: {c1} then {c2}" + ("; " + "; ".join(notes) if notes else ""))
            seen = {k: ha.get(k) for k in CACHE_HEADERS if ha.get(k)}
            if hz.get("content-encoding"):
                seen["content-encoding (gzip, br asked)"] = hz["content-encoding"]
            print("       headers: " + (", ".join(f"{k}: {v}" for k, v in seen.items()) or "no caching headers"))
            header_rows.append((url, seen))
    finally:
        for p in reversed(procs):
            sb.stop(p, signal.SIGQUIT if p is procs[-1] and len(procs) == 3 else signal.SIGTERM)
        logfile.close()
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    ok200 = [u for u, _ in header_rows]
    etags = sorted({h.get("etag") for _, h in header_rows if h.get("etag")})
    summary = (f"Scale-out (`python3 bench/scale_out.py --events {a.events}`, {time.strftime('%Y-%m-%d')}): two instances "
               f"on one database file behind nginx `proxy_cache`, {len(ok200)} URLs (pages, API, export, a 404, "
               "static assets). " + ("All bodies identical across the instances and through nginx, every repeat 200 a "
                                     "cache HIT." if not failures else f"{len(failures)} failure(s): "
                                     + "; ".join(failures) + ".")
               + f" ETags seen: {', '.join('`' + e + '`' for e in etags) or 'none'}"
               + (f" (different on the two instances for {len(etag_differs)} URLs)" if etag_differs
                  else " (the same on both instances)" if etags else "") + ".\n")
    with open(os.path.join(sb.ROOT, "target", "bench", str(a.events), "scale_out.md"), "w") as f:
        f.write(summary)
    if failures:
        print(f"{len(failures)} failure(s):")
        for f in failures:
            print("  - " + f)
        sys.exit(1)
    print("all bodies identical across instances and through nginx; every repeat 200 was a cache HIT")


if __name__ == "__main__":
    main()
