#!/usr/bin/env python
"""
Soak: public load on two gunicorn instances while people edit and publish.

For ``--duration`` seconds (default 60), wrk keeps 16 connections busy on the
public pages of two gunicorn instances (8 each, every public page type in
turn; bench/soak.lua), while

- an editor saves a guide through the admin over HTTP every ``--interval``
  seconds (default 3), alternating between the instances, and
- a clinician publishes the other guide every ``--interval`` seconds: a
  driver process makes an editor's change, submits it and approves it through
  ``articles.workflow``, reading the version to approve from the database,
  then times how long until both instances serve the new text.

It passes when no response (wrk's, the editor's or the driver's, and every
line of both access logs) is a 5xx, wrk saw no socket error, and every
approval was served by both instances within 1 s of its commit. The result
is appended to bench/RESULTS.md; the exit status is 1 if it failed.

    .venv/bin/python bench/soak.py                    # SQLite, 60 s
    .venv/bin/python bench/soak.py --db postgres      # PostgreSQL on 127.0.0.1:5432
    .venv/bin/python bench/soak.py --duration 10 --no-record   # a smoke run

Needs wrk (Debian package ``wrk``). Everything it builds lives in
bench/work/soak-<db>/ (git-ignored) and is rebuilt on every run.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.processes import AdminSession, free_port  # noqa: E402 (needs ROOT on the path)

BENCH = ROOT / "bench"
PYTHON = sys.executable
PG_BASE = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "soak-passphrase-" + secrets.token_hex(8)
EDITED_SLUG = "valium-diazepam"  # saved by the editor over HTTP, never published
PUBLISHED_SLUG = "diazepam-for-sleep"  # changed and approved by the driver
VISIBLE_WITHIN_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--connections", type=int, default=16, help="split over 2 instances")
    parser.add_argument("--workers", type=int, default=2, help="per instance")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between writes")
    parser.add_argument("--no-record", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument("--driver", nargs=2, metavar=("URLS", "DEADLINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        drive_approvals(args.driver[0].split(","), float(args.driver[1]), args.interval)
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    result = soak(args)
    print(json.dumps(result["verdict"], indent=1))
    if not args.no_record:
        record(result)
    sys.exit(0 if result["verdict"]["passed"] else 1)


# Set-up ------------------------------------------------------------------------------


def environment(db: str, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}}  # fmt: skip
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_HTTPS="0",  # plain HTTP on loopback; everything else as in production
        DJANGO_SETTINGS_MODULE="healthsite.settings",
        DJANGO_STATIC_ROOT=str(work / "static"),
        DJANGO_MEDIA_ROOT=str(work / "media"),
        DJANGO_CACHE_DIR=str(work / "cache"),
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_ACCOUNT_PASSWORD=PASSWORD,
        DATABASE_URL=(
            f"sqlite:///{work / 'soak.sqlite3'}" if db == "sqlite" else f"{PG_BASE}/hs_bench_soak"
        ),
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, text=True,
                            capture_output=True, check=False)  # fmt: skip
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def build(db: str, work: Path, env: dict[str, str]) -> str:
    """A fresh database with both seed guides, an editor, an author and a
    clinician. Returns the primary key of the guide the editor saves."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as connection:
            connection.execute('DROP DATABASE IF EXISTS "hs_bench_soak" WITH (FORCE)')
            connection.execute('CREATE DATABASE "hs_bench_soak"')
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    manage(env, "seed_demo")
    for name in ("soak-editor", "soak-author"):
        manage(env, "create_account", name, "--role", "editor")
    manage(env, "create_account", "soak-clinician", "--role", "clinician",
           "--display-name", "Dr Soak", "--credentials", "MBChB")  # fmt: skip
    code = "from articles.models import Article as A; print(A.objects.get(slug=%r).pk)"
    code %= EDITED_SLUG
    return manage(env, "shell", "--verbosity", "0", "-c", code).strip()


def start_servers(
    env: dict[str, str], work: Path, workers: int
) -> list[tuple[str, subprocess.Popen]]:
    servers = []
    for n in range(2):
        port = free_port()
        process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", "healthsite/gunicorn.conf.py"],
            cwd=ROOT,
            env={**env, "DJANGO_BIND": f"127.0.0.1:{port}", "DJANGO_WORKERS": str(workers),
                 "DJANGO_LOG_LEVEL": "INFO"},
            stdout=(work / f"gunicorn-{n}.log").open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        servers.append((f"http://127.0.0.1:{port}", process))
    for url, process in servers:
        deadline = time.monotonic() + 60
        while status(url + "/healthz") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"gunicorn on {url} did not start; see {work}")
            time.sleep(0.2)
    return servers


