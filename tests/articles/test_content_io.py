"""Content operations: validated fixtures, Markdown import and export,
backup and restore. None of it may lose data or bypass clinical review."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.content_io import ContentError, parse_document
from articles.models import Article, Review, Revision
from tests.factories import approve, edit, make_article, make_clinician, make_editor

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).resolve().parent.parent.parent / "fixtures" / "guides.json"


def state() -> list[tuple]:
    """Everything a load could change, to prove a refused load changed nothing."""
    return [
        *Article.objects.order_by("slug").values_list(
            "slug", "title", "summary", "body", "status", "live_version", "live_body_html"
        ),
        *Revision.objects.order_by("pk").values_list("pk", "article_id", "number", "body"),
    ]


# Validated fixture loading ----------------------------------------------------------


def test_load_guides_loads_both_guides_as_drafts_and_is_idempotent():
    """Content only: the guides arrive as drafts with their versions; a
    clinician's approval publishes them (``seed_demo`` does that for make run)."""
    for _ in range(2):
        call_command("load_guides", stdout=StringIO())
    assert Article.objects.count() == 2
    assert Article.objects.published().count() == 0
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.DRAFT}
    assert Revision.objects.count() == 2
    assert Review.objects.count() == 0
    for article in Article.objects.all():
        assert article.revisions.get().content_hash == article.working_hash()


def _bad_fixture(tmp_path: Path, mutate) -> Path:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data = mutate(data) or data
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _at(data: list[dict], slug: str) -> int:
    """The position of the article ``slug`` in the fixture."""
    return next(
        i for i, o in enumerate(data) if o["model"] == "articles.article"
        and o["fields"]["slug"] == slug
    )  # fmt: skip


def _set(slug: str, **fields):
    def mutate(data):
        data[_at(data, slug)]["fields"].update(fields)

    return mutate


def _drop(slug: str, field: str):
    def mutate(data):
        del data[_at(data, slug)]["fields"][field]

    return mutate


def _duplicate_slug(data):
    first = _at(data, "valium-diazepam")
    data.insert(first + 1, json.loads(json.dumps(data[first])))


def _unknown_topic(data):
    data[_at(data, "diazepam-for-sleep")]["fields"]["topics"].append(["no-such-topic"])


# Object numbers count from 1 in file order: 4 topics, then the two articles.
BAD_FIXTURES = {
    "a status (issue 11: fixtures publish)": (
        _set("valium-diazepam", status="live"),
        ["object 9", "'status'", "not content"],
    ),
    "a missing required field": (
        _drop("diazepam-for-sleep", "summary"),
        ["object 10", "summary", "cannot be blank"],
    ),
    "a duplicate slug": (
        _duplicate_slug,
        ["object 10", "duplicate of object 9", "valium-diazepam"],
    ),
    "a body over the size limit": (
        _set("valium-diazepam", body="x" * 200_001),
        ["object 9", "body", "the limit is 200000"],
    ),
    "a title that is too long": (
        _set("diazepam-for-sleep", title="t" * 201),
        ["object 10", "title", "at most 200"],
    ),
    "a topic that does not exist": (
        _unknown_topic,
        ["object 10", "diazepam-for-sleep", "does not exist", "no-such-topic"],
    ),
}


# Object numbers: fixtures/guides.json lists 4 topics, their 4 approved
# versions (since issue 11), then the 2 guides (objects 9 and 10).
@pytest.mark.parametrize("case", sorted(BAD_FIXTURES))
def test_a_bad_fixture_is_refused_naming_object_and_field_and_changes_nothing(tmp_path, case):
    # What is already stored (a guide with an edit) must survive the refusal.
    edit(make_article(slug="local-guide"), make_editor(), body="Local edit.")
    before = state()
    mutate, expected = BAD_FIXTURES[case]
    with pytest.raises(CommandError) as error:
        call_command("load_guides", str(_bad_fixture(tmp_path, mutate)))
    for fragment in expected:
        assert fragment in str(error.value)
    assert "Nothing was loaded" in str(error.value)
    assert state() == before


