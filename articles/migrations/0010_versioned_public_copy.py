"""Everything a reader sees about a guide comes from its approved version.

Versions now hold the slug, topics, sources and correction note too (hash
scheme 2). Existing versions keep their scheme-1 hashes (title, summary and
body), so every recorded review still matches its version; their new fields
are filled from the article as it is now, the best record there is. Live
guides keep their public address, topics and sources (live_slug,
live_topics, live_sources), reviews record their reviewer's public name
from the profile as it is now, and every existing topic becomes its approved
version 1, since readers already see it. Everything the data steps need is
copied here, not imported, so later code cannot change what this migration
does.
"""

import hashlib
import json

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

TOPIC_FIELDS = [
    "name",
    "slug",
    "description",
    "nonproprietary_name",
    "alternate_names",
    "drug_class",
]
NEW_PERMISSIONS = {
    "Editors": ["view_topicrevision", "view_topicreview", "view_historicalreviewerprofile"],
    "Clinical reviewers": [
        "view_topicrevision",
        "view_topicreview",
        "add_reviewerprofile",
        "view_historicalreviewerprofile",
    ],
}


def _sources(references):
    items = [
        {
            "order": int(r.order or 0),
            "title": r.title,
            "publisher": r.publisher,
            "url": r.url,
            "date_accessed": r.date_accessed.isoformat() if r.date_accessed else None,
        }
        for r in references
    ]
    return sorted(items, key=lambda s: (s["order"], s["title"], s["publisher"], s["url"]))


