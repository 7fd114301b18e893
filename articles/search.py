"""
Full-text search over the live copy of published articles.

One interface, :func:`search_page` (and :func:`search`, its hits alone),
with two engines behind it:

* **SQLite**: an FTS5 table, ``article_search``, kept in step with the
  article table's ``live_*`` columns by triggers, so the index changes in the
  same transaction as the live copy (approval, archive). Ranked by ``bm25``
  with the title weighted above the summary above the body; past
  SQLITE_CANDIDATES matches, the first SQLITE_CANDIDATES by rowid, unranked
  (bm25's statistics would read every match in the table).
* **PostgreSQL**: a weighted ``tsvector`` of the same three columns, stored
  in ``search_document`` by a trigger and indexed with GIN (migration 0008),
  ranked by ``ts_rank`` over a bounded set of candidates.

Only ``live_title``, ``live_summary`` and ``live_text`` are indexed; the
working copy never is. Results always come from
``Article.objects.published()``.

Forgiving search (issue 14): a query is cut into *slots*, one per word the
reader typed (stop words dropped) or per phrase a clinician's
:class:`~articles.models.SearchSynonym` names. A slot matches a guide when
any of its alternatives does: the word itself, the synonym's expansions, or
the spelling correction of a word that no live guide contains. Guides are
matched with OR and must match at least half of the slots; those matching
more slots come first, then by the engine's rank (bm25 or ts_rank).
Spelling is corrected against :func:`vocabulary`, the words of live titles
and public topics (names, generic and brand names, drug class): by
RapidFuzz's Levenshtein distance on SQLite, by ``pg_trgm`` similarity on
PostgreSQL.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from typing import cast

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.core.cache import cache
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.functions import Left
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from articles.models import Article, SearchSynonym, Topic
from articles.signals import public_changed, send_public_changed_on_commit

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
MAX_TERMS = 10
RESULTS_LIMIT = 20
# Markers that cannot occur in article text; replaced by <mark> after escaping.
_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+")
# Words of the vocabulary: letters only, four or more (shorter words are
# too alike for a correction to be trustworthy).
_VOCABULARY_WORD = re.compile(r"[^\W\d_]{4,}")
# Snowball's English stop words, the list PostgreSQL's 'english'
# configuration drops, so both engines count the same slots.
STOP_WORDS = frozenset((
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours",
    "yourself", "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself",
    "it", "its", "itself", "they", "them", "their", "theirs", "themselves", "what", "which",
    "who", "whom", "this", "that", "these", "those", "am", "is", "are", "was", "were", "be",
    "been", "being", "have", "has", "had", "having", "do", "does", "did", "doing", "a", "an",
    "the", "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by", "for",
    "with", "about", "against", "between", "into", "through", "during", "before", "after",
    "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under",
    "again", "further", "then", "once", "here", "there", "when", "where", "why", "how", "all",
    "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not",
    "only", "own", "same", "so", "than", "too", "very", "s", "t", "can", "will", "just", "don",
    "should", "now",
))  # fmt: skip
MAX_EXPANSIONS = 5
# Spelling: only words of this many letters are corrected, and a correction
# may differ by at most one edit up to SHORT_WORD letters, two beyond.
CORRECT_MIN, CORRECT_MAX, SHORT_WORD = 4, 40, 5
# pg_trgm similarity (0-1) a correction needs on PostgreSQL.
TRIGRAM_THRESHOLD = 0.4
VOCABULARY_KEY = "articles.search.vocabulary"
# The vocabulary is also dropped whenever public text changes (public_changed).
VOCABULARY_SECONDS = 300

FTS_TABLE = "article_search"
SQLITE_SCHEMA = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5(
        title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS article_search_insert
        AFTER INSERT ON articles_article WHEN NEW.live_version IS NOT NULL BEGIN
            INSERT INTO article_search(rowid, title, summary, body)
            VALUES (NEW.id, NEW.live_title, NEW.live_summary, NEW.live_text);
        END""",
    """CREATE TRIGGER IF NOT EXISTS article_search_update
        AFTER UPDATE ON articles_article BEGIN
            DELETE FROM article_search WHERE rowid = OLD.id;
            INSERT INTO article_search(rowid, title, summary, body)
            SELECT NEW.id, NEW.live_title, NEW.live_summary, NEW.live_text
            WHERE NEW.live_version IS NOT NULL;
        END""",
    """CREATE TRIGGER IF NOT EXISTS article_search_delete
        AFTER DELETE ON articles_article BEGIN
            DELETE FROM article_search WHERE rowid = OLD.id;
        END""",
]
SQLITE_REBUILD = [
    "DELETE FROM article_search",
    """INSERT INTO article_search(rowid, title, summary, body)
        SELECT id, live_title, live_summary, live_text FROM articles_article
        WHERE live_version IS NOT NULL""",
]