def test_a_bad_fixture_loads_nothing_into_an_empty_database(tmp_path):
    """All or nothing: the good first object is not kept either."""
    with pytest.raises(CommandError):
        call_command(
            "load_guides", str(_bad_fixture(tmp_path, _set("diazepam-for-sleep", status="live")))
        )
    assert Article.objects.count() == 0


def test_malformed_json_is_refused_with_its_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"model": "articles.article", "fields": {]', encoding="utf-8")
    with pytest.raises(CommandError, match=r"not valid JSON: .* line 1, column"):
        call_command("load_guides", str(path))
    assert Article.objects.count() == 0


def test_a_reference_to_a_missing_object_is_refused(tmp_path):
    def point_at_nothing(data):
        data.append({"model": "articles.revision",
                     "fields": {"article": ["no-such-guide"], "number": 1, "title": "T",
                                "summary": "S", "body": "B"}})  # fmt: skip

    with pytest.raises(CommandError, match=r"object 13 .*does not exist.*Revision has no article"):
        call_command("load_guides", str(_bad_fixture(tmp_path, point_at_nothing)))
    assert Article.objects.count() == 0


# Round trip and backup ----------------------------------------------------------------

README = FIXTURE.parent.parent / "README.md"


def _readme_backup_args() -> list[str]:
    """The arguments of the README's backup command, so these tests run the
    command operators are told to run, not a copy that can drift from it."""
    match = re.search(r"manage\.py dumpdata (.+?) --output", README.read_text(), re.S)
    assert match, "README.md has no dumpdata backup command"
    return match.group(1).replace("\\\n", " ").split()


DUMP_ARGS = _readme_backup_args()


def _dump() -> list[dict]:
    out = StringIO()
    call_command("dumpdata", *DUMP_ARGS, stdout=out)
    # Django's JSON keeps milliseconds: a time with under 1 ms of fraction is
    # written "…:33.000Z" and, once restored, "…:33Z". The same instant.
    return json.loads(re.sub(r'(T\d\d:\d\d:\d\d)\.000Z"', r'\1Z"', out.getvalue()))


def _content() -> None:
    call_command("load_guides", stdout=StringIO())
    editor, clinician = make_editor("ed"), make_clinician("cl")
    article = Article.objects.get(slug="diazepam-for-sleep")
    edit(article, editor, body=article.body + "\nA reviewed addition.\n", correction_note="Fix.")
    from articles import workflow

    workflow.submit(article=article, user=editor)
    workflow.request_changes(article=article, reviewer=clinician, comment="Cite a source.")
    workflow.submit(article=article, user=editor)
    approve(article, clinician)
    make_article(live=False, author=editor, slug="draft-only")
    # What readers and outside experts said is part of a guide's record (the
    # evidence pack counts it): a backup that dropped it would lose data.
    from feedback.models import Feedback
    from outside_review.services import create_link, record_response

    article.refresh_from_db()
    Feedback.objects.create(article=article, version=article.live_version, answer="no",
                            comment="Unclear.")  # fmt: skip
    link, _token = create_link(revision=article.revisions.order_by("number").last(),
                               created_by=clinician, invitee="pharmacist")  # fmt: skip
    record_response(link=link, name="A Pharmacist", role="Pharmacist", comment="Fine.",
                    recommendation="agree")  # fmt: skip


def test_the_readme_backup_holds_every_app_that_stores_data():
    """Every project app with models is named in the README's backup command."""
    from django.apps import apps

    ours = {config.label for config in apps.get_app_configs()
            if config.path.startswith(str(README.parent)) and "site-packages" not in config.path
            and list(config.get_models())}  # fmt: skip
    assert ours, "no project app found"
    assert ours <= set(DUMP_ARGS), f"missing from the README backup: {ours - set(DUMP_ARGS)}"


