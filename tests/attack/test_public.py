"""Holes found in the public input endpoints: a feedback post whose hidden
version is a Unicode digit, and one IPv6 client getting a new rate-limit
allowance for every address of its /64."""

from __future__ import annotations

import pytest
from django.test import override_settings

from feedback.models import Feedback
from tests.factories import make_article

pytestmark = pytest.mark.django_db
ORIGIN = "http://testserver"


@pytest.mark.parametrize("version", ["²", "①", "٣", "𝟗", "1²", "¹⁰"])
def test_a_unicode_digit_version_is_not_a_500(client, version):
    article = make_article()
    response = client.post(f"/feedback/{article.live_slug}/",
                           {"answer": "no", "version": version}, HTTP_ORIGIN=ORIGIN)  # fmt: skip
    assert response.status_code in (200, 400)
    assert Feedback.objects.get().version == article.live_version


@override_settings(FEEDBACK_RATE_LIMIT=2, TRUSTED_PROXY_COUNT=1,
                   TRUSTED_PROXY_ADDRESSES=["127.0.0.1"])  # fmt: skip
def test_one_ipv6_network_does_not_get_a_new_allowance_per_address(client):
    """Every IPv6 subscriber holds a /64: 2**64 addresses to rotate through."""
    article = make_article()
    codes = [
        client.post(f"/feedback/{article.live_slug}/", {"answer": "yes"}, HTTP_ORIGIN=ORIGIN,
                    REMOTE_ADDR="127.0.0.1",
                    HTTP_X_FORWARDED_FOR=f"2001:db8:1:2::{n:x}").status_code
        for n in range(1, 5)
    ]  # fmt: skip
    assert codes == [200, 200, 429, 429]


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("fe80::1%1", "fe80::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("unix:/run/app.sock", "unix:/run/app.sock"),
        ("", ""),
    ],
)
def test_a_client_is_counted_by_what_it_controls(address, bucket):
    from healthsite.ratelimit import client_bucket

    assert client_bucket(address) == bucket
