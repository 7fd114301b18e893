"""The guide change form as an editor uses it (issue 13): refusals at the top
and by the field, "Save and submit for review" as one button, the staff
preview one click away, "View on site" only for a live guide, the body's
keyboard help, and new guides started from a template."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.messages import get_messages

from articles.admin.guide_templates import available, body_of
from articles.models import Article
from articles.rendering import problems
from tests.articles.test_permissions import change_form_data, submitted
from tests.factories import make_article, make_clinician, make_editor

pytestmark = pytest.mark.django_db

NEW_TEXT = "Never share diazepam with anyone else, even if their symptoms seem similar.\n"
ADD_URL = "/admin/articles/article/add/"


def change_url(article: Article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


def new_guide(**changes: str) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "A new guide", "slug": "a-new-guide", "summary": "S.", "body": "Text.\n",
        "correction_note": "", "review_interval_months": "",
        "references-TOTAL_FORMS": "0", "references-INITIAL_FORMS": "0",
    }  # fmt: skip
    data.update(changes)
    return data


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# Refusals at the top of the page and by the field (fault 4) -------------------


def test_a_change_refused_in_review_is_at_the_top_and_by_the_field_with_the_text_kept(client):
    """Saving text while the guide is in review used to put its error under
    the open diff, about 1,300 px down: now it heads the page, before the
    review panel, links to the body and sits by the body field."""
    editor = make_editor("ed")
    article = submitted(editor)
    client.force_login(editor)
    response = client.post(change_url(article), change_form_data(article, body=NEW_TEXT))
    assert response.status_code == 200
    html = response.content.decode()
    summary = html.index('class="error-summary"')
    assert summary < html.index('class="review-panel"')
    top = html[summary : html.index("</div>", summary)]
    assert "in clinical review" in unescape(top)
    assert 'href="#id_body"' in top
    form = response.context["adminform"].form
    assert form.has_error("body", "in_review")
    body_row = html[html.index('class="form-row errors field-body"') :]
    assert "in clinical review" in unescape(body_row[: body_row.index("</ul>")])
    assert NEW_TEXT.strip() in unescape(html)
    assert Article.objects.get(pk=article.pk).body == article.body


def test_a_refused_body_is_summarised_at_the_top_with_a_link_to_the_field(client):
    editor = make_editor("ed")
    article = make_article(live=False, author=editor)
    client.force_login(editor)
    response = client.post(
        change_url(article), change_form_data(article, body="![](/media/uploads/x.png)\n")
    )
    html = unescape(response.content.decode())
    summary = html[html.index('class="error-summary"') :]
    assert "has no alt text" in summary[: summary.index("</div>")]
    assert "Everything you typed is still in the form below." in html


# Save and submit for review (Deliver 5) ---------------------------------------


def test_save_and_submit_saves_the_working_copy_then_submits_it_in_one_post(client):
    editor = make_editor("ed")
    article = make_article(live=False, author=editor)
    client.force_login(editor)
    response = client.post(
        change_url(article), {**change_form_data(article, body=NEW_TEXT), "_save_and_submit": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW
    assert article.body == NEW_TEXT
    assert article.revisions.order_by("-number").first().body == NEW_TEXT
    assert any("Submit for clinical review" in m for m in texts(response))


def test_save_and_submit_of_a_live_guide_submits_the_new_working_copy(client):
    editor = make_editor("ed")
    article = make_article(author=editor)
    client.force_login(editor)
    client.post(
        change_url(article), {**change_form_data(article, body=NEW_TEXT), "_save_and_submit": "1"}
    )
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW
    assert article.is_live  # readers keep the approved text meanwhile


def test_save_and_submit_of_a_new_guide_creates_and_submits_it(client):
    client.force_login(make_editor("ed"))
    response = client.post(ADD_URL, {**new_guide(), "_save_and_submit": "1"})
    article = Article.objects.get(slug="a-new-guide")
    assert response["Location"] == change_url(article)
    assert article.status == Article.Status.IN_REVIEW


def test_save_and_submit_with_a_refused_body_saves_nothing_and_keeps_the_text(client):
    editor = make_editor("ed")
    article = make_article(live=False, author=editor, body="Original.\n")
    client.force_login(editor)
    bad = "Typed text.\n\n![](/media/uploads/x.png)\n"
    response = client.post(
        change_url(article), {**change_form_data(article, body=bad), "_save_and_submit": "1"}
    )
    assert response.status_code == 200
    assert "Typed text." in response.content.decode()
    article.refresh_from_db()
    assert (article.body, article.status) == ("Original.\n", Article.Status.DRAFT)


def test_a_refused_submit_after_the_save_is_the_message_at_the_top(client):
    """An unchanged live guide saves (no new version) but cannot be submitted:
    the workflow's reason is an error message, which the admin shows at the
    top of the change form."""
    editor = make_editor("ed")
    article = make_article(author=editor)
    client.force_login(editor)
    response = client.post(
        change_url(article), {**change_form_data(article), "_save_and_submit": "1"}, follow=True
    )
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1
    assert "It was not submitted for review" in errors[0]
    assert "cannot be submitted for review" in errors[0]
    html = response.content.decode()
    assert html.index('class="messagelist"') < html.index('class="review-panel"')


def test_the_button_is_offered_to_editors_who_may_submit_and_not_in_review(client):
    editor = make_editor("ed")
    draft = make_article(live=False, author=editor)
    client.force_login(editor)
    assert 'name="_save_and_submit"' in client.get(change_url(draft)).content.decode()
    assert 'name="_save_and_submit"' in client.get(ADD_URL).content.decode()
    in_review = submitted(editor)
    assert 'name="_save_and_submit"' not in client.get(change_url(in_review)).content.decode()
    client.force_login(make_clinician("cleo"))
    assert 'name="_save_and_submit"' not in client.get(change_url(draft)).content.decode()


def test_a_forged_save_and_submit_by_someone_who_may_not_submit_saves_but_never_submits(client):
    """The button is a courtesy: the workflow's submit step decides."""
    draft = make_article(live=False, author=make_editor("ed"))
    client.force_login(make_clinician("cleo"))
    response = client.post(
        change_url(draft),
        {**change_form_data(draft, body=NEW_TEXT), "_save_and_submit": "1"},
        follow=True,
    )
    draft.refresh_from_db()
    assert (draft.body, draft.status) == (NEW_TEXT, Article.Status.DRAFT)
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1
    assert "It was not submitted for review" in errors[0]