# PostgreSQL: the weighted document is stored in a column that a trigger
# keeps in step with the live copy (migration 0008 holds its SQL), so
# neither filtering nor ranking re-reads the text. Ranking is done over at most PG_CANDIDATES
# matches (guides in physical order), so a word found in every guide costs
# the same as a rare one; the weights put title matches first.
# Each candidate costs reading its stored document (and ts_rank on it): at
# 100,000 guides, 1,000 candidates took about twice the time of 500.
PG_CANDIDATES = 500
# SQLite ranks by bm25 when a query has fewer matches than this, and past it
# takes this many unranked (_search_sqlite); the bound costs little there.
SQLITE_CANDIDATES = 1000
# SQLite's largest rowid: the bound when a query has fewer than SQLITE_CANDIDATES matches.
_MAX_ROWID = 2**63 - 1


def ensure_sqlite_index(db: BaseDatabaseWrapper, *, rebuild: bool = False) -> None:
    """Create the FTS5 table and triggers if missing. Rebuilding the article
    table (as SQLite migrations do) drops its triggers, so this runs after
    every migrate, and refills the index when it had to recreate anything."""
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            ["article_search_%"],
        )
        rebuild = rebuild or cursor.fetchone()[0] != 3
        for statement in SQLITE_SCHEMA:
            cursor.execute(statement)
        if rebuild:
            for statement in SQLITE_REBUILD:
                cursor.execute(statement)


@dataclass(frozen=True)
class Slot:
    """One thing the reader asked about. ``label`` is what the results page
    calls it (the word as corrected, or the synonym's term); ``alternatives``
    are the words or phrases (lower case, single spaces) any of which counts
    as a match, the reader's own first."""

    label: str
    alternatives: tuple[str, ...]
    typed: str
    correction: str | None = None


@dataclass(frozen=True)
class Hit:
    article: Article
    snippet: SafeString
    matched: tuple[str, ...] = ()
    """Labels of the slots this guide matches, in the order typed."""


@dataclass(frozen=True)
class SearchResults:
    """What one search found: ``hits`` best first, the ``slots`` searched
    for, ``unmatched`` (labels of slots no hit matches) and ``suggestion``,
    the query with its spelling corrected ("" when nothing was corrected)."""

    hits: list[Hit] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    suggestion: str = ""


def terms(query: str) -> list[str]:
    """The words of a query, bounded, with all punctuation and syntax dropped."""
    return _WORD.findall(query[:MAX_QUERY_CHARS].casefold())[:MAX_TERMS]


def search(query: str, *, limit: int = RESULTS_LIMIT) -> list[Hit]:
    """Published articles matching at least half of the words of ``query``
    (or their synonyms or corrected spellings), best first; at most ``limit``."""
    return search_page(query, limit=limit).hits


def search_page(query: str, *, limit: int = RESULTS_LIMIT) -> SearchResults:
    """Search, with what the results page explains: the slots, the words no
    result matched and a spelling suggestion. At most seven queries (three of
    them only when a word is misspelt and the vocabulary is not cached)."""
    words = terms(query)
    slots = _correct(_slots(words))
    if not slots:
        return SearchResults()
    needed = math.ceil(len(slots) / 2)
    if connection.vendor == "postgresql":
        hits = _search_postgresql(slots, needed, limit)
    else:
        hits = _search_sqlite(slots, needed, limit)
    matched = {label for hit in hits for label in hit.matched}
    corrections = {slot.typed: slot.correction for slot in slots if slot.correction}
    return SearchResults(
        hits=hits,
        slots=slots,
        unmatched=[slot.label for slot in slots if slot.label not in matched],
        suggestion=" ".join(corrections.get(word, word) for word in words) if corrections else "",
    )


