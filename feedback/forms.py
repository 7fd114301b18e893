"""The reader's form: yes or no, and an optional comment without links."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import COMMENT_MAX_CHARS, Feedback
from feedback.text import find_links, normalise, strip_personal_details


class FeedbackForm(forms.Form):
    """Validates a post from templates/feedback/form.html. ``cleaned_data``
    holds ``answer`` ("yes" or "no"), ``comment`` (normalised, personal
    details removed), ``emails_removed`` and ``phones_removed`` (counts),
    and ``version`` (int or None: the page's version, checked by the view)."""

    answer = forms.ChoiceField(
        choices=Feedback.Answer.choices,
        error_messages={
            "required": _("Choose “Yes” or “No” to say whether this page was useful."),
            "invalid_choice": _("Choose “Yes” or “No” to say whether this page was useful."),
        },
    )
    # Length is checked after line breaks are normalised (see clean_comment).
    comment = forms.CharField(required=False, strip=False)
    version = forms.CharField(required=False)

    def clean_comment(self) -> str:
        text = normalise(self.cleaned_data.get("comment") or "")
        if len(text) > COMMENT_MAX_CHARS:
            raise forms.ValidationError(
                _(
                    "What was wrong is %(length)d characters long; the limit is %(limit)d. "
                    "Please shorten it."
                ),
                params={"length": len(text), "limit": COMMENT_MAX_CHARS},
                code="max_length",
            )
        cleaned = strip_personal_details(text)
        links = find_links(cleaned.text)
        if links:
            raise forms.ValidationError(
                _("Please remove the link (%(link)s): feedback cannot contain links."),
                params={"link": links[0][:80]},
                code="link",
            )
        self.cleaned_data["emails_removed"] = cleaned.emails_removed
        self.cleaned_data["phones_removed"] = cleaned.phones_removed
        return cleaned.text

    def clean_version(self) -> int | None:
        # The page's hidden field: anything but a plain number is ignored,
        # never an error the reader could do nothing about.
        value = (self.cleaned_data.get("version") or "").strip()
        # isascii: str.isdigit() also accepts "²" and "①", which int() refuses.
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None
