"""The "Download evidence packs" admin action: the clinical-governance
evidence pack (articles.evidence) of each selected guide, as one ZIP of an
HTML and a JSON file per guide. Read-only: it writes nothing."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles import evidence
from articles.models import Article

MAX_GUIDES = 50
EVIDENCE_PACKS_LABEL = _("Download evidence packs (HTML and JSON)")
# What a pack holds, by the permission that shows it in the admin; the
# optional apps' only where they are installed.
PACK_PERMISSIONS = (
    ("articles", "articles.view_article"),
    ("articles", "articles.view_revision"),
    ("articles", "articles.view_review"),
    ("feedback", "feedback.view_feedback"),
    ("outside_review", "outside_review.view_outsidereview"),
)


def may_download(user: Any) -> bool:
    """Whether ``user`` may download evidence packs: only who may see, in the
    admin, everything a pack holds (guides, versions, reviews, reader
    feedback, outside reviews). Editors, clinicians and administrators may."""
    perms = [perm for app, perm in PACK_PERMISSIONS if apps.is_installed(app)]
    return bool(user.has_perms(perms))


@admin.action(description=EVIDENCE_PACKS_LABEL, permissions=["view"])
def download_evidence_packs(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Article]
) -> HttpResponse | None:
    """A ZIP named ``evidence-packs-<UTC time>.zip`` holding
    ``<slug>-evidence.html`` and ``<slug>-evidence.json`` for each selected
    guide. More than ``MAX_GUIDES`` at once is refused with a message (the
    pack is built in the request)."""
    if not may_download(request.user):  # the action is offered only to them (get_actions)
        model_admin.message_user(request, _("You may not download evidence packs."), level="error")
        return None
    count = queryset.count()
    if count > MAX_GUIDES:
        model_admin.message_user(
            request,
            _("Select at most %(max)d guides for evidence packs at once (you selected %(n)d).")
            % {"max": MAX_GUIDES, "n": count},
            level="error",
        )
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for article in queryset.order_by("pk"):
            pack = evidence.build(article)
            stem = f"{pack['guide']['slug']}-evidence"
            archive.writestr(f"{stem}.html", evidence.to_html(pack))
            archive.writestr(f"{stem}.json", json.dumps(pack, indent=2, ensure_ascii=False) + "\n")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-packs-{stamp}.zip"'
    return response
