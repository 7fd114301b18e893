from __future__ import annotations

import pytest

from articles.models import Article, Topic
from tests.conftest import listed_article_urls
from tests.factories import make_article, make_topic, publish

pytestmark = pytest.mark.django_db


def test_fixtures_tag_both_guides_with_the_diazepam_topic(guides):
    """Both seed guides are about diazepam, and each has its own subject too."""
    for article in Article.objects.all():
        assert "diazepam" in set(article.topics.values_list("slug", flat=True))
    sleep = Article.objects.get(slug="diazepam-for-sleep")
    assert "sleep-problems" in set(sleep.topics.values_list("slug", flat=True))
    valium = Article.objects.get(slug="valium-diazepam")
    assert "anxiety" in set(valium.topics.values_list("slug", flat=True))


def test_the_diazepam_topic_describes_the_medicine(guides):
    """The medicine fields feed the Drug in the JSON-LD."""
    topic = Topic.objects.get(slug="diazepam")
    assert topic.is_medicine
    assert topic.nonproprietary_name == "diazepam"
    assert topic.alternate_name_list == ["Valium"]
    assert topic.drug_class == "Benzodiazepine"
    assert not Topic.objects.get(slug="anxiety").is_medicine


def test_topic_list_shows_topics_with_published_guides_and_their_counts(client, guides):
    """/topics/ lists every topic that has a guide, with how many."""
    html = client.get("/topics/").content.decode()
    assert '<a href="/topics/diazepam/">Diazepam (Valium)</a>' in html
    assert "2 guides" in html
    assert '<a href="/topics/sleep-problems/">Sleep problems</a>' in html


def test_topic_list_hides_topics_whose_only_guides_are_drafts(client):
    """A topic with nothing public would be an empty page."""
    topic = Topic.objects.create(name="Hidden subject", slug="hidden")
    make_article(live=False).topics.add(topic)
    assert "Hidden subject" not in client.get("/topics/").content.decode()


def test_topic_page_lists_only_its_published_guides(client):
    """Drafts and guides in other topics are not listed."""
    topic = make_topic(name="Anxiety", slug="anxiety", description="About anxiety.")
    other = make_topic(name="Sleep", slug="sleep")
    listed = publish(make_article(title="In the topic"), topics=[topic])
    draft = make_article(title="Draft in the topic", live=False)
    draft.topics.add(topic)
    publish(make_article(title="Elsewhere"), topics=[other])
    response = client.get("/topics/anxiety/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Anxiety</h1>" in html
    assert "About anxiety." in html
    assert "In the topic" in html
    assert "Draft in the topic" not in html
    assert "Elsewhere" not in html
    # A draft has no live title: only its link shows whether it was listed.
    assert draft.get_absolute_url() not in html
    assert listed_article_urls(html) == [listed.get_absolute_url()]


def test_an_unknown_topic_is_a_404(client, db):
    """Only topics that exist have pages."""
    assert client.get("/topics/no-such-topic/").status_code == 404


def test_an_article_links_to_its_topics(client):
    """Readers can move from a guide to related guides."""
    article = publish(make_article(), topics=[make_topic(name="Anxiety", slug="anxiety")])
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'Topics: <a href="/topics/anxiety/">Anxiety</a>' in html


def test_topic_pages_refuse_writes(client, guides):
    """The public site is read-only."""
    assert client.post("/topics/").status_code == 405
    assert client.post("/topics/diazepam/").status_code == 405
