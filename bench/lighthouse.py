#!/usr/bin/env python
"""
Lighthouse scores of every public page type (issue 14: at least 98 for
performance, accessibility, best practices and SEO, mobile and desktop).

It installs Lighthouse from bench/lighthouse/package-lock.json (``npm ci``,
skipped when the lock is unchanged since the last install), builds a fresh
SQLite site with the two seed guides (``migrate``, ``seed_demo``,
``collectstatic``), serves it with gunicorn under production settings
(DEBUG off, whitenoise static files, the page cache; plain HTTP on
loopback, which Chromium treats as a secure origin) as bench/run.py does,
and runs Lighthouse against each page type with the mobile (default) and
desktop presets, in headless Chromium (/usr/bin/chromium, or CHROME_PATH).
Each page is loaded once before it is measured, so the page cache holds
it, as it does for nearly every reader.

It appends a section "Lighthouse" to bench/RESULTS.md (earlier sections
kept): a table of the four category scores and, for every score under 98,
the audits that lost points, with the element where Lighthouse names one.
The reports themselves are left in bench/work/lighthouse/ (JSON).

    .venv/bin/python bench/lighthouse.py                  # every page, both presets
    .venv/bin/python bench/lighthouse.py --runs 3         # median of three runs each
    .venv/bin/python bench/lighthouse.py --page article --preset mobile --no-append

Needs node (20 or later) and npm; exits 1 when any score is under 98.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # bench/run.py: environment, gunicorn servers

LIGHTHOUSE_DIR = run.BENCH / "lighthouse"
REPORTS = run.WORK / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOAL = 98
PRESETS = ("mobile", "desktop")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
# Every public HTML page type (the sitemap and feed are not HTML). "/" is
# both the home page and the list of guides.
PAGES = {
    "home (guides list)": "/",
    "article": "/articles/diazepam-for-sleep/",
    "article, long": "/articles/valium-diazepam/",
    "topics list": "/topics/",
    "topic": "/topics/diazepam/",
    "search, blank": "/search/",
    "search results": "/search/?q=diazepam",
    "search, did you mean": "/search/?q=diazapam",
    "search, no results": "/search/?q=qwxzvb",
    "feedback form": "/feedback/diazepam-for-sleep/",
    # Reached by sending the form on the guide: a Lighthouse user flow
    # (bench/lighthouse/thanks.mjs) measures the navigation of the POST.
    "feedback thanks (POST)": "/articles/diazepam-for-sleep/",
    "404": "/no-such-page/",
}
# Pages that answer 404 on purpose; Lighthouse measures them only when told
# to ignore the status.
NOT_FOUND = {"404"}
# Audits that fail on purpose on some pages, and why; still counted.
NOINDEX = {name for name in PAGES if name.startswith(("search", "feedback"))}
FLOWS = {"feedback thanks (POST)": LIGHTHOUSE_DIR / "thanks.mjs"}
INTENDED = {("is-crawlable", page): "the page sends `noindex` on purpose" for page in NOINDEX} | {
    ("http-status-code", "404"): "a page that is not there answers 404 on purpose",
    ("errors-in-console", "404"): "Chromium logs the page's own 404 status as an error",
}
# Lighthouse in a loaded, 2-core machine now and then loses its trace
# (NO_NAVSTART); a run that fails is tried again this many times.
RETRIES = 2


def install() -> Path:
    """``npm ci`` from the lock, unless node_modules was installed from
    this very lock. Returns the lighthouse executable."""
    lock = (LIGHTHOUSE_DIR / "package-lock.json").read_bytes()
    stamp = LIGHTHOUSE_DIR / "node_modules" / ".installed-from-lock"
    digest = hashlib.sha256(lock).hexdigest()
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not (binary.exists() and stamp.exists() and stamp.read_text() == digest):
        # No install scripts: Lighthouse needs none, and none may fetch a browser.
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                       cwd=LIGHTHOUSE_DIR, check=True)  # fmt: skip
        stamp.write_text(digest)
    return binary


def start_site() -> run.Server:
    """A fresh SQLite site with the seed guides, served by gunicorn."""
    run.WORK.mkdir(exist_ok=True)
    database = run.WORK / "lighthouse.sqlite3"
    for path in run.WORK.glob("lighthouse.sqlite3*"):
        path.unlink()
    env = run.base_env("sqlite", 0)
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_CACHE_DIR=str(run.WORK / "cache-lighthouse"),
        DJANGO_NGINX_MICROCACHE="0",
    )
    shutil.rmtree(env["DJANGO_CACHE_DIR"], ignore_errors=True)
    run.manage(env, "migrate", "--noinput")
    run.manage(env, "seed_demo")
    run.manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    server = run.Server("lighthouse", env, workers=2)
    server.wait("/")
    return server


def lighthouse(binary: Path, url: str, preset: str, out: Path, *, not_found: bool) -> dict:
    """One Lighthouse run (tried again on a runtime error); its JSON report."""
    for _ in range(RETRIES):
        report = _lighthouse(binary, url, preset, out, not_found=not_found)
        if not report.get("runtimeError"):
            return report
    return _lighthouse(binary, url, preset, out, not_found=not_found)


def flow(script: Path, url: str, preset: str, out: Path) -> dict:
    """A Lighthouse user flow (node ``script``); the report of its one step."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    for _ in range(RETRIES + 1):
        out.unlink(missing_ok=True)
        result = subprocess.run(["node", str(script), url, preset, str(out)], cwd=LIGHTHOUSE_DIR,
                                env=env, capture_output=True, text=True, check=False)  # fmt: skip
        report = json.loads(out.read_text()) if out.exists() and not result.returncode else {
            "runtimeError": {"code": "FLOW_FAILED", "message": result.stderr[-2000:]}}  # fmt: skip
        if report.get("categories") and not report.get("runtimeError"):
            return report
    return report


