from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_and_a_guide_render_in_chromium_without_console_errors(
    live_server, guides, page, console
):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Health guides")
    page.get_by_role("link", name="Diazepam for Sleep: A Comprehensive Guide").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Diazepam for Sleep")
    expect(page.get_by_role("heading", name="Precautions and Considerations")).to_be_visible()
    assert console.errors() == []
