"""Small builders for test data, so each test states only what matters."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth.models import User

from articles.models import Article

_counter = itertools.count(1)


def make_article(**fields: Any) -> Article:
    n = next(_counter)
    defaults: dict[str, Any] = {
        "title": f"Guide {n}",
        "slug": f"guide-{n}",
        "summary": f"Summary of guide {n}.",
        "body": f"## Section {n}\n\nBody of guide {n}.",
        "status": Article.Status.PUBLISHED,
    }
    defaults.update(fields)
    return Article.objects.create(**defaults)


def make_staff(
    username: str = "staff", *, superuser: bool = False, perms: tuple[str, ...] = ()
) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "pw", is_staff=True)
    if superuser:
        user.is_superuser = True
        user.save()
    for perm in perms:
        app_label, codename = perm.split(".")
        from django.contrib.auth.models import Permission

        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user
