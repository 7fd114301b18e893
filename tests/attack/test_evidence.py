"""A hole found in the evidence packs: seeing a guide is enough to download
a pack holding its outside reviews, reviews and versions, which the admin
itself does not show such a user (no standard role is affected: editors and
clinicians may see all of them). A possible fix is in the report."""

from __future__ import annotations

import pytest
from django.urls import reverse

from outside_review import services
from tests.factories import edit, make_article, make_clinician, make_editor, make_user

pytestmark = pytest.mark.django_db


def download(client, article):
    return client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "download_evidence_packs", "_selected_action": [article.pk]},
    )


def test_a_user_who_may_only_see_guides_gets_no_evidence_pack(client):
    article = make_article()
    edit(article, make_editor("ed"), body="New.")
    _link, token = services.create_link(
        revision=services.latest_revision(article), created_by=make_clinician("clin")
    )
    response = {"name": "Sam", "role": "r", "comment": "c", "recommendation": "agree"}
    client.post(f"/outside-review/{token}/", response)
    client.force_login(make_user("viewer", perms=("articles.view_article",)))
    assert client.get("/admin/outside_review/outsidereview/").status_code == 403
    assert download(client, article).get("Content-Type") != "application/zip"


@pytest.mark.parametrize("role", ["editor", "clinician", "superuser"])
def test_editors_clinicians_and_superusers_download_packs(client, role):
    article = make_article()
    user = {
        "editor": lambda: make_editor("ed"),
        "clinician": lambda: make_clinician("cl"),
        "superuser": lambda: make_user("root", superuser=True),
    }[role]()
    client.force_login(user)
    assert download(client, article).get("Content-Type") == "application/zip"
