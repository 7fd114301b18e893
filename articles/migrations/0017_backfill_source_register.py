"""
Fill the source register (migration 0016) from the references guides
already cite: one source per normalised web address, titled as the first
reference citing it (lowest id), and every reference with an address
pointed at its source. Versions and their hashes are untouched: a version
keeps its sources as JSON, and the register is not part of it.

``normalise`` is a frozen copy of ``articles.models.normalise_url`` as it
was when this was written (migrations are history). Reversing it only
unlinks the references; 0016's reversal drops the register.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.db import migrations


def normalise(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not scheme or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port is None or port == default else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def backfill(apps, schema_editor):
    Reference = apps.get_model("articles", "Reference")
    Source = apps.get_model("articles", "Source")
    pending = list(Reference.objects.filter(source__isnull=True).exclude(url="").order_by("pk"))
    keys = {ref.pk: normalise(ref.url) for ref in pending}
    known = {s.url: s for s in Source.objects.filter(url__in=set(keys.values()))}
    new = {}
    for ref in pending:
        key = keys[ref.pk]
        if key and key not in known and key not in new:
            new[key] = Source(url=key, title=ref.title[:300], publisher=ref.publisher[:200])
    Source.objects.bulk_create(new.values(), batch_size=500)
    known.update({s.url: s for s in Source.objects.filter(url__in=list(new))})
    linked = []
    for ref in pending:
        source = known.get(keys[ref.pk])
        if source is not None:
            ref.source = source
            linked.append(ref)
    Reference.objects.bulk_update(linked, ["source"], batch_size=500)


def unlink(apps, schema_editor):
    apps.get_model("articles", "Reference").objects.update(source=None)


class Migration(migrations.Migration):
    dependencies = [("articles", "0016_source_register")]

    operations = [migrations.RunPython(backfill, unlink)]
