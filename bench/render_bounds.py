#!/usr/bin/env python
"""
Render bounds: the seconds behind tests/articles/test_render_bounds.py's call budget.

For every generated kind of pathological Markdown (tests/markdown_inputs.py)
at each size up to the body limit, times ``rendering.problems`` (the check at
save) and ``rendering.render`` in CPU seconds, the best of ``--repeat`` runs,
and counts their Python calls. Issue 18's goal: each accepted text renders
within 1 s on this machine; a refused one is refused with a reason.

    .venv/bin/python bench/render_bounds.py              # prints, appends to bench/RESULTS.md
    .venv/bin/python bench/render_bounds.py --no-record  # prints only

The table goes to stdout; it fails (exit 1) if any accepted input took 1 s
or more, or made more calls than the test's budget.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from articles import rendering  # noqa: E402
from tests.articles.test_render_bounds import CALL_BUDGET, SIZES  # noqa: E402
from tests.markdown_inputs import GENERATORS, python_calls  # noqa: E402

GOAL_SECONDS = 1.0


def cpu_seconds(call, repeat: int) -> float:
    """Best of ``repeat`` runs of ``call``, in CPU seconds of this process."""
    best = float("inf")
    for _ in range(repeat):
        rendering._problems.cache_clear()
        start = time.process_time()
        call()
        best = min(best, time.process_time() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    rows, worst, failed = [], (0.0, ""), []
    for kind, generate in GENERATORS.items():
        for size in SIZES:
            text = generate(size)[: settings.ARTICLE_BODY_MAX_CHARS]
            found = rendering.problems(text)
            check = cpu_seconds(lambda text=text: rendering.problems(text), args.repeat)
            show = cpu_seconds(lambda text=text: rendering.render(text), args.repeat)
            rendering._problems.cache_clear()
            calls = max(
                python_calls(lambda text=text: rendering.problems(text))[1],
                python_calls(lambda text=text: rendering.render(text))[1],
            )
            verdict = ", ".join(p.code for p in found) or "accepted"
            rows.append(
                f"| {kind} | {len(text):,} | {verdict} | {check:.3f} | {show:.3f} | {calls:,} |"
            )
            if max(check, show) > worst[0]:
                worst = (max(check, show), f"{kind}, {len(text):,} characters")
            if not found and (max(check, show) >= GOAL_SECONDS or calls >= CALL_BUDGET):
                failed.append(f"{kind} at {len(text):,}")

    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    report = "\n".join([
        f"## Render bounds ({stamp})",
        "",
        "Command: `.venv/bin/python bench/render_bounds.py`; CPU seconds, best of "
        f"{args.repeat}, no coverage. Check = `rendering.problems` (at save), render = "
        "`rendering.render`; calls = the larger of the two, in Python function calls "
        f"(the test's budget is {CALL_BUDGET:,}).",
        "",
        "| kind | characters | at save | check s | render s | calls |",
        "|---|---:|---|---:|---:|---:|",
        *rows,
        "",
        f"- Slowest: {worst[0]:.3f} s ({worst[1]}); goal: under {GOAL_SECONDS:.0f} s for every "
        "accepted text.",
        f"- Over the goal or the budget: {', '.join(failed) or 'none'}.",
        "",
    ])  # fmt: skip
    print(report)
    if not args.no_record:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as results:
            results.write("\n" + report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
