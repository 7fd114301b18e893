"""An outside expert sends their response from Chromium (issue 15, item 3).
With ``Referrer-Policy: no-referrer`` Chromium sent ``Origin: null`` with
the form and Django's CSRF check refused every response with a 403; only
clients that send a real Origin (curl, the test client) got through."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from articles.models import Article
from outside_review import services
from outside_review.models import OutsideReview
from tests.factories import edit, make_clinician, make_editor

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_outside_expert_sends_a_response_from_chromium(live_server, guides, browser: Browser):
    article = Article.objects.get(slug="diazepam-for-sleep")
    edit(article, make_editor("eddie"), body=article.body + "\n\nA new sentence to review.\n")
    article = Article.objects.get(pk=article.pk)
    _link, token = services.create_link(revision=services.latest_revision(article),
                                        created_by=make_clinician("cleo"))  # fmt: skip
    expert = browser.new_context().new_page()  # no account, no cookies
    expert.goto(f"{live_server.url}/outside-review/{token}/")
    expect(expert.locator(".diff-field ins").first).to_contain_text("A new sentence")
    expert.get_by_label("Your name").fill("Sam Patel")
    expert.get_by_label("Your role").fill("Community pharmacist")
    expert.get_by_label("Suggest changes").check()
    expert.get_by_label("Your comment").fill("Say what to do if a dose is missed.")
    expert.get_by_role("button", name="Send my response").click()
    expect(expert.locator(".outside-review__thanks")).to_contain_text("Thank you")
    (response,) = OutsideReview.objects.all()
    assert (response.name, response.recommendation) == ("Sam Patel", "suggest_changes")
