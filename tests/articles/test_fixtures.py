from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.conftest import visible_text
from tests.seeds import SEEDS, seed_sentences

pytestmark = pytest.mark.django_db


def test_seeding_twice_leaves_exactly_two_live_articles():
    """Natural keys on slug make the seed step idempotent (it was loaddata,
    which loaded live fields without an approval: issue 11, fault 4)."""
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert Article.objects.count() == 2
    assert set(Article.objects.published().values_list("slug", flat=True)) == set(SEEDS)


@pytest.mark.parametrize("slug", sorted(SEEDS))
def test_every_seed_sentence_appears_on_the_public_page(client, guides, slug):
    """The fixtures carry the seeds word for word."""
    page = visible_text(client.get(f"/articles/{slug}/").content.decode())
    missing = [s for s in seed_sentences(slug) if s not in page]
    assert missing == []


@pytest.mark.parametrize(
    ("slug", "headings"),
    [
        ("valium-diazepam", ["What is Valium?", "Side Effects and Risks"]),
        ("diazepam-for-sleep", ["What is Diazepam?", "Precautions and Considerations"]),
    ],
)
def test_section_titles_become_level_two_headings(guides, slug, headings):
    article = Article.objects.get(slug=slug)
    texts = [h["text"] for h in article.live_headings]
    for heading in headings:
        assert heading in texts


def test_numbered_items_become_ordered_lists(guides):
    article = Article.objects.get(slug="diazepam-for-sleep")
    assert article.body.count("\n1. ") == 3
    assert article.live_body_html.count("<ol>") == 3
