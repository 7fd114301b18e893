from __future__ import annotations

import pytest

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_home_lists_published_guides_with_title_summary_and_link(client, guides):
    html = client.get("/").content.decode()
    for article in Article.objects.all():
        assert article.live_title in html
        assert article.live_summary in html
        assert f'href="{article.get_absolute_url()}"' in html


def test_home_does_not_list_drafts(client):
    make_article(title="Secret draft", live=False)
    assert "Secret draft" not in client.get("/").content.decode()


def test_detail_shows_title_summary_and_rendered_body(client):
    article = make_article(title="Diazepam", body="## Dose\n\nTake **one**.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<h1>Diazepam</h1>" in html
    assert article.summary in html
    assert '<div class="article-body"><h2 id="dose">Dose</h2>' in html
    assert "<strong>one</strong>" in html


def test_a_draft_returns_404_to_the_public(client):
    article = make_article(live=False)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_pages_declare_the_language_and_have_one_h1(client, guides):
    for url in ["/", "/articles/valium-diazepam/"]:
        html = client.get(url).content.decode()
        assert '<html lang="en-GB">' in html
        assert html.count("<h1") == 1


@pytest.mark.parametrize("url", ["/", "/articles/valium-diazepam/"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_public_pages_refuse_writes(client, guides, url, method):
    """The public site is read-only."""
    assert getattr(client, method)(url).status_code == 405
