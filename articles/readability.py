"""Reading-level guidance for reviewers. Guidance only: it never blocks
publishing (see HEALTH-CONTENT.md: NHS reading age 9 to 11, US grade 6 to 8,
sentences under about 20 words)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from articles.rendering import plain_text, render

LONG_SENTENCE_WORDS = 25


@dataclass(frozen=True)
class Readability:
    flesch_reading_ease: float
    flesch_kincaid_grade: float
    words: int
    long_sentences: list[str]


def sentences(text: str) -> list[str]:
    found: list[str] = []
    for block in text.splitlines():
        found.extend(s.strip() for s in re.split(r"(?<=[.?!])\s+", block) if s.strip())
    return found


def assess(markdown_text: str) -> Readability:
    # Only the review panel needs textstat; importing it lazily keeps it out
    # of every public worker's start-up.
    import textstat

    text = plain_text(render(markdown_text).html, blocks_on_lines=True)
    long_ones = [s for s in sentences(text) if len(s.split()) > LONG_SENTENCE_WORDS]
    return Readability(
        flesch_reading_ease=round(textstat.flesch_reading_ease(text), 1),
        flesch_kincaid_grade=round(textstat.flesch_kincaid_grade(text), 1),
        words=len(text.split()),
        long_sentences=long_ones,
    )
