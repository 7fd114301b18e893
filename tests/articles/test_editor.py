"""The markdownx endpoints answer staff only (markdownx.urls would answer anyone)."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from tests.factories import make_staff

pytestmark = pytest.mark.django_db

PATHS = [settings.MARKDOWNX_URLS_PATH, settings.MARKDOWNX_UPLOAD_URLS_PATH]


def _png() -> io.BytesIO:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "x.png"
    return buffer


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_posts_to_markdownx_are_refused_and_write_nothing(
    client, path, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    response = client.post(path, {"content": "# hi", "image": _png()})
    assert response.status_code == 403
    assert list(tmp_path.rglob("*")) == []


@pytest.mark.parametrize("path", PATHS)
def test_logged_in_non_staff_users_are_refused(client, path):
    client.force_login(User.objects.create_user("reader"))
    assert client.post(path, {"content": "# hi"}).status_code == 403


def test_staff_without_change_permission_cannot_preview(client):
    client.force_login(make_staff("nobody"))
    assert client.post(settings.MARKDOWNX_URLS_PATH, {"content": "# hi"}).status_code == 403


def test_preview_uses_the_public_sanitising_renderer(client):
    client.force_login(make_staff("editor", perms=("articles.change_article",)))
    response = client.post(
        settings.MARKDOWNX_URLS_PATH, {"content": "## Hi\n\n<script>alert(1)</script>"}
    )
    assert response.status_code == 200
    # Issue 12: a tag that is not allowed is shown as text, not deleted.
    assert response.content.decode().strip() == (
        '<h2 id="hi">Hi</h2>\n&lt;script&gt;alert(1)&lt;/script&gt;'
    )


def test_preview_refuses_get(client):
    client.force_login(make_staff("editor", perms=("articles.change_article",)))
    assert client.get(settings.MARKDOWNX_URLS_PATH).status_code == 405
