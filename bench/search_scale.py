#!/usr/bin/env python
"""
Search at scale (issue 14): how long the search page takes when the page
cache cannot answer, at 100,000 generated guides, on SQLite and PostgreSQL
side by side in one run.

It builds (or reuses) bench/run.py's databases, starts one gunicorn per
database with production settings (one sync worker each, as bench/run.py
does), and sends queries of several kinds one at a time, alternating
between the two servers so both see the same load on the machine. Every
request carries a parameter of its own (``bench-miss=N``), which the page
cache neither reads nor stores, so each one runs the search view and the
search itself in full: the cost of a query no reader has asked before.
The query kinds:

* ``absent word``: made-up words found in no guide and close to no word of
  the vocabulary (no results, spelling correction tried and failing);
* ``misspelt name``: drug and condition names with one or two letters
  wrong, the issue's ``diazapam`` and ``valum`` among them;
* ``question``: a reader's question in everyday words (stop words, words in
  every generated guide, words in none);
* ``synonym``: a clinician-curated term (``benzo``, ``sleeping pills``) alone
  or with another word;
* ``common word``: one or two words found in every generated guide.

The spelling vocabulary is cached (articles.search.VOCABULARY_SECONDS); the
first search of each server after its cache is emptied builds it, and is
reported apart. Results: p50/p95/p99 per kind and overall, appended to
bench/RESULTS.md as a section "Search at scale" (earlier sections kept).

    .venv/bin/python bench/search_scale.py                     # 100,000 guides, 200 per kind
    .venv/bin/python bench/search_scale.py --size 1000 --per-kind 50

Needs the PostgreSQL server on 127.0.0.1:5432. Everything it builds lives
in bench/work/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # bench/run.py: databases, servers, machine note

DATABASES = ("sqlite", "postgres")
GOAL_P95_MS = 100.0

# Names the vocabulary holds (seed topics and generated conditions), which
# the misspellings are made from.
NAMES = [
    "diazepam", "valium", "benzodiazepine", "insomnia", "anxiety", "migraine", "asthma",
    "eczema", "arthritis", "diabetes", "psoriasis", "sciatica", "tinnitus", "anaemia",
    "angina", "withdrawal", "sleep",
]  # fmt: skip
# The issue's own examples come first, then generated ones.
MISSPELT = ["diazapam", "valum", "diazepan", "valiun", "benzodiazapine", "insomina"]
QUESTIONS = [
    "can i drink alcohol on valium",
    "how long does diazepam stay in your system",
    "is diazepam safe in pregnancy",
    "can i drive after taking valium",
    "what happens if i stop taking diazepam suddenly",
    "does diazepam make you sleepy the next day",
    "can children take diazepam for anxiety",
    "how much diazepam is too much",
    "what are the side effects of valium",
    "can i take diazepam with painkillers",
    "is it safe to take sleeping pills every night",
    "why do i feel dizzy after my tablets",
    "can i drink booze with migraine tablets",
    "how do i come off benzos safely",
    "what should i do if i forget a dose",
    "can asthma medicine cause a rash",
]
SYNONYMS = [
    "benzo", "benzos", "sleeping pills", "sleeping tablets", "tranquilliser", "nerves",
    "booze", "sleep aid", "benzo withdrawal", "sleeping pills alcohol", "tranquillisers driving",
    "nerves tablets", "muscle relaxant", "booze and benzos", "can t sleep",
]  # fmt: skip
COMMON = [
    "dose", "medicine", "tablet", "alcohol", "sleep", "side effects", "doctor", "pain",
    "blood pressure", "children", "driving", "withdrawal", "pregnancy", "water", "liver",
]  # fmt: skip
_COUNT = re.compile(r'class="search-count">(\d+|No) guides? found')


def queries(per_kind: int, seed: int = 14) -> dict[str, list[str]]:
    """``per_kind`` queries of each kind, repeating a kind's list in order
    when it has fewer distinct queries than that."""
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    letters = "bcdfghjklmnpqrstvwxz"
    vowels = "aeiouy"
    absent = [
        "".join(rng.choice(letters if i % 2 == 0 else vowels) for i in range(rng.randint(7, 10)))
        + rng.choice(["q", "x", "zz", "vk"])
        for _ in range(per_kind)
    ]
    misspelt = list(MISSPELT)
    while len(misspelt) < per_kind:
        misspelt.append(_misspell(rng.choice(NAMES), rng))
    kinds = {
        "absent word": absent,
        "misspelt name": misspelt,
        "question": QUESTIONS,
        "synonym": SYNONYMS,
        "common word": COMMON,
    }
    return {kind: [found[i % len(found)] for i in range(per_kind)] for kind, found in kinds.items()}


def _misspell(word: str, rng: random.Random) -> str:
    """``word`` with one or two letters replaced, dropped or swapped (two
    only in words longer than five letters, as the search allows)."""
    for _ in range(100):
        wrong = list(word)
        for _ in range(1 if len(word) <= 5 else rng.randint(1, 2)):
            i = rng.randrange(1, len(wrong) - 1)
            edit = rng.choice(["replace", "drop", "swap"])
            if edit == "replace":
                wrong[i] = rng.choice("aeiouy" if wrong[i] in "aeiouy" else "bcdfgklmnprstvz")
            elif edit == "drop":
                del wrong[i]
            else:
                wrong[i], wrong[i + 1] = wrong[i + 1], wrong[i]
        text = "".join(wrong)
        if text != word:
            return text
    return word + "x"


def timed_get(url: str) -> tuple[float, str]:
    start = time.perf_counter()
    status, html = run.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 200:
        sys.exit(f"{url} answered {status}")
    return elapsed, html


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile, nearest-rank, as wrk and most tools report it."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 1),
        "p95": round(percentile(values, 95), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(max(values), 1),
    }


def measure(size: int, per_kind: int, rebuild: bool) -> dict:
    run.WORK.mkdir(exist_ok=True)
    envs = {db: run.base_env(db, size) for db in DATABASES}
    for db, env in envs.items():
        print(f"== {db}, {size} guides: build or reuse ==", flush=True)
        run.build(db, size, env, rebuild)
    run.manage(envs["sqlite"], "collectstatic", "--noinput", "--verbosity", "0")
    servers: dict[str, run.Server] = {}
    asked = queries(per_kind)
    timings: dict[str, dict[str, list[float]]] = {db: {k: [] for k in asked} for db in DATABASES}
    empty: dict[str, dict[str, int]] = {db: dict.fromkeys(asked, 0) for db in DATABASES}
    suggested: dict[str, dict[str, int]] = {db: dict.fromkeys(asked, 0) for db in DATABASES}
    first: dict[str, float] = {}
    try:
        for db, env in envs.items():
            # An empty cache: the first search builds the spelling vocabulary.
            shutil.rmtree(env["DJANGO_CACHE_DIR"], ignore_errors=True)
            servers[db] = run.Server(f"search-{db}-{size}", env, workers=1)
            servers[db].wait("/healthz")
        for db, server in servers.items():
            first[db] = round(timed_get(f"{server.url}/search/?q=diazapam&bench-miss=first")[0], 1)
        n = 0
        # Round-robin over the kinds, each query sent to both databases in
        # turn, so a burst of load elsewhere on the machine hits all alike.
        for i in range(per_kind):
            for kind, texts in asked.items():
                n += 1
                for db, server in servers.items():
                    q = urllib.parse.urlencode({"q": texts[i], "bench-miss": n})
                    elapsed, html = timed_get(f"{server.url}/search/?{q}")
                    timings[db][kind].append(elapsed)
                    found = _COUNT.search(html)
                    empty[db][kind] += found is None or found.group(1) == "No"
                    suggested[db][kind] += "search-suggestion" in html
            if (i + 1) % 25 == 0:
                print(f"  {i + 1}/{per_kind} per kind", flush=True)
    finally:
        for server in servers.values():
            server.stop()
    results = {
        db: {
            "kinds": {kind: summary(values) for kind, values in kinds.items()},
            "overall": summary([v for values in kinds.values() for v in values]),
            "no_results": empty[db],
            "did_you_mean": suggested[db],
            "first_search_cold_vocabulary_ms": first[db],
        }
        for db, kinds in timings.items()
    }
    return {
        "size": size,
        "per_kind": per_kind,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/search_scale.py", *sys.argv[1:]]),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "examples": {kind: sorted(set(texts))[:6] for kind, texts in asked.items()},
        "distinct": {kind: len(set(texts)) for kind, texts in asked.items()},
        "results": results,
        "pg_version": _pg_version(size),
    }


def _pg_version(size: int) -> str:
    try:
        return run._pg(size, "SHOW server_version")
    except Exception:  # the note is optional
        return "unknown"


def report(record: dict, load_before: list[float]) -> list[str]:
    r = record["results"]
    examples = [
        f"{kind}: {', '.join(f'`{q}`' for q in qs)}" for kind, qs in record["examples"].items()
    ]
    lines = [
        f"## Search at scale, {record['size']:,} generated guides ({record['date']})",
        "",
        f"Command: `{record['command']}`. One gunicorn per database (production settings, one "
        "sync worker), requests one at a time over loopback, each query sent to SQLite then to "
        "PostgreSQL before the next. Every request has a parameter of its own (`bench-miss=N`) "
        "that the page cache neither reads nor stores, so each runs the search view and the "
        "search in full (a page-cache miss without the cache's own lookup). Times are the "
        "client's, request to last byte. The spelling vocabulary was cached after each "
        "server's first search (reported apart).",
        "",
        f"Machine: {os.cpu_count()} cores shared with other work; load average "
        f"{', '.join(map(str, load_before))} before and "
        f"{', '.join(map(str, record['load_average']))} after (1, 5, 15 min). "
        f"PostgreSQL {record['pg_version']}, SQLite {_sqlite_version()}.",
        "",
        "| kind | distinct queries | requests | SQLite p50 | p95 | p99 "
        "| PostgreSQL p50 | p95 | p99 | no results (SQLite / PG) | did you mean (SQLite / PG) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sq, pg = r["sqlite"], r["postgres"]
    for kind in record["distinct"]:
        a, b = sq["kinds"][kind], pg["kinds"][kind]
        lines.append(
            f"| {kind} | {record['distinct'][kind]} | {a['n']} | {a['p50']} | {a['p95']} | "
            f"{a['p99']} | {b['p50']} | {b['p95']} | {b['p99']} | "
            f"{sq['no_results'][kind]} / {pg['no_results'][kind]} | "
            f"{sq['did_you_mean'][kind]} / {pg['did_you_mean'][kind]} |"
        )
    a, b = sq["overall"], pg["overall"]
    lines += [
        f"| **overall** | | {a['n']} | {a['p50']} | **{a['p95']}** | {a['p99']} | {b['p50']} | "
        f"**{b['p95']}** | {b['p99']} | | |",
        "",
        "Milliseconds. First search after an empty cache (builds the vocabulary): SQLite "
        f"{sq['first_search_cold_vocabulary_ms']} ms, PostgreSQL "
        f"{pg['first_search_cold_vocabulary_ms']} ms.",
        "",
        "Examples of each kind: " + "; ".join(examples) + ".",
        "",
    ]
    worst = {db: max(k["p95"] for k in r[db]["kinds"].values()) for db in DATABASES}
    met = all(v <= GOAL_P95_MS for v in worst.values())
    lines += [
        f"Goal of issue 14, p95 of a search miss at most {GOAL_P95_MS:g} ms: "
        f"overall p95 SQLite {sq['overall']['p95']} ms, PostgreSQL {pg['overall']['p95']} ms; "
        f"worst kind's p95 SQLite {worst['sqlite']} ms, PostgreSQL {worst['postgres']} ms: "
        f"{'met' if met else '**not met**'}.",
        "",
    ]
    return lines


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def append_section(lines: list[str]) -> None:
    path = run.BENCH / "RESULTS.md"
    text = path.read_text().rstrip("\n") if path.exists() else "# Benchmark results"
    path.write_text(text + "\n\n" + "\n".join(lines).rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the databases")
    parser.add_argument("--no-append", action="store_true", help="print, leave RESULTS.md")
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    record = measure(args.size, args.per_kind, args.rebuild)
    # Not in bench/results/: bench/run.py reads every file there as one of its own.
    (run.WORK / f"search-{args.size}.json").write_text(json.dumps(record, indent=1))
    lines = report(record, load_before)
    print("\n".join(lines))
    if not args.no_append:
        append_section(lines)
        print(f"appended to {run.BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