def _slots(words: list[str]) -> list[Slot]:
    """Group ``words`` into slots: the longest run of up to three words that
    is a synonym's term becomes one slot; every other word that is not a
    stop word is a slot of its own. One query."""
    grams = {" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
    synonyms = {
        synonym.term: synonym.expansion_list[:MAX_EXPANSIONS]
        for synonym in SearchSynonym.objects.filter(term__in=grams).only("term", "expansions")
    }
    slots: list[Slot] = []
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            term = " ".join(words[i : i + n])
            if len(words) - i >= n and term in synonyms:
                alternatives = dict.fromkeys([term, *synonyms[term]])
                slots.append(Slot(label=term, alternatives=tuple(alternatives), typed=term))
                i += n
                break
        else:
            if words[i] not in STOP_WORDS and words[i] not in {s.typed for s in slots}:
                slots.append(Slot(label=words[i], alternatives=(words[i],), typed=words[i]))
            i += 1
    return slots


def _correct(slots: list[Slot]) -> list[Slot]:
    """Add a spelling correction to each single word that no live guide
    contains and that is close to a word of the :func:`vocabulary`."""
    candidates = [
        slot.typed for slot in slots
        if len(slot.alternatives) == 1 and slot.typed.isalpha()
        and CORRECT_MIN <= len(slot.typed) <= CORRECT_MAX
    ]  # fmt: skip
    if not candidates:
        return slots
    missing = _missing(candidates)
    if not missing:
        return slots
    if connection.vendor == "postgresql":
        corrections = _corrections_postgresql(missing, vocabulary())
    else:
        corrections = _corrections_sqlite(missing, vocabulary())
    return [
        Slot(label=fix, alternatives=(slot.typed, fix), typed=slot.typed, correction=fix)
        if (fix := corrections.get(slot.typed)) and len(slot.alternatives) == 1
        else slot
        for slot in slots
    ]


def _missing(words: list[str]) -> list[str]:
    """The words of ``words`` that no published guide contains. One query."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            found = ", ".join(
                """EXISTS (SELECT 1 FROM articles_article WHERE live_version IS NOT NULL
                    AND search_document @@ plainto_tsquery('english', %s))"""
                for _ in words
            )
            cursor.execute(f"SELECT {found}", words)
        else:
            found = ", ".join(
                "EXISTS (SELECT 1 FROM article_search WHERE article_search MATCH %s)" for _ in words
            )
            cursor.execute(f"SELECT {found}", [_fts_phrase(w) for w in words])
        row = cursor.fetchone()
    return [word for word, exists in zip(words, row, strict=True) if not exists]


def vocabulary() -> list[str]:
    """The words spelling is corrected against, sorted: every word of four
    or more letters in the live titles of published guides, in public
    topics (name, description, generic name, brand names, drug class) and in
    synonym terms, lower case. Kept in the cache for VOCABULARY_SECONDS and
    dropped when public text or a synonym changes; three queries otherwise."""
    try:
        cached = cache.get(VOCABULARY_KEY)
    except Exception:
        logger.warning("search vocabulary: cache unavailable", exc_info=True)
        cached = None
    if cached is not None:
        return cached
    # In live_title's order, which the public title index covers (index
    # only); the model's default order reads every row, bodies and all.
    titles = Article.objects.published().order_by("live_title").values_list("live_title", flat=True)
    texts: list[str] = list(titles)
    for row in Topic.objects.public().values_list(
        "live_name", "live_description", "live_nonproprietary_name", "live_alternate_names",
        "live_drug_class",
    ):  # fmt: skip
        texts.extend(row)
    texts.extend(SearchSynonym.objects.values_list("term", flat=True))
    words = sorted({word for text in texts for word in _VOCABULARY_WORD.findall(text.casefold())})
    try:
        cache.set(VOCABULARY_KEY, words, VOCABULARY_SECONDS)
    except Exception:
        logger.warning("search vocabulary: cache unavailable", exc_info=True)
    return words


@receiver(public_changed, dispatch_uid="articles.search.forget_vocabulary")
def forget_vocabulary(**kwargs: object) -> None:
    """Receiver of ``public_changed``: the next search rebuilds the vocabulary."""
    try:
        cache.delete(VOCABULARY_KEY)
    except Exception:
        logger.warning("search vocabulary: cache unavailable", exc_info=True)


@receiver(post_save, sender=SearchSynonym, dispatch_uid="articles.search.synonym_saved")
@receiver(post_delete, sender=SearchSynonym, dispatch_uid="articles.search.synonym_deleted")
def synonym_changed(sender: type[SearchSynonym], **kwargs: object) -> None:
    """A synonym is public as soon as it is saved: cached search pages and
    the vocabulary go once the change commits."""
    send_public_changed_on_commit(sender, pages_validated=False)


def _corrections_sqlite(words: list[str], known: list[str]) -> dict[str, str]:
    """Each word's nearest vocabulary word by Levenshtein distance (one edit
    for short words, two for longer ones), ties to the first alphabetically."""
    corrections = {}
    for word in words:
        best = process.extractOne(
            word, known, scorer=Levenshtein.distance,
            score_cutoff=1 if len(word) <= SHORT_WORD else 2,
        )  # fmt: skip
        if best:
            corrections[word] = best[0]
    return corrections


def _corrections_postgresql(words: list[str], known: list[str]) -> dict[str, str]:
    """Each word's most similar vocabulary word by pg_trgm trigram similarity
    (at least TRIGRAM_THRESHOLD), ties to the first alphabetically. One query."""
    if not known:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT w.word, (SELECT v FROM unnest(%s::text[]) AS v
                    WHERE similarity(v, w.word) >= %s
                    ORDER BY similarity(v, w.word) DESC, v LIMIT 1)
               FROM unnest(%s::text[]) AS w(word)""",
            [known, TRIGRAM_THRESHOLD, words],
        )
        return {word: fix for word, fix in cursor.fetchall() if fix}


