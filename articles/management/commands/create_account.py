"""Create or update an editor or clinician account without prompts."""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from articles import workflow
from articles.models import CLINICAL_REVIEWERS_GROUP, EDITORS_GROUP, ReviewerProfile

ROLES = {"editor": EDITORS_GROUP, "clinician": CLINICAL_REVIEWERS_GROUP}


class Command(BaseCommand):
    help = (
        "Create (or update) a staff account in the Editors or Clinical reviewers group. "
        "The password comes from --password or the DJANGO_ACCOUNT_PASSWORD variable; "
        "without either, the account cannot log in until `changepassword` is run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Prefer DJANGO_ACCOUNT_PASSWORD: argv is visible.")
        parser.add_argument("--display-name", help="Clinicians: the name the public sees.")
        parser.add_argument("--credentials", default="", help='For example "MBChB, MRCGP".')
        parser.add_argument("--job-title", default="")
        parser.add_argument("--registration-body", default="", help="For example GMC.")
        parser.add_argument("--registration-number", default="")
        parser.add_argument("--bio", default="")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        if role == "clinician" and not options["display_name"]:
            raise CommandError("A clinician needs --display-name: it is shown under 'Reviewed by'.")
        password = options["password"] or os.environ.get("DJANGO_ACCOUNT_PASSWORD")
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=options["username"], defaults={"email": options["email"]}
        )
        if password:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError("Password refused: " + " ".join(error.messages)) from None
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        if options["email"]:
            user.email = options["email"]
        user.is_staff = True
        user.save()
        user.groups.add(Group.objects.get(name=ROLES[role]))
        if role == "clinician":
            # Through the workflow, so the profile's history records the change
            # (made by the site's operator, with no admin user).
            profile = ReviewerProfile.objects.filter(user=user).first() or ReviewerProfile(
                user=user
            )
            for name in ["display_name", "credentials", "job_title", "registration_body",
                         "registration_number", "bio"]:  # fmt: skip
                setattr(profile, name, options[name])
            workflow.save_reviewer_profile(profile=profile, user=None)
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {role} account {user.get_username()!r}."))
