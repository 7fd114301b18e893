from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.mark.slow  # collectstatic compresses every static file
def test_collectstatic_builds_the_compressed_manifest(tmp_path):
    """Production serves hashed, compressed files through whitenoise."""
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("css/site.*.css.gz"))
    # Brotli is installed (requirements/base.in), so whitenoise writes .br too.
    assert list(tmp_path.glob("css/site.*.css.br"))


@pytest.mark.slow  # runs collectstatic first
@pytest.mark.django_db
def test_pages_link_hashed_static_files_in_production_storage(client, tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        html = client.get("/").content.decode()
    assert "/static/css/site." in html
    assert "/static/css/site.css" not in html
