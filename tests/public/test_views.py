from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from public.views import server_error
from tests.conftest import listed_article_urls, visible_text
from tests.factories import (
    edit,
    make_article,
    make_editor,
    make_staff,
    make_topic,
    publish,
    publish_elsewhere,
)

pytestmark = pytest.mark.django_db


def test_home_lists_published_guides_with_title_summary_and_link(client, guides):
    html = client.get("/").content.decode()
    for article in Article.objects.all():
        assert article.live_title in html
        assert article.live_summary in html
        assert f'href="{article.get_absolute_url()}"' in html


def test_home_does_not_list_drafts(client):
    """Only published guides are listed: the draft's link is absent, not just
    its title (a draft has no live title to show)."""
    published = make_article(title="Published guide")
    draft = make_article(title="Secret draft", live=False)
    html = client.get("/").content.decode()
    assert "Secret draft" not in html
    assert draft.get_absolute_url() not in html
    assert listed_article_urls(html) == [published.get_absolute_url()]


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


# The article page and its parts ---------------------------------------------


def _page(client, article) -> str:
    return client.get(article.get_absolute_url()).content.decode()


def test_article_page_has_a_table_of_contents_linking_to_each_section(client):
    """The contents list is built from the ## headings and links to their ids."""
    article = make_article(body="## First part\n\nA.\n\n## Second part\n\nB.")
    html = _page(client, article)
    assert '<a href="#first-part">First part</a>' in html
    assert '<a href="#second-part">Second part</a>' in html
    assert '<h2 id="first-part">' in html


def test_article_page_has_a_breadcrumb_to_its_first_topic(client):
    """Readers can go back up: Home, Topics, the guide's topic."""
    topic = make_topic(name="Sleep problems", slug="sleep-problems")
    article = publish(make_article(), topics=[topic])
    html = _page(client, article)
    assert 'aria-label="Breadcrumb"' in html
    assert '<a href="/topics/sleep-problems/">Sleep problems</a>' in html


def test_sources_are_listed_in_order_with_publisher_address_and_date_accessed(client):
    """References appear under "Sources", ordered by their order field."""
    article = publish(make_article(), sources=[
        {"order": 2, "title": "Second source", "publisher": "MHRA"},
        {"order": 1, "title": "Benzodiazepines", "publisher": "NICE",
         "url": "https://example.org/nice", "date_accessed": date(2026, 10, 3)},
    ])  # fmt: skip
    html = _page(client, article)
    assert '<h2 id="page-sources">Sources</h2>' in html
    assert html.index("Benzodiazepines") < html.index("Second source")
    assert '<a href="https://example.org/nice">Benzodiazepines</a>. NICE. Accessed' in html
    assert '<time datetime="2026-10-03">3 October 2026</time>' in html


def test_a_guide_without_sources_shows_no_empty_sources_section(client, guides):
    """The seed guides cite no sources, so no Sources heading is shown for them."""
    assert "page-sources" not in client.get("/articles/valium-diazepam/").content.decode()


def test_every_guide_states_that_it_does_not_replace_professional_advice(client):
    """The HONcode complementarity statement is part of the article."""
    html = _page(client, make_article())
    article_html = html[html.index("<article") : html.index("</article>")]
    assert (
        "This guide supports, but does not replace, advice from a doctor, pharmacist or "
        "other health professional." in article_html
    )


def test_urgent_help_box_shows_the_numbers_from_settings(client, settings):
    """Numbers differ by country, so they come from settings.URGENT_HELP."""
    settings.URGENT_HELP = {
        "heading": "Get help now",
        "lines": [{"number": "911", "tel": "911", "text": "in an emergency."}],
    }
    html = _page(client, make_article())
    assert "Get help now" in html
    assert 'Call <a class="urgent-help__number" href="tel:911">911</a> in an emergency.' in html


def test_urgent_help_defaults_to_the_uk_numbers(client):
    """Without configuration, readers are told about 999 and 111."""
    text = visible_text(_page(client, make_article()))
    assert "Call 999 in an emergency" in text
    assert "Call 111 if you need urgent medical advice" in text


