"""Who is acting in the admin, as the type checker should see them."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest


def staff_user(request: HttpRequest) -> User:
    """The signed-in account behind an admin request. The admin site lets
    only active staff in (``AdminSite.has_permission``), so ``request.user``
    is never AnonymousUser there; this says so to the type checker and
    changes nothing at run time. Only for requests the admin has admitted."""
    return cast(User, request.user)
