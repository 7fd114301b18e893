"""
Text at every entrance: the admin's forms, Markdown imports and fixture loads
all pass what they are given through :func:`normalise_text` and refuse what
:func:`find_xml_illegal` finds, so stored text is one shape whatever typed it.

* Line endings become LF. Browsers post textareas with CRLF (HTML's
  "normalize newlines" for form submission); stored bodies use LF, and a save
  that differs only in line endings must not make a new version.
* Leading UTF-8 byte order marks (U+FEFF), which Windows editors write, are
  dropped.
* Characters that XML 1.0 forbids (section 2.2, ``Char``): C0 controls other
  than tab, line feed and carriage return, U+FFFE, U+FFFF and lone
  surrogates. One of them in a title makes the Atom feed unserialisable, and a
  lone surrogate cannot even be encoded as UTF-8, so they are refused with a
  message naming the field (or, for the public outputs, dropped).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    # What the mixin goes before: its super() and self reach a model form.
    _ModelForm = forms.ModelForm
else:
    _ModelForm = object

BOM = "\ufeff"

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
# The complement within what a Python str can hold:
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def normalise_text(value: str) -> str:
    """``value`` with CRLF and lone CR turned into LF and leading BOMs dropped.

    Idempotent, so it is safe at every layer: ``normalise_text(normalise_text(s))
    == normalise_text(s)``.
    """
    if value.startswith(BOM):
        value = value.lstrip(BOM)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def find_xml_illegal(value: str) -> list[str]:
    """The distinct XML-illegal characters in ``value``, as ``U+XXXX`` names in
    order of first appearance (empty if there are none)."""
    seen: dict[str, None] = {}
    for match in XML_ILLEGAL.finditer(value):
        seen.setdefault(f"U+{ord(match.group()):04X}", None)
    return list(seen)


def strip_xml_illegal(value: str) -> str:
    """``value`` without XML-illegal characters: for output that must never
    fail (the feed, the sitemap, JSON-LD) whatever reached the database."""
    return XML_ILLEGAL.sub("", value)


def illegal_characters_message(field_label: str, found: list[str]) -> str:
    return str(
        _("%(field)s contains characters that cannot be published (%(chars)s). Remove them; "
          "they are often pasted from word processors as invisible line breaks.")
        % {"field": field_label, "chars": ", ".join(found)}
    )  # fmt: skip


class NormalisedTextFormMixin(_ModelForm):
    """For model forms: every text value is normalised, and one holding an
    XML-illegal character is refused with a message on that field.

    Runs in ``clean()``, before the model instance is built from the cleaned
    data, so what is saved (and hashed) is the normalised text.
    """

    def clean(self) -> dict[str, Any]:
        # A model form's clean() returns its cleaned_data, never None.
        cleaned = cast(dict[str, Any], super().clean())
        for name, value in list(cleaned.items()):
            if not isinstance(value, str):
                continue
            value = normalise_text(value)
            cleaned[name] = value
            found = find_xml_illegal(value)
            if found:
                label = self.fields[name].label if name in self.fields else name
                self.add_error(
                    name,
                    forms.ValidationError(
                        illegal_characters_message(str(label or name).capitalize(), found),
                        code="xml_illegal",
                    ),
                )
        return cleaned