def test_trust_block_sits_after_the_article_text_and_before_the_footer(client):
    """NHS research: review dates are missed in the footer, so they follow the text."""
    html = _page(client, make_article())
    assert html.index('class="article-body"') < html.index('class="trust-block"')
    assert html.index('class="trust-block"') < html.index("<footer")


def test_trust_block_names_the_reviewer_with_credentials_and_dates(client):
    """A reviewed guide shows who reviewed it and when, and when it is due again."""
    article = make_article()
    text = visible_text(_page(client, article))
    assert "Reviewed by Dr Factory-Clinician, MBChB, MRCGP" in text
    assert f"Page last reviewed: {article.last_reviewed:%-d %B %Y}" in text
    assert f"Next review due: {article.next_review_due:%-d %B %Y}" in text


def test_a_guide_never_reviewed_says_so_honestly(client, guides):
    """A live guide no clinician reviewed (a legacy restore; the seeds are now
    approved) says so on the page."""
    Article.objects.update(last_reviewed=None, reviewed_by=None, next_review_due=None)
    text = visible_text(client.get("/articles/diazepam-for-sleep/").content.decode())
    assert "This guide has not yet been reviewed by a clinician." in text
    assert "Page last reviewed" not in text


def test_safety_callouts_render_as_notes_near_the_top(client):
    """!!! warning becomes a visually distinct callout announced as a note."""
    article = make_article(body='!!! warning "Important"\n    Do not drive.\n\n## Uses\n\nText.')
    html = _page(client, article)
    assert '<div class="admonition warning" role="note">' in html
    assert '<p class="admonition-title">Important</p>' in html


def test_public_page_shows_the_live_copy_not_the_unapproved_working_copy(client):
    """An edit waiting for review never reaches readers."""
    article = make_article(title="Approved title", body="## A\n\nApproved text.")
    edit(article, make_editor(), title="Unapproved title", body="## A\n\nUnapproved text.")
    html = _page(client, article)
    assert "Approved title" in html
    assert "Approved text." in html
    assert "Unapproved" not in html


def test_home_links_to_topics_and_has_a_search_box(client):
    """Readers can browse by topic or search from every page."""
    html = client.get("/").content.decode()
    assert 'href="/topics/"' in html
    assert 'action="/search/"' in html
    assert 'name="q"' in html


def test_the_list_is_paginated_at_fifty_guides(client):
    """Lists are bounded: page 2 holds the 51st guide."""
    for n in range(51):
        make_article(title=f"Guide {n:02d}", slug=f"g-{n:02d}")
    first = client.get("/").content.decode()
    assert first.count('<li>\n    <h2><a href="/articles/') == 50
    assert 'href="?page=2"' in first
    assert "Guide 50" in client.get("/?page=2").content.decode()


# Error pages ------------------------------------------------------------------


def test_404_page_is_in_the_site_layout_with_a_search_box(client):
    """A reader who followed a bad link can search from the error page."""
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'id="not-found-q"' in html
    assert 'class="site-header"' in html


def test_500_page_renders_without_touching_the_database(rf, django_assert_num_queries):
    """When the database is the problem, the error page must still render."""
    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert 'id="server-error-q"' in html
    assert "Call 999" in visible_text(html)


# Staff preview -------------------------------------------------------------