def test_the_button_comes_after_save_so_enter_in_a_field_only_saves(client):
    editor = make_editor("ed")
    client.force_login(editor)
    html = client.get(change_url(make_article(live=False, author=editor))).content.decode()
    assert html.index('name="_continue"') < html.index('name="_save_and_submit"')


# Preview, View on site, keyboard help (faults 3 and 5) ------------------------


def test_the_staff_preview_is_linked_from_the_change_form(client):
    editor = make_editor("ed")
    article = make_article(live=False, author=editor, slug="draft-guide")
    client.force_login(editor)
    html = client.get(change_url(article)).content.decode()
    assert 'href="/articles/draft-guide/preview/"' in html
    assert "Preview as readers will see it" in html


def test_view_on_site_is_offered_only_for_a_guide_readers_can_open(client):
    editor = make_editor("ed")
    client.force_login(editor)
    draft = make_article(live=False, author=editor)
    live = make_article(author=editor)
    assert "viewsitelink" not in client.get(change_url(draft)).content.decode()
    assert "viewsitelink" in client.get(change_url(live)).content.decode()


def test_the_body_help_says_tab_moves_focus_and_names_the_indent_shortcut(client):
    editor = make_editor("ed")
    client.force_login(editor)
    html = client.get(change_url(make_article(live=False, author=editor))).content.decode()
    help_text = html[html.index('id="id_body_helptext"') :]
    help_text = unescape(help_text[: help_text.index("</div>")])
    assert "Tab moves to the next field" in help_text
    assert "Ctrl+]" in help_text
    assert re.search(r'<textarea[^>]*aria-describedby="id_body_helptext"', html)


def test_the_review_panel_shows_readability_per_section(client):
    editor = make_editor("ed")
    article = make_article(
        live=False, author=editor, body="## About\n\nText here.\n\n## Side effects\n\nMore.\n"
    )
    client.force_login(editor)
    html = client.get(change_url(article)).content.decode()
    panel = html[html.index('class="review-readability"') :]
    table = panel[: panel.index("</table>")]
    assert "About" in table
    assert "Side effects" in table


# Guide templates (Deliver 8) --------------------------------------------------


MEDICINE_SECTIONS = [
    "## About the medicine",
    "## Who can and cannot take it",
    "## How and when to take it",
    "## Side effects",
    "## Pregnancy and breastfeeding",
    "## Taking it with other medicines",
    "## Common questions",
]


def test_the_medicine_template_has_the_nhs_sections_in_order():
    body = body_of("medicine")
    assert body is not None
    positions = [body.index(heading + "\n") for heading in MEDICINE_SECTIONS]
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", ["medicine", "condition"])
def test_each_shipped_template_can_be_saved_as_written(name):
    body = body_of(name)
    assert body
    assert problems(body) == []


def test_the_add_form_offers_the_templates_and_prefills_the_chosen_body(client):
    client.force_login(make_editor("ed"))
    page = client.get(ADD_URL).content.decode()
    assert 'href="?template=medicine"' in page
    assert 'href="?template=condition"' in page
    chosen = client.get(ADD_URL + "?template=medicine")
    assert chosen.context["adminform"].form.initial["body"] == body_of("medicine")
    assert "Who can and cannot take it" in unescape(chosen.content.decode())


@pytest.mark.parametrize("name", ["../settings", "nope", "MEDICINE", "/etc/passwd", ""])
def test_an_unknown_template_name_starts_blank(client, name):
    client.force_login(make_editor("ed"))
    response = client.get(ADD_URL, {"template": name})
    assert response.status_code == 200
    assert "body" not in response.context["adminform"].form.initial
    assert body_of(name) is None


def test_an_administrator_can_point_the_templates_at_a_folder_of_their_own(
    client, settings, tmp_path
):
    (tmp_path / "skin-condition.md").write_text("## Symptoms\r\n\r\nItchy skin.\r\n")
    (tmp_path / "Bad Name.md").write_text("ignored")
    settings.ARTICLE_GUIDE_TEMPLATES_DIR = tmp_path
    assert [(t.name, t.label) for t in available()] == [("skin-condition", "Skin condition guide")]
    assert body_of("skin-condition") == "## Symptoms\n\nItchy skin.\n"
    settings.ARTICLE_GUIDE_TEMPLATES_DIR = tmp_path / "missing"
    assert available() == []
    client.force_login(make_editor("ed"))
    assert client.get(ADD_URL).status_code == 200


def test_the_editor_sees_the_smog_target_beside_the_live_figures(client, settings):
    """The editor learns the target as they write, not when a clinician is
    made to justify going above it."""
    settings.ARTICLE_SMOG_TARGET = 9
    client.force_login(make_editor("ed"))
    page = client.get("/admin/articles/article/add/").content.decode()
    assert "Aim for a SMOG grade of 9 or less" in page
