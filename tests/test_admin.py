from __future__ import annotations

import pytest

from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db


def test_change_form_loads_for_staff_with_the_markdown_editor(client):
    client.force_login(make_staff(superuser=True))
    article = make_article()
    response = client.get(f"/admin/articles/article/{article.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "markdownx-editor" in html
    assert "markdownx-preview" in html


def test_changelist_lists_articles_for_staff(client):
    client.force_login(make_staff(superuser=True))
    make_article(title="Listed guide")
    assert "Listed guide" in client.get("/admin/articles/article/").content.decode()


def test_admin_redirects_anonymous_users_to_login(client):
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
