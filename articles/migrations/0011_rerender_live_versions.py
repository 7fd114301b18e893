"""
Re-render every live version with the markdown-it-py renderer (issue 12) and
flag the guides whose rendered structure changed, so a clinician reads them
again before anyone relies on them.

The structure comparison below is frozen here (migrations are history). The
renderer is imported on purpose: the live HTML is derived data that must
equal what ``articles.rendering.render`` produces for the approved Markdown
(``Article.sync_live_copy`` renders it the same way at approval); a frozen copy
would write HTML that no later approval or page would produce.

It prints one line per changed guide and a count, and sets
``render_change_note``, which puts the guide in the clinicians' review queue
until the next approval clears it. Nothing else moves: ``update()`` keeps
``updated_at`` (and the public validators) as they were.
"""

from __future__ import annotations

from html.parser import HTMLParser

from django.db import migrations, models

HEADINGS = {"h2", "h3", "h4", "h5", "h6"}


class _Structure(HTMLParser):
    """The meaning-bearing structure of sanitised body HTML: headings (level
    and text), list items with their nesting depth, tables (rows and cells),
    callouts and block quotes, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple] = []
        self.lists = 0
        self.heading: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in HEADINGS:
            self.heading, self.text = tag, []
        elif tag in {"ul", "ol"}:
            self.lists += 1
        elif tag == "li":
            self.items.append(("list", self.lists))
        elif tag in {"table", "tr", "td", "th"}:
            self.items.append(("table", tag))
        elif tag == "div" and "admonition" in (dict(attrs).get("class") or "").split():
            self.items.append(("callouts",))
        elif tag == "blockquote":
            self.items.append(("quotes",))

    def handle_endtag(self, tag):
        if tag in HEADINGS and self.heading == tag:
            self.items.append(("headings", tag, " ".join("".join(self.text).split())))
            self.heading = None
        elif tag in {"ul", "ol"}:
            self.lists = max(self.lists - 1, 0)

    def handle_data(self, data):
        if self.heading:
            self.text.append(data)


LABELS = {
    "headings": "headings",
    "list": "list nesting",
    "table": "tables",
    "callouts": "callouts",
    "quotes": "block quotes",
}


def structure(html: str) -> list[tuple]:
    parser = _Structure()
    parser.feed(html or "")
    parser.close()
    return parser.items


def changed_parts(old_html: str, new_html: str) -> list[str]:
    """The kinds of structure (in LABELS order) that differ between two
    renderings of one body; empty when the structure is the same."""
    old, new = structure(old_html), structure(new_html)
    return [
        label
        for kind, label in LABELS.items()
        if [item for item in old if item[0] == kind] != [item for item in new if item[0] == kind]
    ]


def rerender_live_versions(apps, schema_editor, out=print):
    from articles.rendering import plain_text, render  # noqa: TID251 (see the docstring)

    Article = apps.get_model("articles", "Article")
    Revision = apps.get_model("articles", "Revision")
    changed = 0
    articles = Article.objects.filter(live_version__isnull=False).order_by("slug")
    for article in articles.iterator():
        revision = Revision.objects.filter(article=article, number=article.live_version).first()
        if revision is None:
            continue
        rendered = render(revision.body)
        parts = changed_parts(article.live_body_html, rendered.html)
        fields = {
            "live_body_html": rendered.html,
            "live_headings": [
                {"id": h.id, "text": h.text, "level": h.level} for h in rendered.headings
            ],
            "live_text": plain_text(rendered.html),
        }
        if parts:
            changed += 1
            fields["render_change_note"] = (
                "The new Markdown renderer changed the "
                + ", ".join(parts)
                + f" of live version {article.live_version}. Read the public page again "
                "and approve it (or request changes)."
            )
            out(
                f"Rendering changed for {article.slug} (version {article.live_version}): "
                + ", ".join(parts)
            )
        Article.objects.filter(pk=article.pk).update(**fields)
    if changed:
        out(f"{changed} live guide(s) changed structure and are flagged for clinical review.")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_versioned_public_copy"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="render_change_note",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="Set when a change of the Markdown renderer changed the structure of the live page (headings, list nesting, tables): a clinician should read it again. Cleared by the next approval.",
                verbose_name="rendering changed",
            ),
        ),
        migrations.RunPython(rerender_live_versions, migrations.RunPython.noop, elidable=False),
    ]
