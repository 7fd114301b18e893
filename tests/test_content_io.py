"""Content operations: validated fixtures, Markdown import and export,
backup and restore. None of it may lose data or bypass clinical review."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.content_io import ContentError, parse_document
from articles.models import Article, Review, Revision
from tests.factories import edit, make_article, make_clinician, make_editor

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "guides.json"


def state() -> list[tuple]:
    """Everything a load could change, to prove a refused load changed nothing."""
    return [
        *Article.objects.order_by("slug").values_list(
            "slug", "title", "summary", "body", "status", "live_version", "live_body_html"
        ),
        *Revision.objects.order_by("pk").values_list("pk", "article_id", "number", "body"),
    ]


# Validated fixture loading ----------------------------------------------------------


def test_load_guides_loads_both_guides_and_is_idempotent():
    for _ in range(2):
        call_command("load_guides", stdout=StringIO())
    assert Article.objects.count() == 2
    assert Article.objects.published().count() == 2
    assert Revision.objects.count() == 2


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
    "an unknown status": (
        _set("valium-diazepam", status="live"),
        ["object 5", "'status'", "“live” is not a status"],
    ),
    "a missing required field": (
        _drop("diazepam-for-sleep", "summary"),
        ["object 6", "summary", "cannot be blank"],
    ),
    "a duplicate slug": (_duplicate_slug, ["object 6", "duplicate of object 5", "valium-diazepam"]),
    "a body over the size limit": (
        _set("valium-diazepam", body="x" * 200_001),
        ["object 5", "body", "the limit is 200000"],
    ),
    "a title that is too long": (
        _set("diazepam-for-sleep", title="t" * 201),
        ["object 6", "title", "at most 200"],
    ),
    "a topic that does not exist": (
        _unknown_topic,
        ["object 6", "diazepam-for-sleep", "does not exist", "no-such-topic"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FIXTURES))
def test_a_bad_fixture_is_refused_naming_object_and_field_and_changes_nothing(tmp_path, case):
    call_command("load_guides", stdout=StringIO())
    edit(Article.objects.get(slug="valium-diazepam"), make_editor(), body="Local edit.")
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
        data[_at(data, "valium-diazepam")]["fields"]["live_version"] = 99

    with pytest.raises(CommandError, match=r"valium-diazepam.*'live_version': Version 99 of this"):
        call_command("load_guides", str(_bad_fixture(tmp_path, point_at_nothing)))
    assert Article.objects.count() == 0


# Round trip and backup ----------------------------------------------------------------

DUMP_ARGS = [
    "articles", "auth.user", "auth.group",
    "--natural-foreign", "--natural-primary", "--indent", "1",
]  # fmt: skip


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
    workflow.approve(article=article, reviewer=clinician)
    make_article(live=False, author=editor, slug="draft-only")


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
def test_a_backup_restores_through_the_validated_loader_too(tmp_path):
    _content()
    backup = tmp_path / "backup.json"
    call_command("dumpdata", *DUMP_ARGS, output=str(backup))
    before = _dump()
    call_command("flush", interactive=False)
    call_command("load_guides", str(backup), stdout=StringIO())
    assert _dump() == before


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
