"""What a reader's comment may contain: no links, no personal details, and
which safety terms it mentions. Pure functions on strings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

EMAIL_REMOVED = "[email address removed]"
PHONE_REMOVED = "[phone number removed]"

# Word characters around an address, then user@domain.tld (an "at" written
# out is not chased: impractical to tell from prose).
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 9 to 15 digits, optionally after + or 00, with single spaces, dots,
# hyphens or brackets between them: UK and international phone numbers and
# NHS numbers (10 digits). Doses ("2 x 500 mg"), dates ("12/03/2024") and
# times have fewer digits in a row or other separators.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d(?:[ .\-()]{0,2}\d){8,14}(?!\w)")
# A scheme, "www.", or a host name ending in a common top-level domain.
_LINK = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|"
    r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|info|biz|io|co|uk|ru|cn|xyz|top|me|ly|gl|"
    r"be|to|site|online|shop|app|dev|link|click)\b)\S*",
    re.IGNORECASE,
)
# Control characters other than tab and line feed (and the BOM, and
# Unicode's other "format" characters such as bidi overrides, which can hide
# or reorder text in the admin).
_UNWANTED = {"Cc", "Cf", "Cs", "Co"}


@dataclass(frozen=True)
class CleanedComment:
    """A comment as it will be kept, and what was taken out of it."""

    text: str
    emails_removed: int
    phones_removed: int

    @property
    def personal_details_removed(self) -> bool:
        return bool(self.emails_removed or self.phones_removed)


def normalise(text: str) -> str:
    """``text`` with line breaks as ``\\n`` (browsers send ``\\r\\n``, which
    would count twice against the length limit), control and format
    characters removed, NFC, and surrounding whitespace stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _UNWANTED)
    return unicodedata.normalize("NFC", text).strip()


def strip_personal_details(text: str) -> CleanedComment:
    """``text`` with email addresses and phone (or NHS) numbers replaced by
    a bracketed note, and how many of each were replaced."""
    text, emails = _EMAIL.subn(EMAIL_REMOVED, text)
    text, phones = _PHONE.subn(PHONE_REMOVED, text)
    return CleanedComment(text=text, emails_removed=emails, phones_removed=phones)


def find_links(text: str) -> list[str]:
    """The links (URLs, ``www.`` addresses, host names) in ``text``, in order.
    Run it after :func:`strip_personal_details`: an email address's domain is
    not a link."""
    return [match.group(0).rstrip(".,;:!?)]}'\"") for match in _LINK.finditer(text)]


def term_pattern(term: str) -> re.Pattern[str]:
    """The expression that finds ``term`` at the start of a word, in any
    case, with any run of spaces or hyphens between its words."""
    words = [re.escape(word) for word in re.split(r"[\s\-]+", term.strip()) if word]
    if not words:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile(r"(?<!\w)" + r"[\s\-]+".join(words), re.IGNORECASE)


def find_safety_terms(text: str, terms: Iterable[str]) -> list[str]:
    """Which of ``terms`` occur in ``text`` (see :func:`term_pattern`), in
    the order given, without repeats."""
    found: list[str] = []
    for term in terms:
        if term and term not in found and term_pattern(term).search(text):
            found.append(term)
    return found
