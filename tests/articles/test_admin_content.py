from __future__ import annotations

import pytest

from articles.models import Reference, SlugRedirect, Topic
from tests.factories import edit, make_article, make_editor, make_staff, publish

pytestmark = pytest.mark.django_db


def test_topics_are_managed_in_the_admin(client):
    """Staff see topics with their article counts."""
    client.force_login(make_staff(superuser=True))
    topic = Topic.objects.create(name="Anxiety", slug="anxiety")
    make_article().topics.add(topic)
    response = client.get("/admin/articles/topic/")
    assert response.status_code == 200
    assert "Anxiety" in response.content.decode()
    assert client.get(f"/admin/articles/topic/{topic.pk}/change/").status_code == 200


def test_sources_are_edited_inline_on_the_article(client):
    """The article change form carries the Sources inline and the topics field."""
    client.force_login(make_staff(superuser=True))
    article = make_article()
    Reference.objects.create(article=article, title="A source")
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert 'name="references-0-title"' in html
    assert 'value="A source"' in html
    assert 'name="topics"' in html


def test_a_topic_is_a_medicine_only_with_a_generic_name(db):
    """Only topics that name a generic drug become a schema.org Drug."""
    # Changed by issue 11: these describe the approved (live) text.
    assert Topic(name="Diazepam", live_nonproprietary_name="diazepam").is_medicine
    assert not Topic(name="Sleep").is_medicine
    assert not Topic(name="Diazepam", nonproprietary_name="diazepam").is_medicine
    assert Topic(live_alternate_names="Valium, Stesolid ,").alternate_name_list == [
        "Valium",
        "Stesolid",
    ]


def test_sources_are_ordered_by_their_order_field(db):
    """Reference.Meta.ordering keeps the editor's order."""
    article = make_article()
    Reference.objects.create(article=article, order=2, title="B")
    Reference.objects.create(article=article, order=1, title="A")
    assert [r.title for r in article.references.all()] == ["A", "B"]


def test_a_slug_change_is_recorded_by_the_workflow(db):
    """Changed by issue 11: the approval of a new slug writes the old address
    (a saved slug change is not public yet); an unchanged slug writes nothing."""
    article = make_article(slug="before")
    editor = make_editor()
    publish(article, editor, summary="New summary.")
    assert not SlugRedirect.objects.exists()
    edit(article, editor, slug="after")
    assert not SlugRedirect.objects.exists()
    publish(article, editor)
    redirect = SlugRedirect.objects.get()
    assert (redirect.old_slug, redirect.article_id) == ("before", article.pk)
    assert str(redirect) == "before → after"
