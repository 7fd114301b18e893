#!/usr/bin/env python
"""
Benchmark the public site against the Python stack's ceiling.

For each database size it builds (or reuses) a database with generated
guides, starts gunicorn with production settings, saves every page's HTML as
a static file served by whitenoise under the same gunicorn settings (the
"ceiling"), and drives both with wrk, interleaving target and ceiling over
several rounds. The same pages are also measured through nginx with the
shipped configuration (deploy/nginx/healthsite.conf: TLS, micro-cache) in
front of the same gunicorn, against an nginx-static ceiling: the same HTML
files served from disk by the same nginx, over the same TLS, interleaved.
The article page on a cache miss is measured against the
issue's "naive Django" reference (bench/naive.py: Markdown rendered per
request, no cache), also side by side. It then measures worker RSS, cold
start and how soon a publish is visible (directly and through nginx), and
writes bench/RESULTS.md.

    .venv/bin/python bench/run.py --size 1000                   # SQLite
    .venv/bin/python bench/run.py --size 100000 --db postgres
    .venv/bin/python bench/run.py --quick                       # 200 guides, short runs
    .venv/bin/python bench/run.py --report-only                 # rewrite RESULTS.md

Needs wrk and nginx (Debian packages `wrk`, `nginx-light`) and, for --db postgres, the server on
127.0.0.1:5432. Everything it builds lives in bench/work/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.nginx renders and runs the shipped nginx sample

from tests.nginx import Nginx, start_nginx  # noqa: E402

BENCH = ROOT / "bench"
WORK = BENCH / "work"
PYTHON = sys.executable
GUNICORN = [PYTHON, "-m", "gunicorn", "-c", "healthsite/gunicorn.conf.py"]
PG_BASE = "postgres://postgres@127.0.0.1:5432"

# page name -> path; the guide and topic are from the seed fixtures, so they
# exist at every size; the list page is page 20 of the list (the last page
# when there are fewer), the same offset at every size.
PAGES = {
    "article": "/articles/diazepam-for-sleep/",
    "home": "/",
    "list": "/?page={list_page}",
    "topic": "/topics/diazepam/",
    "search": "/search/?q=sleep",
    "sitemap": "/sitemap-articles.xml",
    "feed": "/feed/",
}
# Any query parameter other than page/q/p bypasses the page cache, so this is
# what every unchanged guide costs just after a publish elsewhere: the page's
# validators are read from the database and the page rendered under them is
# reused. The guide that was itself just published is rendered in full, as
# on the server with every cache tier off ("no cache"). Each is measured for
# the seed guide (about 500 words) and a generated one (about 1,700 words).
MISS_GUIDES = {"seed guide": "diazepam-for-sleep", "generated guide": "generated-000000"}
MISS_RUNS = {
    f"{kind}, {guide}": (server, f"/articles/{slug}/{query}")
    for guide, slug in MISS_GUIDES.items()
    for kind, server, query in [
        ("page-cache miss", "target", "?bench-miss=1"),
        ("no cache", "uncached", ""),
        ("naive Django", "naive", ""),
    ]
}
CEILING_TARGETS = {"article", "home", "list", "topic"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, action="append", help="guides (repeatable)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="200 guides, 1 round of 3 s")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the database")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.size, args.duration, args.rounds = [200], 3, 1
    if not args.report_only:
        if not shutil.which("wrk"):
            sys.exit("wrk is missing: apt-get install -y wrk")
        if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
            sys.exit("nginx is missing: apt-get install -y nginx-light")
        for size in args.size or [1000]:
            run(size, args)
    write_report()


# Building ----------------------------------------------------------------------


def base_env(db: str, size: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}}  # fmt: skip
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_HTTPS="0",  # plain HTTP on loopback; everything else as in production
        # Pages say when nginx's micro-cache must drop them (healthsite/proxy.py).
        DJANGO_NGINX_MICROCACHE="1",
        DJANGO_SETTINGS_MODULE="healthsite.settings",
        DJANGO_STATIC_ROOT=str(WORK / "static"),
        DJANGO_CACHE_DIR=str(WORK / f"cache-{db}-{size}"),
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url(db, size),
    )
    return env


def database_url(db: str, size: int) -> str:
    if db == "sqlite":
        return f"sqlite:///{WORK / f'sqlite-{size}.sqlite3'}"
    return f"{PG_BASE}/hs_bench_{size}"


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, text=True,
                            capture_output=True, check=False)  # fmt: skip
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


# generate_articles lives in the development app devtools, which production
# settings leave out; only the build step installs it (bench/settings.py).
GENERATOR = {"DJANGO_SETTINGS_MODULE": "bench.settings"}


def build(db: str, size: int, env: dict[str, str], rebuild: bool) -> float:
    """Create the database with ``size`` published generated guides plus the
    seeds; reuse it when it is already complete. Returns seconds spent."""
    start = time.monotonic()
    marker = WORK / f"built-{db}-{size}"
    if marker.exists() and not rebuild:
        manage(env, "migrate", "--noinput")  # an existing database gets new migrations
        return time.monotonic() - start
    if db == "sqlite":
        Path(database_url(db, size).removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "hs_bench_{size}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "hs_bench_{size}"')
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    if db == "postgres":
        # Maintaining the GIN search index row by row makes a bulk load ~20x
        # slower; build the same index once at the end instead.
        definition = _pg(size, "SELECT pg_get_indexdef('article_search_gin'::regclass)")
        _pg(size, "DROP INDEX article_search_gin")
        bulk = {**env, "DJANGO_DB_SERVER_SIDE_BINDING": "1", **GENERATOR}
        manage(bulk, "generate_articles", "--count", str(size), "--publish")
        _pg(size, f"SET maintenance_work_mem = '512MB'; {definition}")
        _pg(size, "VACUUM ANALYZE")
    else:
        manage({**env, **GENERATOR}, "generate_articles", "--count", str(size), "--publish")
    marker.write_text(str(size))
    return time.monotonic() - start


def _pg(size: int, sql: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/hs_bench_{size}", autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchone()[0] if cursor.description else ""


# Serving -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


class Server:
    def __init__(self, name: str, env: dict[str, str], workers: int, app: str | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "DJANGO_BIND": f"127.0.0.1:{self.port}", "DJANGO_WORKERS": str(workers)}
        log = (WORK / f"{name}.log").open("w")
        self.started = time.monotonic()
        self.process = subprocess.Popen([*GUNICORN, *([app] if app else [])], cwd=ROOT,
                                        env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip

    def wait(self, path: str) -> float:
        """Seconds from start to the first 200 for ``path``: the cold start."""
        while time.monotonic() - self.started < 60:
            if self.process.poll() is not None:
                sys.exit("gunicorn exited; see bench/work/*.log")
            try:
                if get(self.url + path)[0] == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.005)
        sys.exit(f"{self.url} did not answer")

    def worker_rss_mib(self) -> list[float]:
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                                  text=True, check=False).stdout.split()  # fmt: skip
        sizes = []
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def wrk(url: str, args: argparse.Namespace) -> dict[str, float]:
    out = subprocess.run(
        # wrk gives up on an answer after 2 s by default and counts an error;
        # a slow answer is a latency to record, not an error.
        ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
         "--timeout", "10s", "-s", str(BENCH / "report.lua"), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("{"))
    result = json.loads(line)
    # Every answer must be a 2xx. A sync worker closes the connection after
    # each response, so wrk opens tens of thousands of connections a run and
    # the odd one can fail on the client side; a few in ten thousand are
    # recorded and reported, more stop the benchmark.
    if result["non2xx"] or result["errors"] * 10_000 > result["requests"] * 3:
        sys.exit(f"wrk saw errors or non-2xx answers for {url}: {result}")
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def publish_visible_after(fetch, env: dict[str, str]) -> float:
    """Publish a new version through the workflow in another process and
    time how long until every one of 20 requests serves the new text.
    ``fetch(path)`` returns the page's text (directly or through nginx)."""
    sentence = f"Benchmark sentence {secrets.token_hex(4)}."
    code = (
        "import time\n"
        "from django.contrib.auth.models import Group, User\n"
        "from articles import workflow\nfrom articles.models import Article, ReviewerProfile\n"
        "e, _ = User.objects.get_or_create(username='bench-editor')\n"
        "e.groups.add(Group.objects.get(name='Editors'))\n"
        "c, _ = User.objects.get_or_create(username='bench-clinician')\n"
        "c.groups.add(Group.objects.get(name='Clinical reviewers'))\n"
        "ReviewerProfile.objects.get_or_create(user=c, defaults={'display_name': 'Dr Bench'})\n"
        "a = Article.objects.get(slug='diazepam-for-sleep')\n"
        f"a.body += '\\n\\n{sentence}\\n'\n"
        "workflow.save_working_copy(article=a, user=e, expected_version=a.lock_version)\n"
        "workflow.submit(article=a, user=e)\nr = workflow.latest_revision(a)\n"
        "workflow.approve(article=a, reviewer=c, version=r.number, content_hash=r.content_hash)\n"
        "print(time.time())\n"
    )
    committed = float(manage(env, "shell", "-c", code).strip().splitlines()[-1])
    while True:
        seen = [sentence in fetch(PAGES["article"]) for _ in range(20)]
        if all(seen):
            return time.time() - committed
        if time.time() - committed > 30:
            return float("inf")
        time.sleep(0.01)


