"""XSS defence in depth: every vector in tests/xss_vectors.py goes through
the real pipeline (the staff preview endpoint and the public article page),
and nothing executable survives."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from articles.rendering import ALLOWED_CLASSES, ALLOWED_TAGS
from tests.factories import make_article_or_legacy, make_staff
from tests.xss_vectors import VECTORS

pytestmark = pytest.mark.django_db

FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "isindex", "meta", "base", "link", "style", "svg", "math",
    "template", "noscript", "video", "audio", "source",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "background", "poster", "data"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
# The only classes an article body may carry: the safety callouts. Written out
# here, not imported from articles.rendering, so that widening the sanitiser's
# allow-list (say with "skip-link", which would let a body restyle the site's
# chrome) fails these tests until a reviewer widens this list on purpose.
# Care cards (issue 14) carry their classes only on the renderer's own
# markup; tests/articles/test_care_cards.py checks raw HTML loses them.
BODY_CLASSES = {
    "div": {
        "admonition", "warning", "danger", "important", "note", "tip",
        "care-card", "care-card--non-urgent", "care-card--urgent", "care-card--immediate",
    },
    "p": {"admonition-title"},
}  # fmt: skip
TEMPLATES = Path(settings.BASE_DIR) / "templates"
_CLASS_ATTRIBUTE = re.compile(r'class="([^"{]*)"')
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")


class _Elements(HTMLParser):
    """Collects (tag, attributes) of every start tag, optionally only inside
    the first <div class="article-body">."""

    def __init__(self, *, only_article_body: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.only_article_body = only_article_body
        self.depth = 0 if only_article_body else 1
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.found_body = not only_article_body

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.elements.append((tag, attrs))
            if tag == "div" and self.only_article_body:
                self.depth += 1
        elif tag == "div" and ("class", "article-body") in attrs:
            self.depth = 1
            self.found_body = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.elements.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if self.only_article_body and self.depth and tag == "div":
            self.depth -= 1


JSON_LD = re.compile(r'<script type="application/ld\+json">[^<]*</script>')


def assert_harmless(html: str, *, only_article_body: bool = False) -> None:
    parser = _Elements(only_article_body=only_article_body)
    parser.feed(html)
    parser.close()
    assert parser.found_body, "no article body found"
    # The page's own JSON-LD block is data, not script; nothing else may be.
    assert "<script" not in JSON_LD.sub("", html).lower()
    for tag, attrs in parser.elements:
        assert tag not in FORBIDDEN_TAGS, tag
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name not in {"style", "srcdoc", "formaction", "xlink:href"}, (tag, name)
            if name == "class":
                extra = set((value or "").split()) - BODY_CLASSES.get(tag, set())
                assert not extra, (tag, "class", sorted(extra))
            if name in URL_ATTRIBUTES and value is not None:
                normalised = _INVISIBLE.sub("", value).lower()
                assert not normalised.startswith(DANGEROUS_SCHEMES), (tag, name, value)


@pytest.fixture
def staff_client(client):
    client.force_login(make_staff("editor", perms=("articles.change_article",)))
    return client


def test_the_collection_holds_at_least_sixty_vectors():
    """The issue asks for at least 60."""
    assert len(VECTORS) >= 60


@pytest.mark.parametrize("vector", VECTORS.values(), ids=VECTORS.keys())
def test_the_staff_preview_neutralises_the_vector(staff_client, vector):
    """The markdownx live preview renders through the public sanitiser."""
    response = staff_client.post(settings.MARKDOWNX_URLS_PATH, {"content": vector})
    assert response.status_code == 200
    assert_harmless(response.content.decode())


@pytest.mark.parametrize("vector", VECTORS.values(), ids=VECTORS.keys())
def test_the_public_article_page_neutralises_the_vector(client, vector):
    """A published article whose body is the vector renders harmlessly, and
    the page around it gains no <base>, <meta http-equiv> or script."""
    article = make_article_or_legacy(body=f"Before.\n\n{vector}\n\nAfter.")
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert_harmless(html, only_article_body=True)
    assert "<base" not in html.lower()
    # Escaped and shown as text ("&lt;meta http-equiv…") is what issue 12
    # asks for; only a real element would be a fault.
    assert not re.search(r"<meta\b[^>]*http-equiv", html, re.I)


def test_the_checker_itself_catches_what_it_should():
    """A guard against a toothless assertion helper."""
    for bad in [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href=" JaVa\tScript:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        "<iframe></iframe>",
        '<meta http-equiv="refresh">',
        '<p style="x">x</p>',
        '<div class="skip-link">x</div>',
        '<div class="admonition site-header">x</div>',
        '<p class="warning">x</p>',
    ]:
        with pytest.raises(AssertionError):
            assert_harmless(bad)


def test_the_checker_accepts_the_callout_classes():
    """The class check is not simply "no class at all"."""
    assert_harmless(
        '<div class="admonition warning" role="note">'
        '<p class="admonition-title">Warning</p><p>x</p></div>'
    )


def test_no_class_the_sanitiser_allows_is_used_by_the_site_templates():
    """Every class the site's own templates use (skip link, header, visually
    hidden text...) styles chrome; a body allowed to carry one could hide or
    impersonate it. Enumerates the templates, so a new chrome class is covered."""
    chrome = {
        name
        for template in TEMPLATES.rglob("*.html")
        for value in _CLASS_ATTRIBUTE.findall(template.read_text())
        for name in value.split()
    }
    assert "skip-link" in chrome  # the enumeration finds the templates
    allowed = {name for names in ALLOWED_CLASSES.values() for name in names}
    assert allowed & chrome == set()