def _highlight(snippet: str) -> SafeString:
    return mark_safe(  # noqa: S308 - escaped first; only our own <mark> is added
        escape(snippet).replace(_START, "<mark>").replace(_STOP, "</mark>")
    )


def _best(rows: list[tuple[int, list[bool]]], slots: list[Slot], needed: int,
          limit: int) -> list[tuple[int, tuple[str, ...]]]:  # fmt: skip
    """From candidates in rank order with their per-slot matches, those
    matching at least ``needed`` slots, more slots first, as (pk, labels)."""
    kept = [
        (pk, tuple(slot.label for slot, hit in zip(slots, flags, strict=True) if hit))
        for pk, flags in rows
    ]
    kept = [(pk, labels) for pk, labels in kept if len(labels) >= needed]
    kept.sort(key=lambda row: -len(row[1]))  # stable: rank order within a count
    return kept[:limit]


def _fts_phrase(text: str) -> str:
    """An FTS5 phrase for ``text``: its words, quoted, so no syntax survives."""
    return '"' + " ".join(_WORD.findall(text)) + '"'


def _fts_slot(slot: Slot) -> str:
    return "(" + " OR ".join(_fts_phrase(alt) for alt in slot.alternatives) + ")"


# The rowid of the SQLITE_CANDIDATES-th match of a query (NULL with fewer
# matches): SQLite ranks at most the matches up to it, as PostgreSQL does.
# A rowid range is applied by FTS5 within its scan (``rowid IN (...)``
# would restart the query, bm25's statistics included, for every value).
_SQLITE_BOUND = """(SELECT rowid FROM article_search WHERE article_search MATCH %s
    ORDER BY rowid LIMIT 1 OFFSET %s)"""


def _search_sqlite(slots: list[Slot], needed: int, limit: int) -> list[Hit]:
    match = " OR ".join(_fts_slot(slot) for slot in slots)
    bound: list[str | int] = [match, SQLITE_CANDIDATES - 1]
    within = f"rowid <= coalesce({_SQLITE_BOUND}, {_MAX_ROWID})"
    # Past SQLITE_CANDIDATES matches the candidates are not ranked by bm25,
    # whose statistics read every match of every word in the table, the
    # bound regardless (a word in every guide: every guide); they stay in
    # rowid order, and _best still puts guides matching more slots first.
    sql = f"""SELECT -1, rowid, score FROM (
            SELECT rowid, CASE WHEN {_SQLITE_BOUND} IS NULL
                THEN bm25(article_search, 10.0, 4.0, 1.0) ELSE rowid END AS score
            FROM article_search WHERE article_search MATCH %s AND {within}
            ORDER BY score, rowid LIMIT %s)"""  # noqa: S608 - placeholders only
    wanted = limit if len(slots) == 1 else SQLITE_CANDIDATES
    params: list[str | int] = [*bound, match, *bound, wanted]
    if len(slots) > 1:
        # Which slots each candidate matches: the matches of each slot
        # within the same range (at most SQLITE_CANDIDATES rows each).
        for i, slot in enumerate(slots):
            sql += f"""
                UNION ALL SELECT {i}, rowid, NULL FROM article_search
                WHERE article_search MATCH %s AND {within}"""  # noqa: S608 - placeholders
            params += [_fts_slot(slot), *bound]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
        scored = sorted((score, pk) for slot, pk, score in found if slot == -1)
        candidates = [pk for _, pk in scored]
        if len(slots) == 1:
            # Every match matches the one slot.
            ranked: list[tuple[int, tuple[str, ...]]] = [
                (pk, (slots[0].label,)) for pk in candidates
            ]
        else:
            matching: list[set[int]] = [set() for _ in slots]
            for slot, pk, _ in found:
                if slot >= 0:
                    matching[slot].add(pk)
            rows = [(pk, [pk in each for each in matching]) for pk in candidates]
            ranked = _best(rows, slots, needed, limit)
        snippets: dict[int, str] = {}
        if ranked:
            # Snippets only for the page of results.
            cursor.execute(
                f"""SELECT rowid, snippet(article_search, 2, %s, %s, '…', 30)
                    FROM article_search WHERE article_search MATCH %s
                    AND rowid IN ({", ".join("%s" for _ in ranked)})""",  # noqa: S608
                [_START, _STOP, match, *(pk for pk, _ in ranked)],
            )
            snippets = dict(cursor.fetchall())
    if not ranked:
        return []
    articles = Article.objects.published().only("slug", "live_slug", "live_title", "live_summary")
    found = articles.in_bulk([pk for pk, _ in ranked])
    return [
        Hit(found[pk], _highlight(snippets.get(pk, "")), labels)
        for pk, labels in ranked
        if pk in found
    ]


