"""Issue 18, item 2: every render is bounded. Generated inputs of each kind
(brackets, entities, tags, headings, nested lists and block quotes, ...), at
sizes up to the body limit, either render within one second of CPU time or
are refused at save with a message naming the problem; nothing raises."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.conf import settings

from articles import rendering, workflow
from articles.models import Article
from articles.rendering import MAX_NESTING, problems, render
from tests.factories import make_clinician, make_editor, make_legacy_article, make_staff
from tests.test_permissions import change_form_data

LIMIT = settings.ARTICLE_BODY_MAX_CHARS
PROSE = "Diazepam can make you feel sleepy. "


def repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def nested_list(size: int) -> str:
    depth = min(size // 8, 2000)
    return "".join("  " * level + "- x\n" for level in range(depth))


def nested_quotes(size: int) -> str:
    return "> " * (size // 2) + "x"


def deep_html(size: int) -> str:
    half = size // 11
    return "<div>" * half + "x" + "</div>" * half


GENERATORS: dict[str, Callable[[int], str]] = {
    "open brackets": repeat("["),
    "close brackets": repeat("]"),
    "brackets in prose": lambda size: "[" * min(size // 2, 9000) + repeat(PROSE)(size // 2),
    "balanced brackets": lambda size: "[" * (size // 2) + "]" * (size // 2),
    "link starts": repeat("[x]("),
    "image starts": repeat("!["),
    "footnote starts": repeat("[^"),
    "entities": repeat("&amp;"),
    "numeric entities": repeat("&#1234567;"),
    "bare ampersands": repeat("&"),
    "angle brackets": repeat("<"),
    "unknown tags": repeat("<x "),
    "allowed tags unclosed": repeat("<b>"),
    "deep raw html": deep_html,
    "comments": repeat("<!--"),
    "emphasis": repeat("*a* "),
    "underscores": repeat("_a "),
    "backticks": repeat("`a "),
    "backslashes": repeat("\\"),
    "headings": repeat("## A heading of ordinary length\n"),
    "equal headings": repeat("## Dose\n"),
    "one long heading": lambda size: "## " + repeat("word ")(size - 3),
    "nested lists": nested_list,
    "one-line nested list": repeat("- "),
    "one-line nested numbers": repeat("1. "),
    "nested block quotes": nested_quotes,
    "nested callouts": lambda size: "".join(
        "    " * level + '!!! note "x"\n' for level in range(size // 200)
    ),
    "paragraphs": repeat("x\n\n"),
    "lines": repeat("x\n"),
    "list items": repeat("- item\n"),
    "table rows": lambda size: "|a|b|\n|-|-|\n" + repeat("|1|2|\n")(size),
    "table columns": lambda size: "|" + "a|" * (size // 4) + "\n|" + "-|" * (size // 4),
    "reference definitions": lambda size: "".join(f"[r{i}]: /x{i}\n" for i in range(size // 12)),
    "prose": repeat(PROSE),
}
SIZES = [2_000, 20_000, LIMIT]


def _cpu(call: Callable[[], object]) -> tuple[object, float]:
    start = time.process_time()
    result = call()
    return result, time.process_time() - start


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", GENERATORS)
def test_each_generated_input_renders_within_a_second_or_is_refused_with_a_reason(kind, size):
    text = GENERATORS[kind](size)[:LIMIT]
    found, checking = _cpu(lambda: problems(text))
    rendered, rendering_time = _cpu(lambda: render(text))
    assert checking < 1.0, f"{kind}: checking took {checking:.2f} s"
    assert rendering_time < 1.0, f"{kind}: rendering took {rendering_time:.2f} s"
    assert isinstance(rendered, rendering.Rendered)
    for problem in found:
        assert problem.code in {"nesting", "html_nesting", "markup", "lines", "callout"}
        assert "limit" in problem.message or "callout" in problem.message


def test_the_issues_examples_are_refused_or_fast():
    """ "[" * 4000 took 7 s, * 8000 32 s, * 12000 timed out a worker."""
    for count in (4000, 8000, 12000):
        _, seconds = _cpu(lambda count=count: render("[" * count))
        assert seconds < 1.0
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
        start = time.perf_counter()
        response = client.post(settings.MARKDOWNX_URLS_PATH, {"content": text})
        assert time.perf_counter() - start < 5  # wall clock, generous on a shared machine
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
