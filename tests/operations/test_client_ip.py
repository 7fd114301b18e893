"""Login lockout by the real client address behind the TLS proxy.

django-axes locks a username together with the client's address. Behind
the proxy every request comes from 127.0.0.1, so the address must be the
X-Forwarded-For entry our proxy appended, never one the client wrote.
"""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings

from healthsite.client_ip import client_ip_address
from tests.factories import make_clinician

ROOT = Path(__file__).resolve().parent.parent.parent
PROXY = "127.0.0.1"
CLINICIAN_HOME = "203.0.113.9"
ATTACKER = "198.51.100.7"
# What settings.py gives with DJANGO_SECURE_PROXY_SSL_HEADER=1 and the
# documented defaults (checked by the last test of this module).
BEHIND_ONE_PROXY = {"TRUSTED_PROXY_COUNT": 1, "TRUSTED_PROXY_ADDRESSES": [PROXY]}


def _through_proxy(sent_by_client: str | None, client: str, proxies: int = 1) -> dict:
    """The WSGI environ a request gets after ``proxies`` proxies, each
    appending the address it received the request from, as nginx's
    $proxy_add_x_forwarded_for does."""
    chain = [sent_by_client] if sent_by_client else []
    hops = [client] + [f"10.0.0.{n}" for n in range(1, proxies)]
    chain += hops
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ", ".join(chain)}


def _address(**meta: str) -> str:
    return client_ip_address(RequestFactory().get("/", **meta))


@override_settings(**BEHIND_ONE_PROXY)
def test_behind_one_proxy_the_client_is_the_entry_the_proxy_appended():
    assert _address(**_through_proxy(None, CLINICIAN_HOME)) == CLINICIAN_HOME
    assert _address(**_through_proxy(CLINICIAN_HOME, ATTACKER)) == ATTACKER


@pytest.mark.slow
@pytest.mark.parametrize("proxies", [1, 2, 3])
def test_no_header_a_client_writes_can_choose_its_address(proxies):
    """Generated inputs: whatever list of addresses (or junk) the client puts
    in X-Forwarded-For, the address used is the one the outermost proxy saw."""
    rng = random.Random(proxies)
    junk = ["unknown", "", "[::1]", "300.1.1.1", "1.2.3.4:80", "<script>", "\u00a0"]
    with override_settings(TRUSTED_PROXY_COUNT=proxies, TRUSTED_PROXY_ADDRESSES=[PROXY]):
        for _ in range(200):
            spoofed = ", ".join(
                rng.choice([CLINICIAN_HOME, PROXY, "::1", f"192.0.2.{rng.randrange(256)}", *junk])
                for _ in range(rng.randrange(0, 6))
            )
            meta = _through_proxy(spoofed, ATTACKER, proxies=proxies)
            assert _address(**meta) == ATTACKER, meta


@override_settings(**BEHIND_ONE_PROXY)
def test_a_request_that_bypassed_the_proxy_is_known_by_its_own_address():
    """X-Forwarded-For is read only from the trusted proxy's address; a
    request without the proxy's entry falls back to REMOTE_ADDR."""
    direct = {"REMOTE_ADDR": ATTACKER, "HTTP_X_FORWARDED_FOR": CLINICIAN_HOME}
    assert _address(**direct) == ATTACKER
    assert _address(REMOTE_ADDR=PROXY) == PROXY


@override_settings(TRUSTED_PROXY_COUNT=0, TRUSTED_PROXY_ADDRESSES=[PROXY])
def test_without_a_proxy_the_header_is_ignored():
    meta = {"REMOTE_ADDR": ATTACKER, "HTTP_X_FORWARDED_FOR": CLINICIAN_HOME}
    assert _address(**meta) == ATTACKER


