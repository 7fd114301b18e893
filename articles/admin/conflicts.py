"""A change form that loses a race inside the workflow's save transaction
shows itself again, with the person's text kept, instead of an error page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from articles import workflow

if TYPE_CHECKING:
    _Base = admin.ModelAdmin
else:
    _Base = object


class ShowFormAgainOnConflict(_Base):
    """For ModelAdmins whose save goes through ``articles.workflow``: a
    ``WorkflowError`` raised while saving (a concurrent edit, caught under
    the row lock; the transaction is rolled back) becomes an admin message
    and the form is shown again, where the form's own ``clean`` explains
    the conflict with the typed text still in it."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.WorkflowError:
            return HttpResponseRedirect(request.path)
