"""Issue 18, item 2: every render is bounded. Generated inputs of each kind
(brackets, entities, tags, headings, nested lists and block quotes, ...), at
sizes up to the body limit, either render within a fixed budget of work or
are refused at save with a message naming the problem; nothing raises.

The budget is counted in Python function calls, not seconds, so the test
gives the same answer on any machine, under load and under coverage (a
timed unit test failed in CI under coverage's tracer at 1.8 s of CPU for a
text that takes 0.17 s). bench/render_bounds.py times the same inputs and
records the seconds in bench/RESULTS.md: about 5 million calls a second on
the development machine, so the budget is about half a second there."""

from __future__ import annotations

import pytest
from django.conf import settings

from articles import rendering, workflow
from articles.models import Article
from articles.rendering import MAX_NESTING, problems, render
from tests.articles.test_permissions import change_form_data
from tests.factories import make_clinician, make_editor, make_legacy_article, make_staff
from tests.markdown_inputs import GENERATORS, nested_list, python_calls

LIMIT = settings.ARTICLE_BODY_MAX_CHARS
# The two larger sizes are exhaustive walks (make test); make check keeps the first.
SIZES = [2_000, *(pytest.param(size, marks=pytest.mark.slow) for size in (20_000, LIMIT))]


# Python calls allowed for one check or one render of any text up to the
# body limit. The heaviest accepted input (5,000 unclosed links) takes 0.9 M.
CALL_BUDGET = 2_500_000


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", GENERATORS)
def test_each_generated_input_renders_within_the_budget_or_is_refused_with_a_reason(kind, size):
    text = GENERATORS[kind](size)[:LIMIT]
    rendering._problems.cache_clear()  # count the work, not a cache hit
    found, checking = python_calls(lambda: problems(text))
    rendered, rendering_calls = python_calls(lambda: render(text))
    assert checking < CALL_BUDGET, f"{kind}: checking made {checking:,} calls"
    assert rendering_calls < CALL_BUDGET, f"{kind}: rendering made {rendering_calls:,} calls"
    assert isinstance(rendered, rendering.Rendered)
    for problem in found:
        assert problem.code in {"nesting", "html_nesting", "markup", "lines", "callout"}
        assert "limit" in problem.message or "callout" in problem.message


def test_the_issues_examples_are_refused_or_within_the_budget():
    """ "[" * 4000 took 7 s, * 8000 32 s, * 12000 timed out a worker."""
    for count in (4000, 8000, 12000):
        _, calls = python_calls(lambda count=count: render("[" * count))
        assert calls < CALL_BUDGET
    assert [p.code for p in problems("[" * 12000)] == ["markup"]


def test_a_list_nested_three_hundred_deep_is_refused_and_renders_without_recursion_error():
    text = nested_list(300 * 8)
    found = problems(text)
    assert [p.code for p in found] == ["nesting"]
    assert f"the limit is {MAX_NESTING}" in found[0].message
    # Stored before the limit existed: shown, every word kept, no exception.
    html = render(text).html
    assert html.count("x") == 300


def test_nesting_up_to_the_limit_renders_as_structure():
    text = "".join("  " * level + f"- level {level}\n" for level in range(MAX_NESTING))
    assert problems(text) == []
    assert render(text).html.count("<ul>") == MAX_NESTING


@pytest.mark.django_db
def test_the_live_preview_answers_quickly_with_the_reason(client):
    client.force_login(make_staff("editor", perms=("articles.change_article",)))
    for text, reason in [
        ("[" * 12000, "Markdown or HTML symbols"),
        (nested_list(300 * 8), "nested more than 12 deep"),
        ("x" * (LIMIT + 1), "the limit is"),
    ]:
        response, calls = python_calls(
            lambda text=text: client.post(settings.MARKDOWNX_URLS_PATH, {"content": text})
        )
        assert calls < CALL_BUDGET, f"the preview made {calls:,} calls"
        assert response.status_code == 200
        assert reason in response.content.decode()
        assert "This text cannot be saved yet" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_form_refuses_a_deep_list_naming_the_problem(client):
    editor = make_editor("ed")
    client.force_login(editor)
    from tests.factories import make_article

    article = make_article(live=False, author=editor, body="Original.")
    response = client.post(
        f"/admin/articles/article/{article.pk}/change/",
        change_form_data(article, body=nested_list(300 * 8)),
    )
    assert response.status_code == 200
    assert "nested more than 12 deep" in response.content.decode()
    assert Article.objects.get(pk=article.pk).body == "Original."


@pytest.mark.django_db
def test_a_stored_deep_list_can_still_be_opened_previewed_and_approved(client):
    """The issue's guide that could never be reviewed: change page, preview
    and approval work for a body saved before the limit."""
    article = make_legacy_article(body="Intro.\n\n" + nested_list(300 * 8))
    clinician = make_clinician("cleo")
    client.force_login(make_staff(superuser=True))
    assert client.get(f"/admin/articles/article/{article.pk}/change/").status_code == 200
    assert client.get(f"/articles/{article.slug}/preview/").status_code == 200
    Article.objects.filter(pk=article.pk).update(status=Article.Status.IN_REVIEW)
    article.refresh_from_db()
    # The body is unchanged, so it is not checked again, and approval renders it.
    latest = workflow.latest_revision(article)
    workflow.approve(
        article=article, reviewer=clinician, version=latest.number, content_hash=latest.content_hash
    )
    assert client.get(article.get_absolute_url()).status_code == 200
