"""Attacks on the editor's live readability endpoint
(admin:articles_article_readability): staff only, and bad input gives an
answer, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_clinician, make_editor, make_user

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    "\x00\ufffe\x0b",
    "## \u202e\u200b\n\n" * 500,
    ":::urgent\n" * 3000,
    "<h2>" * 3000,
    "[" * 9000 + "]" * 9000,
    "## a\n\n" + "supercalifragilisticexpialidocious " * 5000,
    "x. " * 60000,
]


@pytest.mark.parametrize("content", NASTY, ids=range(len(NASTY)))
def test_the_readability_endpoint_answers_any_text(client, content):
    client.force_login(make_editor("ed"))
    response = client.post(reverse("admin:articles_article_readability"), {"content": content})
    assert response.status_code in {200, 400}
    assert response["Content-Type"].startswith("application/json")


def test_the_readability_endpoint_is_for_editors_only(client):
    url = reverse("admin:articles_article_readability")
    assert client.post(url, {"content": "x"}).status_code in {302, 403}
    client.force_login(make_user("plain", staff=True))
    assert client.post(url, {"content": "x"}).status_code == 403
    client.force_login(make_clinician("dr"))
    assert client.get(url).status_code == 405
