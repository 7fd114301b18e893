"""Generated hostile input for the loaders and the admin (issue 18, Deliver 6):
every input ends in a clear error or a success, never a traceback, and never
half-written. Hypothesis draws the inputs; each example runs in a savepoint
that is rolled back, so examples do not see each other's data.
"""

from __future__ import annotations

import json
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.content_io import CONTENT_FIELDS, import_documents
from articles.models import Article, Review, Revision
from articles.text import find_xml_illegal
from tests.articles.test_admin_write_paths import public_snapshot
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    database=None,  # nothing written to .hypothesis/
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text that exercises every entrance rule: controls, CRLF, BOMs, lone
# surrogates, non-characters, astral characters, and plain words.
nasty_text = st.lists(
    st.one_of(
        st.characters(codec=None),  # anything, surrogates included
        st.sampled_from(["\r\n", "\r", "\ufeff", "\x0b", "\x00", "\ufffe", "\ud800", "-", "\n"]),
        st.sampled_from(list("abc xyz")),
    ),
    max_size=40,
).map("".join)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False), nasty_text,
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(nasty_text, inner, max_size=3)
    ),
    max_leaves=8,
)
models = st.sampled_from([*CONTENT_FIELDS, "articles.review", "auth.user", "sessions.session",
                          "articles.nosuch", "nomodel"])  # fmt: skip
field_names = st.sampled_from(sorted({f for fields in CONTENT_FIELDS.values() for f in fields}
                                     | {"status", "live_version", "reviewed_by", "pk"}))  # fmt: skip