def _lighthouse(binary: Path, url: str, preset: str, out: Path, *, not_found: bool) -> dict:
    out.unlink(missing_ok=True)
    command = [
        str(binary), url, "--quiet", "--output=json", f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}",
        "--max-wait-for-load=60000",
    ]  # fmt: skip
    if preset == "desktop":
        command.append("--preset=desktop")
    if not_found:
        command.append("--ignore-status-code")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode or not out.exists():
        return {"runtimeError": {"code": "LIGHTHOUSE_FAILED", "message": result.stderr[-2000:]}}
    report = json.loads(out.read_text())
    if not report.get("categories"):
        report.setdefault("runtimeError", {"code": "NO_CATEGORIES", "message": ""})
    return report


def scores(report: dict) -> dict[str, int | None]:
    categories = report.get("categories", {})
    return {
        name: None if categories.get(name, {}).get("score") is None
        else round(categories[name]["score"] * 100)
        for name in CATEGORIES
    }  # fmt: skip


def losing_audits(report: dict, category: str, page: str) -> list[str]:
    """The audits of ``category`` that did not pass, each with the element
    (or URL) Lighthouse names first, for the report."""
    audits = report.get("audits", {})
    found = []
    for ref in report.get("categories", {}).get(category, {}).get("auditRefs", []):
        audit = audits.get(ref["id"], {})
        mode, score = audit.get("scoreDisplayMode"), audit.get("score")
        if mode not in ("binary", "numeric", "metricSavings") or score is None or score >= 0.9:
            continue
        where = _first_item(audit)
        value = audit.get("displayValue", "")
        found.append(
            f"`{ref['id']}` ({score:.2f}{', ' + value if value else ''})"
            + (f": {where}" if where else "")
            + (f" (intended: {why})" if (why := INTENDED.get((ref["id"], page))) else "")
        )
    return found


def _first_item(audit: dict) -> str:
    items = (audit.get("details") or {}).get("items") or []
    for item in items:
        if not isinstance(item, dict):  # some insights list plain strings
            continue
        node = item.get("node") or {}
        if node.get("snippet"):
            return f"`{node['snippet'][:120]}`"
        if item.get("url"):
            return f"`{item['url']}`" + (f" {item['description'][:120]}"
                                         if item.get("description") else "")  # fmt: skip
        if item.get("description"):
            return str(item["description"])[:120]
    return ""