# Flushing inside a test transaction is refused by PostgreSQL (pending
# deferred constraint triggers), so these run as transactional tests.
@pytest.mark.django_db(transaction=True)
def test_dumpdata_then_loaddata_into_an_empty_database_restores_the_same_content(tmp_path):
    """The backup format keeps versions, reviews, reviewers and roles."""
    _content()
    backup = tmp_path / "backup.json"
    call_command("dumpdata", *DUMP_ARGS, output=str(backup))
    before = _dump()
    assert Review.objects.count() == 2

    call_command("flush", interactive=False)
    assert Article.objects.count() == 0
    call_command("loaddata", str(backup), verbosity=0)

    assert _dump() == before
    assert Review.objects.count() == 2
    restored = Article.objects.get(slug="diazepam-for-sleep")
    assert "A reviewed addition." in restored.live_body_html
    assert restored.reviewed_by.reviewer_profile.public_name == "Dr Cl, MBChB, MRCGP"


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_through_the_validated_restore_command(tmp_path):
    """restore_backup (it was load_guides, which now loads content only) says
    what it loaded and records who ran it in each guide's admin history."""
    from django.contrib.admin.models import LogEntry

    _content()
    backup = tmp_path / "backup.json"
    call_command("dumpdata", *DUMP_ARGS, output=str(backup))
    before = _dump()
    call_command("flush", interactive=False)
    out = StringIO()
    call_command("restore_backup", str(backup), "--user", "ed", stdout=out, stderr=StringIO())
    assert _dump() == before
    assert "articles.review\t2" in out.getvalue()
    assert "auth.user\t" in out.getvalue()
    entries = LogEntry.objects.filter(user__username="ed")
    assert entries.count() == Article.objects.count() == 3
    assert all("Restored from backup backup.json by ed" in e.change_message for e in entries)


# Import and export ------------------------------------------------------------------


def _write(folder: Path, name: str, *, slug: str, title: str = "A guide", body: str = "Text.\n",
           summary: str = "A summary.") -> Path:  # fmt: skip
    path = folder / name
    path.write_text(
        f"---\ntitle: {title}\nslug: {slug}\nsummary: {summary}\n---\n{body}", encoding="utf-8"
    )
    return path


def _import(*paths: Path, extra: tuple[str, ...] = ()) -> tuple[str, str, int]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", *map(str, paths), "--user", "ed", *extra,
                     stdout=out, stderr=err)  # fmt: skip
        code = 0
    except CommandError:
        code = 1
    return out.getvalue(), err.getvalue(), code


def test_importing_three_good_files_and_one_broken_one(client, tmp_path, guides):
    """The good files become drafts; the broken one is named with its reason;
    the public site does not change."""
    make_editor("ed")
    public_before = client.get("/").content
    for n in range(3):
        _write(tmp_path, f"good-{n}.md", slug=f"good-{n}", title=f"Good {n}")
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody", encoding="utf-8")

    out, err, code = _import(tmp_path)

    assert code == 1
    assert "3 created, 0 updated, 0 unchanged, 1 failed" in out
    assert "broken.md" in err
    assert "not valid YAML" in err
    drafts = Article.objects.filter(slug__startswith="good-")
    assert drafts.count() == 3
    assert set(drafts.values_list("status", flat=True)) == {Article.Status.DRAFT}
    assert not drafts.filter(live_version__isnull=False).exists()
    assert all(a.revisions.get().created_by.username == "ed" for a in drafts)
    assert client.get("/").content == public_before


def test_reimporting_unchanged_files_changes_nothing(tmp_path):
    make_editor("ed")
    _write(tmp_path, "a.md", slug="a")
    _import(tmp_path)
    before = state(), Article.objects.get(slug="a").lock_version
    out, _, code = _import(tmp_path)
    assert code == 0
    assert "0 created, 0 updated, 1 unchanged, 0 failed" in out
    assert (state(), Article.objects.get(slug="a").lock_version) == before


