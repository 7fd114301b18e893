"""Small builders for test data, so each test states only what matters.

Articles are made through articles.workflow, the same way the admin makes
them, so tests never build states the workflow could not reach."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth.models import Group, Permission, User

from articles import workflow
from articles.models import (
    CLINICAL_REVIEWERS_GROUP,
    EDITORS_GROUP,
    Article,
    ReviewerProfile,
    Revision,
    Topic,
)
from articles.signals import public_changed

_counter = itertools.count(1)


def make_user(
    username: str,
    *,
    groups: tuple[str, ...] = (),
    staff: bool = True,
    superuser: bool = False,
    perms: tuple[str, ...] = (),
) -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@example.org", "is_staff": staff, "is_superuser": superuser},
    )
    user.set_password("pw")
    user.save()
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def make_staff(
    username: str = "staff", *, superuser: bool = False, perms: tuple[str, ...] = ()
) -> User:
    return make_user(username, superuser=superuser, perms=perms)


def make_editor(username: str = "editor") -> User:
    return make_user(username, groups=(EDITORS_GROUP,))


def make_clinician(username: str = "clinician", *, profile: bool = True) -> User:
    user = make_user(username, groups=(CLINICAL_REVIEWERS_GROUP,))
    if profile:
        ReviewerProfile.objects.get_or_create(
            user=user,
            defaults={
                "display_name": f"Dr {username.title()}",
                "credentials": "MBChB, MRCGP",
                "job_title": "General practitioner",
            },
        )
    return user


def make_article(*, live: bool = True, author: User | None = None, reviewer: User | None = None,
                 **fields: Any) -> Article:  # fmt: skip
    """A draft written by ``author``; with ``live``, also submitted and
    approved by ``reviewer``."""
    n = next(_counter)
    author = author or make_editor("factory-editor")
    article = Article(
        title=fields.pop("title", f"Guide {n}"),
        slug=fields.pop("slug", f"guide-{n}"),
        summary=fields.pop("summary", f"Summary of guide {n}."),
        body=fields.pop("body", f"## Section {n}\n\nBody of guide {n}."),
        **fields,
    )
    workflow.save_working_copy(article=article, user=author, expected_version=None)
    if live:
        workflow.submit(article=article, user=author)
        approve(article, reviewer or make_clinician("factory-clinician"))
        article.refresh_from_db()
    return article


def approve(article: Article, reviewer: User, **extra: Any) -> Any:
    """Approve the latest version as a reviewer who read it: its number and
    hash, and a reason when it is above the SMOG target (tests of that rule
    call the workflow themselves)."""
    latest = workflow.latest_revision(article)
    if "smog_reason" not in extra and workflow.plain_english(latest).above_target:
        extra["smog_reason"] = "Test guide: approved above the SMOG target on purpose."
    return workflow.approve(article=article, reviewer=reviewer, version=latest.number,
                            content_hash=latest.content_hash, **extra)  # fmt: skip


def edit(article: Article, user: User, **changes: Any) -> Article:
    """Change the working copy as the admin form would."""
    article = Article.objects.get(pk=article.pk)
    for name, value in changes.items():
        setattr(article, name, value)
    return workflow.save_working_copy(
        article=article, user=user, expected_version=article.lock_version
    )


def publish(article: Article, editor: User | None = None, reviewer: User | None = None,
            **changes: Any) -> Article:  # fmt: skip
    """Change an article as an editor (``topics``: Topic list; ``sources``:
    list of source dicts), submit it and have a clinician approve it: the
    only way a change reaches readers."""
    editor = editor or make_editor("factory-editor")
    article = Article.objects.get(pk=article.pk)
    topics, sources = changes.pop("topics", None), changes.pop("sources", None)
    for name, value in changes.items():
        setattr(article, name, value)
    workflow.save_working_copy(article=article, user=editor, expected_version=article.lock_version,
                               topics=topics, sources=sources)  # fmt: skip
    workflow.submit(article=article, user=editor)
    approve(article, reviewer or make_clinician("factory-clinician"))
    return Article.objects.get(pk=article.pk)


def make_topic(*, live: bool = True, author: User | None = None, reviewer: User | None = None,
               **fields: Any) -> Topic:  # fmt: skip
    """A topic written by ``author`` through the workflow; with ``live``,
    its text approved by ``reviewer``."""
    n = next(_counter)
    topic = Topic(name=fields.pop("name", f"Topic {n}"), slug=fields.pop("slug", f"topic-{n}"),
                  **fields)  # fmt: skip
    workflow.save_topic(topic=topic, user=author or make_editor("factory-editor"),
                        expected_version=None)  # fmt: skip
    if live:
        approve_topic(topic, reviewer or make_clinician("factory-clinician"))
    return Topic.objects.get(pk=topic.pk)


def approve_topic(topic: Topic, reviewer: User) -> Any:
    latest = workflow.latest_topic_revision(topic)
    return workflow.approve_topic(topic=topic, reviewer=reviewer, version=latest.number,
                                  content_hash=latest.content_hash)  # fmt: skip


def publish_elsewhere() -> None:
    """What the commit of another guide's approval does to the page cache:
    sends ``public_changed`` (every cached page misses, rendered pages whose
    validators did not move are reused)."""
    public_changed.send(sender=Article, pages_validated=True)


def make_legacy_article(*, body: str, **fields: Any) -> Article:
    """A live guide whose body was stored before the save-time body rules
    (alt text, callouts, render bounds) existed: made live with a harmless
    body, then given ``body`` directly in the rows, as old data would be, and
    its public copy derived again. Only for tests of what such data shows."""
    article = make_article(body="Placeholder.", **fields)
    Revision.objects.filter(article=article).update(body=body)
    Article.objects.filter(pk=article.pk).update(body=body)
    article.refresh_from_db()
    article.sync_live_copy()
    article.save(update_fields=["live_body_html", "live_headings", "live_text"])
    return article


def make_article_or_legacy(*, body: str, **fields: Any) -> Article:
    """``make_article`` for a body the save-time rules accept; otherwise
    (checking that the workflow refuses it) ``make_legacy_article``."""
    from articles.rendering import problems

    if not problems(body):
        return make_article(body=body, **fields)
    try:
        make_article(body=body, live=False, **fields)
    except workflow.WorkflowError:
        return make_legacy_article(body=body, **fields)
    raise AssertionError("the workflow saved a body that rendering.problems() refuses")
