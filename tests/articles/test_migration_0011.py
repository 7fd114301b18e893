"""Migration 0011 re-renders every live version with the new renderer and
flags, in the clinicians' review queue, each guide whose structure changed."""

from __future__ import annotations

from importlib import import_module

import markdown
import pytest
from django.apps import apps

from articles import rendering, workflow
from articles.models import Article
from tests.factories import make_article, make_clinician

pytestmark = pytest.mark.django_db
MIGRATION = import_module("articles.migrations.0011_rerender_live_versions")

NESTED = (
    "## Dose\n\n- Adults:\n  - 2 mg three times a day\n  - no more than 30 mg a day\n- Children"
)


def _as_python_markdown_published_it(article: Article) -> None:
    """Store the live HTML as the old renderer made it (a flat list here)."""
    old = rendering.sanitise(
        markdown.markdown(article.body, extensions=["admonition", "sane_lists", "tables", "toc"])
    )
    Article.objects.filter(pk=article.pk).update(live_body_html=old, live_headings=[])


def test_a_guide_whose_list_nesting_changed_is_listed_and_flagged():
    changed = make_article(slug="nested-doses", body=NESTED)
    same = make_article(slug="plain-guide", body="## Dose\n\nTake 2 mg.")
    for article in (changed, same):
        _as_python_markdown_published_it(article)
    output: list[str] = []

    MIGRATION.rerender_live_versions(apps, None, out=output.append)

    assert output == [
        "Rendering changed for nested-doses (version 1): list nesting",
        "1 live guide(s) changed structure and are flagged for clinical review.",
    ]
    changed.refresh_from_db()
    same.refresh_from_db()
    assert "list nesting" in changed.render_change_note
    assert same.render_change_note == ""
    assert "<li>Adults:\n<ul>" in changed.live_body_html
    assert changed.live_headings == [{"id": "dose", "text": "Dose", "level": 2}]


def test_a_flagged_guide_is_in_the_review_queue_until_a_clinician_confirms_it(client):
    article = make_article(body=NESTED)
    _as_python_markdown_published_it(article)
    MIGRATION.rerender_live_versions(apps, None, out=lambda line: None)
    clinician = make_clinician("cleo")
    assert article in Article.objects.review_queue_for(clinician)

    client.force_login(clinician)
    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Rendering changed:" in page
    assert "confirm_rendering" in page

    workflow.confirm_rendering(article=article, reviewer=clinician)
    assert article not in Article.objects.review_queue_for(clinician)


def test_headings_tables_and_callouts_count_as_structure():
    old = "<h2>Dose</h2><table><tr><td>1</td></tr></table>"
    assert MIGRATION.changed_parts(old, "<h2>Dose</h2><p>| 1 |</p>") == ["tables"]
    assert MIGRATION.changed_parts(old, "<h3>Dose</h3><table><tr><td>1</td></tr></table>") == [
        "headings"
    ]
    assert MIGRATION.changed_parts('<div class="admonition warning">x</div>', "<p>x</p>") == [
        "callouts"
    ]


def test_only_a_clinician_can_confirm_and_only_a_flagged_guide():
    article = make_article()
    with pytest.raises(workflow.WorkflowError):
        workflow.confirm_rendering(article=article, reviewer=make_clinician("c2"))
