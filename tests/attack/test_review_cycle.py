"""A hole found in the review cycle: a clinical owner who has left
"Clinical reviewers" was still the only one reminded."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command

from articles import workflow
from articles.models import CLINICAL_REVIEWERS_GROUP, Article
from tests.factories import make_article, make_clinician

pytestmark = pytest.mark.django_db


def test_a_former_clinician_owner_is_not_the_only_one_reminded():
    owner = make_clinician("olive")
    other = make_clinician("oscar")
    article = make_article(reviewer=other)
    workflow.set_clinical_owner(article=article, owner=owner, user=other)
    owner.groups.remove(Group.objects.get(name=CLINICAL_REVIEWERS_GROUP))
    due = Article.objects.get(pk=article.pk).next_review_due
    out = StringIO()
    with time_machine.travel(datetime.datetime.combine(due, datetime.time(9, tzinfo=datetime.UTC)),
                             tick=False):  # fmt: skip
        call_command("review_cycle", stdout=out)
    line = out.getvalue().strip()
    assert line.endswith("-> oscar"), line
