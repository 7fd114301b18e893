"""Attacks on the rendered diff (articles/diffing.py), the view a clinician
sees first when comparing a working copy with the live text: every change
a reader could notice must be marked, and nothing in it may run."""

from __future__ import annotations

import pytest

from articles.diffing import marked_words, rendered_diff

LIVE = (
    "## Help\n\nRead the [NHS advice on diazepam](https://www.nhs.uk/medicines/diazepam/) "
    "first.\n\n1. Take one tablet.\n2. Wait an hour.\n"
)


@pytest.mark.parametrize(
    ("what", "changed"),
    [
        (
            "a link's address",
            LIVE.replace(
                "https://www.nhs.uk/medicines/diazepam/", "https://nhs-uk.example.net/buy"
            ),
        ),
        (
            "a numbered list's numbers",
            LIVE.replace("1. Take", "5. Take").replace("2. Wait", "6. Wait"),
        ),
        (
            "an image's address",
            LIVE + "\n![Dose chart](https://www.nhs.uk/a.png)\n",
        ),
    ],
)
def test_a_change_a_reader_follows_or_sees_is_marked_in_the_rendered_diff(what, changed):
    """FAILS on 7e1621e (for the link and the list): the rendered diff marks
    words only; a tag whose attributes changed is written as the new
    version's markup without a mark (_Writer.words sends non-image tags to
    tag()). An editor can point "NHS advice on diazepam" at any site, or
    renumber steps, and the clinician's default view of the change shows
    nothing marked, although the body "changed". Fix: when an open tag
    differs only in its attributes (href, src, start, title, align), mark
    the element's text as removed-then-added, or add a visible cue such as
    "link address changed: old → new"."""
    old, new = (
        (LIVE, changed) if "image" not in what else (changed, changed.replace("a.png", "b.png"))
    )
    diff = rendered_diff("body", old, new)
    assert list(marked_words(diff)), (what, diff)
