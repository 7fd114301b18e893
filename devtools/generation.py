"""
Synthetic guides for benchmarks and load tests.

Everything made here is known by its slug (``generated-000000`` ... for
guides, ``generated-<condition>-<n>`` for topics), so it can be found and
removed again without a column for it in the production schema.
Bodies come from a small pool that is rendered once, so 100,000 articles
cost 100,000 rows, not 100,000 Markdown renders.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from articles.models import (
    Article,
    Reference,
    Revision,
    Topic,
    TopicRevision,
    plain_text,
    sources_snapshot,
)
from articles.rendering import render

BATCH = 1000
POOL = 48
TOPICS = 40

# fmt: off
_WORDS = [
    "medicine", "dose", "tablet", "doctor", "pharmacist", "nurse", "advice", "side", "effects",
    "symptoms", "treatment", "sleep", "anxiety", "pain", "blood", "pressure", "heart",
    "infection", "allergy", "children", "pregnancy", "breastfeeding", "alcohol", "driving",
    "dizziness", "nausea", "headache", "rash", "swelling", "breathing", "prescription",
    "repeat", "review", "appointment", "daily", "weekly", "morning", "evening", "water",
    "food", "risk", "benefit", "short", "term", "long", "term", "withdrawal", "dependence",
    "stop", "start", "slowly", "gradually", "kidneys", "liver", "stomach", "skin", "muscles",
    "joints", "memory", "mood", "energy", "exercise", "diet", "rest",
]
# fmt: on
_HEADINGS = [
    "What it is used for",
    "Who can take it",
    "How to take it",
    "Side effects",
    "Serious side effects",
    "Taking it with other medicines",
    "Pregnancy and breastfeeding",
    "If you forget a dose",
    "If you take too much",
    "Stopping treatment",
    "Living with it",
    "When to get help",
    "Common questions",
]  # fmt: skip
_CONDITIONS = [
    "asthma", "eczema", "migraine", "insomnia", "arthritis", "diabetes", "hay fever",
    "back pain", "acne", "gout", "angina", "psoriasis", "anaemia", "sciatica", "tinnitus",
]  # fmt: skip


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 18))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _body(rng: random.Random) -> str:
    target = rng.randint(800, 3000)
    parts: list[str] = []
    words = 0
    if rng.random() < 0.5:
        parts.append('!!! warning "Important"\n    ' + _sentence(rng) + " " + _sentence(rng))
    headings = rng.sample(_HEADINGS, k=len(_HEADINGS))
    while words < target:
        parts.append("## " + headings[len(parts) % len(headings)])
        for _ in range(rng.randint(1, 3)):
            paragraph = " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
            parts.append(paragraph)
            words += len(paragraph.split())
        if rng.random() < 0.6:
            marker = "1." if rng.random() < 0.5 else "-"
            items = [f"{marker} {_sentence(rng)}" for _ in range(rng.randint(3, 6))]
            parts.append("\n".join(items))
            words += sum(len(item.split()) for item in items)
    return "\n\n".join(parts) + "\n"


@dataclass(frozen=True)
class _PoolEntry:
    body: str
    html: str
    headings: list[dict]
    text: str


def _pool(seed: int) -> list[_PoolEntry]:
    rng = random.Random(seed)  # noqa: S311 - synthetic text, not security
    entries = []
    for _ in range(POOL):
        body = _body(rng)
        rendered = render(body)
        entries.append(
            _PoolEntry(
                body=body,
                html=rendered.html,
                headings=[
                    {"id": h.id, "text": h.text, "level": h.level} for h in rendered.headings
                ],
                text=plain_text(rendered.html),
            )
        )
    return entries


def _topic_names() -> list[tuple[str, str]]:
    """(name, slug) of the ``TOPICS`` generated topics."""
    rounds = range(TOPICS // len(_CONDITIONS) + 1)
    names = [(f"{c.title()} {n}", f"generated-{c.replace(' ', '-')}-{n}")
             for n in rounds for c in _CONDITIONS]  # fmt: skip
    return names[:TOPICS]


# A generated guide's slug: the ones ``_slug`` makes, and nothing else.
GENERATED_SLUG = r"^generated-[0-9]{6}$"


def generated_articles() -> QuerySet[Article]:
    """The articles this module made (found by their slugs)."""
    return Article.objects.filter(slug__regex=GENERATED_SLUG)


def generated_topics() -> QuerySet[Topic]:
    """The topics this module made (found by their slugs)."""
    return Topic.objects.filter(slug__in=[slug for _, slug in _topic_names()])


def _topics() -> list[Topic]:
    wanted = _topic_names()
    existing = {t.slug: t for t in generated_topics()}
    # Generated topics are public at once, like the generated guides.
    made = Topic.objects.bulk_create(
        [
            Topic(
                name=name, slug=slug, description=f"Generated topic about {name}.",
                live_version=1, live_name=name,
                live_description=f"Generated topic about {name}.", live_updated_at=timezone.now(),
            )
            for name, slug in wanted
            if slug not in existing
        ]
    )  # fmt: skip
    made_topics = list(Topic.objects.filter(slug__in=[t.slug for t in made]))
    revisions = []
    for topic in made_topics:
        revision = TopicRevision(topic=topic, number=1, **topic.working_snapshot())
        revision.content_hash = revision.compute_hash()
        revisions.append(revision)
    TopicRevision.objects.bulk_create(revisions)
    return list(generated_topics().order_by("pk"))


def generate(*, count: int, publish: bool, seed: int = 1,
             progress: Callable[[int], object] | None = None) -> int:  # fmt: skip
    """Make sure ``count`` generated articles exist (``generated-000000`` ...).
    Existing ones are kept, so running it again adds nothing. Returns how
    many were created."""
    pool = _pool(seed)
    topics = _topics()
    created = 0
    for start in range(0, count, BATCH):
        indexes = range(start, min(start + BATCH, count))
        slugs = [_slug(i) for i in indexes]
        present = set(Article.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        missing = [i for i in indexes if _slug(i) not in present]
        if missing:
            created += _create_batch(missing, pool=pool, topics=topics, publish=publish)
        if progress:
            progress(len(indexes))
    return created


def _slug(index: int) -> str:
    return f"generated-{index:06d}"


@transaction.atomic
def _create_batch(indexes: list[int], *, pool: list[_PoolEntry], topics: list[Topic],
                  publish: bool) -> int:  # fmt: skip
    now = timezone.now()
    rng = random.Random(indexes[0])  # noqa: S311 - synthetic text, not security
    articles, sources, chosen = [], {}, {}
    for i in indexes:
        entry = pool[i % len(pool)]
        condition = _CONDITIONS[i % len(_CONDITIONS)]
        title = f"{condition.capitalize()}: guide {i}"
        summary = f"How to manage {condition}, what treatment involves, and when to get help."
        when = now - timedelta(minutes=i)
        slug = _slug(i)
        sources[slug] = sources_snapshot([
            {"order": n, "title": f"Source {n} for {title}",
             "publisher": rng.choice(["NICE", "MHRA", "NHS", "BNF"]),
             "url": f"https://example.org/sources/{slug}/{n}",
             "date_accessed": date(2026, 1, 1) + timedelta(days=n)}
            for n in range(1, rng.randint(2, 4) + 1)
        ])  # fmt: skip
        chosen[slug] = rng.sample(topics, k=rng.randint(1, 3))
        live = {
            "live_version": 1, "live_title": title, "live_slug": slug, "live_summary": summary,
            "live_body_html": entry.html, "live_headings": entry.headings,
            "live_text": entry.text, "live_sources": sources[slug], "published_at": when,
            "live_updated_at": when, "status": Article.Status.PUBLISHED,
        } if publish else {"status": Article.Status.DRAFT}  # fmt: skip
        articles.append(
            Article(
                title=title,
                slug=slug,
                summary=summary,
                body=entry.body,
                created_at=when,
                **live,
            )
        )
    Article.objects.bulk_create(articles, batch_size=250)
    if any(a.pk is None for a in articles):  # backends without RETURNING
        ids = dict(Article.objects.filter(slug__in=[a.slug for a in articles])
                   .values_list("slug", "pk"))  # fmt: skip
        for article in articles:
            article.pk = ids[article.slug]
    revisions = []
    for a in articles:
        revision = Revision(
            article_id=a.pk, number=1, title=a.title, slug=a.slug, summary=a.summary,
            body=a.body, topics=sorted(t.slug for t in chosen[a.slug]), sources=sources[a.slug],
            created_at=now,
        )  # fmt: skip
        revision.content_hash = revision.compute_hash()
        revisions.append(revision)
    Revision.objects.bulk_create(revisions, batch_size=500)
    Reference.objects.bulk_create(
        # source_snapshot wrote each (always given) date as ISO text.
        (Reference(article_id=a.pk, **{**source, "date_accessed": date.fromisoformat(
            cast(str, source["date_accessed"]))}) for a in articles for source in sources[a.slug]),
        batch_size=1000,
    )  # fmt: skip
    links = [(a.pk, t.pk) for a in articles for t in chosen[a.slug]]
    through = Article.topics.through
    through.objects.bulk_create(
        (through(article_id=a, topic_id=t) for a, t in links), batch_size=1000
    )
    if publish:
        live_through = Article.live_topics.through
        live_through.objects.bulk_create(
            (live_through(article_id=a, topic_id=t) for a, t in links), batch_size=1000
        )
    return len(articles)


def _chunks(queryset_ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(queryset_ids), size):
        yield queryset_ids[start : start + size]


def remove_generated(progress: Callable[[int], object] | None = None) -> int:
    """Delete every generated article (with its versions, sources and topic
    links) and every generated topic. Returns how many articles went."""
    ids = list(generated_articles().values_list("pk", flat=True))
    for chunk in _chunks(ids, BATCH):
        with transaction.atomic():
            Article.topics.through.objects.filter(article_id__in=chunk).delete()
            Article.live_topics.through.objects.filter(article_id__in=chunk).delete()
            Reference.objects.filter(article_id__in=chunk).delete()
            Revision.objects.filter(article_id__in=chunk).delete()
            Article.history.filter(id__in=chunk).delete()
            Article.objects.filter(pk__in=chunk).delete()
        if progress:
            progress(len(chunk))
    TopicRevision.objects.filter(topic__in=generated_topics()).delete()
    generated_topics().delete()
    return len(ids)