def test_importing_a_changed_live_guide_adds_a_working_version_only(client, tmp_path):
    make_editor("ed")
    article = make_article(slug="live-guide", body="Approved.")
    _write(tmp_path, "live.md", slug="live-guide", body="Imported change.\n")
    out, _, _ = _import(tmp_path)
    assert "0 created, 1 updated" in out
    article.refresh_from_db()
    assert article.body == "Imported change.\n"
    assert article.status == Article.Status.DRAFT
    assert "Approved." in client.get(article.get_absolute_url()).content.decode()
    assert article.revisions.count() == 2


def test_an_article_in_review_is_not_changed_by_an_import(tmp_path):
    from articles import workflow

    editor = make_editor("ed")
    article = make_article(live=False, author=editor, slug="in-review")
    workflow.submit(article=article, user=editor)
    _write(tmp_path, "r.md", slug="in-review", body="Change during review.\n")
    _, err, code = _import(tmp_path)
    assert code == 1
    assert "r.md" in err
    assert "in clinical review" in err
    assert Article.objects.get(pk=article.pk).body != "Change during review.\n"


def test_dry_run_reports_but_saves_nothing(tmp_path):
    make_editor("ed")
    _write(tmp_path, "a.md", slug="a")
    out, _, code = _import(tmp_path, extra=("--dry-run",))
    assert code == 0
    assert "Dry run, nothing saved: 1 created" in out
    assert not Article.objects.filter(slug="a").exists()