@st.composite
def fixture_entries(draw: Any) -> Any:
    """Mostly well-formed content entries with a few fields made hostile;
    sometimes no shape at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    slug = draw(st.sampled_from(["fz-a", "fz-b", "valium-diazepam"]))
    fields: dict[str, Any] = {
        "articles.article": {"title": "T", "slug": slug, "summary": "S", "body": "B\n"},
        "articles.revision": {
            "article": [slug],
            "number": 1,
            "title": "T",
            "summary": "S",
            "body": "B\n",
        },
        "articles.topic": {"name": slug, "slug": slug},
        "articles.reference": {"article": [slug], "title": "T", "order": 0},
    }.get(model := draw(models), {})
    fields = dict(fields)
    for _ in range(draw(st.integers(0, 3))):
        fields[draw(field_names)] = draw(json_values)
    return {"model": model, "fields": fields}


def _state() -> Any:
    return (
        public_snapshot(),
        list(Article.objects.order_by("pk").values()),
        list(Revision.objects.order_by("pk").values_list("pk", "content_hash")),
        Review.objects.count(),
    )


@pytest.fixture
def seeded() -> None:
    """Made once per test; every example then runs in a rolled-back savepoint."""
    call_command("seed_demo", stdout=StringIO())


@pytest.mark.slow  # seeds the database for each generated fixture
@FUZZ
@given(entries=st.lists(fixture_entries(), min_size=1, max_size=6))
def test_load_guides_ends_in_a_message_or_a_complete_load(tmp_path_factory, seeded, entries):
    path = Path(tmp_path_factory.mktemp("fuzz")) / "fixture.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    with transaction.atomic():
        before = _state()
        try:
            call_command("load_guides", str(path), stdout=StringIO())
        except CommandError as error:
            # A fuzz case ends in either outcome, so the refusal is checked here.
            assert str(error).startswith("Nothing was loaded. ")  # noqa: PT017
            assert str(path) in str(error)  # noqa: PT017
            assert _state() == before, "a refused load changed something"
        else:
            after = _state()
            # Loaded content is never public state and never an approval.
            assert after[0]["reviews"] == before[0]["reviews"]
            for pk, row in before[0]["articles"].items():
                assert after[0]["articles"][pk] == row
            for article in Article.objects.exclude(pk__in=before[0]["articles"]):
                assert article.live_version is None
                assert article.status == Article.Status.DRAFT
                assert not find_xml_illegal(article.title + article.summary + article.body)
                assert article.revisions.order_by("-number").first().content_hash == (
                    article.working_hash()
                )
        transaction.set_rollback(True)


front_matter_values = st.one_of(nasty_text, st.sampled_from(["[", "{a: [", "*x", "&a [*a]",
                                                             "\"\\ud800\"", "!!python/none"]))  # fmt: skip


@st.composite
def markdown_files(draw: Any) -> str:
    keys = draw(st.lists(st.sampled_from(["title", "slug", "summary", "colour"]), max_size=4))
    header = "".join(f"{key}: {draw(front_matter_values)}\n" for key in keys)
    if draw(st.booleans()):
        header = "title: T\nslug: fz-file\nsummary: S\n"
    opening = draw(st.sampled_from(["---\n", "\ufeff---\r\n", "", "---\n" + "[" * 3000]))
    return opening + header + "---\n" + draw(nasty_text)


@FUZZ
@given(files=st.lists(markdown_files(), min_size=1, max_size=4))
def test_import_articles_reports_each_bad_file_and_imports_the_rest(tmp_path_factory, files):
    folder = Path(tmp_path_factory.mktemp("import"))
    for n, text in enumerate(files):
        (folder / f"{n}.md").write_bytes(text.encode("utf-8", "surrogatepass"))
    with transaction.atomic():
        editor = make_editor("fz-ed")
        report = import_documents([folder], user=editor)
        assert report.created + report.updated + report.unchanged + len(report.failed) == len(files)
        for source, reason in report.failed:
            assert reason.startswith(source), reason
        for article in Article.objects.all():
            assert not find_xml_illegal(article.title + article.summary + article.body)
            assert "\r" not in article.body
            assert not article.body.startswith("\ufeff")
            assert article.revisions.order_by("-number").first().content_hash == (
                article.working_hash()
            )
        transaction.set_rollback(True)


admin_fields = st.dictionaries(
    st.sampled_from(
        [
            "title",
            "slug",
            "summary",
            "body",
            "correction_note",
            "review_interval_months",
            "expected_version",
            "topics",
            "status",
            "live_version",
            "revision",
            "comment",
            "references-TOTAL_FORMS",
            "references-INITIAL_FORMS",
            "references-0-title",
            "references-0-url",
            "references-0-order",
            "references-0-date_accessed",
        ]
    ),
    st.one_of(
        nasty_text.map(lambda t: t.encode("utf-8", "surrogatepass").decode("utf-8", "replace")),
        st.integers(-(2**70), 2**70).map(str),
    ),
    max_size=12,
)
admin_targets = st.sampled_from(["change", "add", "workflow/submit", "workflow/approve",
                                 "workflow/request_changes", "versions/1/revert",
                                 "history/1"])  # fmt: skip


@pytest.fixture
def admin_guide(client) -> Article:
    editor = make_editor("fz-admin")
    client.force_login(editor)
    return make_article(author=editor, slug="fz-admin-guide")


@pytest.mark.slow  # every admin POST target with generated fields
@FUZZ
@given(target=admin_targets, data=admin_fields)
def test_admin_posts_end_in_a_message_or_a_save_never_a_500_or_half_a_write(
    client, admin_guide, target, data
):
    article = admin_guide
    with transaction.atomic():
        before = public_snapshot()
        url = ("/admin/articles/article/add/" if target == "add"
               else f"/admin/articles/article/{article.pk}/{target}/")  # fmt: skip
        response = client.post(url, data)
        assert response.status_code in {200, 302, 400, 403, 404, 405}, response.status_code
        assert public_snapshot()["articles"] == before["articles"]
        assert public_snapshot()["reviews"] == before["reviews"]
        for stored in Article.objects.all():
            assert not find_xml_illegal(stored.title + stored.summary + stored.body)
            assert stored.revisions.order_by("-number").first().content_hash == (
                stored.working_hash()
            )
        transaction.set_rollback(True)