def _advice(report: dict, page: str, weighted: set[str]) -> dict[str, str]:
    """Audits that did not pass but weigh nothing in a score (Lighthouse's
    opportunities and insights, such as uses-text-compression), with the
    element or URL named first: what to fix before it costs points."""
    found = {}
    for audit_id, audit in report.get("audits", {}).items():
        mode, score = audit.get("scoreDisplayMode"), audit.get("score")
        if (mode in ("binary", "metricSavings") and score is not None and score < 1
                and audit_id not in weighted and (audit_id, page) not in INTENDED):  # fmt: skip
            value = audit.get("displayValue", "")
            found[audit_id] = ", ".join(x for x in (value, _first_item(audit)) if x)
    return found


def metrics(report: dict) -> str:
    audits = report.get("audits", {})
    shown = []
    for key, name in [("first-contentful-paint", "FCP"), ("largest-contentful-paint", "LCP"),
                      ("total-blocking-time", "TBT"), ("cumulative-layout-shift", "CLS"),
                      ("speed-index", "SI")]:  # fmt: skip
        if audits.get(key, {}).get("displayValue"):
            shown.append(f"{name} {audits[key]['displayValue']}")
    return ", ".join(shown)


def measure(binary: Path, server: run.Server, pages: dict[str, str], presets: list[str],
            runs: int) -> list[dict]:  # fmt: skip
    REPORTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, path in pages.items():
        run.get(server.url + path)  # the page cache now holds it, as for most readers
        for preset in presets:
            reports = []
            for n in range(runs):
                slug = "".join(c if c.isalnum() else "-" for c in name)
                out = REPORTS / f"{slug}-{preset}-{n + 1}.json"
                if name in FLOWS:
                    reports.append(flow(FLOWS[name], server.url + path, preset, out))
                else:
                    reports.append(lighthouse(binary, server.url + path, preset, out,
                                              not_found=name in NOT_FOUND))  # fmt: skip
            shown = f"{path}, then POST /feedback/…" if name in FLOWS else path
            rows.append(_row(name, shown, preset, reports))
            print(f"  {name}, {preset}: {rows[-1]['scores']}", flush=True)
    return rows


