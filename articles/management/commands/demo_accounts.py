"""The two people of the README's demonstration: an editor and a clinical
reviewer who can log in, made with ``create_account``'s rules.

``make demo`` runs it after ``migrate`` and ``seed_demo``. Each run gives
both accounts new passwords. stdout is data: one line per account,
``<username> <password> <role>``, tab-separated; what was done goes to
stderr. For a demonstration or development site only: never on a site the
public reads, where each person sets their own password.
"""

from __future__ import annotations

import secrets
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Username, role, and for the clinician the public name: readers see it under
# "Reviewed by", so it must not pass for a real clinician.
DEMO_ACCOUNTS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("eddie", "editor", {}),
    # The name says it is a demonstration; a job title saying so again showed
    # as "(demonstration clinician) (Demonstration account)".
    ("cleo", "clinician", {"display_name": "Cleo Adams (demonstration clinician)"}),
)  # fmt: skip


class Command(BaseCommand):
    help = (
        "For a demonstration or development site only: create or update the demo editor "
        "'eddie' and clinician 'cleo' with new passwords, printed on stdout as "
        "'username<TAB>password<TAB>role'."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for username, role, extra in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            done = StringIO()
            call_command("create_account", username, role=role, password=password,
                         email=f"{username}@example.org", stdout=done, **extra)  # fmt: skip
            self.stderr.write(done.getvalue().rstrip())
            self.stdout.write(f"{username}\t{password}\t{role}")