def cold_starts(env: dict[str, str], workers: int, times: int = 5) -> list[float]:
    """Seconds from launching gunicorn to the first 200 of the article page,
    each time with an empty page cache (so that request renders the page)."""
    found = []
    for _ in range(times):
        shutil.rmtree(env["DJANGO_CACHE_DIR"], ignore_errors=True)
        server = Server("cold-start", env, workers)
        try:
            found.append(server.wait(PAGES["article"]))
        finally:
            server.stop()
    shutil.rmtree(env["DJANGO_CACHE_DIR"], ignore_errors=True)
    return found


def first_requests(target: Server, size: int) -> dict[str, float]:
    """Milliseconds for the first request of each page after a publish: a
    page-cache miss everywhere, and a full render wherever the published
    guide appears. The warm figures cannot show this cost."""
    timings = {}
    for name, path in PAGES.items():
        start = time.monotonic()
        status, _ = get(target.url + path.format(list_page=list_page(size)))
        assert status == 200, (name, status)
        timings[name] = round((time.monotonic() - start) * 1000, 1)
    return timings


def start_ceiling(target: Server, env: dict[str, str], size: int, workers: int) -> Server:
    """Save each compared page's HTML and serve it as a static file."""
    ceiling_dir = WORK / "ceiling"
    shutil.rmtree(ceiling_dir, ignore_errors=True)
    for name in CEILING_TARGETS:
        status, html = get(target.url + PAGES[name].format(list_page=list_page(size)))
        assert status == 200, (name, status)
        (ceiling_dir / name).mkdir(parents=True)
        (ceiling_dir / name / "index.html").write_text(html)
    ceiling = Server("ceiling", {**env, "BENCH_CEILING_ROOT": str(ceiling_dir)}, workers,
                     app="bench.ceiling:application")  # fmt: skip
    ceiling.wait("/article/")
    return ceiling


