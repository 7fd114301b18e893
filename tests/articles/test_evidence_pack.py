"""Issue 15, item 1: the evidence pack of a guide (articles/evidence.py and
``manage.py evidence_pack``): every version and review from the records,
hashes checked against recomputation, valid against the schema in the repo."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import evidence, workflow
from articles.models import Article, Review, Revision
from tests.factories import edit, make_article, make_clinician, make_editor, publish

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / evidence.SCHEMA_PATH).read_text())


def _history() -> Article:
    """Three approved versions, one request for changes, one correction and
    a pending draft, by two editors and two clinicians."""
    ann, bob = make_editor("ann"), make_editor("bob")
    carol, dev = make_clinician("carol"), make_clinician("dev")
    article = make_article(author=ann, reviewer=carol, body="## Dose\n\nTake 2 mg.")
    edit(article, bob, body="## Dose\n\nTake 5 mg.")
    workflow.submit(article=Article.objects.get(pk=article.pk), user=bob)
    workflow.request_changes(
        article=Article.objects.get(pk=article.pk), reviewer=dev, comment="Check the dose."
    )
    publish(article, editor=ann, reviewer=dev, body="## Dose\n\nTake 2 mg to 5 mg.",
            correction_note="We corrected the dose range.")  # fmt: skip
    publish(article, editor=bob, reviewer=carol, summary="A new summary.",
            sources=[{"order": 1, "title": "BNF: Diazepam", "publisher": "NICE",
                      "url": "https://bnf.nice.org.uk/drugs/diazepam/",
                      "date_accessed": "2026-11-01"}])  # fmt: skip
    edit(article, ann, body="## Dose\n\nA pending draft.")
    return Article.objects.get(pk=article.pk)


def test_the_pack_lists_every_version_and_review_and_validates_against_the_schema():
    article = _history()
    pack = evidence.build(article)
    jsonschema.validate(pack, SCHEMA, format_checker=jsonschema.FormatChecker())
    numbers = list(Revision.objects.filter(article=article).order_by("number")
                   .values_list("number", flat=True))  # fmt: skip
    assert [v["number"] for v in pack["versions"]] == numbers
    assert [r["decision"] for r in pack["reviews"]] == [
        "approved", "changes_requested", "approved", "approved"
    ]  # fmt: skip
    assert Review.objects.filter(article=article).count() == len(pack["reviews"])
    assert pack["reviews"][1]["comment"] == "Check the dose."
    assert [a["version"] for a in pack["approved_versions"]] == [
        v["number"] for v in pack["versions"] if v["approved"]
    ]
    assert pack["versions"][-1]["approved"] is False  # the pending draft
    assert pack["corrections"] == [{
        "version": pack["approved_versions"][1]["version"],
        "note": "We corrected the dose range.",
        "published_at": pack["approved_versions"][1]["approved_at"],
    }]  # fmt: skip
    assert pack["approved_versions"][2]["sources"][0]["title"] == "BNF: Diazepam"
    assert pack["guide"]["live_version"] == pack["approved_versions"][-1]["version"]


def test_each_review_hash_matches_a_recomputation_from_the_stored_version():
    article = _history()
    pack = evidence.build(article)
    for entry in pack["reviews"]:
        version = Revision.objects.get(article=article, number=entry["version"])
        assert entry["content_hash"] == version.compute_hash()
        assert entry["hash_matches_version"] is True
    assert all(v["hash_intact"] for v in pack["versions"])


def test_a_version_altered_in_the_database_is_flagged_not_hidden():
    article = _history()
    first = Revision.objects.get(article=article, number=1)
    Revision.objects.filter(pk=first.pk).update(body="Take 50 mg.")  # bypasses the model
    pack = evidence.build(article)
    assert pack["versions"][0]["hash_intact"] is False
    assert pack["reviews"][0]["hash_matches_version"] is False
    assert "does NOT match the stored version" in evidence.to_html(pack)


def test_the_reviewer_is_shown_as_recorded_at_the_review_not_as_the_profile_reads_now():
    article = _history()
    profile = make_clinician("carol").reviewer_profile
    recorded = profile.display_name
    profile.display_name = "Dr Someone Else"
    workflow.save_reviewer_profile(profile=profile, user=profile.user)
    names = {r["reviewer"]["public_name"] for r in evidence.build(article)["reviews"]
             if r["reviewer"]["username"] == "carol"}  # fmt: skip
    assert names == {recorded}


def test_each_approval_carries_the_diff_from_the_previous_approval_and_readability():
    article = _history()
    approvals = evidence.build(article)["approved_versions"]
    second = {
        c["field"]: c["unified_diff"] for c in approvals[1]["changes_since_previous_approval"]
    }
    assert "-Take 2 mg." in second["body"]
    assert "+Take 2 mg to 5 mg." in second["body"]
    # The rejected 5 mg text between them is not an approved change.
    assert "5 mg.\n" not in second["body"].replace("2 mg to 5 mg.", "")
    third = {c["field"] for c in approvals[2]["changes_since_previous_approval"]}
    # The working copy keeps the correction note; it was published once, with v3.
    assert third == {"summary", "sources"}
    for approval in approvals:
        assert approval["readability"]["words"] > 0


def test_the_html_is_self_contained_and_names_every_reviewer():
    article = _history()
    html = evidence.to_html(evidence.build(article))
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    for name in ("Dr Carol", "Dr Dev", "Check the dose.", "We corrected the dose range."):
        assert name in html


def test_the_pack_takes_a_fixed_number_of_queries_whatever_the_history():
    small = make_article()
    with CaptureQueriesContext(connection) as few:
        evidence.build(small)
    large = _history()
    with CaptureQueriesContext(connection) as many:
        evidence.build(large)
    assert len(many) == len(few)


def test_the_command_writes_both_files_and_prints_their_paths(tmp_path):
    article = _history()
    out = StringIO()
    call_command("evidence_pack", article.live_slug, "--out", str(tmp_path / "packs"), stdout=out)
    paths = out.getvalue().split()
    assert sorted(Path(p).name for p in paths) == [
        f"{article.live_slug}-evidence.html", f"{article.live_slug}-evidence.json"
    ]  # fmt: skip
    pack = json.loads((tmp_path / "packs" / f"{article.live_slug}-evidence.json").read_text())
    jsonschema.validate(pack, SCHEMA)


def test_a_sample_is_drawn_from_published_guides_and_is_repeatable_with_a_seed(tmp_path):
    live = [make_article() for _ in range(5)]
    make_article(live=False)  # a draft never published is not in an assessor's view
    runs = []
    for _ in range(2):
        out = StringIO()
        call_command("evidence_pack", "--sample", "3", "--seed", "7", "--out", str(tmp_path),
                     stdout=out)  # fmt: skip
        runs.append(sorted(Path(p).name for p in out.getvalue().split()))
    assert runs[0] == runs[1]
    assert len(runs[0]) == 6
    slugs = {a.live_slug for a in live}
    assert {
        name.removesuffix("-evidence.json") for name in runs[0] if name.endswith(".json")
    } <= slugs


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no-such-guide"], "No guide has the slug 'no-such-guide'"),
        ([], "Name at least one guide"),
        (["--sample", "0"], "--sample must be at least 1"),
        (["x", "--sample", "2"], "not both"),
        (["--sample", "2"], "nothing to sample"),
    ],
)
def test_bad_arguments_get_a_message_naming_the_problem(arguments, message, tmp_path):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("evidence_pack", *arguments, "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_folder_is_a_message_not_a_traceback(tmp_path):
    article = make_article()
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CommandError, match="Cannot write to"):
        call_command("evidence_pack", article.live_slug, "--out", str(blocker / "packs"))


def test_json_option_prints_the_pack_on_stdout_only(tmp_path):
    article = make_article()
    out = StringIO()
    call_command("evidence_pack", article.live_slug, "--json", stdout=out)
    assert json.loads(out.getvalue())["guide"]["slug"] == article.live_slug


def test_approving_after_the_pack_changes_the_next_pack_not_this_one():
    article = make_article()
    before = evidence.build(article)
    clinician = make_clinician("other")
    publish(article, body="## New\n\nText.", reviewer=clinician)
    after = evidence.build(Article.objects.get(pk=article.pk))
    assert len(after["approved_versions"]) == len(before["approved_versions"]) + 1


def test_feedback_answers_are_counted_per_version_read():
    from feedback.models import Feedback

    article = make_article()
    first = article.live_version
    Feedback.objects.create(article=article, version=first, answer="yes")
    Feedback.objects.create(article=article, version=first, answer="no", comment="Unclear.")
    publish(article, body="## New\n\nText.", reviewer=make_clinician("other"))
    second = Article.objects.get(pk=article.pk).live_version
    Feedback.objects.create(article=article, version=second, answer="yes")
    pack = evidence.build(Article.objects.get(pk=article.pk))
    jsonschema.validate(pack, SCHEMA)
    assert pack["feedback"] == [
        {"version": first, "yes": 1, "no": 1},
        {"version": second, "yes": 1, "no": 0},
    ]


def test_the_admin_action_downloads_a_zip_of_both_files_per_guide(client):
    import io
    import zipfile

    from tests.factories import make_staff

    guides = [make_article(), make_article()]
    # A governance lead sees everything a pack holds (articles.admin.evidence.may_download).
    client.force_login(make_staff("lead", perms=(
        "articles.view_article", "articles.view_revision", "articles.view_review",
        "feedback.view_feedback", "outside_review.view_outsidereview",
    )))  # fmt: skip
    response = client.post("/admin/articles/article/", {
        "action": "download_evidence_packs",
        "_selected_action": [g.pk for g in guides],
        "index": "0",
    })  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    names = sorted(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert names == sorted(
        f"{g.live_slug}-evidence.{ext}" for g in guides for ext in ("html", "json")
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    jsonschema.validate(json.loads(archive.read(f"{guides[0].live_slug}-evidence.json")), SCHEMA)


def test_the_pack_gives_the_full_public_address_and_the_clinical_owner(settings):
    """An assessor reads the pack away from the site: the address must open
    the page (it said "/slug/", which is a 404), and the pack names who is
    answerable for keeping the guide current."""
    settings.SITE_URL = "https://guides.example.org"
    owner, other = make_clinician("olive"), make_clinician("oscar")
    article = make_article(reviewer=other, slug="hay-fever")
    workflow.set_clinical_owner(article=article, owner=owner, user=other)
    pack = evidence.build(Article.objects.get(pk=article.pk))
    assert pack["guide"]["public_url"] == "https://guides.example.org/articles/hay-fever/"
    assert pack["guide"]["clinical_owner"] == workflow.public_profile(owner).public_name
    html = evidence.to_html(pack)
    assert "https://guides.example.org/articles/hay-fever/" in html
    jsonschema.validate(pack, SCHEMA)


def test_a_confirmation_of_live_text_is_marked_as_a_periodic_review():
    """A "Confirm still accurate" records a second approval of the same
    version: the pack tells it apart from approving a change."""
    article = make_article(reviewer=make_clinician("cleo"))
    live = workflow.latest_revision(article)
    workflow.confirm_still_accurate(article=Article.objects.get(pk=article.pk),
                                    reviewer=make_clinician("cora"), version=live.number,
                                    content_hash=live.content_hash)  # fmt: skip
    pack = evidence.build(Article.objects.get(pk=article.pk))
    assert [r["periodic_review"] for r in pack["reviews"]] == [False, True]
    assert "periodic review: confirmed still accurate" in evidence.to_html(pack)
    jsonschema.validate(pack, SCHEMA)


def test_the_pack_shows_how_each_comment_was_handled(client):
    """An assessor asks how feedback was handled: each comment with its
    status, who triaged it, when, and the note of what was done (set in the
    feedback admin)."""
    from feedback.models import Feedback

    article = make_article()
    Feedback.objects.create(article=article, version=article.live_version, answer="yes")
    unclear = Feedback.objects.create(article=article, version=article.live_version,
                                      answer="no", comment="The dose table is unclear.")  # fmt: skip
    clinician = make_clinician("cleo")
    client.force_login(clinician)
    change = f"/admin/feedback/feedback/{unclear.pk}/change/"
    response = client.post(change, {"status": "acted_on",
                                    "triage_note": "Dose table rewritten in version 3."})  # fmt: skip
    assert response.status_code == 302
    pack = evidence.build(Article.objects.get(pk=article.pk))
    jsonschema.validate(pack, SCHEMA)
    (row,) = pack["feedback_comments"]  # the plain "yes" was never triaged: not listed
    assert (row["comment"], row["status"], row["triaged_by"], row["triage_note"]) == (
        "The dose table is unclear.",
        "acted_on",
        "cleo",
        "Dose table rewritten in version 3.",
    )
    assert row["triaged_at"] is not None
    assert "Dose table rewritten in version 3." in evidence.to_html(pack)
