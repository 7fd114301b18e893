"""Every admin URL, POSTed to by an editor, a clinician and a dual-role user:
the live copy and every approval stay as they were unless the workflow itself
approved or archived (issue 11, fault 1 and Deliver 2; issue 18, fault 6).

The URL list is not written down here: it is read from ``admin.site.get_urls()``
recursively, so a view added later (by us or a third-party admin) is posted to
as well. Path parameters are filled with real ids; a parameter this test does
not know fails it, so a new kind of URL cannot slip past unexamined.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.forms.formsets import BaseFormSet
from django.urls import URLPattern, URLResolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from articles import workflow
from articles.models import (
    CLINICAL_REVIEWERS_GROUP,
    EDITORS_GROUP,
    TOPIC_LIVE_FIELDS,
    Article,
    Review,
    ReviewerProfile,
    Revision,
    Topic,
    TopicReview,
)
from tests.factories import approve, edit, make_article, make_clinician, make_editor, make_user

pytestmark = pytest.mark.django_db

TOPIC_PUBLIC_FIELDS = ("live_version", *TOPIC_LIVE_FIELDS)

# Public state of an article: what readers see and what records an approval.
# Any field named live_* counts, so fields added later are covered too.
PUBLIC_ARTICLE_FIELDS = (
    "live_version", "approved_revision_number", "last_reviewed", "reviewed_by",
    "next_review_due", "published_at",
)  # fmt: skip

# The workflow steps that may legitimately change public state or approvals.
PUBLISHING_STEPS = ("approve", "archive", "request_changes", "delete")


def public_snapshot() -> dict[str, Any]:
    """The live copy of every article, every review, every existing version."""
    live_fields = [
        f.attname for f in Article._meta.concrete_fields
        if f.name.startswith("live_") or f.name in PUBLIC_ARTICLE_FIELDS
    ]  # fmt: skip
    return {
        "articles": {row["id"]: row for row in Article.objects.values("id", *live_fields)},
        "reviews": {row["id"]: row for row in Review.objects.values()},
        "versions": {row["id"]: row for row in Revision.objects.values()},
        # A topic's public text is its approved version's (ADR 0001).
        "topics": {row["id"]: row for row in Topic.objects.values("id", *TOPIC_PUBLIC_FIELDS)},
        "topic reviews": {row["id"]: row for row in TopicReview.objects.values()},
    }


def unexplained_changes(before: dict, after: dict, allowed: set) -> list[str]:
    """Changes to public state not made by a workflow step on an article in
    ``allowed`` (ids) or a topic in it (``("topic", id)``). New versions are
    fine: they are working copies."""
    problems = []
    for pk, row in before["topics"].items():
        if ("topic", pk) not in allowed and after["topics"].get(pk) != row:
            problems.append(f"topic {pk}: {row} -> {after['topics'].get(pk)}")
    for pk, row in after["topic reviews"].items():
        if pk not in before["topic reviews"] and ("topic", row["topic_id"]) not in allowed:
            problems.append(f"topic review {pk} added outside the workflow")
    for pk, row in before["articles"].items():
        if pk not in allowed and after["articles"].get(pk) != row:
            problems.append(f"article {pk}: {row} -> {after['articles'].get(pk)}")
    for kind in ("reviews", "versions"):
        for pk, row in before[kind].items():
            if row["article_id"] not in allowed and after[kind].get(pk) != row:
                problems.append(f"{kind} {pk} changed or deleted")
    for pk, row in after["reviews"].items():
        if pk not in before["reviews"] and row["article_id"] not in allowed:
            problems.append(f"review {pk} added outside the workflow")
    return problems


@dataclass
class Route:
    """One admin URL pattern: its full pattern text and how to build it."""

    pattern: str
    name: str | None
    params: list[str]
    build: Callable[[dict[str, str]], str]


def admin_routes() -> list[Route]:
    """Every URL pattern of the admin site, walked recursively."""
    routes: list[Route] = []

    def walk(patterns: list, prefix: str, namespace_prefix: str) -> Iterator[None]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), namespace_prefix)
            elif isinstance(entry, URLPattern):
                routes.append(_route(entry, prefix))
                yield None

    list(walk(admin.site.get_urls(), "", "admin"))
    return routes


def _route(entry: URLPattern, prefix: str) -> Route:
    base = reverse("admin:index")
    full = prefix + str(entry.pattern)
    if isinstance(entry.pattern, RoutePattern):
        params = re.findall(r"<(?:\w+:)?(\w+)>", full)

        def build(values: dict[str, str], full: str = full) -> str:
            return base + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], full)

        return Route(full, entry.name, params, build)
    assert isinstance(entry.pattern, RegexPattern)
    regex = entry.pattern.regex
    named = list(regex.groupindex)
    params = named or [f"_{i}" for i in range(regex.groups)]

    def build_regex(values: dict[str, str], entry: URLPattern = entry, prefix: str = prefix,
                    params: list[str] = params, named: list[str] = named) -> str:  # fmt: skip
        if entry.name is None:
            return base + prefix + "no-such-admin-page/"
        if named:
            return reverse(f"admin:{entry.name}", kwargs={p: values[p] for p in params})
        return reverse(f"admin:{entry.name}", args=[values[p] for p in params])

    return Route(full, entry.name, params, build_regex)


# The state every request meets ---------------------------------------------------------


@pytest.fixture
def actors() -> dict[str, User]:
    editor = make_editor("wp-editor")
    clinician = make_clinician("wp-clinician")
    dual = make_user("wp-dual", groups=(EDITORS_GROUP, CLINICAL_REVIEWERS_GROUP))
    ReviewerProfile.objects.create(user=dual, display_name="Dr Dual")
    return {"editor": editor, "clinician": clinician, "dual": dual}


@pytest.fixture
def content(actors) -> dict[str, Article]:
    """A live guide with history older than its last approval; a live guide
    with a pending draft; a guide in review whose pending change all three
    actors wrote (so none of them may approve it); a never-published draft."""
    outsider_author = make_editor("wp-outsider")
    approver = make_clinician("wp-approver")
    live = make_article(author=outsider_author, reviewer=approver, title="Old live title",
                        slug="wp-live", body="Old approved body.\n")  # fmt: skip
    edit(live, outsider_author, title="Newer title", body="Newer body.\n")
    workflow.submit(article=live, user=outsider_author)
    approve(live, approver)

    pending = make_article(author=outsider_author, reviewer=approver, slug="wp-pending")
    edit(pending, actors["editor"], body="An unreviewed change.\n")

    in_review = make_article(author=outsider_author, reviewer=approver, slug="wp-in-review")
    for n, user in enumerate(actors.values()):
        edit(in_review, user, body=f"Unreviewed change {n}.\n")
    workflow.submit(article=in_review, user=actors["editor"])

    draft = make_article(live=False, author=actors["editor"], slug="wp-draft")
    return {"live": Article.objects.get(pk=live.pk), "pending": pending,
            "in_review": in_review, "draft": draft}  # fmt: skip


def _model_for(route: Route) -> type | None:
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}/{model._meta.model_name}/"
        if route.pattern.startswith(prefix):
            return model
    return None


def parameter_values(route: Route, content: dict[str, Article]) -> Iterator[dict[str, str]]:  # noqa: C901 (one branch per URL converter)
    """Real values for each parameter of ``route``, one combination per
    object worth posting to."""
    model = _model_for(route)
    if model is not None and issubclass(model, Article):
        objects = list(content.values())
    elif model is not None:
        objects = list(model._default_manager.all()[:2])
    else:
        objects = []
    for obj in objects or [None]:
        values: dict[str, str] = {}
        for param in route.params:
            if param in {"object_id", "id"}:
                if obj is None:
                    break
                values[param] = str(obj.pk)
            elif param in {"version_id", "_1"}:
                history = Article.history.filter(id=obj.pk).order_by("history_id").first()
                if history is None:
                    break
                values[param] = str(history.history_id)
            elif param == "_0":
                values[param] = str(obj.pk)
            elif param == "number":
                values[param] = "1"
            elif param == "step":
                values[param] = "STEP"
            elif param == "content_type_id":
                values[param] = str(ContentType.objects.get_for_model(Article).pk)
                values.setdefault("object_id", str(content["live"].pk))
            elif param == "app_label":
                values[param] = "articles"
            elif param == "url":
                values[param] = "no-such-admin-page/"
            else:
                raise AssertionError(f"{route.pattern}: no test value for parameter {param!r}")
        else:
            if "STEP" in values.values():
                for step in [*PUBLISHING_STEPS, "submit", "restore", "no-such-step"]:
                    yield {**values, "step": step}
            else:
                yield values


# What is posted ---------------------------------------------------------------------------


def tampering(content: dict[str, Article], actors: dict[str, User]) -> dict[str, Any]:
    """Fields a crafted POST adds to anything: public state, approvals, authors."""
    live = content["live"]
    return {
        "title": "Tampered title", "summary": "Tampered.", "body": "Tampered body.\n",
        "status": "published", "live_version": "1", "live_title": "Tampered live title",
        "live_body_html": "<p>Tampered</p>", "approved_revision_number": "99",
        "reviewed_by": str(actors["editor"].pk), "last_reviewed": "2020-01-01 00:00:00",
        "revision": str(live.revisions.order_by("number").first().pk),
        "comment": "Tampered comment.", "post": "yes", "confirm": "yes",
        "references-TOTAL_FORMS": "0", "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0", "references-MAX_NUM_FORMS": "1000",
    }  # fmt: skip


def form_payload(response: Any) -> dict[str, Any] | None:
    """The data of the admin form a GET rendered, as the browser would post it."""
    context = getattr(response, "context", None)
    if not context or "adminform" not in context:
        return None
    form = context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    for formset in context.get("inline_admin_formsets", []):
        fs: BaseFormSet = formset.formset
        for key, value in fs.management_form.initial.items():
            data[f"{fs.prefix}-{key}"] = str(value)
    return data


def payloads(route: Route, url: str, client: Any, content: dict, actors: dict,
             values: dict[str, str]) -> list[dict]:  # fmt: skip
    """A crafted POST for every URL, plus the page's own form data changed to
    tamper with it, plus every bulk action of a changelist with all rows.
    Each carries the article's current lock version, as an attacker would,
    so the edit-conflict check cannot be what stops it."""
    crafted = tampering(content, actors)
    target = values.get("object_id") or values.get("_0")
    if _model_for(route) in (Article, None) and target and target.isdigit():
        lock = Article.objects.filter(pk=target).values_list("lock_version", flat=True).first()
        crafted["expected_version"] = str(lock)
    result = [crafted]
    response = client.get(url)
    assert response.status_code < 500, f"GET {url} answered {response.status_code}"
    own = form_payload(response)
    if own is not None:
        result.append({**own, "title": "Tampered title", "body": "Tampered body.\n",
                       "_change_history": "1"})  # fmt: skip
        if "expected_version" in crafted:
            result.append({**own, "expected_version": crafted["expected_version"],
                           "_change_history": "1"})  # fmt: skip
    if route.name and route.name.endswith("_changelist"):
        ids = [str(pk) for pk in Article.objects.values_list("pk", flat=True)]
        context = getattr(response, "context", None) or {}
        action_form = context.get("action_form")
        actions = (
            [c[0] for c in action_form.fields["action"].choices if c[0]] if action_form else []
        )
        for action in actions:
            result.append({"action": action, "_selected_action": ids, "index": "0",
                           "post": "yes"})  # fmt: skip
    return result


@pytest.fixture
def workflow_calls(monkeypatch) -> list[tuple[str, int]]:
    """Every successful publishing step, as (step, article id)."""
    calls: list[tuple[str, int]] = []
    for step in PUBLISHING_STEPS:
        original = getattr(workflow, step)

        def spy(*args: Any, _original: Callable = original, _step: str = step, **kwargs: Any):
            result = _original(*args, **kwargs)
            calls.append((_step, kwargs["article"].pk))
            return result

        monkeypatch.setattr(workflow, step, spy)
    # The admin's buttons and actions call the functions through the registry.
    monkeypatch.setattr(workflow, "STEPS", {
        name: dataclasses.replace(step, function=getattr(workflow, step.function.__name__))
        for name, step in workflow.STEPS.items()
    })  # fmt: skip
    original_topic = workflow.approve_topic

    def spy_topic(*args: Any, **kwargs: Any):
        result = original_topic(*args, **kwargs)
        calls.append(("approve_topic", ("topic", kwargs["topic"].pk)))
        return result

    monkeypatch.setattr(workflow, "approve_topic", spy_topic)
    return calls


def test_the_admin_has_the_urls_this_test_must_reach():
    """A guard on the walk itself: if it found nothing, the main test would
    pass vacuously."""
    names = {route.name for route in admin_routes()}
    for expected in ["articles_article_simple_history", "articles_article_change",
                     "articles_article_workflow", "articles_article_revert",
                     "articles_article_changelist", "articles_reviewerprofile_change",
                     "articles_topic_change", "articles_review_change"]:  # fmt: skip
        assert expected in names


@pytest.mark.slow  # every admin URL with every POST: an exhaustive walk
@pytest.mark.parametrize("actor", ["editor", "clinician", "dual"])
def test_no_admin_post_changes_the_live_copy_or_an_approval_outside_the_workflow(
    client, actors, content, workflow_calls, actor
):
    user = actors[actor]
    posted = 0
    for route in admin_routes():
        if route.name in {"logout"}:
            continue  # ends the session; harmless, and the rest needs one
        for values in parameter_values(route, content):
            url = route.build(values)
            client.force_login(user)
            for data in payloads(route, url, client, content, actors, values):
                client.force_login(user)
                before = public_snapshot()
                workflow_calls.clear()
                response = client.post(url, data)
                posted += 1
                assert response.status_code < 500, f"POST {url} answered {response.status_code}"
                allowed = {pk for _step, pk in workflow_calls}
                problems = unexplained_changes(before, public_snapshot(), allowed)
                assert problems == [], f"{actor} POST {url} {sorted(data)}: {problems}"
    assert posted > 100


def test_the_history_form_post_of_an_entry_older_than_the_approval_writes_nothing(
    client, actors, content
):
    """The issue's example: an editor posts simple-history's form for an old
    entry. It used to write the historical row's live columns back."""
    live = content["live"]
    oldest = Article.history.filter(id=live.pk).order_by("history_id").first()
    url = reverse("admin:articles_article_simple_history", args=[live.pk, oldest.history_id])
    client.force_login(actors["editor"])
    form = form_payload(client.get(url))
    assert form is not None
    assert form["title"] == "Old live title"
    form["expected_version"] = str(Article.objects.get(pk=live.pk).lock_version)
    before = public_snapshot(), Article.objects.filter(pk=live.pk).values().get()

    response = client.post(url, {**form, "_change_history": "1"}, follow=True)

    assert (public_snapshot(), Article.objects.filter(pk=live.pk).values().get()) == before
    assert "cannot be saved from the history" in response.content.decode()
    page = client.get(live.get_absolute_url()).content.decode()
    assert "Newer title" in page
    assert "Old live title" not in page