def _pg_slot(slot: Slot) -> tuple[str, list[str]]:
    """SQL for a tsquery matching any alternative of ``slot``, and its parameters."""
    sql = " || ".join("phraseto_tsquery('english', %s)" for _ in slot.alternatives)
    return f"({sql})", list(slot.alternatives)


def _search_postgresql(slots: list[Slot], needed: int, limit: int) -> list[Hit]:
    parts = [_pg_slot(slot) for slot in slots]
    query_sql = " || ".join(sql for sql, _ in parts)
    query_params = [param for _, params in parts for param in params]
    flags = ", ".join(f"c.search_document @@ {sql}" for sql, _ in parts)
    # One slot: every candidate matches it, so only a page is needed.
    rows = limit if len(slots) == 1 else PG_CANDIDATES
    with connection.cursor() as cursor:
        # The query comes from q, not written out in the candidates' WHERE:
        # as a constant the planner estimates it from the column's
        # statistics, and a word found in no guide can be estimated as
        # common (every word of a small vocabulary is), so it reads the table
        # in id order for PG_CANDIDATES matches that never come (a statement
        # timeout at 100,000 guides). Hidden, it is always the GIN index,
        # whose bitmap is read in block order, the same order every time.
        cursor.execute(
            f"""WITH q AS (SELECT {query_sql} AS query),
                candidates AS (
                    SELECT a.id, a.search_document FROM articles_article a, q
                    WHERE a.live_version IS NOT NULL AND a.search_document @@ q.query
                    LIMIT %s)
               SELECT c.id, ARRAY[{flags}] FROM candidates c, q
               ORDER BY ts_rank('{{0.2, 0.4, 0.6, 1.0}}', c.search_document, q.query) DESC, c.id
               LIMIT %s""",  # noqa: S608 - placeholders only
            [*query_params, PG_CANDIDATES, *query_params, rows],
        )
        ranked = _best(cursor.fetchall(), slots, needed, limit)
    if not ranked:
        return []
    query = None
    for slot in slots:
        for alternative in slot.alternatives:
            part = SearchQuery(alternative, search_type="phrase", config="english")
            query = part if query is None else query | part
    # Snippets only for the page of results, from the start of each text.
    found = Article.objects.published().filter(pk__in=[pk for pk, _ in ranked]).annotate(
        snippet=SearchHeadline(
            # ``slots`` is never empty, so ``query`` is set.
            Left("live_text", 4000), cast(SearchQuery, query), config="english", start_sel=_START,
            stop_sel=_STOP, max_words=35, min_words=15, max_fragments=2,
            fragment_delimiter=" … ",
        )
    ).only("slug", "live_slug", "live_title", "live_summary").in_bulk()  # fmt: skip
    return [
        # django-stubs' in_bulk drops the queryset's annotations (``snippet``).
        Hit(found[pk], _highlight(found[pk].snippet), labels)  # type: ignore[attr-defined]
        for pk, labels in ranked
        if pk in found
    ]
