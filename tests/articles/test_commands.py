from __future__ import annotations

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import ReviewerProfile
from tests.factories import make_article, make_clinician

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def test_create_account_makes_a_clinician_with_a_public_profile(monkeypatch):
    monkeypatch.setenv("DJANGO_ACCOUNT_PASSWORD", "a-long-enough-passphrase")
    call_command(
        "create_account", "drlee", "--role", "clinician", "--display-name", "Dr Ana Lee",
        "--credentials", "MBChB, MRCGP", "--job-title", "GP", "--registration-body", "GMC",
        "--registration-number", "1234567", stdout=StringIO(),
    )  # fmt: skip
    user = User.objects.get(username="drlee")
    assert user.is_staff
    assert not user.is_superuser
    assert user.check_password("a-long-enough-passphrase")
    assert list(user.groups.values_list("name", flat=True)) == ["Clinical reviewers"]
    assert ReviewerProfile.objects.get(user=user).public_name == "Dr Ana Lee, MBChB, MRCGP"
    # Issue 11: profile edits are audited, this one included.
    assert ReviewerProfile.objects.get(user=user).history.get().registration_number == "1234567"


def test_create_account_makes_an_editor_and_is_safe_to_run_again():
    for _ in range(2):
        call_command("create_account", "ed", "--role", "editor", stdout=StringIO())
    user = User.objects.get(username="ed")
    assert list(user.groups.values_list("name", flat=True)) == ["Editors"]
    assert not user.has_usable_password()


def test_create_account_refuses_a_weak_password_and_creates_nothing():
    with pytest.raises(CommandError, match="Password refused"):
        call_command("create_account", "ed", "--role", "editor", "--password", "123")
    assert not User.objects.filter(username="ed").exists()


def test_create_account_needs_a_display_name_for_clinicians():
    with pytest.raises(CommandError, match="display-name"):
        call_command("create_account", "doc", "--role", "clinician")


def test_review_status_exits_zero_when_nothing_is_overdue():
    with time_machine.travel(datetime(2026, 1, 1, 12, tzinfo=LONDON), tick=False):
        make_article(slug="fresh")
    out = StringIO()
    with time_machine.travel(datetime(2026, 12, 15, 12, tzinfo=LONDON), tick=False):
        call_command("review_status", stdout=out)
    assert "Overdue (0)" in out.getvalue()
    assert "Due within 30 days (1)" in out.getvalue()
    assert "fresh" in out.getvalue()


def test_review_status_exits_one_and_names_overdue_guides():
    with time_machine.travel(datetime(2025, 1, 1, 12, tzinfo=LONDON), tick=False):
        make_article(slug="stale")
    out = StringIO()
    now = datetime(2026, 11, 21, 12, tzinfo=LONDON)
    with time_machine.travel(now, tick=False), pytest.raises(CommandError) as error:
        call_command("review_status", stdout=out)
    assert error.value.returncode == 1
    assert "stale" in out.getvalue()


def test_review_status_emails_the_clinical_reviewers_when_asked():
    with time_machine.travel(datetime(2025, 1, 1, 12, tzinfo=LONDON), tick=False):
        make_article(slug="stale")
    make_clinician("cl")
    now = datetime(2026, 11, 21, 12, tzinfo=LONDON)
    with time_machine.travel(now, tick=False), pytest.raises(CommandError):
        call_command("review_status", "--email", stdout=StringIO())
    assert len(mail.outbox) == 1
    assert "stale" in mail.outbox[0].body
    assert "cl@example.org" in mail.outbox[0].to


@pytest.mark.slow
def test_review_status_exit_codes_as_a_process(tmp_path):
    """Cron sees the real exit status: 1 when something is overdue."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, check=False
    )
    assert run("migrate", "-v0").returncode == 0
    assert run("review_status").returncode == 0


def test_the_workflow_command_offers_every_step_of_the_registry():
    """``manage.py workflow`` takes each step of workflow.STEPS by its name,
    "-" for "_", and ``show``."""
    from articles import workflow
    from articles.management.commands.workflow import Command

    parser = Command().create_parser("manage.py", "workflow")
    (step_argument,) = [a for a in parser._actions if a.dest == "step"]
    assert step_argument.choices == ["show"] + [name.replace("_", "-") for name in workflow.STEPS]
