"""The editorial dashboard on the admin's index page: what waits for the
person signed in, what is due for review (including live guides citing a
source ``check_sources`` found dead or moved), and what was published lately.

Each section is a count and the first few guides, with links. The number
of queries is fixed (two per section), however many guides there are.
Shown by ``templates/admin/index.html`` through the
``{% editorial_dashboard %}`` tag (``articles.templatetags.dashboard``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles import workflow
from articles.admin.sources import ATTENTION_PARAMETER
from articles.models import BROKEN_SOURCE_STATES, Article, Revision, Source

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Guides listed per section; the count and the section's link give the rest.
SHOWN = 5
Status = Article.Status


@dataclass(frozen=True)
class Item:
    """One guide in a section: its title, its change page and a short note."""

    title: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Section:
    """A section of the dashboard: ``count`` guides in all, ``items`` the
    first :data:`SHOWN` of them, ``more_url`` the admin list of all of them."""

    key: str
    title: StrOrPromise
    empty: StrOrPromise
    count: int
    more_url: str
    items: list[Item] = field(default_factory=list)


def _pending_by(user: Any) -> Exists:
    """Guides with a version written by ``user`` since the last approval."""
    return Exists(Revision.objects.filter(
        article=OuterRef("pk"), created_by=user,
        number__gt=OuterRef("approved_revision_number"),
    ))  # fmt: skip


def _section(key: str, title: StrOrPromise, empty: StrOrPromise, queryset: QuerySet,
             more_url: str,
             note: Any = None) -> Section:  # fmt: skip
    """Two queries: the count, and the first :data:`SHOWN` guides."""
    shown = list(queryset[:SHOWN])
    count = len(shown) if len(shown) < SHOWN else queryset.count()
    items = [
        Item(title=article.title, url=reverse("admin:articles_article_change", args=[article.pk]),
             note=note(article) if note else "")
        for article in shown
    ]  # fmt: skip
    return Section(key=key, title=str(title), empty=str(empty), count=count, more_url=more_url,
                   items=items)  # fmt: skip


def _due(article: Article) -> str:
    return str(_("due %(date)s") % {"date": article.next_review_due or _("now (never reviewed)")})


# The first dead or moved source a guide cites (by web address).
_broken_sources = Source.objects.filter(
    references__article=OuterRef("pk"), state__in=BROKEN_SOURCE_STATES
).order_by("url")


def _broken_note(article: Any) -> str:
    state = Source.State(article.broken_state).label
    return str(_("cites “%(source)s” (%(state)s)")
               % {"source": article.broken_source or article.broken_url,
                  "state": str(state).lower()})  # fmt: skip


def sections(user: Any) -> list[Section]:
    """The dashboard of ``user``, in the order shown; empty for a user who
    may not see guides. Clinicians see what waits for their review first."""
    if not (user.is_authenticated and user.is_active and user.has_perm("articles.view_article")):
        return []
    articles = Article.objects.all()
    changelist = reverse("admin:articles_article_changelist")
    found: list[Section] = []
    if workflow.is_clinician(user):
        # Submitted changes the clinician did not write (four eyes).
        to_review = articles.filter(status=Status.IN_REVIEW).exclude(_pending_by(user))
        queue = reverse("admin:articles_reviewqueue_changelist")
        found.append(_section(
            "to_review", _("Waiting for your review"), _("Nothing is waiting for your review."),
            to_review.order_by("submitted_at", "pk"), queue,
            note=lambda a: _("submitted %(date)s") % {"date": a.submitted_at.date()}
            if a.submitted_at else "",
        ))  # fmt: skip
    found.append(_section(
        "changes_requested", _("Changes requested of you"),
        _("No reviewer is waiting for changes from you."),
        articles.filter(_pending_by(user), status=Status.CHANGES_REQUESTED).order_by("-updated_at"),
        f"{changelist}?status__exact={Status.CHANGES_REQUESTED}",
    ))  # fmt: skip
    found.append(_section(
        "drafts", _("Your drafts"), _("You have no drafts."),
        articles.filter(_pending_by(user), status=Status.DRAFT).order_by("-updated_at"),
        f"{changelist}?status__exact={Status.DRAFT}",
    ))  # fmt: skip
    found.append(_section(
        "overdue", _("Review overdue"), _("No guide is overdue for review."),
        articles.review_overdue().order_by("next_review_due", "pk"),
        f"{changelist}?review=overdue", note=_due,
    ))  # fmt: skip
    soon = settings.ARTICLE_REVIEW_DUE_SOON_DAYS
    found.append(_section(
        "due_soon", _("Review due within %(days)d days") % {"days": soon},
        _("No guide is due for review soon."),
        articles.review_due_within(soon).order_by("next_review_due", "pk"),
        f"{changelist}?review=soon", note=_due,
    ))  # fmt: skip
    found.append(_section(
        "sources", _("Sources to check"),
        _("No live guide cites a dead or moved source."),
        articles.citing_broken_sources()
        .annotate(broken_source=Subquery(_broken_sources.values("title")[:1]),
                  broken_url=Subquery(_broken_sources.values("url")[:1]),
                  broken_state=Subquery(_broken_sources.values("state")[:1]))
        .order_by("live_title", "pk"),
        f"{reverse('admin:articles_source_changelist')}?{ATTENTION_PARAMETER}=yes",
        note=_broken_note,
    ))  # fmt: skip
    found.append(_section(
        "published", _("Recently published"), _("Nothing has been published yet."),
        articles.published().order_by("-live_updated_at", "-pk"),
        f"{changelist}?live=yes",
        note=lambda a: _("version %(number)s, %(date)s")
        % {"number": a.live_version, "date": a.live_updated_at.date() if a.live_updated_at else ""},
    ))  # fmt: skip
    return found
