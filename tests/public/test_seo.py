from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles import workflow
from articles.models import Article
from public.sitemaps import ArticleSitemap
from tests.conftest import visible_text
from tests.factories import edit, make_article, make_editor, make_staff, make_topic, publish

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}


def json_ld(html: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def time_after(html: str, label: str) -> str:
    return re.search(label + r': <time datetime="([0-9-]+)">', html).group(1)


# Meta tags ---------------------------------------------------------------------


def test_article_page_has_title_description_canonical_and_opengraph(client, guides):
    """Search engines and link previews get the live title and summary."""
    article = Article.objects.get(slug="diazepam-for-sleep")
    html = client.get(article.get_absolute_url()).content.decode()
    assert f"<title>{article.live_title} – Health guides</title>" in html
    assert f'<meta name="description" content="{article.live_summary}">' in html
    url = f"http://testserver{article.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:title" content="{article.live_title}">' in html
    assert f'<meta property="og:description" content="{article.live_summary}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html


# JSON-LD -----------------------------------------------------------------------


def test_json_ld_is_a_medical_web_page_matching_the_visible_text(client, guides):
    """Name, description, dates and URL are those the reader sees."""
    article = Article.objects.get(slug="diazepam-for-sleep")
    html = client.get(article.get_absolute_url()).content.decode()
    data = json_ld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert f"<h1>{data['name']}</h1>" in html
    assert f'<p class="summary">{data["description"]}</p>' in html
    assert data["url"] == f"http://testserver{article.get_absolute_url()}"
    assert data["inLanguage"] == "en-GB"
    assert data["datePublished"] == time_after(html, "First published")
    assert data["dateModified"] == time_after(html, "Last updated")
    assert data["medicalAudience"] == {"@type": "MedicalAudience", "audienceType": "Patient"}
    assert data["publisher"]["name"] == data["author"]["name"] == "Health guides"


def test_json_ld_has_no_review_when_the_guide_was_never_reviewed(client, guides):
    """lastReviewed is absent, as the page says no clinician has reviewed it
    (a legacy restore: the seeds are now approved by the demo reviewer)."""
    Article.objects.update(last_reviewed=None, reviewed_by=None, next_review_due=None)
    data = json_ld(client.get("/articles/valium-diazepam/").content.decode())
    assert "lastReviewed" not in data
    assert "reviewedBy" not in data


def test_json_ld_last_reviewed_and_reviewer_equal_the_trust_block(client):
    """lastReviewed is the visible "Page last reviewed" date; reviewedBy the visible name."""
    article = make_article()
    html = client.get(article.get_absolute_url()).content.decode()
    data = json_ld(html)
    assert data["lastReviewed"] == time_after(html, "Page last reviewed")
    person = data["reviewedBy"]
    assert person["@type"] == "Person"
    shown = f"Reviewed by {person['name']}, {person['honorificSuffix']} ({person['jobTitle']})"
    assert shown in visible_text(html)


def test_json_ld_is_about_a_drug_when_the_guide_is_about_a_medicine(client, guides):
    """The diazepam topic makes the page about the Drug diazepam (Valium)."""
    data = json_ld(client.get("/articles/diazepam-for-sleep/").content.decode())
    assert data["about"] == {
        "@type": "Drug",
        "name": "Diazepam (Valium)",
        "nonProprietaryName": "diazepam",
        "alternateName": ["Valium"],
        "drugClass": {"@type": "DrugClass", "name": "Benzodiazepine"},
    }


def test_json_ld_has_no_drug_for_a_guide_not_about_a_medicine(client):
    """Only a medicine topic makes a Drug."""
    article = publish(make_article(), topics=[make_topic(name="Anxiety", slug="anxiety")])
    assert "about" not in json_ld(client.get(article.get_absolute_url()).content.decode())


def test_json_ld_cannot_break_out_of_its_script_element(client):
    """<, > and & are escaped, so a title cannot close the script."""
    article = make_article(title="A </script><script>alert(1)</script> & more")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert json_ld(html)["name"] == "A </script><script>alert(1)</script> & more"


# Sitemap, feed, robots -----------------------------------------------------------


def _live_and_hidden_articles():
    published = [make_article(title="Live one"), make_article(title="Live two")]
    make_article(title="Draft", live=False)
    archived = make_article(title="Archived")
    workflow.archive(article=archived, user=make_staff(superuser=True))
    return published


def test_sitemap_is_an_index_of_sections(client, guides):
    """sitemap.xml is an index, so it can grow to 100,000 guides."""
    response = client.get("/sitemap.xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag.endswith("sitemapindex")
    locations = [loc.text for loc in root.findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert "http://testserver/sitemap-articles.xml" in locations
    assert "http://testserver/sitemap-topics.xml" in locations


def test_sitemap_lists_exactly_the_published_guides_with_lastmod(client):
    """Drafts and archived guides are not in the sitemap."""
    published = _live_and_hidden_articles()
    root = ElementTree.fromstring(client.get("/sitemap-articles.xml").content)
    urls = {
        url.find("s:loc", SITEMAP_NS).text: url.find("s:lastmod", SITEMAP_NS).text
        for url in root.findall("s:url", SITEMAP_NS)
    }
    assert set(urls) == {f"http://testserver{a.get_absolute_url()}" for a in published}
    for article in published:
        lastmod = urls[f"http://testserver{article.get_absolute_url()}"]
        assert lastmod == timezone.localtime(article.live_updated_at).date().isoformat()


def test_the_seed_guides_are_both_in_the_sitemap(client, guides):
    """Both published seeds are listed."""
    content = client.get("/sitemap-articles.xml").content.decode()
    assert "/articles/valium-diazepam/" in content
    assert "/articles/diazepam-for-sleep/" in content


def test_sitemap_sections_are_paginated(client, monkeypatch):
    """Past the per-file limit, the index lists further pages."""
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    for _ in range(3):
        make_article()
    index = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/sitemap-articles.xml?p=2" in index
    assert client.get("/sitemap-articles.xml?p=2").content.decode().count("<url>") == 1


def test_feed_is_atom_and_lists_exactly_the_published_guides(client):
    """Drafts and archived guides are not in the feed."""
    published = _live_and_hidden_articles()
    response = client.get("/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    titles = {entry.find("a:title", ATOM_NS).text for entry in root.findall("a:entry", ATOM_NS)}
    assert titles == {a.live_title for a in published}


def test_feed_uses_the_live_copy(client):
    """An unapproved edit is not in the feed."""
    article = make_article(title="Approved")
    edit(article, make_editor(), title="Not approved yet")
    content = client.get("/feed/").content.decode()
    assert "Approved" in content
    assert "Not approved yet" not in content


def test_robots_txt_allows_the_site_and_points_to_the_sitemap(client, db):
    """Crawlers are kept out of the admin and search results, and told of the sitemap."""
    response = client.get("/robots.txt")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in text
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


# Old addresses -----------------------------------------------------------------


def test_after_a_slug_change_the_old_address_redirects_permanently(client):
    """Links and search results that use the old URL keep working."""
    article = make_article(slug="old-name")
    publish(article, make_editor(), slug="new-name")
    response = client.get("/articles/old-name/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/new-name/"
    assert client.get("/articles/new-name/").status_code == 200


def test_every_earlier_address_redirects_to_the_current_one(client):
    """A → B → C: both A and B answer with C, not with a chain."""
    article = make_article(slug="first")
    editor = make_editor()
    publish(article, editor, slug="second")
    publish(article, editor, slug="third")
    assert client.get("/articles/first/")["Location"] == "/articles/third/"
    assert client.get("/articles/second/")["Location"] == "/articles/third/"


def test_changing_a_slug_back_removes_the_redirect_loop(client):
    """Going back to an old slug serves the page instead of redirecting to itself."""
    article = make_article(slug="alpha")
    editor = make_editor()
    publish(article, editor, slug="beta")
    publish(article, editor, slug="alpha")
    assert client.get("/articles/alpha/").status_code == 200
    assert client.get("/articles/beta/")["Location"] == "/articles/alpha/"


def test_an_old_address_of_an_unpublished_article_is_a_404(client):
    """Redirects never reveal drafts or archived guides."""
    article = make_article(slug="was-here", live=False)
    edit(article, make_editor(), slug="now-here")
    assert client.get("/articles/was-here/").status_code == 404


# Not public -> noindex ---------------------------------------------------------------


def test_a_staff_preview_sends_noindex(client):
    """Previews are not public, so search engines are told not to index them."""
    article = make_article(live=False)
    client.force_login(make_staff(perms=("articles.view_article",)))
    response = client.get(f"/articles/{article.slug}/preview/")
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert '<link rel="canonical"' not in response.content.decode()
    assert "application/ld+json" not in response.content.decode()


def test_public_pages_do_not_send_noindex(client, guides):
    """Published guides are meant to be found."""
    for url in ["/", "/topics/", "/topics/diazepam/", "/articles/valium-diazepam/"]:
        assert "X-Robots-Tag" not in client.get(url)
