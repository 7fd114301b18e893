"""The read-only history pages of django-simple-history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.admin.ids import parse_id

if TYPE_CHECKING:
    # What the mixin goes before: its super() calls reach this admin's views.
    from simple_history.admin import SimpleHistoryAdmin as _HistoryAdmin
else:
    _HistoryAdmin = object


class ReadOnlyHistoryMixin(_HistoryAdmin):
    """django-simple-history's pages, to read only. Its history form saves a
    past row (live columns and all) past the workflow, and hiding the revert
    button does not close the endpoint: every non-GET is refused with nothing
    written, and ids that are not numbers are a 404, never a 500."""

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_view(self, request: HttpRequest, object_id: str,
                     extra_context: dict | None = None) -> HttpResponse:  # fmt: skip
        if parse_id(object_id) is None:
            raise Http404(gettext("“%(id)s” is not an id.") % {"id": object_id})
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: dict | None = None) -> HttpResponse:  # fmt: skip
        pk = parse_id(object_id)
        if pk is None or parse_id(version_id) is None:
            raise Http404(gettext("“%(id)s” is not a history entry.")
                          % {"id": f"{object_id}/{version_id}"})  # fmt: skip
        get_object_or_404(self.model, pk=pk)
        if request.method != "GET":
            self.message_user(
                request,
                _("An old state cannot be saved from the history. To bring back earlier text, "
                  "use “Revert to this version” on the versions page; it goes to review."),
                messages.ERROR,
            )  # fmt: skip
            return HttpResponseRedirect(self.history_refused_url(pk))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_refused_url(self, pk: int) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
