"""Every public page type, for the browser and HTML-validity tests."""

from __future__ import annotations

from articles.roles import ensure_roles
from tests.factories import make_article, publish

PUBLIC_PAGES = {
    "home": "/",
    "topic list": "/topics/",
    "topic": "/topics/diazepam/",
    "article": "/articles/diazepam-for-sleep/",
    "reviewed article with sources and a callout": "/articles/reviewed-guide/",
    "article with the three care cards": "/articles/care-card-guide/",
    "search with results": "/search/?q=sleep",
    "search with none": "/search/?q=zebra",
    "search with a bad query": "/search/?q=%21%21%21",
    "404": "/no-such-page/",
}


def _roles() -> None:
    """Transactional tests flush the data migration's groups; put them back."""
    ensure_roles()


def add_reviewed_guide() -> None:
    """A guide with every optional part: review, sources, a safety callout, a
    table; and a guide with a care card of each level (issue 14)."""
    _roles()
    article = make_article(
        title="A reviewed guide",
        slug="reviewed-guide",
        summary="A guide that a clinician has reviewed.",
        body=(
            '!!! warning "Important"\n    Do not drive after taking this medicine.\n\n'
            "## How to take it\n\nTake it at night.\n\n"
            "### With food\n\nEither way.\n\n"
            "| Dose | When |\n| --- | --- |\n| 2 mg | Night |\n\n"
            "## Side effects\n\nDrowsiness."
        ),
    )
    # Sources are part of the version, public once approved (issue 11).
    publish(article, sources=[{"order": 1, "title": "Diazepam", "publisher": "NICE",
                               "url": "https://example.org/diazepam"}])  # fmt: skip
    make_article(
        title="A guide with care cards",
        slug="care-card-guide",
        summary="When to get help.",
        body=(
            ":::non-urgent\n- you still cannot sleep after 2 weeks\n:::\n\n"
            "## Side effects\n\nDrowsiness is common.\n\n"
            ":::urgent\n- you feel [confused](https://example.org/confusion) or unsteady\n:::\n\n"
            "## If you take too much\n\n"
            ":::immediate\n- you cannot stay awake\n- your breathing is slow\n"
            "- you have taken it with [alcohol or opioids](https://example.org/mixing)\n:::\n"
        ),
    )