def fill_versions_and_live_copy(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Revision = apps.get_model("articles", "Revision")
    Review = apps.get_model("articles", "Review")
    ReviewerProfile = apps.get_model("articles", "ReviewerProfile")
    Topic = apps.get_model("articles", "Topic")
    TopicRevision = apps.get_model("articles", "TopicRevision")
    for topic in Topic.objects.all():
        values = {name: getattr(topic, name) for name in TOPIC_FIELDS}
        payload = json.dumps([[name, values[name]] for name in TOPIC_FIELDS], ensure_ascii=False)
        TopicRevision.objects.create(
            topic=topic,
            number=1,
            created_at=topic.updated_at,
            content_hash=hashlib.sha256(payload.encode("utf-8")).hexdigest(),
            **values,
        )
        Topic.objects.filter(pk=topic.pk).update(
            live_version=1,
            live_name=topic.name,
            live_description=topic.description,
            live_nonproprietary_name=topic.nonproprietary_name,
            live_alternate_names=topic.alternate_names,
            live_drug_class=topic.drug_class,
            live_updated_at=topic.updated_at,
        )
    profiles = {p.user_id: p for p in ReviewerProfile.objects.all()}
    for review in Review.objects.all():
        profile = profiles.get(review.reviewer_id)
        if profile is not None:
            Review.objects.filter(pk=review.pk).update(
                reviewer_name=profile.display_name,
                reviewer_credentials=profile.credentials,
                reviewer_job_title=profile.job_title,
                reviewer_registration_body=profile.registration_body,
                reviewer_registration_number=profile.registration_number,
            )
    for article in Article.objects.all():
        topics = sorted(article.topics.values_list("slug", flat=True))
        sources = _sources(article.references.all())
        Revision.objects.filter(article=article).update(
            slug=article.slug, topics=topics, sources=sources, hash_scheme=1
        )
        if article.live_version is None:
            continue
        article.live_slug = article.slug
        article.live_sources = sources
        approval = (
            Review.objects.filter(
                article=article, decision="approved", revision__number=article.live_version
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        reviewer = {}
        if approval is not None and approval.reviewer_name:
            reviewer = {
                key: value
                for key, value in {
                    "name": approval.reviewer_name,
                    "credentials": approval.reviewer_credentials,
                    "job_title": approval.reviewer_job_title,
                    "registration_body": approval.reviewer_registration_body,
                    "registration_number": approval.reviewer_registration_number,
                }.items()
                if value
            }
        Article.objects.filter(pk=article.pk).update(
            live_slug=article.slug, live_sources=sources, live_reviewer=reviewer
        )
        article.live_topics.set(article.topics.all())


def give_roles_new_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; create them now
    # so the groups can be given them.
    app_config = apps.get_app_config("articles")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in NEW_PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="articles", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_public_partial_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="live_reviewer",
            field=models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                help_text="The reviewer's public name, credentials and registration as recorded with the approval of the live version.",
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="live_slug",
            field=models.SlugField(
                blank=True,
                editable=False,
                help_text="The slug of the approved version: the page's public address.",
                max_length=200,
                null=True,
                unique=True,
                verbose_name="public address",
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="live_sources",
            field=models.JSONField(
                blank=True,
                default=list,
                editable=False,
                help_text="The approved version's sources, as listed under “Sources”.",
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="live_topics",
            field=models.ManyToManyField(
                blank=True,
                editable=False,
                help_text="The approved version's topics. Derived, never edited.",
                related_name="live_articles",
                to="articles.topic",
                verbose_name="live topics",
            ),
        ),
        migrations.AddField(
            model_name="historicalarticle",
            name="live_slug",
            field=models.SlugField(
                blank=True,
                editable=False,
                help_text="The slug of the approved version: the page's public address.",
                max_length=200,
                null=True,
                verbose_name="public address",
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="reviewer_credentials",
            field=models.CharField(blank=True, max_length=120, verbose_name="credentials"),
        ),
        migrations.AddField(
            model_name="review",
            name="reviewer_job_title",
            field=models.CharField(blank=True, max_length=120, verbose_name="job title"),
        ),
        migrations.AddField(
            model_name="review",
            name="reviewer_name",
            field=models.CharField(
                blank=True, max_length=120, verbose_name="reviewer's public name"
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="reviewer_registration_body",
            field=models.CharField(blank=True, max_length=120, verbose_name="registration body"),
        ),
        migrations.AddField(
            model_name="review",
            name="reviewer_registration_number",
            field=models.CharField(blank=True, max_length=40, verbose_name="registration number"),
        ),
        migrations.AddField(
            model_name="revision",
            name="hash_scheme",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="1: the hash covers title, summary and body (versions before topics, sources, slug and correction note were versioned); 2: it covers all of them.",
                verbose_name="hash scheme",
            ),
        ),
        migrations.AddField(
            model_name="revision",
            name="restored_from",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Set when this version is a revert: the number of the version whose content it restores. That version's authors count as authors of this one.",
                null=True,
                verbose_name="restores version",
            ),
        ),
        migrations.AddField(
            model_name="revision",
            name="slug",
            field=models.SlugField(
                default="",
                help_text="The public address this version would have.",
                max_length=200,
                verbose_name="slug",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="revision",
            name="sources",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The reference list: order, title, publisher, web address, date accessed.",
                verbose_name="sources",
            ),
        ),
        migrations.AddField(
            model_name="revision",
            name="topics",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Slugs of the topics, sorted.",
                verbose_name="topics",
            ),
        ),
        migrations.AddField(
            model_name="topic",
            name="approved_revision_number",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="The number of the last topic version a clinician approved (0 if none).",
            ),
        ),
        migrations.AddField(
            model_name="topic",
            name="live_alternate_names",
            field=models.CharField(blank=True, editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="topic",
            name="live_description",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="topic",
            name="live_drug_class",
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="topic",
            name="live_name",
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="topic",
            name="live_nonproprietary_name",
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="topic",
            name="live_updated_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="live text changed"
            ),
        ),
        migrations.AddField(
            model_name="topic",
            name="live_version",
            field=models.PositiveIntegerField(
                blank=True,
                editable=False,
                help_text="The number of the approved topic version readers see.",
                null=True,
                verbose_name="live version",
            ),
        ),
        migrations.AddField(
            model_name="topic",
            name="lock_version",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="Raised by every save, so concurrent edits are detected.",
            ),
        ),
        migrations.AddField(
            model_name="topic",
            name="updated_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="topics",
            field=models.ManyToManyField(
                blank=True,
                help_text="Where readers find this guide under “Topics”, once a clinician approves the change.",
                related_name="articles",
                to="articles.topic",
                verbose_name="topics",
            ),
        ),
        migrations.AlterField(
            model_name="topic",
            name="slug",
            field=models.SlugField(
                help_text="The topic's address. Fixed once the topic is saved.",
                max_length=100,
                unique=True,
                verbose_name="slug",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalReviewerProfile",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("display_name", models.CharField(max_length=120, verbose_name="display name")),
                (
                    "credentials",
                    models.CharField(
                        blank=True,
                        help_text="For example MBChB, MRCGP.",
                        max_length=120,
                        verbose_name="credentials",
                    ),
                ),
                (
                    "job_title",
                    models.CharField(blank=True, max_length=120, verbose_name="job title"),
                ),
                (
                    "registration_body",
                    models.CharField(
                        blank=True,
                        help_text="For example GMC.",
                        max_length=120,
                        verbose_name="registration body",
                    ),
                ),
                (
                    "registration_number",
                    models.CharField(blank=True, max_length=40, verbose_name="registration number"),
                ),
                ("bio", models.TextField(blank=True, max_length=1000, verbose_name="short bio")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical reviewer profile",
                "verbose_name_plural": "historical reviewer profiles",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="TopicRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(verbose_name="version")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("slug", models.SlugField(max_length=100, verbose_name="slug")),
                (
                    "description",
                    models.TextField(blank=True, max_length=600, verbose_name="description"),
                ),
                (
                    "nonproprietary_name",
                    models.CharField(blank=True, max_length=100, verbose_name="generic name"),
                ),
                (
                    "alternate_names",
                    models.CharField(
                        blank=True, max_length=200, verbose_name="brand and other names"
                    ),
                ),
                (
                    "drug_class",
                    models.CharField(blank=True, max_length=100, verbose_name="drug class"),
                ),
                (
                    "content_hash",
                    models.CharField(editable=False, max_length=64, verbose_name="content hash"),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="saved"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="changed by",
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="revisions",
                        to="articles.topic",
                        verbose_name="topic",
                    ),
                ),
            ],
            options={
                "verbose_name": "topic version",
                "verbose_name_plural": "topic versions",
                "ordering": ["topic", "-number"],
            },
        ),
        migrations.CreateModel(
            name="TopicReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("content_hash", models.CharField(max_length=64, verbose_name="content hash")),
                (
                    "reviewer_name",
                    models.CharField(
                        blank=True, max_length=120, verbose_name="reviewer's public name"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="reviewed"
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="topic_reviews",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="articles.topic",
                    ),
                ),
                (
                    "revision",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="articles.topicrevision",
                    ),
                ),
            ],
            options={
                "verbose_name": "topic approval",
                "verbose_name_plural": "topic approvals",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="topicrevision",
            constraint=models.UniqueConstraint(
                fields=("topic", "number"), name="topic_revision_unique"
            ),
        ),
        # Versions written before this migration are scheme 1; new ones 2.
        migrations.AlterField(
            model_name="revision",
            name="hash_scheme",
            field=models.PositiveSmallIntegerField(
                default=2,
                help_text="1: the hash covers title, summary and body (versions before topics, sources, slug and correction note were versioned); 2: it covers all of them.",
                verbose_name="hash scheme",
            ),
        ),
        migrations.RunPython(fill_versions_and_live_copy, migrations.RunPython.noop),
        migrations.RunPython(give_roles_new_permissions, migrations.RunPython.noop),
    ]
