"""Page layout as nhs.uk does it (issue 14, Deliver 3): the urgent-help
block once, where the guide calls for it, and one disclaimer per page."""

from __future__ import annotations

import re

import pytest

from public.views import server_error
from tests.factories import make_article, make_staff, make_topic, publish

pytestmark = pytest.mark.django_db

DISCLAIMER = re.compile(r"supports, (?:and|but) does not replace, advice")
URGENT_BLOCK = 'id="page-urgent-help"'
CARE = ":::{level}\n- you cannot stay awake\n- your breathing is slow\n:::\n"


def _guide(slug: str, body: str):
    topic = make_topic(name=f"Topic {slug}", slug=f"topic-{slug}")
    return publish(make_article(slug=slug, title=slug.title(), body=body), topics=[topic])


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code in (200, 404, 410), (url, response.status_code)
    return response.content.decode()


def _disclaimers(html: str) -> int:
    return len(DISCLAIMER.findall(html))


@pytest.fixture
def plain(db):
    return _guide("plain", "## Taking it\n\n" + "Take one tablet a day.\n\n" * 30)


def test_every_public_page_type_says_the_disclaimer_once(client, plain, rf):
    """List, topics, topic, guide, search, feedback, 404, an outside-review
    link that cannot be used, 500 and the staff preview: one statement that
    the site does not replace professional advice."""
    urls = [
        "/",
        "/topics/",
        "/topics/topic-plain/",
        plain.get_absolute_url(),
        "/search/?q=tablet",
        "/search/",
        f"/feedback/{plain.live_slug}/",
        "/no-such-page/",
        "/outside-review/no-such-token/",
    ]
    for url in urls:
        assert _disclaimers(_html(client, url)) == 1, url
    assert _disclaimers(server_error(rf.get("/")).content.decode()) == 1
    client.force_login(make_staff("viewer", perms=("articles.view_article",)))
    assert _disclaimers(_html(client, f"{plain.get_absolute_url()}preview/")) == 1


def test_the_guide_page_says_it_in_the_guide_not_the_footer(client, plain):
    """On a guide the statement is part of the article, near its end (where
    readers look), and the footer does not repeat it."""
    html = _html(client, plain.get_absolute_url())
    footer = html[html.index('<footer class="site-footer">') :]
    assert _disclaimers(footer) == 0
    article = html[html.index("<article") : html.index("</article>")]
    assert _disclaimers(article) == 1
    assert article.index('class="complement"') > article.index('class="article-body"')


def test_without_a_card_the_urgent_help_block_comes_once_after_the_summary(client, plain):
    """Near the top (after the summary, before the body), not 4,000 px down."""
    html = _html(client, plain.get_absolute_url())
    assert html.count(URGENT_BLOCK) == 1
    assert (
        html.index('class="summary"')
        < html.index(URGENT_BLOCK)
        < html.index('class="article-body"')
    )
    assert "Call 111 if you need urgent medical advice" in re.sub(r"<[^>]+>", "", html)


@pytest.mark.parametrize("level", ["urgent", "immediate"])
def test_a_guide_with_an_urgent_card_shows_no_separate_block(client, db, level):
    """The guide's own card says when to call, where its text calls for it:
    no generic block repeats it."""
    body = "## Taking it\n\nTake one tablet a day.\n\n## Overdose\n\n" + CARE.format(level=level)
    guide = _guide(f"card-{level}", body)
    html = _html(client, guide.get_absolute_url())
    assert URGENT_BLOCK not in html
    assert html.count(f'class="care-card care-card--{level}"') == 1
    card = html.index(f"care-card--{level}")
    assert html.index('class="article-body"') < card < html.index('class="complement"')


def test_a_non_urgent_card_alone_keeps_the_urgent_help_block(client, db):
    """ "See a GP or pharmacist" does not say when to call 999 or 111."""
    guide = _guide("gp", "## When to see a GP\n\n" + CARE.format(level="non-urgent"))
    html = _html(client, guide.get_absolute_url())
    assert html.count(URGENT_BLOCK) == 1
    assert "care-card--non-urgent" in html


def test_an_imitated_card_in_raw_html_does_not_remove_the_urgent_help_block(client, db):
    """Only the renderer's cards count: a raw div with the classes is text."""
    guide = _guide("fake", '<div class="care-card care-card--immediate">Call me.</div>\n')
    html = _html(client, guide.get_absolute_url())
    assert html.count(URGENT_BLOCK) == 1
    assert "care-card--immediate" not in html


def test_the_staff_preview_places_the_urgent_help_as_the_page_will(client, db):
    """The working copy with an immediate card previews without the block."""
    guide = make_article(slug="draft", body="## Overdose\n\n" + CARE.format(level="immediate"))
    client.force_login(make_staff("viewer", perms=("articles.view_article",)))
    html = _html(client, f"/articles/{guide.slug}/preview/")
    assert "care-card--immediate" in html
    assert URGENT_BLOCK not in html
