"""
Content in and out: validated fixture loading, Markdown import and export.

Nothing here publishes. Imports become drafts or new working versions through
articles.workflow, so they still need a clinician's approval.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml
from django.apps import apps
from django.contrib.auth.models import User
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone
from simple_history.models import HistoricalChanges

from articles import rendering, workflow
from articles.models import (
    LIVE_FIELDS,
    TOPIC_LIVE_FIELDS,
    Article,
    Revision,
    Topic,
    TopicRevision,
    link_references,
)
from articles.text import find_xml_illegal, normalise_text

FRONT_MATTER_KEYS = ("title", "slug", "summary")
# Three short fields need far less; the limits keep YAML parsing instant.
MAX_FRONT_MATTER_CHARS = 10_000
MAX_FRONT_MATTER_DEPTH = 50
DELIMITER = "---\n"

# Fields computed from others, never supplied by content.
DERIVED_FIELDS = {
    Article: [*(name for name in LIVE_FIELDS if name != "live_corrections"), "next_review_due"],
    Revision: ["content_hash"],
    Topic: list(TOPIC_LIVE_FIELDS),
    TopicRevision: ["content_hash"],
}


class ContentError(ValueError):
    """Bad content. The message names the file or object and the field."""


# Markdown documents with front matter --------------------------------------------


@dataclass(frozen=True)
class Document:
    title: str
    slug: str
    summary: str
    body: str


def parse_document(text: str, *, source: str) -> Document:  # noqa: C901 (one refusal per way a file can be malformed)
    """Split ``---`` YAML front matter from the Markdown body, strictly.

    The text is normalised first (a BOM dropped, CRLF made LF), and a field
    holding an XML-illegal character is refused: :class:`ContentError`
    names the file and the field.
    """
    text = normalise_text(text)
    if not text.startswith(DELIMITER):
        raise ContentError(f"{source}: does not start with '---' front matter.")
    end = text.find("\n" + DELIMITER, len(DELIMITER) - 1)
    if end == -1:
        raise ContentError(f"{source}: the front matter has no closing '---' line.")
    header, body = text[len(DELIMITER) : end + 1], text[end + 1 + len(DELIMITER) :]
    if len(header) > MAX_FRONT_MATTER_CHARS:
        raise ContentError(
            f"{source}: the front matter is {len(header)} characters long; the limit is "
            f"{MAX_FRONT_MATTER_CHARS}."
        )
    depth = _bracket_depth(header)
    if depth > MAX_FRONT_MATTER_DEPTH:
        # PyYAML takes seconds to reach its recursion limit on deep flow
        # collections: refuse before parsing.
        raise ContentError(f"{source}: the front matter is nested too deeply ({depth} levels).")
    try:
        meta = yaml.safe_load(header)
    except yaml.YAMLError as error:
        raise ContentError(f"{source}: the front matter is not valid YAML ({error}).") from None
    except RecursionError:
        # PyYAML composes nested collections recursively.
        raise ContentError(f"{source}: the front matter is nested too deeply.") from None
    if not isinstance(meta, dict):
        raise ContentError(f"{source}: the front matter must be a set of 'key: value' lines.")
    unknown = sorted(set(meta) - set(FRONT_MATTER_KEYS))
    if unknown:
        raise ContentError(f"{source}: unknown front matter field(s): {', '.join(unknown)}.")
    for key in FRONT_MATTER_KEYS:
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise ContentError(f"{source}: front matter field '{key}' is missing or empty.")
    # Each value on its own too, as the admin form does: a body that starts
    # with a BOM after the front matter is the same body without it.
    meta = {key: normalise_text(meta[key]) for key in FRONT_MATTER_KEYS}
    body = normalise_text(body)
    for key, value in [*meta.items(), ("body", body)]:
        found = find_xml_illegal(value)
        if found:
            where = "the body" if key == "body" else f"front matter field '{key}'"
            raise ContentError(
                f"{source}: {where} contains characters that cannot be published "
                f"({', '.join(found)})."
            )
    return Document(title=meta["title"], slug=meta["slug"], summary=meta["summary"], body=body)


def _bracket_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` (quotes ignored: an over-count
    only refuses absurd titles)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def serialise_document(document: Document) -> str:
    meta = {key: getattr(document, key) for key in FRONT_MATTER_KEYS}
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    return DELIMITER + header + DELIMITER + document.body


def document_for(article: Article, *, working: bool) -> Document:
    if working:
        return Document(article.title, article.slug, article.summary, article.body)
    # Without ``working`` only published guides are exported: each has a live version.
    live = cast(Revision, article.live_revision)
    return Document(live.title, article.slug, live.summary, live.body)


def iter_markdown_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Each ``.md`` file named, or found under a folder named, in a stable
    order; folders are walked lazily so huge trees are never listed at once."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(".md"):
                        yield Path(root) / name
        else:
            yield path


# Import -----------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed"
        )


def _validate(document: Document, source: str) -> Article:
    article = Article(
        title=document.title, slug=document.slug, summary=document.summary, body=document.body
    )
    try:
        article.full_clean(exclude=["status"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
        raise ContentError(f"{source}: {problems}") from None
    # The body rules the admin form applies (render bounds, callouts, alt
    # text), so one bad file is reported and the rest imported.
    found = rendering.problems(article.body)
    if found:
        raise ContentError(f"{source}: body: {' '.join(p.message for p in found)}")
    return article


def import_documents(
    paths: Iterable[str | Path],
    *,
    user: User,
    dry_run: bool = False,
    batch_size: int = 100,
    progress: Callable[[], object] | None = None,
) -> ImportReport:
    """Import Markdown files as drafts or new working versions.

    Files are read one at a time and new articles are created in batches,
    so memory stays flat however many files there are. Each batch is its own
    transaction, committed before the next batch's files are read: on SQLite
    a transaction holds the only write lock, and one transaction for a whole
    import (12 s for 4,000 files) made editors' saves time out. A batch of
    100 held the lock for at most 1.8 s on this 2-core machine with a load
    average of 12, where a batch of 500 held it for 5 s. A bad file is
    reported and skipped; the others are imported.
    """
    report = ImportReport()
    seen: dict[str, str] = {}
    batch: list[tuple[str, Document]] = []

    def flush() -> None:
        with transaction.atomic():
            _import_batch(batch, user=user, report=report)
            if dry_run:
                transaction.set_rollback(True)
        batch.clear()

    for path in iter_markdown_files(paths):
        source = str(path)
        try:
            document = parse_document(path.read_text(encoding="utf-8"), source=source)
            if document.slug in seen:
                raise ContentError(
                    f"{source}: slug '{document.slug}' is also used by {seen[document.slug]}."
                )
            seen[document.slug] = source
            batch.append((source, document))
        except (ContentError, OSError, UnicodeDecodeError) as error:
            report.failed.append((source, _reason(error, source)))
        if len(batch) >= batch_size:
            flush()
        if progress:
            progress()
    flush()
    return report


def _reason(error: Exception, source: str) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"{source}: not UTF-8 text."
    if isinstance(error, OSError):
        return f"{source}: cannot be read ({error.strerror or error})."
    return str(error)


def _import_batch(batch: list[tuple[str, Document]], *, user: User, report: ImportReport) -> None:
    existing = {a.slug: a for a in Article.objects.filter(slug__in=[d.slug for _, d in batch])}
    new: list[tuple[str, Article]] = []
    for source, document in batch:
        try:
            candidate = _validate(document, source)
        except ContentError as error:
            report.failed.append((source, str(error)))
            continue
        article = existing.get(document.slug)
        if article is None:
            new.append((source, candidate))
            continue
        # A document carries the text only; topics and sources stay as they are.
        if (article.title, article.summary, article.body) == (
            candidate.title, candidate.summary, candidate.body,
        ):  # fmt: skip
            report.unchanged += 1
            continue
        article.title, article.summary, article.body = (
            document.title, document.summary, document.body,
        )  # fmt: skip
        try:
            with transaction.atomic():
                workflow.save_working_copy(
                    article=article, user=user, expected_version=article.lock_version
                )
        except workflow.WorkflowError as error:
            report.failed.append((source, f"{source}: {error}"))
            continue
        except DatabaseError as error:
            report.failed.append((source, f"{source}: the database refused it ({error})."))
            continue
        report.updated += 1
    if not new:
        return
    try:
        with transaction.atomic():
            workflow.create_drafts(articles=[article for _, article in new], user=user)
        report.created += len(new)
        return
    except DatabaseError:
        pass  # the database refused one file's text: find which, and keep the rest
    for source, article in new:
        article.pk, article._state.adding = None, True
        try:
            with transaction.atomic():
                workflow.create_drafts(articles=[article], user=user)
        except DatabaseError as error:
            report.failed.append((source, f"{source}: the database refused it ({error})."))
        else:
            report.created += 1


# Export -----------------------------------------------------------------------------


def export_documents(directory: Path, *, working: bool) -> int:
    """Write one ``<slug>.md`` per article: the live version, or the working
    copy with ``working``. Returns how many files were written."""
    directory.mkdir(parents=True, exist_ok=True)
    articles = Article.objects.all() if working else Article.objects.published()
    written = 0
    for article in articles.order_by("slug").iterator(500):
        text = serialise_document(document_for(article, working=working))
        (directory / f"{article.slug}.md").write_text(text, encoding="utf-8")
        written += 1
    return written


# Validated fixture loading ------------------------------------------------------------

# What a content fixture may hold: the text of guides, their versions, topics
# and sources. Never public state (status, live fields, approvals), accounts
# or anything else: a fixture that could set those could publish unreviewed
# text. A full backup goes through restore_backup, which says so.
CONTENT_FIELDS: dict[str, frozenset[str]] = {
    "articles.topic": frozenset({
        "name", "slug", "description", "nonproprietary_name", "alternate_names", "drug_class",
        "updated_at",
    }),
    "articles.article": frozenset({
        "title", "slug", "summary", "body", "correction_note", "review_interval_months",
        "topics", "created_at", "updated_at",
    }),
    "articles.topicrevision": frozenset({
        "topic", "number", "name", "slug", "description", "nonproprietary_name",
        "alternate_names", "drug_class", "created_at",
    }),
    "articles.revision": frozenset({
        "article", "number", "title", "slug", "summary", "body", "topics", "sources",
        "correction_note", "created_at",
    }),
    "articles.reference": frozenset({
        "article", "title", "publisher", "url", "date_accessed", "order",
    }),
}  # fmt: skip

# Deeper JSON than any fixture needs is refused before it is parsed: Python's
# parser recurses once per level.
MAX_JSON_DEPTH = 20


def load_fixture(path: Path) -> int:
    """Load a content fixture (topics, guides, their versions and sources),
    validated, all or nothing. Returns how many objects were new.

    Guides load as drafts: nothing here publishes, sets an approval or makes
    an account (``CONTENT_FIELDS``). An object whose natural key already
    exists must match what is stored, field for field: a fixture never
    rewrites a version or a guide (propose a change with ``import_articles``).

    Raises :class:`ContentError` naming the file, the object and the field.
    """
    data = read_json(path)
    if not isinstance(data, list):
        raise ContentError(f"{path}: a fixture is a JSON list of objects.")
    for index, entry in enumerate(data, start=1):
        _check_content_entry(entry, f"{path}: {_label(entry, index)}")
    with transaction.atomic():
        new = _load_entries(data, path, content_only=True)
        # A fixture's sources join the shared register (loading skips Reference.save).
        link_references()
    return new


def restore_backup(path: Path) -> dict[str, int]:
    """Load a whole backup made by ``dumpdata`` (guides with their live
    state, versions, reviews, accounts, roles, history), validated, all or
    nothing. Returns the number of objects loaded per model label.

    Only for an empty database of guides (a restore never merges into live
    content). Raises :class:`ContentError`.
    """
    if Article.objects.exists():
        raise ContentError(
            f"{path}: this database already holds {Article.objects.count()} guide(s); a backup "
            "is restored only into a database without guides."
        )
    data = read_json(path)
    if not isinstance(data, list):
        raise ContentError(f"{path}: a backup is a JSON list of objects.")
    counts: dict[str, int] = {}
    for entry in data:
        if isinstance(entry, dict) and isinstance(entry.get("model"), str):
            counts[entry["model"]] = counts.get(entry["model"], 0) + 1
    with transaction.atomic():
        _load_entries(data, path, content_only=False)
        _require_approved_live_copies(path)
        # A backup made before the register existed names no sources.
        link_references()
    return counts


def _require_approved_live_copies(path: Path) -> None:
    """A restored guide or topic is live only on a version with a
    clinician's approval of exactly that content (its hash): a backup edited
    to point ``live_version`` at an unapproved version is refused whole."""
    for article in Article.objects.filter(live_version__isnull=False):
        revision = article.revisions.filter(number=cast(int, article.live_version)).first()
        approved = (
            revision is not None
            and article.reviews.filter(
                decision="approved", revision=revision, content_hash=revision.content_hash
            ).exists()
        )
        if not approved:
            raise ContentError(
                f"{path}: guide {article.slug!r} is live on version {article.live_version}, "
                "which no clinician approved as stored; nothing was restored."
            )
    for topic in Topic.objects.filter(live_version__isnull=False):
        topic_revision = topic.revisions.filter(number=cast(int, topic.live_version)).first()
        # Migration 0010 made every topic that was already public its own
        # approved version 1, without a review (topic text had none then).
        legacy = topic.live_version == 1 and not topic.reviews.exists()
        approved = legacy or (
            topic_revision is not None
            and topic.reviews.filter(
                revision=topic_revision, content_hash=topic_revision.content_hash
            ).exists()
        )
        if not approved:
            raise ContentError(
                f"{path}: topic {topic.slug!r} is live on version {topic.live_version}, "
                "which no clinician approved as stored; nothing was restored."
            )


def read_json(path: Path) -> Any:
    """Parse a JSON file, refusing what Python's parser would crash on."""
    try:
        text = normalise_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot be read ({error}).") from None
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ContentError(
            f"{path}: nested {depth} levels deep; a fixture needs at most {MAX_JSON_DEPTH}."
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ContentError(
            f"{path}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    except RecursionError:
        raise ContentError(f"{path}: nested too deeply.") from None


def _json_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings."""
    depth = deepest = 0
    for match in _JSON_BRACKETS.finditer(_JSON_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_JSON_BRACKETS = re.compile(r"[\[\]{}]")


def _check_content_entry(entry: Any, label: str) -> None:
    if not isinstance(entry, dict):
        raise ContentError(f"{label}: each object is a JSON object with 'model' and 'fields'.")
    model = entry.get("model")
    if model not in CONTENT_FIELDS:
        raise ContentError(
            f"{label}: load_guides loads content only ({', '.join(sorted(CONTENT_FIELDS))}), "
            f"not {model!r}. A whole backup is restored with restore_backup."
        )
    if "pk" in entry:
        raise ContentError(f"{label}: content is matched by natural key; remove 'pk'.")
    fields = entry.get("fields")
    if not isinstance(fields, dict):
        raise ContentError(f"{label}: 'fields' must be a JSON object.")
    extra = sorted(set(fields) - CONTENT_FIELDS[model])
    if extra:
        raise ContentError(
            f"{label}: field(s) {', '.join(repr(name) for name in extra)} are not content; "
            "load_guides never loads status, live fields, approvals or accounts (a clinician's "
            "approval in the workflow sets them)."
        )


def _json_strings(value: Any) -> list[str]:
    """Every string inside a JSON value (keys included), depth first."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_json_strings(k), *_json_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _json_strings(item)]
    return []


def _check_types(entry: dict, model: type[models.Model], label: str) -> None:  # noqa: C901 (one branch per kind of model field)
    """JSON types against the model's fields, so a list never becomes a
    string's Python repr and text is normalised and XML-legal."""
    fields = entry.get("fields")
    if not isinstance(fields, dict):
        raise ContentError(f"{label}: 'fields' must be a JSON object.")
    for name, value in list(fields.items()):
        try:
            # No model here has a generic relation, the one kind without ``null``.
            field = cast("models.Field | models.ForeignObjectRel", model._meta.get_field(name))
        except Exception:
            raise ContentError(f"{label}: {model._meta.label} has no field {name!r}.") from None
        where = f"{label}: field {name!r}"
        if value is None:
            if not (field.null or field.many_to_many):
                raise ContentError(f"{where}: may not be null.")
            continue
        if field.many_to_many:
            ok = isinstance(value, list) and all(
                (isinstance(v, (int, str)) and not isinstance(v, bool))
                or (isinstance(v, list) and all(isinstance(p, (int, str)) for p in v))
                for v in value
            )
            expected = "a list of natural keys"
        elif field.is_relation:
            ok = (isinstance(value, (int, str)) and not isinstance(value, bool)) or (
                isinstance(value, list) and all(isinstance(p, (int, str)) for p in value)
            )
            expected = "a natural key (a list) or an id"
        elif isinstance(field, (models.IntegerField, models.AutoField)):
            ok = isinstance(value, int) and not isinstance(value, bool)
            expected = "a whole number"
        elif isinstance(field, models.BooleanField):
            ok = isinstance(value, bool)
            expected = "true or false"
        elif isinstance(field, models.FloatField):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            expected = "a number"
        elif isinstance(field, models.JSONField):
            # A version's topics and sources are public text too.
            found = sorted({c for text in _json_strings(value) for c in find_xml_illegal(text)})
            if found:
                raise ContentError(
                    f"{where}: contains characters that cannot be published ({', '.join(found)})."
                )
            ok = True
            expected = ""
        else:  # text, dates and times travel as strings
            ok = isinstance(value, str)
            expected = "a string"
        if not ok:
            raise ContentError(f"{where}: must be {expected}, not {type(value).__name__}.")
        if isinstance(value, str):
            value = normalise_text(value)
            found = find_xml_illegal(value)
            if found:
                raise ContentError(
                    f"{where}: contains characters that cannot be published ({', '.join(found)})."
                )
            fields[name] = value


def _load_entries(data: list, path: Path, *, content_only: bool) -> int:  # noqa: C901 (one all-or-nothing pass; splitting it would split the transaction)
    new = 0
    # One transaction: the first invalid object rolls back everything before it.
    with transaction.atomic():
        seen: dict[tuple, int] = {}
        deferred = []
        saved: list[tuple[str, models.Model]] = []
        for index, entry in enumerate(data, start=1):
            label = f"{path}: {_label(entry, index)}"
            if not isinstance(entry, dict) or not isinstance(entry.get("model"), str):
                raise ContentError(f"{label}: each object needs a 'model' name.")
            try:
                model = apps.get_model(entry["model"])
            except (LookupError, ValueError):
                raise ContentError(f"{label}: no model called {entry['model']!r}.") from None
            _check_types(entry, model, label)
            if content_only and model in (Article, Topic):
                # A raw save skips auto_now; content may leave the time out.
                entry["fields"].setdefault("updated_at", timezone.now().isoformat())
            try:
                (item,) = serializers.deserialize(
                    "json", json.dumps([entry]), handle_forward_references=True
                )
            except DeserializationError as error:
                raise ContentError(f"{label}: {_deserialization_reason(error)}") from None
            except (ValueError, TypeError) as error:
                raise ContentError(f"{label}: {error}") from None
            obj = item.object
            key = (type(obj), obj.natural_key()) if hasattr(obj, "natural_key") else None
            if key is not None and key in seen:
                raise ContentError(
                    f"{label}: duplicate of object {seen[key]} "
                    f"(both are {', '.join(map(str, key[1]))})."
                )
            if key is not None:
                seen[key] = index
            _validate_fields(obj, item, label, whole=content_only)
            if content_only and obj.pk is not None:
                # Already stored: it must be exactly what is there.
                _require_unchanged(obj, item, entry, label)
                continue
            if content_only and isinstance(obj, Revision | TopicRevision):
                # A new version of a guide or topic stored before this load
                # would be a change with no author: approvable by anyone.
                parent = obj.article if isinstance(obj, Revision) else obj.topic
                if not any(parent.pk == other.pk and type(parent) is type(other)
                           for _, other in saved):  # fmt: skip
                    raise ContentError(
                        f"{label}: {parent} is already stored; a fixture never adds versions "
                        "to it (propose a change with import_articles or the admin)."
                    )
            try:
                with transaction.atomic():
                    item.save()
            except DatabaseError as error:
                raise ContentError(f"{label}: the database refused it ({error}).") from None
            new += 1
            saved.append((label, obj))
            if item.deferred_fields:
                deferred.append((label, item))
        for label, item in deferred:
            try:
                item.save_deferred_fields()
            except DeserializationError as error:
                raise ContentError(f"{label}: {_deserialization_reason(error)}") from None
        if content_only:
            _complete_new_drafts([obj for _, obj in saved if isinstance(obj, Article)])
        # Rules spanning objects (an article's live version must exist) can
        # only be checked once everything is in.
        for label, obj in saved:
            obj.refresh_from_db()
            _validate_whole(obj, label)
    return new


def _require_unchanged(obj: Any, item: Any, entry: dict, label: str) -> None:
    stored = type(obj)._default_manager.get(pk=obj.pk)
    for name in entry["fields"]:
        field = type(obj)._meta.get_field(name)
        if name in {"updated_at", "created_at"}:
            continue
        if field.many_to_many:
            wanted = set(item.m2m_data.get(name, [])) if item.m2m_data else set()
            have = set(getattr(stored, name).values_list("pk", flat=True))
            differs = wanted != have
        else:
            differs = getattr(stored, field.attname) != getattr(obj, field.attname)
        if differs:
            raise ContentError(
                f"{label}: already exists with a different {name!r}; load_guides never "
                "rewrites stored content. Propose a change with import_articles instead."
            )


def _complete_new_drafts(articles: list[Article]) -> None:
    """Each new guide is a draft whose working copy is its latest version,
    as if an editor had saved it (no author: it came from a file)."""
    for article in articles:
        article.refresh_from_db()
        latest = article.revisions.order_by("-number").first()
        if latest is None or latest.content_hash != article.working_hash():
            # Every field a version holds (topics and sources included), so
            # its hash is the working copy's.
            Revision.objects.create(
                article=article, number=(latest.number if latest else 0) + 1,
                **article.working_snapshot(),
            )  # fmt: skip


def _label(entry: Any, index: int) -> str:
    if not isinstance(entry, dict):
        return f"object {index}"
    fields = entry.get("fields")
    if not isinstance(fields, dict):
        fields = {}
    name = fields.get("slug") or fields.get("name") or entry.get("pk")
    if not isinstance(name, (str, int)) or isinstance(name, bool):
        name = None
    return f"object {index} ({entry.get('model', '?')} {name!r})"


def _deserialization_reason(error: DeserializationError) -> str:
    cause = error.__cause__ or error
    if isinstance(cause, ObjectDoesNotExist):
        return f"refers to something that does not exist ({error})."
    return str(cause)


def _problems(error: ValidationError) -> str:
    return "; ".join(
        f"field '{name}': {' '.join(messages)}" if name != "__all__" else " ".join(messages)
        for name, messages in error.message_dict.items()
    )


def _validate_fields(obj: Any, item: Any, where: str, *, whole: bool = False) -> None:
    if isinstance(obj, HistoricalChanges):
        return  # audit rows written by django-simple-history, restored as they were
    exclude = list(DERIVED_FIELDS.get(type(obj), []))
    exclude += [f.name for f in item.deferred_fields or {}]
    # A deserialized object matched to a stored row by its natural key is an
    # update: unique checks must not count the row it is replacing.
    if obj.pk is not None and type(obj)._default_manager.filter(pk=obj.pk).exists():
        obj._state.adding = False
    try:
        obj.clean_fields(exclude=exclude)
        obj.validate_constraints(exclude=exclude)
        if whole:
            # Content refers to nothing loaded later, so its own rules (a
            # review interval's range) are checked before the database sees it.
            obj.clean()
    except ValidationError as error:
        raise ContentError(f"{where}: {_problems(error)}") from None


def _validate_whole(obj: Any, where: str) -> None:
    if isinstance(obj, HistoricalChanges):
        return
    try:
        obj.full_clean(exclude=DERIVED_FIELDS.get(type(obj), []), validate_unique=False)
    except ValidationError as error:
        raise ContentError(f"{where}: {_problems(error)}") from None
