"""The outside expert's response form, and the admin's form for a new link."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Revision
from outside_review.models import (
    COMMENT_MAX_CHARS,
    MAX_DAYS,
    NAME_MAX_CHARS,
    ROLE_MAX_CHARS,
    OutsideReview,
    ReviewLink,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Control and format characters (bidi overrides can hide or reorder text in
# the admin); tab and line feed are kept.
_UNWANTED = {"Cc", "Cf", "Cs", "Co"}


def normalise(text: str) -> str:
    """``text`` with line breaks as ``\\n``, control and format characters
    removed, NFC, and surrounding whitespace stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _UNWANTED)
    return unicodedata.normalize("NFC", text).strip()


def _text_field(label: StrOrPromise, required: StrOrPromise) -> forms.CharField:
    # Lengths are checked after normalising (see ResponseForm._clean_text),
    # so browsers' \r\n line breaks do not count twice.
    return forms.CharField(
        label=label,
        strip=False,
        error_messages={"required": required},
    )


class ResponseForm(forms.Form):
    """Validates a post from templates/outside_review/review_page.html.
    ``cleaned_data``: ``name``, ``role``, ``comment`` (normalised, within
    their limits) and ``recommendation`` (an OutsideReview.Recommendation)."""

    LIMITS = {"name": NAME_MAX_CHARS, "role": ROLE_MAX_CHARS, "comment": COMMENT_MAX_CHARS}

    name = _text_field(_("Name"), _("Enter your name."))
    role = _text_field(_("Role"), _("Enter your role, for example “community pharmacist”."))
    comment = _text_field(_("Comment"), _("Enter your comment."))
    recommendation = forms.ChoiceField(
        choices=OutsideReview.Recommendation.choices,
        error_messages={
            "required": _("Choose “Agree” or “Suggest changes”."),
            "invalid_choice": _("Choose “Agree” or “Suggest changes”."),
        },
    )

    def _clean_text(self, name: str) -> str:
        text = normalise(self.cleaned_data.get(name) or "")
        if name != "comment":
            text = " ".join(text.split())  # one line
        label = str(self.fields[name].label)
        if not text:  # only spaces or invisible characters
            raise forms.ValidationError(
                self.fields[name].error_messages["required"], code="required"
            )
        if len(text) > self.LIMITS[name]:
            raise forms.ValidationError(
                _("%(field)s is %(length)d characters long; the limit is %(limit)d."),
                params={"field": label, "length": len(text), "limit": self.LIMITS[name]},
                code="max_length",
            )
        return text

    def clean_name(self) -> str:
        return self._clean_text("name")

    def clean_role(self) -> str:
        return self._clean_text("role")

    def clean_comment(self) -> str:
        return self._clean_text("comment")


class ReviewLinkCreateForm(forms.ModelForm):
    """The admin's "add" form: the guide, its version (blank: the latest),
    how many days the link lasts (1 to 14) and, optionally, who it is for.
    ``cleaned_data["revision"]`` is the chosen version."""

    version = forms.IntegerField(
        label=_("version"),
        required=False,
        min_value=1,
        help_text=_("Leave blank for the latest version."),
    )
    days = forms.IntegerField(
        label=_("expires after (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=MAX_DAYS,
        help_text=_("At most %(days)d days.") % {"days": MAX_DAYS},
    )

    class Meta:
        model = ReviewLink
        fields = ["article", "invitee"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        articles = cast(forms.ModelChoiceField, self.fields["article"])
        articles.queryset = Article.objects.order_by("title")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        article = data.get("article")
        if article is None:
            return data
        versions = Revision.objects.filter(article=article)
        number = data.get("version")
        revision = (
            versions.order_by("-number").first()
            if number is None
            else versions.filter(number=number).first()
        )
        if revision is None:
            message = (
                _("This guide has no saved version yet.")
                if number is None
                else _("This guide has no version %(number)d.") % {"number": number}
            )
            self.add_error("version", message)
        else:
            data["revision"] = revision
            self.instance.revision = revision
        return data
