"""Attacks on guide templates (``?template=NAME`` on the add form): a name
from the query string never reads a file outside the templates folder and
never gives a 500."""

from __future__ import annotations

import pytest

from articles.admin import guide_templates
from tests.factories import make_editor

pytestmark = pytest.mark.django_db

ADD = "/admin/articles/article/add/"
NAMES = [
    "../../../../etc/passwd", "..%2f..%2fetc%2fpasswd", "/etc/passwd", "medicine\n",
    "medicine/../medicine", "MEDICINE", "medicine.md", "medicine\x00", "x" * 5000, "\u00b2",
    "medicine ", " medicine", "..", ".", "-", "con", "medicine%00",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES, ids=range(len(NAMES)))
def test_a_template_name_never_reaches_outside_the_folder(client, name):
    assert guide_templates.body_of(name) is None
    client.force_login(make_editor("ed"))
    response = client.get(ADD, {"template": name})
    assert response.status_code == 200
    assert b"root:" not in response.content