def _row(name: str, path: str, preset: str, reports: list[dict]) -> dict:
    """One page and preset: each category's median over the runs, and the
    audits that lost points in the run whose performance was the median."""
    per_run = [scores(r) for r in reports]
    median: dict[str, int | None] = {}
    for category in CATEGORIES:
        values = [s[category] for s in per_run if s[category] is not None]
        median[category] = round(statistics.median(values)) if values else None
    ordered = sorted(range(len(reports)), key=lambda i: per_run[i]["performance"] or 0)
    typical = reports[ordered[len(ordered) // 2]]
    error = typical.get("runtimeError") or {}
    weighted = {
        audit_id
        for c in CATEGORIES
        for ref in typical.get("categories", {}).get(c, {}).get("auditRefs", [])
        if ref.get("weight") and (audit_id := ref["id"])
    }
    return {
        "page": name, "path": path, "preset": preset, "scores": median,
        "advice": _advice(typical, name, weighted),
        "all_runs": per_run, "metrics": metrics(typical),
        "status": typical.get("audits", {}).get("http-status-code", {}).get("score"),
        "error": f"{error.get('code')}: {error.get('message', '')[:300]}" if error else "",
        "losing": {c: losing_audits(typical, c, name) for c in CATEGORIES
                   if median[c] is None or median[c] < GOAL},
    }  # fmt: skip


def report_lines(rows: list[dict], command: str, load: tuple[list[float], list[float]],
                 runs: int, version: str) -> list[str]:  # fmt: skip
    browser = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    shown = subprocess.run([browser, "--version"], capture_output=True, text=True, check=False)
    chromium = shown.stdout.strip()
    date = datetime.now(UTC).isoformat(timespec="seconds")
    lines = [
        f"## Lighthouse ({date})", "",
        f"Command: `{command}`. Lighthouse {version} (bench/lighthouse/package-lock.json), "
        f"{chromium}, flags `{CHROME_FLAGS}`; mobile is Lighthouse's default (simulated slow "
        "4G, 4× CPU slowdown), desktop its `--preset=desktop`. The site: a fresh SQLite "
        "database with the two seed guides, gunicorn with production settings (DEBUG off, "
        "whitenoise), plain HTTP on loopback, each page requested once before it is "
        "measured (so it comes from the page cache); pages meant to answer 404 with "
        f"`--ignore-status-code`. {runs} run(s) per page and preset (a run that fails is "
        f"tried again up to {RETRIES} times)"
        + (", the median of each category." if runs > 1 else ".")
        + f" Load average {', '.join(map(str, load[0]))} before and "
        f"{', '.join(map(str, load[1]))} after (1, 5, 15 min) on {os.cpu_count()} cores "
        "shared with other work.", "",
        "| page | preset | performance | accessibility | best practices | SEO | metrics |",
        "|---|---|---:|---:|---:|---:|---|",
    ]  # fmt: skip
    for row in rows:
        cells = " | ".join(_cell(row["scores"][c]) for c in CATEGORIES)
        lines.append(f"| {row['page']} (`{row['path']}`) | {row['preset']} | {cells} | "
                     f"{row['metrics']} |")  # fmt: skip
    failing = [row for row in rows if row["losing"] or row["error"]]
    lines += ["", f"Scores under {GOAL}, and the audits that lost points:" if failing
              else f"Every score is at least {GOAL}.", ""]  # fmt: skip
    for row in failing:
        lines.append(f"- {row['page']}, {row['preset']}:" + (f" error {row['error']}"
                                                             if row["error"] else ""))  # fmt: skip
        for category, audits in row["losing"].items() if not row["error"] else ():
            lines.append(f"  - {category} {_cell(row['scores'][category])}: "
                         + ("; ".join(audits) or "no single audit below 0.9"))  # fmt: skip
    advice: dict[str, list[str]] = {}
    for row in rows:
        for audit_id, detail in row.get("advice", {}).items():
            advice.setdefault(audit_id, []).append(f"{row['page']}, {row['preset']}: {detail}")
    if advice:
        lines += ["", "Audits that did not pass but weigh nothing in a score (opportunities and "
                  "insights), with the number of page/preset runs and the first:", ""]  # fmt: skip
        for audit_id, where in sorted(advice.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"- `{audit_id}` ({len(where)} of {len(rows)}): {where[0]}")
    return [*lines, ""]


def _cell(score: int | None) -> str:
    if score is None:
        return "–"
    return str(score) if score >= GOAL else f"**{score}**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", action="append", choices=list(PAGES), help="(repeatable)")
    parser.add_argument("--preset", action="append", choices=PRESETS, help="(repeatable)")
    parser.add_argument("--runs", type=int, default=1, help="runs per page and preset")
    parser.add_argument("--no-append", action="store_true", help="print, leave RESULTS.md")
    args = parser.parse_args()
    binary = install()
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                             check=True).stdout.strip()  # fmt: skip
    load_before = [round(x, 2) for x in os.getloadavg()]
    server = start_site()
    started = time.monotonic()
    try:
        pages = {name: PAGES[name] for name in args.page} if args.page else PAGES
        rows = measure(binary, server, pages, args.preset or list(PRESETS), args.runs)
    finally:
        server.stop()
    print(f"measured in {time.monotonic() - started:.0f} s", flush=True)
    load_after = [round(x, 2) for x in os.getloadavg()]
    (REPORTS / "summary.json").write_text(json.dumps(rows, indent=1))
    command = " ".join([".venv/bin/python", "bench/lighthouse.py", *sys.argv[1:]])
    lines = report_lines(rows, command, (load_before, load_after), args.runs, version)
    print("\n".join(lines))
    if not args.no_append:
        path = run.BENCH / "RESULTS.md"
        path.write_text(path.read_text().rstrip("\n") + "\n\n" + "\n".join(lines).rstrip() + "\n")
        print(f"appended to {path}")
    below = any(s is None or s < GOAL for row in rows for s in row["scores"].values())
    sys.exit(1 if below else 0)


if __name__ == "__main__":
    main()