def start_proxy(target: Server, env: dict[str, str], size: int) -> Nginx:
    """nginx with the shipped sample in front of the target, plus, on a
    port of its own in the same nginx (same TLS, same worker), the
    nginx-static ceiling: each compared page's HTML as a file on disk."""
    static_dir = WORK / "nginx-static"
    shutil.rmtree(static_dir, ignore_errors=True)
    for name in CEILING_TARGETS:
        status, html = get(target.url + PAGES[name].format(list_page=list_page(size)))
        assert status == 200, (name, status)
        (static_dir / name).mkdir(parents=True)
        (static_dir / name / "index.html").write_text(html)
    port = free_port()
    shutil.rmtree(WORK / "nginx", ignore_errors=True)
    proxy = start_nginx(
        WORK / "nginx", upstreams=[target.url.removeprefix("http://")],
        static_root=Path(env["DJANGO_STATIC_ROOT"]), media_root=WORK / "media",
        extra=(f"server {{ listen 127.0.0.1:{port} ssl; server_name localhost; "
               "ssl_certificate {certificate}; ssl_certificate_key {key}; "
               f"root {static_dir}; index index.html; }}\n"),
        access_log=False,
    )  # fmt: skip
    proxy.static_port = port
    return proxy


def list_page(size: int) -> int:
    return min(20, -(-(size + 2) // 50))


def measure(servers: dict[str, Server], size: int,
            args: argparse.Namespace) -> dict[str, list[dict]]:  # fmt: skip
    """wrk over every page, target and ceiling interleaved, then the cache-miss
    paths and the naive reference interleaved, round after round."""
    pages = {name: path.format(list_page=list_page(size)) for name, path in PAGES.items()}
    runs: dict[str, list[dict]] = {}
    target, ceiling = servers["target"], servers["ceiling"]
    proxy: Nginx = servers["nginx"]
    for round_ in range(args.rounds):
        for name, path in pages.items():
            runs.setdefault(name, []).append(wrk(target.url + path, args))
            if name in CEILING_TARGETS:
                runs.setdefault(f"ceiling:{name}", []).append(wrk(f"{ceiling.url}/{name}/", args))
                runs.setdefault(f"nginx {name}", []).append(
                    wrk(f"https://localhost:{proxy.https_port}{path}", args)
                )
                runs.setdefault(f"ceiling:nginx {name}", []).append(
                    wrk(f"https://localhost:{proxy.static_port}/{name}/", args)
                )
            print(f"  round {round_ + 1}: {name}", flush=True)
        for name, (server, path) in MISS_RUNS.items():
            runs.setdefault(name, []).append(wrk(servers[server].url + path, args))
            print(f"  round {round_ + 1}: {name}", flush=True)
    return runs


def run(size: int, args: argparse.Namespace) -> None:
    WORK.mkdir(exist_ok=True)
    env = base_env(args.db, size)
    print(f"== {args.db}, {size} guides ==", flush=True)
    build_seconds = build(args.db, size, env, args.rebuild)
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    shutil.rmtree(env["DJANGO_CACHE_DIR"], ignore_errors=True)

    starts = cold_starts(env, args.workers)
    servers: dict[str, Server] = {}
    try:
        target = servers["target"] = Server(f"target-{args.db}-{size}", env, args.workers)
        target.wait(PAGES["article"])
        servers["ceiling"] = start_ceiling(target, env, size, args.workers)
        uncached = {**env, "DJANGO_PAGE_CACHE_SECONDS": "0",
                    "DJANGO_CACHE_DIR": env["DJANGO_CACHE_DIR"] + "-uncached"}  # fmt: skip
        servers["uncached"] = Server("uncached", uncached, args.workers)
        naive = {**env, "DJANGO_SETTINGS_MODULE": "bench.naive_settings"}
        servers["naive"] = Server("naive", naive, args.workers, app="bench.naive:application")
        for name in ("uncached", "naive"):
            servers[name].wait(PAGES["article"])
        proxy = servers["nginx"] = start_proxy(target, env, size)
        runs = measure(servers, size, args)
        rss = target.worker_rss_mib()
        visible = publish_visible_after(lambda path: get(target.url + path)[1], env)
        visible_nginx = publish_visible_after(lambda path: proxy.request(path)[2], env)
        after_publish = first_requests(target, size)
    finally:
        for server in servers.values():
            server.stop()

    medians = {
        name: {key: statistics.median(r[key] for r in results)
               for key in ("rps", "p50", "p95", "p99")}
        for name, results in runs.items()
    }  # fmt: skip
    socket_errors = {
        kind: sum(r.get(kind, 0) for results in runs.values() for r in results)
        for kind in ("connect", "read", "write", "timeout")
    }
    requests = sum(r["requests"] for results in runs.values() for r in results)
    record = {
        "db": args.db, "size": size, "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "rounds": args.rounds, "duration": args.duration, "connections": args.connections,
        "workers": args.workers, "build_seconds": round(build_seconds, 1),
        "cold_start_s": round(statistics.median(starts), 3),
        "cold_starts_s": [round(x, 3) for x in starts],
        "worker_rss_mib": [round(x, 1) for x in rss],
        "publish_visible_s": round(visible, 3),
        "publish_visible_nginx_s": round(visible_nginx, 3), "pages": medians,
        "requests": requests, "socket_errors": socket_errors,
        "first_request_after_publish_ms": after_publish,
        "command": " ".join([".venv/bin/python", "bench/run.py", *sys.argv[1:]]),
        # Other work on the machine skews every figure; say how much there was.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }  # fmt: skip
    (WORK / f"result-{args.db}-{size}.json").write_text(json.dumps(record, indent=1))
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / f"{args.db}-{size}.json").write_text(json.dumps(record, indent=1))
    print(json.dumps(record, indent=1))


# Report ------------------------------------------------------------------------


def machine() -> str:
    free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout
    versions = subprocess.run([PYTHON, "-m", "pip", "freeze"], capture_output=True, text=True,
                              check=False).stdout.split()  # fmt: skip
    wanted = ("Django==", "gunicorn==", "whitenoise==", "psycopg==", "redis==")
    wrk_version = "wrk: missing"
    if shutil.which("wrk"):
        shown = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        wrk_version = (shown.stdout or shown.stderr).splitlines()[0]
    packages = ", ".join(v for v in versions if v.startswith(wanted))
    return "\n".join([
        f"- `nproc`: {os.cpu_count()}",
        f"- Python {platform.python_version()}, {packages}",
        f"- {wrk_version}",
        "- `free -h`:", "", "```", free.strip(), "```",
    ])  # fmt: skip


def goals(r: dict) -> list[str]:
    """Issue 17's goals, each met or not, from one run's medians."""
    pages = r["pages"]
    if not any(name.startswith("nginx ") for name in pages):
        return []
    checks = []
    for name in sorted(CEILING_TARGETS):
        m, c = pages[f"nginx {name}"], pages[f"ceiling:nginx {name}"]
        checks.append((f"{name} through nginx ≥ 0.5× nginx-static req/s, p99 ≤ 2×",
                       f"{m['rps'] / c['rps']:.2f}×, p99 {m['p99'] / c['p99']:.2f}×",
                       m["rps"] >= 0.5 * c["rps"] and m["p99"] <= 2 * c["p99"]))  # fmt: skip
        m, c = pages[name], pages[f"ceiling:{name}"]
        checks.append((f"{name}, app alone ≥ 0.8× whitenoise ceiling req/s",
                       f"{m['rps'] / c['rps']:.2f}×", m["rps"] >= 0.8 * c["rps"]))  # fmt: skip
    for guide in MISS_GUIDES:
        miss, naive = pages[f"page-cache miss, {guide}"], pages[f"naive Django, {guide}"]
        checks.append((f"cache-miss article ({guide}) ≥ 2× naive Django",
                       f"{miss['rps'] / naive['rps']:.2f}×",
                       miss["rps"] >= 2 * naive["rps"]))  # fmt: skip
    rss = max(r["worker_rss_mib"], default=0)
    checks.append(("worker RSS ≤ 60 MiB", f"{rss} MiB", rss <= 60))
    visible = r.get("publish_visible_nginx_s", float("inf"))
    checks.append(("publish visible through nginx within 1 s", f"{visible} s", visible <= 1))
    return ["", "Goals of issue 17:", "", "| goal | measured | met |", "|---|---:|---|",
            *(f"| {goal} | {value} | {'yes' if met else '**no**'} |"
              for goal, value, met in checks), ""]  # fmt: skip


# Sections other scripts append to RESULTS.md (bench/soak.py, render_bounds.py,
# evidence_pack.py, search_scale.py, lighthouse.py): kept, after this script's
# own, when it rewrites the file.
APPENDED_SECTIONS = (
    "## Soak",
    "## Render bounds",
    "## Evidence pack",
    "## Search at scale",
    "## Lighthouse",
)


def _appended_sections() -> list[str]:
    path = BENCH / "RESULTS.md"
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(APPENDED_SECTIONS)]
    return lines[starts[0] :] if starts else []


def write_report() -> None:
    records = [json.loads(p.read_text()) for p in sorted((BENCH / "results").glob("*.json"))]
    appended = _appended_sections()
    lines = [
        "# Benchmark results", "",
        "Written by `bench/run.py` (see its docstring and the README's Performance section).",
        "gunicorn with production settings (sync workers, DEBUG off, JSON access log), the",
        "default cache on disk, wrk -t1 on loopback; each figure is the median of the rounds,",
        "target and ceiling interleaved. The *ceiling* is the same HTML saved as a static file",
        "and served by whitenoise under the same gunicorn settings. Rows named `nginx …` go",
        "through deploy/nginx/healthsite.conf (TLS, micro-cache) in front of the same gunicorn;",
        "their ceiling is the same HTML served from disk by the same nginx over the same TLS.", "",
        "## Machine", "", machine(), "",
    ]  # fmt: skip
    for r in records:
        pages = r["pages"]
        lines += [
            f"## {r['db']}, {r['size']:,} generated guides ({r['date']})", "",
            f"Command: `{r['command']}`; {r['rounds']} rounds of {r['duration']} s, "
            f"{r['connections']} connections, {r['workers']} workers."
            + (f" Load average at the end: {', '.join(map(str, r['load_average']))}"
               f" (1, 5, 15 min) on {os.cpu_count()} cores." if "load_average" in r else ""),
            "",
            "| page | req/s | p50 ms | p95 ms | p99 ms | ceiling req/s | ceiling p99 ms "
            "| req/s ratio | p99 ratio |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]  # fmt: skip
        for name, m in pages.items():
            if name.startswith("ceiling:"):
                continue
            c = pages.get(f"ceiling:{name}")
            ceiling_cells = (
                f"{c['rps']:,.0f} | {c['p99']:.2f} | {m['rps'] / c['rps']:.2f} | "
                f"{m['p99'] / c['p99']:.2f}" if c else "– | – | – | –"
            )  # fmt: skip
            lines.append(f"| {name} | {m['rps']:,.0f} | {m['p50']:.2f} | {m['p95']:.2f} | "
                         f"{m['p99']:.2f} | {ceiling_cells} |")  # fmt: skip
        if any(name.startswith("naive Django") for name in pages):
            lines += ["", "The article page on a cache miss, against naive Django alongside:", ""]
        for guide in MISS_GUIDES:
            naive = pages.get(f"naive Django, {guide}")
            lines += [
                f"- {kind}, {guide}: {pages[f'{kind}, {guide}']['rps']:,.0f} req/s, "
                f"{pages[f'{kind}, {guide}']['rps'] / naive['rps']:.2f}× naive Django "
                f"({naive['rps']:,.0f} req/s)"
                for kind in ("page-cache miss", "no cache")
                if naive
            ]
        lines += [
            "",
            f"- Worker RSS after the load: {', '.join(f'{x} MiB' for x in r['worker_rss_mib'])}",
            f"- Cold start to the first 200: {r['cold_start_s']} s, the median of "
            f"{', '.join(map(str, r.get('cold_starts_s', [])))} s",
            f"- A publish through the workflow, in another process, was served by every one of"
            f" 20 consecutive requests {r['publish_visible_s']} s after its commit"
            + (f"; through nginx's micro-cache, {r['publish_visible_nginx_s']} s"
               if "publish_visible_nginx_s" in r else ""),
            f"- Database build: {r['build_seconds']} s (0 when reused)",
        ]  # fmt: skip
        if "first_request_after_publish_ms" in r:
            firsts = ", ".join(f"{k} {v:g}" for k, v in r["first_request_after_publish_ms"].items())
            lines.append(f"- First request of each page just after that publish, in ms: {firsts}")
        lines += goals(r)
        if "socket_errors" in r:
            errors = ", ".join(f"{n} {kind}" for kind, n in r["socket_errors"].items() if n)
            lines.append(f"- wrk socket errors: {errors or 'none'} in {r['requests']:,} requests"
                         " (no answer was other than 2xx)")  # fmt: skip
        lines.append("")
    by_db: dict[str, dict[int, dict]] = {}
    for r in records:
        by_db.setdefault(r["db"], {})[r["size"]] = r
    for db, sizes in by_db.items():
        if len(sizes) < 2:
            continue
        small, large = min(sizes), max(sizes)
        lines += [
            f"## {db}: p95 at {large:,} guides against {small:,}", "",
            "| page | p95 ms small | p95 ms large | ratio |", "|---|---:|---:|---:|",
        ]  # fmt: skip
        for name in PAGES:
            a, b = sizes[small]["pages"][name]["p95"], sizes[large]["pages"][name]["p95"]
            lines.append(f"| {name} | {a:.2f} | {b:.2f} | {b / a:.2f} |")
        lines.append("")
    lines += appended
    (BENCH / "RESULTS.md").write_text("\n".join(lines).rstrip("\n") + "\n")
    print(f"wrote {BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
