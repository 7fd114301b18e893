"""Attacks on check_sources (articles/source_check.py): server-side request
forgery past the private-address refusal, and a source that never finishes
answering. Every server here is local (127.0.0.1, port 0)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from articles import source_check

AGENT = "healthsite-attack/1.0"


@pytest.mark.parametrize(
    "url",
    [
        # IPv4-compatible IPv6 (deprecated, RFC 4291): 127.0.0.1 inside.
        "http://[::127.0.0.1]/",
        # NAT64 well-known prefix (RFC 6052): a NAT64 gateway (AWS, GCP, any
        # IPv6-only network with DNS64) forwards this to 10.0.0.1 or to the
        # metadata address.
        "http://[64:ff9b::a00:1]/",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
        # Local-use NAT64 prefix (RFC 8215).
        "http://[64:ff9b:1::a00:1]/",
        # 6to4 (RFC 3056): the relay unwraps 127.0.0.1 / 10.0.0.1.
        "http://[2002:7f00:1::1]/",
        "http://[2002:a00:1::1]/",
    ],
)
def test_ipv6_forms_that_embed_a_private_ipv4_address_are_refused(url):
    """FAILS on 7e1621e: not_public trusts ``ipaddress``'s ``is_global``,
    which (Python 3.11) says True for NAT64 (64:ff9b::/96, 64:ff9b:1::/48),
    6to4 (2002::/16) and IPv4-compatible (::/96) addresses, so an editor's
    source at one of them is requested although it reaches a private IPv4
    address through a translator. Fix: for IPv6, also refuse when the
    embedded IPv4 (``ipv4_mapped``, ``sixtofour``, the low 32 bits under
    64:ff9b::/96 and ::/96) is not global, or allow only ``is_global`` and
    not in those prefixes."""
    assert source_check.not_public(url) != "", url


class _Drip:
    """A server that answers each connection with a status line and then one
    header byte every ``gap`` seconds, ``limit`` bytes at most, and records
    how many bytes each connection took before the client hung up."""

    def __init__(self, gap: float, limit: int) -> None:
        self.gap, self.limit = gap, limit
        self.sent: list[int] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/guide"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        sent = 0
        try:
            conn.settimeout(2)
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            for _ in range(self.limit):
                if self.stop.is_set():
                    break
                time.sleep(self.gap)
                conn.sendall(b"a")
                sent += 1
        except OSError:
            pass
        finally:
            self.sent.append(sent)
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_a_source_that_answers_one_byte_at_a_time_is_given_up_on():
    """FAILS on 7e1621e: SOURCE_CHECK_TIMEOUT is per socket operation
    (http.client's timeout), with no deadline for the whole check. A source
    that sends a byte of its headers every 0.25 s (well within a 1 s
    timeout) keeps the check reading for as long as it likes: here 30 bytes
    per request (HEAD, then GET), in production as long as the server wants
    (http.client reads up to 100 header lines of 64 kB; robots.txt is read up
    to 500 kB the same way, while holding that host's lock). Four such
    sources hold every worker of ``check_sources`` forever. Fix: an overall
    deadline per request (e.g. a watchdog closing the socket, or reading
    with a time budget checked between recv calls) of a few times the
    timeout, for robots.txt too."""
    server = _Drip(gap=0.25, limit=30)
    try:
        config = source_check.Config(
            user_agent=AGENT, timeout=1, max_redirects=0, private_addresses=True
        )
        robots = source_check.Robots(config, lambda url, config: None)
        source_check.check(server.url, config, robots)
    finally:
        server.close()
    # The server's thread notes what it sent once it sees the hang-up.
    waited = time.monotonic() + 3
    while not server.sent and time.monotonic() < waited:
        time.sleep(0.05)
    # A deadline of a few times the 1 s timeout stops each request well
    # before 30 bytes at 4 a second (7.5 s).
    assert server.sent
    assert max(server.sent) < 20, server.sent


class _LongRedirect:
    """A server answering "/" with a permanent redirect to a 700-character
    path on itself, and that path with 200."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        target = "/" + "a" * 700

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                if self.path == "/":
                    self.send_response(301)
                    self.send_header("Location", target)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_HEAD = do_GET = _answer  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.django_db
def test_a_moved_address_too_long_for_its_column_is_never_kept_cut_short():
    """FAILS on 7e1621e: ``moved_to`` (max_length 520) takes a permanent
    redirect's Location whole, and that comes from the remote server. On
    PostgreSQL record()'s bulk_update casts to varchar(520), which truncates
    silently: the register shows a "moved to" address that is a cut-off,
    wrong URL, which an editor may copy into the guide's citation. On SQLite
    the 700-character value is stored past the column's limit (and fails
    full_clean in a backup restore). Fix: keep only a moved_to that fits the
    column (and passes the URL validator); otherwise record "moved" without
    the address and say why in last_status. (last_status, 120, is truncated
    the same way from a refusal that names a 200-character host, e.g. a
    redirect to http://[fe80::1%25aaa…]/, harmless but also unchecked.)"""
    from articles.models import Source

    server = _LongRedirect()
    try:
        config = source_check.Config(
            user_agent=AGENT, timeout=2, max_redirects=2, private_addresses=True
        )
        robots = source_check.Robots(config, lambda url, config: None)
        moved = source_check.check(server.url, config, robots)
    finally:
        server.close()
    assert moved.state == Source.State.MOVED
    Source.objects.create(url="https://example.org/moved")
    source_check.record(
        [source_check.Result("https://example.org/moved", Source.State.MOVED, "200",
                             moved_to=moved.moved_to)]
    )  # fmt: skip
    kept = Source.objects.get().moved_to
    assert kept in {"", moved.moved_to}, f"kept {len(kept)} of {len(moved.moved_to)} characters"
    assert len(kept) <= Source._meta.get_field("moved_to").max_length