# ("٣", an Arabic-Indic three, is left out: Django's own views read it as 3,
# which is a real id, not an error.)
BAD_IDS = ["abc", "1abc", "-1", "1.5", "²", "99999999999999999999999", "%00"]


@pytest.mark.slow  # every admin URL with every bad id: an exhaustive walk
@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_non_numeric_id_in_any_admin_url_is_a_404_or_a_message_never_a_500(
    client, actors, content, bad
):
    client.force_login(actors["dual"])
    for route in admin_routes():
        if not {"object_id", "id", "version_id", "_0", "_1", "number"} & set(route.params):
            continue
        for values in parameter_values(route, content):
            for param in set(route.params) & {"object_id", "id", "version_id", "_0", "_1"}:
                url = route.build({**values, param: bad})
                for method in (client.get, client.post):
                    response = method(url, {"revision": "1"})
                    assert response.status_code in {302, 400, 403, 404, 405}, (
                        f"{method.__name__} {url}: {response.status_code}"
                    )
            break


def test_the_issue_examples_of_non_numeric_ids_get_404_and_400(client, actors, content):
    client.force_login(actors["clinician"])
    assert client.get("/admin/articles/article/abc/versions/").status_code == 404
    response = client.post(
        reverse("admin:articles_article_workflow", args=[content["in_review"].pk, "approve"]),
        {"version": "abc"},
    )
    assert response.status_code == 400
    assert "“abc” is not a version number: nothing was approved." in response.content.decode()


def test_a_topic_value_that_is_not_an_id_is_refused_with_a_message(client, actors, content):
    """Found by the fuzz test: Django's autocomplete widget queried ``pk__in``
    with the posted value when showing the form again, and raised."""
    from tests.articles.test_permissions import change_form_data

    article = content["draft"]
    client.force_login(actors["editor"])
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        {**change_form_data(article), "topics": ":"},
    )
    assert response.status_code == 200
    assert "“:” is not a valid value." in response.content.decode()