def status(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


# The run -------------------------------------------------------------------------------


def soak(args: argparse.Namespace) -> dict:
    work = BENCH / "work" / f"soak-{args.db}"
    env = environment(args.db, work)
    edited_pk = build(args.db, work, env)
    servers = start_servers(env, work, args.workers)
    urls = [url for url, _ in servers]
    try:
        deadline = time.time() + args.duration
        wrk = ["wrk", "-t1", f"-c{args.connections // 2}", f"-d{args.duration}s",
               "--timeout", "10s", "-s", str(BENCH / "soak.lua")]  # fmt: skip
        wrks = [
            subprocess.Popen([*wrk, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for url in urls
        ]
        driver = subprocess.Popen(
            [PYTHON, str(BENCH / "soak.py"), "--interval", str(args.interval),
             "--driver", ",".join(urls), str(deadline)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        saves: list[int] = []
        editor = threading.Thread(
            target=edit_over_http, args=(urls, edited_pk, deadline, args.interval, saves)
        )
        editor.start()
        wrk_results = []
        for process in wrks:
            out, err = process.communicate(timeout=args.duration + 60)
            line = next((x for x in out.splitlines() if x.startswith("{")), None)
            if line is None:
                sys.exit(f"wrk failed: {err or out}")
            wrk_results.append(json.loads(line))
        driver_out, driver_err = driver.communicate(timeout=120)
        editor.join(timeout=120)
    finally:
        for _, process in servers:
            process.terminate()
        for _, process in servers:
            process.wait(timeout=60)
    approvals = [json.loads(x) for x in driver_out.splitlines() if x.startswith("{")]
    if driver.returncode:
        approvals.append({"error": driver_err[-2000:]})
    access = access_statuses(work)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": vars(args),
        "wrk": wrk_results,
        "saves": saves,
        "approvals": approvals,
        "access": access,
        "verdict": verdict(wrk_results, saves, approvals, access),
    }


def edit_over_http(
    urls: list[str], pk: str, deadline: float, interval: float, saves: list[int]
) -> None:
    """The editor: open the guide's change form and save it with one more
    line, alternating between the instances; each save's HTTP status."""
    sessions = []
    for url in urls:
        session = AdminSession(url)
        session.log_in("soak-editor", PASSWORD)
        sessions.append(session)
    n = 0
    while time.time() + interval / 2 < deadline:
        session = sessions[n % len(sessions)]
        path = f"/admin/articles/article/{pk}/change/"
        try:
            fields = session.change_form(path)
        except AssertionError:  # the change form did not answer 200
            saves.append(0)
            n += 1
            continue
        fields = [(k, f"{v}\n\nSoak edit {n}." if k == "body" else v) for k, v in fields]
        code, _ = session.request(path, [*fields, ("_continue", "Save and continue editing")])
        saves.append(code)
        n += 1
        time.sleep(interval)


def drive_approvals(urls: list[str], deadline: float, interval: float) -> None:
    """Run inside Django: every ``interval`` seconds an author changes the
    published guide, submits it, and a clinician approves the version read
    from the database; then both instances are polled until they serve the
    new sentence. One JSON line per approval on stdout."""
    import django

    django.setup()
    from django.contrib.auth.models import User

    from articles import workflow
    from articles.models import Article, Revision

    author = User.objects.get(username="soak-author")
    clinician = User.objects.get(username="soak-clinician")
    n = 0
    while time.time() + interval < deadline:
        started = time.monotonic()
        sentence = f"Soak approval {n} {secrets.token_hex(4)}."
        article = Article.objects.get(slug=PUBLISHED_SLUG)
        article.body = f"{article.body}\n\n{sentence}"
        workflow.save_working_copy(article=article, user=author,
                                   expected_version=article.lock_version)  # fmt: skip
        workflow.submit(article=article, user=author)
        latest = Revision.objects.filter(article=article).order_by("-number").first()
        workflow.approve(article=article, reviewer=clinician, **_read_version(latest))
        committed = time.monotonic()
        visible = {}
        for url in urls:
            while sentence not in _body(url + f"/articles/{PUBLISHED_SLUG}/"):
                if time.monotonic() - committed > 10:
                    break
                time.sleep(0.01)
            visible[url] = round(time.monotonic() - committed, 3)
        print(json.dumps({"n": n, "visible_s": max(visible.values()),
                          "write_s": round(committed - started, 3)}), flush=True)  # fmt: skip
        n += 1
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


def _read_version(revision) -> dict:  # type: ignore[no-untyped-def]
    """The arguments by which ``workflow.approve`` names the version the
    clinician read: the version itself, or its number and content hash."""
    from articles import workflow

    parameters = inspect.signature(workflow.approve).parameters
    if "content_hash" in parameters:
        return {"version": revision.number, "content_hash": revision.content_hash}
    return {"revision": revision}


def _body(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    except (urllib.error.URLError, OSError):
        return ""


def access_statuses(work: Path) -> dict[str, int]:
    """Responses by status class over both instances' access logs."""
    counts: dict[str, int] = {}
    for log in work.glob("gunicorn-*.log"):
        for line in log.read_text().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("logger") == "gunicorn.access" and event.get("status"):
                key = f"{event['status'] // 100}xx"
                counts[key] = counts.get(key, 0) + 1
    return counts


def verdict(wrk: list[dict], saves: list[int], approvals: list[dict], access: dict) -> dict:
    socket_errors = sum(r[k] for r in wrk for k in ("connect", "read", "write", "timeout"))
    visible = [a["visible_s"] for a in approvals if "visible_s" in a]
    failures = []
    if access.get("5xx"):
        failures.append(f"{access['5xx']} 5xx responses in the access logs")
    if any(r["non2xx"] for r in wrk):
        failures.append(f"{sum(r['non2xx'] for r in wrk)} non-2xx/3xx answers to wrk")
    if socket_errors:
        failures.append(f"{socket_errors} socket errors")
    if any(code != 302 for code in saves) or not saves:
        failures.append(f"editor saves: {saves}")
    if any("error" in a for a in approvals) or not visible:
        failures.append(f"approvals failed: {[a for a in approvals if 'error' in a]}")
    if any(v > VISIBLE_WITHIN_S for v in visible):
        failures.append(f"approvals visible after {max(visible)} s")
    return {
        "passed": not failures,
        "failures": failures,
        "requests": sum(r["requests"] for r in wrk),
        "rps": round(sum(r["requests"] / (r["duration_us"] / 1e6) for r in wrk)),
        "p50_ms": max(r["p50"] for r in wrk),
        "p99_ms": max(r["p99"] for r in wrk),
        "max_ms": max(r["max"] for r in wrk),
        "socket_errors": socket_errors,
        "access": access,
        "saves": len(saves),
        "approvals": len(visible),
        "visible_max_s": max(visible, default=None),
        "visible_median_s": sorted(visible)[len(visible) // 2] if visible else None,
    }


# Report --------------------------------------------------------------------------------


def record(result: dict) -> None:
    """Append this run as a section of bench/RESULTS.md."""
    v, a = result["verdict"], result["args"]
    load = os.getloadavg()
    lines = [
        "",
        f"## Soak, {a['db']} ({result['date']})",
        "",
        f"Command: `.venv/bin/python bench/soak.py --db {a['db']} --duration {a['duration']}`"
        f" (`bench/soak.py`): {a['duration']} s of wrk, {a['connections']} connections over two"
        f" gunicorn instances ({a['workers']} sync workers each), every public page type in"
        f" turn; an editor saves a guide in the admin and a clinician approves a change of the"
        f" other guide every {a['interval']:g} s. Load average at the end"
        f" {load[0]:.1f} on {os.cpu_count()} cores (other work shared the machine);"
        f" Python {platform.python_version()}.",
        "",
        f"**{'Passed' if v['passed'] else 'FAILED: ' + '; '.join(v['failures'])}.**",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| public requests (wrk) | {v['requests']:,} ({v['rps']:,} req/s) |",
        f"| p50 / p99 / max latency | {v['p50_ms']:.1f} / {v['p99_ms']:.1f} / "
        f"{v['max_ms']:.0f} ms |",
        f"| responses by class (both access logs) | "
        f"{', '.join(f'{k}: {n:,}' for k, n in sorted(v['access'].items()))} |",
        f"| 5xx responses | {v['access'].get('5xx', 0)} |",
        f"| socket errors | {v['socket_errors']} |",
        f"| editor saves over HTTP (all 302) | {v['saves']} |",
        f"| approvals | {v['approvals']} |",
        f"| approval visible on both instances, median / max | "
        f"{v['visible_median_s']} / {v['visible_max_s']} s |",
        "",
    ]
    with (BENCH / "RESULTS.md").open("a", encoding="utf-8") as results:
        results.write("\n".join(lines))


if __name__ == "__main__":
    main()
