"""The editorial dashboard on the admin index (issue 13, item 2): what
waits for me, what is due for review, what was published lately."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from articles import workflow
from tests.conftest import visible_text
from tests.factories import edit, make_article, make_clinician, make_editor, make_staff

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def section(html: str, key: str) -> str:
    """The visible text of one dashboard section."""
    found = re.search(rf'<section class="dashboard-section dashboard-{key}".*?</section>', html,
                      re.S)  # fmt: skip
    assert found, f"no {key} section"
    return visible_text(found.group(0))


def index(client, user) -> str:
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_clinician_sees_what_waits_for_their_review_but_not_their_own_change(client):
    editor, clinician = make_editor("ed"), make_clinician("cl")
    theirs = make_article(live=False, author=editor, title="Asthma inhalers")
    own = make_article(live=False, author=clinician, title="Clinician's own guide")
    for article in (theirs, own):
        workflow.submit(article=article, user=editor)
    html = index(client, clinician)
    waiting = section(html, "to_review")
    assert "Asthma inhalers" in waiting
    assert "Clinician's own guide" not in waiting
    assert "(1)" in waiting
    assert f'href="/admin/articles/article/{theirs.pk}/change/"' in html


def test_an_editor_sees_their_drafts_and_changes_requested_of_them(client):
    editor, other, clinician = make_editor("ed"), make_editor("other"), make_clinician("cl")
    make_article(live=False, author=editor, title="My hay fever draft")
    make_article(live=False, author=other, title="Someone else's draft")
    sent_back = make_article(live=False, author=editor, title="Sent back guide")
    workflow.submit(article=sent_back, user=editor)
    workflow.request_changes(article=sent_back, reviewer=clinician, comment="Check the dose.")
    html = index(client, editor)
    assert "to_review" not in html, "an editor reviews nothing"
    drafts = section(html, "drafts")
    assert "My hay fever draft" in drafts
    assert "Someone else's draft" not in drafts
    assert "Sent back guide" in section(html, "changes_requested")


def test_a_live_guide_edited_by_me_is_my_draft(client):
    editor = make_editor("ed")
    article = make_article(author=make_editor("first"), title="Live guide")
    edit(article, editor, body="New text.")
    assert "Live guide" in section(index(client, editor), "drafts")


def test_guides_due_and_overdue_for_review_and_recent_publications(client):
    with time_machine.travel(datetime(2024, 6, 1, 12, tzinfo=LONDON), tick=False):
        make_article(title="Overdue guide")  # due 2025-06-01
    with time_machine.travel(datetime(2024, 12, 15, 12, tzinfo=LONDON), tick=False):
        make_article(title="Soon guide")  # due 2025-12-15
    with time_machine.travel(datetime(2025, 11, 30, 12, tzinfo=LONDON), tick=False):
        html = index(client, make_editor("ed"))
    overdue, soon = section(html, "overdue"), section(html, "due_soon")
    assert "Overdue guide" in overdue
    assert "2025-06-01" in overdue
    assert "Soon guide" not in overdue
    assert "Soon guide" in soon
    assert "Overdue guide" not in soon
    published = section(html, "published")
    assert published.index("Soon guide") < published.index("Overdue guide"), "newest first"
    assert 'href="/admin/articles/article/?review=overdue"' in html


def test_a_long_section_shows_a_few_guides_and_links_to_all(client):
    for _ in range(7):
        make_article()
    html = index(client, make_editor("ed"))
    published = section(html, "published")
    assert "(7)" in published
    assert "See all 7" in published
    assert published.count("Guide ") == 5


def test_the_app_list_stays_below_the_dashboard(client):
    html = index(client, make_staff(superuser=True))
    assert html.index("editorial-dashboard") < html.index('class="app-articles')


def test_staff_who_may_not_see_guides_get_no_dashboard(client):
    make_article(title="Hidden guide")
    html = index(client, make_staff("plain"))
    assert "editorial-dashboard" not in html
    assert "Hidden guide" not in html


def test_the_dashboard_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    editor, clinician = make_editor("ed"), make_clinician("cl")
    client.force_login(clinician)

    def add_work() -> None:
        for _ in range(3):
            make_article()
            workflow.submit(article=make_article(live=False, author=editor), user=editor)
            make_article(live=False, author=clinician)

    # More than a section shows (dashboard.SHOWN), so every count is queried.
    add_work()
    add_work()
    # 27: "Sources to check" (issue 15) added a section of up to two queries.
    with django_assert_max_num_queries(27) as few:
        client.get("/admin/")
    for _ in range(4):
        add_work()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/admin/")