@override_settings(TRUSTED_PROXY_COUNT=1, TRUSTED_PROXY_ADDRESSES=["10.0.0.0/8"])
def test_trusted_proxies_may_be_networks_and_ipv6_has_one_spelling():
    meta = {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "2001:DB8:0:0::1"}
    assert _address(**meta) == "2001:db8::1"
    meta = {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "[2001:db8::1]"}
    assert _address(**meta) == "2001:db8::1"


@override_settings(**BEHIND_ONE_PROXY)
def test_a_proxy_entry_that_is_not_an_address_falls_back_to_the_proxy(caplog):
    """A misconfigured proxy is logged, not trusted."""
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{CLINICIAN_HOME}, unknown"}
    assert _address(**meta) == PROXY
    assert "not an IP address" in caplog.text


# --- The lockout itself, through the admin login --------------------------------


def _login(client: Client, password: str, meta: dict):
    return client.post(
        "/admin/login/",
        {"username": "cleo", "password": password, "next": "/admin/"},
        **meta,
    )


@pytest.mark.django_db
@override_settings(**BEHIND_ONE_PROXY)
def test_wrong_passwords_from_one_address_do_not_lock_the_clinician_out_elsewhere():
    """The issue's example: six wrong passwords from one address behind the
    proxy used to lock the clinician out from every address (all were
    127.0.0.1). Now only the address that failed is locked; the clinician
    logs in from another one."""
    clinician = make_clinician("cleo")
    clinician.set_password("the-right-passphrase")
    clinician.save()
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _login(attacker, "wrong", _through_proxy(None, ATTACKER))
    assert (
        _login(attacker, "the-right-passphrase", _through_proxy(None, ATTACKER)).status_code == 429
    )

    response = _login(Client(), "the-right-passphrase", _through_proxy(None, CLINICIAN_HOME))
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.django_db
@override_settings(**BEHIND_ONE_PROXY)
def test_a_spoofed_forwarded_for_header_cannot_choose_someone_elses_lockout():
    """An attacker who writes the clinician's address into X-Forwarded-For
    locks out only their own address: the proxy's entry is the one used."""
    clinician = make_clinician("cleo")
    clinician.set_password("the-right-passphrase")
    clinician.save()
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _login(attacker, "wrong", _through_proxy(CLINICIAN_HOME, ATTACKER))

    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    response = _login(Client(), "the-right-passphrase", _through_proxy(None, CLINICIAN_HOME))
    assert response.status_code == 302


# --- Settings ---------------------------------------------------------------------


def _settings(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="example.org",
                 DJANGO_SETTINGS_MODULE="healthsite.settings", **env)  # fmt: skip
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.AXES_CLIENT_IP_CALLABLE, s.TRUSTED_PROXY_COUNT, s.TRUSTED_PROXY_ADDRESSES)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_behind_the_documented_tls_proxy_axes_reads_the_proxy_appended_address():
    """DJANGO_SECURE_PROXY_SSL_HEADER=1 (the README's proxy set-up) means one
    proxy on 127.0.0.1; without it the header is ignored; both are adjustable."""
    callable_path = "healthsite.client_ip.client_ip_address"
    assert _settings(DJANGO_SECURE_PROXY_SSL_HEADER="1") == f"{callable_path} 1 ['127.0.0.1']"
    assert _settings() == f"{callable_path} 0 ['127.0.0.1']"
    assert (
        _settings(
            DJANGO_SECURE_PROXY_SSL_HEADER="1",
            DJANGO_PROXY_COUNT="2",
            DJANGO_FORWARDED_ALLOW_IPS="10.0.0.0/8, 127.0.0.1",
        )
        == f"{callable_path} 2 ['10.0.0.0/8', '127.0.0.1']"
    )


@pytest.mark.slow
def test_a_malformed_trusted_proxy_list_stops_start_up():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="example.org",
                 DJANGO_FORWARDED_ALLOW_IPS="proxy.internal")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", "import healthsite.settings"], cwd=ROOT,
                            env=clean, capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode != 0
    assert "DJANGO_FORWARDED_ALLOW_IPS must list IP addresses" in result.stderr
