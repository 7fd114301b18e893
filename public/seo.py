"""What search engines read: schema.org ``MedicalWebPage`` JSON-LD, built
from the same live fields the page shows (see templates/public/
article_detail.html and public/includes/trust_block.html)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from articles.models import Article, Topic


def local_date(value: datetime | None) -> str | None:
    """The date as the page shows it (the ``|date`` filter uses local time)."""
    return timezone.localtime(value).date().isoformat() if value else None


def reviewer(article: Article) -> dict[str, str] | None:
    """The reviewer exactly as the trust block names them: as recorded with
    the approval of the live version (``live_reviewer``)."""
    recorded = article.live_reviewer or {}
    if article.last_reviewed is None or not recorded.get("name"):
        return None
    person = {"@type": "Person", "name": recorded["name"]}
    if recorded.get("credentials"):
        person["honorificSuffix"] = recorded["credentials"]
    if recorded.get("job_title"):
        person["jobTitle"] = recorded["job_title"]
    return person


def drug(topic: Topic) -> dict[str, Any]:
    """The topic's approved text as a schema.org ``Drug``."""
    entity: dict[str, Any] = {
        "@type": "Drug",
        "name": topic.live_name,
        "nonProprietaryName": topic.live_nonproprietary_name,
    }
    if topic.alternate_name_list:
        entity["alternateName"] = topic.alternate_name_list
    if topic.live_drug_class:
        entity["drugClass"] = {"@type": "DrugClass", "name": topic.live_drug_class}
    return entity


def medical_web_page(
    article: Article,
    *,
    url: str,
    topics: Iterable[Topic],
    site_name: str,
    site_url: str,
    language: str,
) -> dict[str, Any]:
    organisation = {"@type": "Organization", "name": site_name, "url": site_url}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.live_title,
        "headline": article.live_title,
        "description": article.live_summary,
        "url": url,
        "inLanguage": language,
        "datePublished": local_date(article.published_at),
        "dateModified": local_date(article.live_updated_at),
        "author": organisation,
        "publisher": organisation,
        "medicalAudience": {"@type": "MedicalAudience", "audienceType": "Patient"},
    }
    if article.last_reviewed:
        data["lastReviewed"] = local_date(article.last_reviewed)
    person = reviewer(article)
    if person:
        data["reviewedBy"] = person
    drugs = [drug(topic) for topic in topics if topic.is_medicine]
    if drugs:
        data["about"] = drugs[0] if len(drugs) == 1 else drugs
    return {key: value for key, value in data.items() if value is not None}