def test_two_files_with_one_slug_are_reported(tmp_path):
    make_editor("ed")
    _write(tmp_path, "a.md", slug="same")
    _write(tmp_path, "b.md", slug="same")
    out, err, _ = _import(tmp_path)
    assert "1 created" in out
    assert "1 failed" in out
    assert "b.md: slug 'same' is also used by" in err


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no front matter", "does not start with '---'"),
        ("---\ntitle: x\n", "no closing '---'"),
        ("---\n- a list\n---\n", "set of 'key: value' lines"),
        (
            "---\ntitle: T\nslug: s\nsummary: S\ncolour: red\n---\n",
            "unknown front matter field(s): colour",
        ),
        ("---\ntitle: T\nslug: s\n---\n", "'summary' is missing"),
    ],
)
def test_front_matter_problems_are_explained(text, reason):
    with pytest.raises(ContentError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse_document(text, source="x.md")


def test_invalid_field_values_are_named(tmp_path):
    make_editor("ed")
    _write(tmp_path, "bad-slug.md", slug="Not A Slug")
    _, err, code = _import(tmp_path)
    assert code == 1
    assert "bad-slug.md: slug:" in err


def test_imports_are_batched(tmp_path):
    """New articles are created in bulk, a batch at a time."""
    from articles.content_io import import_documents

    editor = make_editor("ed")
    for n in range(5):
        _write(tmp_path, f"{n}.md", slug=f"batched-{n}")
    report = import_documents([tmp_path], user=editor, batch_size=2)
    assert report.created == 5
    assert Revision.objects.filter(article__slug__startswith="batched-").count() == 5
    assert Article.history.filter(slug__startswith="batched-").count() == 5


def test_export_then_import_is_the_identity(tmp_path, guides):
    make_editor("ed")
    call_command("export_articles", str(tmp_path / "one"), stdout=StringIO())
    out, _, code = _import(tmp_path / "one")
    assert code == 0
    assert "0 created, 0 updated, 2 unchanged, 0 failed" in out
    call_command("export_articles", str(tmp_path / "two"), stdout=StringIO())
    for first in sorted((tmp_path / "one").iterdir()):
        assert (tmp_path / "two" / first.name).read_bytes() == first.read_bytes()


def test_export_writes_the_live_version_unless_asked_for_the_working_copy(tmp_path):
    editor = make_editor("ed")
    article = make_article(slug="two-copies", body="Live words.\n")
    edit(article, editor, body="Working words.\n")
    make_article(live=False, slug="draft-only")
    call_command("export_articles", str(tmp_path / "live"), stdout=StringIO())
    call_command("export_articles", str(tmp_path / "work"), "--working", stdout=StringIO())
    assert sorted(p.name for p in (tmp_path / "live").iterdir()) == ["two-copies.md"]
    assert (tmp_path / "live" / "two-copies.md").read_text().endswith("Live words.\n")
    assert (tmp_path / "work" / "two-copies.md").read_text().endswith("Working words.\n")
    assert (tmp_path / "work" / "draft-only.md").exists()


# Fixtures are content (issue 11, fault 4) ---------------------------------------------


def _fixture(tmp_path: Path, entries: list) -> Path:
    path = tmp_path / "content.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def _article_entry(**fields) -> dict:
    return {"model": "articles.article", "fields": {
        "title": "A guide", "slug": "a-guide", "summary": "S.", "body": "Text.\n", **fields,
    }}  # fmt: skip


NOT_CONTENT = {
    "an article with live_version and reviewed_by but no review": (
        [
            _article_entry(live_version=1, reviewed_by=["clin"]),
            {
                "model": "articles.revision",
                "fields": {
                    "article": ["a-guide"],
                    "number": 1,
                    "title": "A guide",
                    "summary": "S.",
                    "body": "Text.\n",
                },
            },
        ],
        "'live_version', 'reviewed_by' are not content",
    ),
    "a published status": ([_article_entry(status="published")], "'status' are not content"),
    "a live title": ([_article_entry(live_title="Hidden")], "'live_title' are not content"),
    "a session": (
        [
            {
                "model": "sessions.session",
                "pk": "x",
                "fields": {"session_data": "", "expire_date": "2030-01-01T00:00:00Z"},
            }
        ],
        "not 'sessions.session'",
    ),
    "a review": (
        [{"model": "articles.review", "fields": {"decision": "approved"}}],
        "not 'articles.review'",
    ),
    "a superuser": (
        [
            {
                "model": "auth.user",
                "fields": {"username": "root", "is_superuser": True, "password": "x"},
            }
        ],
        "not 'auth.user'",
    ),
    "a group": ([{"model": "auth.group", "fields": {"name": "Editors"}}], "not 'auth.group'"),
    "a reviewer profile": (
        [{"model": "articles.reviewerprofile", "fields": {"display_name": "Dr X"}}],
        "not 'articles.reviewerprofile'",
    ),
    "a version's author": (
        [
            _article_entry(),
            {
                "model": "articles.revision",
                "fields": {
                    "article": ["a-guide"],
                    "number": 1,
                    "title": "A guide",
                    "summary": "S.",
                    "body": "Text.\n",
                    "created_by": ["clin"],
                },
            },
        ],
        "'created_by' are not content",
    ),
}


@pytest.mark.parametrize("case", sorted(NOT_CONTENT))
def test_load_guides_refuses_anything_but_content(tmp_path, case):
    make_clinician("clin")
    entries, message = NOT_CONTENT[case]
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("load_guides", str(_fixture(tmp_path, entries)), stdout=StringIO())
    assert Article.objects.count() == 0
    assert not Review.objects.exists()


def test_a_version_with_an_existing_natural_key_and_other_text_is_refused(tmp_path, guides):
    """A fixture never rewrites an approved version in place (its hash would
    no longer match its review)."""
    approved = Revision.objects.get(article__slug="valium-diazepam", number=1)
    before = (approved.body, approved.content_hash, state())
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for entry in data:
        if entry["model"] == "articles.revision" and entry["fields"]["article"] == [
            "valium-diazepam"
        ]:
            entry["fields"]["body"] = "Take as many as you like."
    with pytest.raises(CommandError, match=r"already exists with a different 'body'"):
        call_command("load_guides", str(_fixture(tmp_path, data)), stdout=StringIO())
    approved.refresh_from_db()
    assert (approved.body, approved.content_hash, state()) == before
    assert approved.reviews.get().content_hash == approved.content_hash


def test_loaded_text_is_normalised_and_a_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_text(
        "\ufeff" + json.dumps([_article_entry(body="One.\r\nTwo.\r\n")]), encoding="utf-8"
    )
    call_command("load_guides", str(path), stdout=StringIO())
    article = Article.objects.get(slug="a-guide")
    assert article.body == "One.\nTwo.\n"
    assert article.revisions.get().body == "One.\nTwo.\n"


# Typed validation: every bad input gets a message (issue 18, fault 6) ----------------


def _raw_fixture(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "typed.json"
    path.write_text(text, encoding="utf-8")
    return path


def _entry_text(**fields) -> str:
    return json.dumps([_article_entry(**fields)])


TYPED = {
    "very deep JSON": ("[" * 100_000 + "]" * 100_000, ["nested 100000 levels deep"]),
    "a lone surrogate escape": (
        _entry_text(title="PLACEHOLDER").replace("PLACEHOLDER", "\\ud800"),
        ["'a-guide'", "field 'title'", "U+D800"],
    ),
    "a NUL": (_entry_text(summary="a\u0000b"), ["field 'summary'", "U+0000"]),
    "U+000B in a title": (_entry_text(title="a\u000bb"), ["field 'title'", "U+000B"]),
    "an out-of-range review interval": (
        _entry_text(review_interval_months=100_000),
        ["review_interval_months"],
    ),
    "a negative review interval": (
        _entry_text(review_interval_months=-3),
        ["review_interval_months"],
    ),
    "a list where a string belongs": (
        _entry_text(title=["a", "b"]),
        ["field 'title'", "must be a string, not list"],
    ),
    "a string where a number belongs": (
        _entry_text(review_interval_months="twelve"),
        ["must be a whole number"],
    ),
    "a number where a list of topics belongs": (_entry_text(topics=3), ["field 'topics'"]),
    "not a list": ('{"model": "articles.article"}', ["a JSON list of objects"]),
    "an object that is a string": ('["hello"]', ["object 1", "'model'"]),
    "fields that are a list": ('[{"model": "articles.article", "fields": []}]', ["'fields'"]),
}


@pytest.mark.parametrize("case", sorted(TYPED))
def test_a_badly_typed_fixture_gets_a_message_naming_object_and_field(tmp_path, case):
    text, fragments = TYPED[case]
    with pytest.raises(CommandError) as error:
        call_command("load_guides", str(_raw_fixture(tmp_path, text)), stdout=StringIO())
    for fragment in fragments:
        assert fragment in str(error.value)
    assert Article.objects.count() == 0


@pytest.mark.slow
def test_a_bad_fixture_exits_1_with_a_message_and_no_traceback_as_a_process(tmp_path):
    import subprocess
    import sys

    from django.conf import settings

    path = _raw_fixture(tmp_path, _entry_text(title=["a", "b"]))
    result = subprocess.run(
        [sys.executable, "manage.py", "load_guides", str(path)],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
             "DATABASE_URL": "sqlite:///" + str(tmp_path / "process.sqlite3")},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "field 'title': must be a string, not list" in result.stderr


# Import: a bad file is reported on its own, the rest imported (issue 18, fault 6) --------

BAD_FILES = {
    "deep.md": ("---\ntitle: " + "[" * 5000 + "\n---\n", "nested too deeply"),
    "surrogate.md": (
        '---\ntitle: "A \\ud800 guide"\nslug: s1\nsummary: S.\n---\nBody.\n',
        "front matter field 'title' contains characters that cannot be published (U+D800)",
    ),
    "vtab.md": (
        "---\ntitle: T\nslug: s2\nsummary: S.\n---\nLine\x0bbreak.\n",
        "the body contains characters that cannot be published (U+000B)",
    ),
    "nul.md": (
        '---\ntitle: T\nslug: s3\nsummary: "a\\0b"\n---\nBody.\n',
        "front matter field 'summary' contains characters that cannot be published (U+0000)",
    ),
    "list-title.md": ("---\ntitle: [a, b]\nslug: s4\nsummary: S.\n---\n", "'title' is missing"),
    "latin1.md": (None, "not UTF-8 text"),
}


def test_one_bad_file_of_each_kind_is_reported_and_the_rest_imported(tmp_path):
    make_editor("ed")
    for name, (text, _reason) in BAD_FILES.items():
        if text is None:
            (tmp_path / name).write_bytes("---\ntitle: Café\n".encode("latin-1"))
        else:
            (tmp_path / name).write_text(text, encoding="utf-8")
    _write(tmp_path, "good-1.md", slug="good-1")
    _write(tmp_path, "zz-good-2.md", slug="good-2")

    out, err, code = _import(tmp_path)

    assert code == 1
    assert f"2 created, 0 updated, 0 unchanged, {len(BAD_FILES)} failed" in out
    for name, (_text, reason) in BAD_FILES.items():
        assert f"{name}: " in err, name
        assert reason in err, name
    assert "Traceback" not in err
    assert set(Article.objects.values_list("slug", flat=True)) == {"good-1", "good-2"}


def test_a_front_matter_file_with_a_bom_and_crlf_is_accepted_and_unchanged_on_reimport(tmp_path):
    """Windows editors save with a BOM and CRLF: the same guide, stored with LF."""
    make_editor("ed")
    (tmp_path / "win.md").write_bytes(
        "\ufeff---\r\ntitle: T\r\nslug: win\r\nsummary: S.\r\n---\r\nOne.\r\n\r\nTwo.\r\n".encode()
    )
    out, err, code = _import(tmp_path)
    assert code == 0, err
    assert Article.objects.get(slug="win").body == "One.\n\nTwo.\n"
    _write(tmp_path, "win.md", slug="win", title="T", summary="S.", body="One.\n\nTwo.\n")
    out, _, code = _import(tmp_path)
    assert "0 created, 0 updated, 1 unchanged" in out


@pytest.mark.parametrize("opening", ["title: " + "[" * 5000, "[" * 3000, "{a: " * 2000])
def test_deeply_nested_front_matter_is_refused_at_once(opening):
    """PyYAML took 7-9 s to reach its recursion limit on these: refused
    before PyYAML is asked to parse them."""
    with (
        mock.patch("articles.content_io.yaml.safe_load", side_effect=AssertionError("parsed")),
        pytest.raises(ContentError, match=r"nested too deeply \(\d+ levels\)"),
    ):
        parse_document(f"---\n{opening}\n---\nBody.\n", source="deep.md")


def test_restore_backup_refuses_a_database_that_has_guides(tmp_path, guides):
    """A restore never merges into live content."""
    backup = tmp_path / "backup.json"
    call_command("dumpdata", *DUMP_ARGS, output=str(backup))
    before = state()
    with pytest.raises(CommandError, match="already holds 2 guide"):
        call_command("restore_backup", str(backup), "--user", "demo-editor", stdout=StringIO())
    assert state() == before


@pytest.mark.django_db(transaction=True)
def test_restore_backup_needs_the_name_of_who_restores_and_then_loads_nothing(tmp_path):
    _content()
    backup = tmp_path / "backup.json"
    call_command("dumpdata", *DUMP_ARGS, output=str(backup))
    call_command("flush", interactive=False)
    with pytest.raises(CommandError, match="No account called 'nobody'"):
        call_command("restore_backup", str(backup), "--user", "nobody", stdout=StringIO(),
                     stderr=StringIO())  # fmt: skip
    assert Article.objects.count() == 0
    assert not Review.objects.exists()


def test_a_body_that_starts_with_a_bom_after_the_front_matter_is_stored_without_it():
    """Found by the fuzz test: the admin form drops a leading BOM from each
    field, so an import must too, or the next unchanged save makes a version."""
    document = parse_document("---\ntitle: T\nslug: s\nsummary: S\n---\n\ufeffBody.\r\n",
                              source="x.md")  # fmt: skip
    assert document.body == "Body.\n"
