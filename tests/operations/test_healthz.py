"""/healthz checks the database and the cache and reveals nothing else."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.db.utils import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_when_the_database_and_cache_work(client):
    """200 and exactly {"status": "ok"}."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok"}


def test_healthz_answers_503_without_details_when_the_database_fails(client, caplog):
    """A database failure gives 503 and {"status": "error"}; the reason goes
    only to the log."""
    with mock.patch(
        "healthsite.views.connection.cursor",
        side_effect=OperationalError("password authentication failed for db-host-7"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error"}
    assert b"db-host-7" not in response.content
    assert "db-host-7" in caplog.text


def test_healthz_answers_503_when_the_cache_loses_values(client):
    """A cache that does not give back what was stored fails the check."""
    with mock.patch("django.core.cache.cache.get", return_value=None):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error"}


def test_healthz_answers_503_when_the_cache_is_unreachable(client):
    """A cache connection error is a failure, not a 500."""
    with mock.patch("django.core.cache.cache.set", side_effect=ConnectionError("redis-host-3")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert b"redis-host-3" not in response.content


def test_healthz_is_never_cached(client):
    """Neither browsers, proxies nor the page cache keep its answer."""
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_healthz_refuses_writes(client):
    """Only GET and HEAD."""
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
