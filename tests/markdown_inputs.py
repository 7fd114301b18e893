"""Generated Markdown of each pathological kind, at any size: shared by the
render-bounds tests (which count the work) and bench/render_bounds.py (which
times it)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

PROSE = "Diazepam can make you feel sleepy. "


def repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def nested_list(size: int) -> str:
    depth = min(size // 8, 2000)
    return "".join("  " * level + "- x\n" for level in range(depth))


def nested_quotes(size: int) -> str:
    return "> " * (size // 2) + "x"


def deep_html(size: int) -> str:
    half = size // 11
    return "<div>" * half + "x" + "</div>" * half


GENERATORS: dict[str, Callable[[int], str]] = {
    "open brackets": repeat("["),
    "close brackets": repeat("]"),
    "brackets in prose": lambda size: "[" * min(size // 2, 9000) + repeat(PROSE)(size // 2),
    "balanced brackets": lambda size: "[" * (size // 2) + "]" * (size // 2),
    "link starts": repeat("[x]("),
    "image starts": repeat("!["),
    "footnote starts": repeat("[^"),
    "entities": repeat("&amp;"),
    "numeric entities": repeat("&#1234567;"),
    "bare ampersands": repeat("&"),
    "angle brackets": repeat("<"),
    "unknown tags": repeat("<x "),
    "allowed tags unclosed": repeat("<b>"),
    "deep raw html": deep_html,
    "comments": repeat("<!--"),
    "emphasis": repeat("*a* "),
    "underscores": repeat("_a "),
    "backticks": repeat("`a "),
    "backslashes": repeat("\\"),
    "headings": repeat("## A heading of ordinary length\n"),
    "equal headings": repeat("## Dose\n"),
    "one long heading": lambda size: "## " + repeat("word ")(size - 3),
    "nested lists": nested_list,
    "one-line nested list": repeat("- "),
    "one-line nested numbers": repeat("1. "),
    "nested block quotes": nested_quotes,
    "nested callouts": lambda size: "".join(
        "    " * level + '!!! note "x"\n' for level in range(size // 200)
    ),
    "paragraphs": repeat("x\n\n"),
    "lines": repeat("x\n"),
    "list items": repeat("- item\n"),
    "table rows": lambda size: "|a|b|\n|-|-|\n" + repeat("|1|2|\n")(size),
    "table columns": lambda size: "|" + "a|" * (size // 4) + "\n|" + "-|" * (size // 4),
    "reference definitions": lambda size: "".join(f"[r{i}]: /x{i}\n" for i in range(size // 12)),
    "prose": repeat(PROSE),
}


def python_calls(call: Callable[[], T]) -> tuple[T, int]:
    """Run ``call`` and count the Python function calls it makes (profile
    "call" events): a measure of work that, unlike seconds, is the same on
    every machine, under any load and under coverage's tracer."""
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    previous = sys.getprofile()
    sys.setprofile(count)
    try:
        result = call()
    finally:
        sys.setprofile(previous)
    return result, calls
