"""The seed texts the fixtures must carry word for word."""

from __future__ import annotations

import re
from pathlib import Path

# Verbatim copies of ../shared/seeds, so a clone tests itself anywhere.
SEEDS_DIR = Path(__file__).resolve().parent / "data" / "seeds"
SEEDS = {
    "valium-diazepam": "000_4b847eb9ddc879ea.txt",
    "diazepam-for-sleep": "004_96f93d5c56fe457c.txt",
}


def seed_sentences(slug: str) -> list[str]:
    """Every sentence of a seed. Section titles lose their trailing colon and
    numbered items their number and separator, since they become Markdown
    headings and list items."""
    text = (SEEDS_DIR / SEEDS[slug]).read_text(encoding="utf-8")
    sentences: list[str] = []
    for line in text.splitlines():
        line = re.sub(r"^\d+\.\s+", "", line.strip()).rstrip(":")
        if not line:
            continue
        # A list item's lead term ("Insomnia:") is a heading of its own.
        lead, sep, rest = line.partition(": ")
        if sep and len(lead.split()) <= 6:
            sentences.append(lead)
            line = rest
        sentences.extend(s for s in re.split(r"(?<=[.?!])\s+", line) if s)
    return sentences
