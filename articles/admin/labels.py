"""How the admin names a guide's state and the people in its workflow:
words for editors and clinicians, not the stored values."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.models import Article

Status = Article.Status

# A live guide's working copy is a draft, in review or sent back while
# readers keep the live version: say both.
_LIVE_WITH_CHANGES = {
    Status.DRAFT: _("Live, with changes in draft"),
    Status.IN_REVIEW: _("Live, with changes in review"),
    Status.CHANGES_REQUESTED: _("Live, with changes requested"),
}


def editorial_state(article: Article) -> str:
    """The guide's state as editors think of it: "Live, with changes in
    review" for a live guide with a pending change, else its status."""
    if article.live_version is not None and article.status in _LIVE_WITH_CHANGES:
        return str(_LIVE_WITH_CHANGES[Status(article.status)])
    return str(article.get_status_display())


@admin.display(description=_("state"), ordering="status")
def state_column(article: Article) -> str:
    """:func:`editorial_state` as a column of an admin list."""
    return editorial_state(article)