def test_staff_with_view_permission_can_preview_the_working_copy(client):
    """The preview renders the unapproved text through the same renderer."""
    article = make_article(live=False, title="Draft title", body="## Part\n\n**Bold** draft.")
    client.force_login(make_staff(perms=("articles.view_article",)))
    response = client.get(f"/articles/{article.slug}/preview/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview \N{EN DASH} not published." in html
    assert "<h1>Draft title</h1>" in html
    assert "<strong>Bold</strong> draft." in html


def test_the_preview_shows_the_sources_topics_and_correction_readers_will_get(client):
    """The preview "as readers will see it" shows the working copy's sources, topics and
    correction note too, not only its text (they are all in the version the
    clinician approves)."""
    from articles import workflow

    editor = make_editor("ed")
    article = make_article(live=False, author=editor, title="Hay fever")
    topic = make_topic(name="Allergies")
    article.correction_note = "We corrected the antihistamine dose."
    workflow.save_working_copy(
        article=article, user=editor, expected_version=article.lock_version,
        sources=[{"title": "Hay fever guidance", "publisher": "NICE",
                  "url": "https://example.org/hay-fever", "order": 1}],
        topics=[topic],
    )  # fmt: skip
    client.force_login(make_staff(perms=("articles.view_article",)))
    text = visible_text(client.get(f"/articles/{article.slug}/preview/").content.decode())
    assert "Sources" in text
    assert "Hay fever guidance. NICE." in text
    assert "Topics: Allergies" in text
    assert "On approval: We corrected the antihistamine dose." in text


def test_the_preview_is_never_indexed_or_cached(client):
    """Anything not public sends X-Robots-Tag: noindex and no-store."""
    article = make_article(live=False)
    client.force_login(make_staff(perms=("articles.view_article",)))
    response = client.get(f"/articles/{article.slug}/preview/")
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]


def test_anonymous_readers_cannot_preview_a_draft(client):
    """The preview asks for a login; the draft's text is not shown."""
    article = make_article(live=False, title="Secret draft")
    response = client.get(f"/articles/{article.slug}/preview/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_without_view_permission_cannot_preview(client):
    """Being staff is not enough: the view_article permission is needed."""
    article = make_article(live=False)
    client.force_login(make_staff("plain-staff"))
    assert client.get(f"/articles/{article.slug}/preview/").status_code == 403


# Queries per page -------------------------------------------------------------


PUBLIC_PAGES = {
    "home": lambda topic, article: "/",
    "topic list": lambda topic, article: "/topics/",
    "topic": lambda topic, article: topic.get_absolute_url(),
    "article": lambda topic, article: article.get_absolute_url(),
    "search": lambda topic, article: "/search/?q=guide",
    "sitemap index": lambda topic, article: "/sitemap.xml",
    "sitemap section": lambda topic, article: "/sitemap-articles.xml",
    "feed": lambda topic, article: "/feed/",
}


def _add_guides(topic, count):
    article = None
    for _ in range(count):
        n = Article.objects.count()
        article = make_article(title=f"Guide {n}", body=f"## Part {n}\n\nGuide text {n}.")
        article = publish(article, topics=[topic, make_topic(name=f"Topic {n}")],
                          sources=[{"title": f"Source {n}"}])  # fmt: skip
    return article


@pytest.mark.slow  # publishes 50 guides per page type
@pytest.mark.parametrize("page", sorted(PUBLIC_PAGES))
def test_public_pages_use_the_same_few_queries_for_1_or_50_guides(
    client, django_assert_num_queries, page
):
    """At most 4 queries per page on a page-cache miss (search 5), and the
    same number with 1 guide as with 50."""
    topic = make_topic(name="Medicines", slug="medicines", nonproprietary_name="x")
    article = _add_guides(topic, 1)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PUBLIC_PAGES[page](topic, article)).status_code == 200
    # Search: synonyms, the words no guide has (spelling), the ranked
    # candidates, then snippets for the shown page only (making them for
    # every candidate cost ~600 ms at 100,000 guides), and the guides' rows.
    assert len(queries) <= (5 if page == "search" else 4), [q["sql"][:80] for q in queries]
    article = _add_guides(topic, 49)
    publish_elsewhere()  # what the commit of those approvals would do
    with django_assert_num_queries(len(queries)):
        assert client.get(PUBLIC_PAGES[page](topic, article)).status_code == 200


def test_the_guide_list_is_bounded(client, monkeypatch):
    """Pages past the bound are 404, so no request counts or offsets through
    every guide; search, topics and the sitemap reach the rest."""
    from public.views import ArticleListView, BoundedPaginator

    monkeypatch.setattr(BoundedPaginator, "max_pages", 2)
    monkeypatch.setattr(ArticleListView, "paginate_by", 1)
    for _ in range(3):
        make_article()
    assert client.get("/?page=2").status_code == 200
    assert client.get("/?page=3").status_code == 404
