"""
Content in and out: validated fixture loading, Markdown import and export.

Nothing here publishes. Imports become drafts or new working versions through
articles.workflow, so they still need a clinician's approval.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.models import AbstractBaseUser
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.serializers.base import DeserializationError
from django.db import IntegrityError, transaction
from simple_history.models import HistoricalChanges

from articles import rendering, workflow
from articles.models import Article, Revision

FRONT_MATTER_KEYS = ("title", "slug", "summary")
DELIMITER = "---\n"

# Fields computed from others, never supplied by content.
DERIVED_FIELDS = {
    Article: ["live_title", "live_summary", "live_body_html", "live_headings", "next_review_due"],
    Revision: ["content_hash"],
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


def parse_document(text: str, *, source: str) -> Document:
    """Split ``---`` YAML front matter from the Markdown body, strictly."""
    if not text.startswith(DELIMITER):
        raise ContentError(f"{source}: does not start with '---' front matter.")
    end = text.find("\n" + DELIMITER, len(DELIMITER) - 1)
    if end == -1:
        raise ContentError(f"{source}: the front matter has no closing '---' line.")
    header, body = text[len(DELIMITER) : end + 1], text[end + 1 + len(DELIMITER) :]
    try:
        meta = yaml.safe_load(header)
    except yaml.YAMLError as error:
        raise ContentError(f"{source}: the front matter is not valid YAML ({error}).") from None
    if not isinstance(meta, dict):
        raise ContentError(f"{source}: the front matter must be a set of 'key: value' lines.")
    unknown = sorted(set(meta) - set(FRONT_MATTER_KEYS))
    if unknown:
        raise ContentError(f"{source}: unknown front matter field(s): {', '.join(unknown)}.")
    for key in FRONT_MATTER_KEYS:
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise ContentError(f"{source}: front matter field '{key}' is missing or empty.")
    return Document(title=meta["title"], slug=meta["slug"], summary=meta["summary"], body=body)


def serialise_document(document: Document) -> str:
    meta = {key: getattr(document, key) for key in FRONT_MATTER_KEYS}
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    return DELIMITER + header + DELIMITER + document.body


def document_for(article: Article, *, working: bool) -> Document:
    if working:
        return Document(article.title, article.slug, article.summary, article.body)
    live = article.live_revision
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
    user: AbstractBaseUser,
    dry_run: bool = False,
    batch_size: int = 500,
    progress: Callable[[], None] | None = None,
) -> ImportReport:
    """Import Markdown files as drafts or new working versions.

    Files are read one at a time and new articles are created in batches,
    so memory stays flat however many files there are. A bad file is
    reported and skipped; the others are imported.
    """
    report = ImportReport()
    seen: dict[str, str] = {}
    batch: list[tuple[str, Document]] = []

    def flush() -> None:
        _import_batch(batch, user=user, report=report)
        batch.clear()

    with transaction.atomic():
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
        if dry_run:
            transaction.set_rollback(True)
    return report


def _reason(error: Exception, source: str) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"{source}: not UTF-8 text."
    if isinstance(error, OSError):
        return f"{source}: cannot be read ({error.strerror or error})."
    return str(error)


def _import_batch(
    batch: list[tuple[str, Document]], *, user: AbstractBaseUser, report: ImportReport
) -> None:
    existing = {a.slug: a for a in Article.objects.filter(slug__in=[d.slug for _, d in batch])}
    new: list[Article] = []
    for source, document in batch:
        try:
            candidate = _validate(document, source)
        except ContentError as error:
            report.failed.append((source, str(error)))
            continue
        article = existing.get(document.slug)
        if article is None:
            new.append(candidate)
            continue
        if article.working_hash() == candidate.working_hash():
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
        report.updated += 1
    if new:
        workflow.create_drafts(articles=new, user=user)
        report.created += len(new)


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


def load_fixture(path: Path) -> int:
    """Load a JSON fixture with full model validation, all or nothing.

    ``loaddata`` saves whatever it is given; this refuses the whole file,
    naming the object and field, if any object is invalid.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ContentError(
            f"{path}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot be read ({error}).") from None
    if not isinstance(data, list):
        raise ContentError(f"{path}: a fixture is a JSON list of objects.")

    saved = []
    # One transaction: the first invalid object rolls back everything before it.
    with transaction.atomic():
        seen: dict[tuple, int] = {}
        deferred = []
        for index, entry in enumerate(data, start=1):
            label = f"{path}: {_label(entry, index)}"
            try:
                (item,) = serializers.deserialize(
                    "json", json.dumps([entry]), handle_forward_references=True
                )
            except DeserializationError as error:
                raise ContentError(f"{label}: {_deserialization_reason(error)}") from None
            except ValueError as error:
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
            _validate_fields(obj, item, label)
            try:
                with transaction.atomic():
                    item.save()
            except IntegrityError as error:
                raise ContentError(f"{label}: the database refused it ({error}).") from None
            saved.append((label, obj))
            if item.deferred_fields:
                deferred.append((label, item))
        for label, item in deferred:
            try:
                item.save_deferred_fields()
            except DeserializationError as error:
                raise ContentError(f"{label}: {_deserialization_reason(error)}") from None
        # Rules spanning objects (an article's live version must exist) can
        # only be checked once everything is in.
        for label, obj in saved:
            obj.refresh_from_db()
            _validate_whole(obj, label)
    return len(saved)


def _label(entry: Any, index: int) -> str:
    if not isinstance(entry, dict):
        return f"object {index}"
    fields = entry.get("fields") if isinstance(entry.get("fields"), dict) else {}
    name = fields.get("slug") or fields.get("name") or entry.get("pk")
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


def _validate_fields(obj: Any, item: Any, where: str) -> None:
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
    except ValidationError as error:
        raise ContentError(f"{where}: {_problems(error)}") from None


def _validate_whole(obj: Any, where: str) -> None:
    if isinstance(obj, HistoricalChanges):
        return
    try:
        obj.full_clean(exclude=DERIVED_FIELDS.get(type(obj), []), validate_unique=False)
    except ValidationError as error:
        raise ContentError(f"{where}: {_problems(error)}") from None
