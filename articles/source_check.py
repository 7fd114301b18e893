"""Checking that the register's sources still answer (``manage.py check_sources``).

One check of one address: a HEAD request, then a GET when HEAD is refused
or fails with an HTTP error (many servers answer HEAD wrongly); redirects
followed by hand, at most ``settings.SOURCE_CHECK_MAX_REDIRECTS`` of them.
Each request has ``settings.SOURCE_CHECK_TIMEOUT`` seconds per connection
and read, names the site in its User-Agent, and is made only if the host's
robots.txt allows that agent to fetch the address (read once per host and
run). Checks run in a pool of ``settings.SOURCE_CHECK_WORKERS`` threads;
only the calling thread writes to the database.

What a result means (docs/decisions/0019-source-register.md):

- ``ok``: the address, or the end of temporary redirects from it, answers 2xx;
- ``moved``: a permanent redirect (301, 308) leads elsewhere; the end of the
  chain is kept as ``moved_to``;
- ``dead``: 404 or 410 at once; no answer (timeout, refused connection,
  unknown host, too many redirects) or another error status after
  ``settings.SOURCE_CHECK_DEAD_AFTER`` checks in a row;
- unchanged: robots.txt disallows the check, or the address (or a redirect
  from it) is not on the public internet (the source stays as it was; its
  last answer says why).

Editors type the addresses, and the check runs on the server: an address
on a private, loopback or link-local network (a database, a cloud metadata
service) is never requested unless ``settings.SOURCE_CHECK_PRIVATE_ADDRESSES``
allows it (OWASP, Server-Side Request Forgery Prevention). The name is
resolved before each hop; a DNS answer that changes between that and the
connection is not caught (a residual risk: requests carry no credentials
and only the status is kept).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles.models import Source

logger = logging.getLogger("articles.sources")

PERMANENT = {301, 308}
# A whole request (connection, headers, the first kilobyte) may take this
# many times the per-read timeout: a server that sends a byte just inside
# the timeout would otherwise hold a worker as long as it likes.
DEADLINE_TIMEOUTS = 3
REDIRECTS = {301, 302, 303, 307, 308}
GONE = {404, 410}


@dataclass(frozen=True)
class Answer:
    """One request's outcome: an HTTP ``status`` and its ``location`` (for
    a redirect), or ``error`` (why there was no answer)."""

    status: int | None = None
    location: str = ""
    error: str = ""


@dataclass(frozen=True)
class Result:
    """What one check found for ``url``: the state to record (None: leave
    it, robots.txt disallowed the check), the last answer as text, the end
    of a permanent redirect, and whether it was a failure to answer."""

    url: str
    state: str | None
    status: str
    moved_to: str = ""
    failed: bool = False

    @property
    def no_answer(self) -> bool:
        """True when no server answered at all (no HTTP status): the
        address did not resolve, or the connection failed or timed out."""
        return self.failed and not self.status.isdigit()


@dataclass(frozen=True)
class Config:
    """The settings of one run, read once, so threads never read settings."""

    user_agent: str
    timeout: float
    max_redirects: int
    private_addresses: bool = False

    @classmethod
    def from_settings(cls) -> Config:
        return cls(
            user_agent=settings.SOURCE_CHECK_USER_AGENT,
            # A timeout of 0 would make every socket non-blocking: every check a failure.
            timeout=float(max(1, settings.SOURCE_CHECK_TIMEOUT)),
            max_redirects=max(0, settings.SOURCE_CHECK_MAX_REDIRECTS),
            private_addresses=settings.SOURCE_CHECK_PRIVATE_ADDRESSES,
        )


def not_public(url: str) -> str:
    """Why ``url`` must not be requested from the server, or "" when its
    host resolves only to public internet addresses. A host that does not
    resolve is left to the request, which reports "unknown host"."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            found = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return ""
        addresses = {ipaddress.ip_address(str(entry[4][0]).split("%")[0]) for entry in found}
    if all(_is_public(address) for address in addresses):
        return ""
    return f"not checked: {host[:60]} is not a public internet address"


# IPv6 prefixes whose last 32 bits are an IPv4 address a gateway reaches
# (RFC 6052 NAT64 and RFC 8215 local-use NAT64), which Python 3.11's
# is_global counts as public whatever that IPv4 address is.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``address``, and every IPv4 address embedded in it (mapped,
    compatible, 6to4, Teredo, NAT64), is on the public internet."""
    if not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return True
    embedded: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        embedded.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)
    if int(address) < 2**32 or any(address in network for network in _NAT64):
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return all(inner.is_global for inner in embedded)


class _Deadline:
    """A limit on the whole of one request, on top of the per-read
    timeout: a server that sends a byte every second would otherwise keep a
    worker for as long as it likes. When time is up the socket is shut down,
    which wakes a read blocked in another thread."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.connection = connection
        self.expired = False
        self.timer = threading.Timer(seconds, self._shut)
        self.timer.daemon = True

    def _shut(self) -> None:
        self.expired = True
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to wake
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()


def request(method: str, url: str, config: Config) -> Answer:
    """One ``method`` request to ``url``, following nothing, within
    ``DEADLINE_TIMEOUTS`` times the timeout in all. Never raises."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return Answer(error="not an http or https address")
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection = connection_class(parts.hostname, parts.port, timeout=config.timeout)
    except ValueError as error:  # a bad port
        return Answer(error=f"bad address: {error}")
    deadline = _Deadline(connection, config.timeout * DEADLINE_TIMEOUTS)
    try:
        with deadline:
            headers = {"User-Agent": config.user_agent, "Accept": "*/*"}
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            if method == "GET":
                response.read(1024)  # enough to know it answers; never the whole page
            answer = Answer(status=response.status, location=response.getheader("Location") or "")
    except (OSError, http.client.HTTPException) as error:
        answer = Answer(error=_reason(error))
    finally:
        connection.close()
    # Cut off by the deadline: whatever the read then raised, it timed out.
    return Answer(error="timed out") if deadline.expired else answer


def _reason(error: Exception) -> str:
    """Why a request got no answer, in a few words."""
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.gaierror):
        return "unknown host"
    if isinstance(error, ssl.SSLError):
        return f"TLS error: {error.reason or error}"
    return f"{type(error).__name__}: {error}"[:120]


class Robots:
    """robots.txt per host (scheme, host and port), fetched once per run
    with the same agent and timeout. A robots.txt that cannot be read (no
    answer, 404, 5xx) allows everything; 401 or 403 allows nothing, as
    ``urllib.robotparser`` reads them."""

    def __init__(self, config: Config, fetch: Callable[[str, Config], str | int | None]) -> None:
        self.config = config
        self.fetch = fetch
        self.parsers: dict[str, RobotFileParser] = {}
        self.locks: dict[str, threading.Lock] = {}
        self.lock = threading.Lock()

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self.lock:
            host_lock = self.locks.setdefault(origin, threading.Lock())
        # One lock per host, held while fetching: threads checking the same
        # host wait for one robots.txt instead of each fetching it, and
        # other hosts are not held up.
        with host_lock:
            parser = self.parsers.get(origin)
            if parser is None:
                parser = self.parsers[origin] = self._read(origin)
        return parser.can_fetch(self.config.user_agent, url)

    def _read(self, origin: str) -> RobotFileParser:
        parser = RobotFileParser(f"{origin}/robots.txt")
        found = self.fetch(f"{origin}/robots.txt", self.config)
        if found in (401, 403):
            parser.parse(["User-agent: *", "Disallow: /"])
        else:
            # No rules (no answer, 404, 5xx): everything is allowed.
            parser.parse(found.splitlines() if isinstance(found, str) else [])
        return parser


def fetch_robots(url: str, config: Config) -> str | int | None:
    """robots.txt's text, or its HTTP status when not 200, or None without
    an answer. Follows no redirect (a robots.txt moved elsewhere is read as
    missing)."""
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    try:
        connection = connection_class(parts.hostname or "", parts.port, timeout=config.timeout)
    except ValueError:  # a bad port
        return None
    deadline = _Deadline(connection, config.timeout * DEADLINE_TIMEOUTS)
    try:
        with deadline:
            connection.request("GET", parts.path, headers={"User-Agent": config.user_agent})
            response = connection.getresponse()
            if response.status != 200:
                return None if deadline.expired else response.status
            # 500 kB is Google's limit for robots.txt; the rest is ignored.
            text = response.read(500_000).decode("utf-8", "replace")
        # Cut off by the deadline, the text may end anywhere: read as none.
        return None if deadline.expired else text
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def check(url: str, config: Config, robots: Robots) -> Result:
    """Check one address: see the module's docstring for what it means."""
    current, permanent_only = url, True
    for _hop in range(config.max_redirects + 1):
        refusal = "" if config.private_addresses else not_public(current)
        if refusal:
            return Result(url, None, refusal)
        if not robots.allows(current):
            return Result(url, None, "robots.txt disallows checking")
        answer = request("HEAD", current, config)
        if answer.error or (answer.status or 0) >= 400:
            if answer.error in {"timed out", "connection refused", "unknown host"}:
                return Result(url, Source.State.DEAD, answer.error, failed=True)
            answer = request("GET", current, config)
        if answer.error:
            return Result(url, Source.State.DEAD, answer.error, failed=True)
        status = answer.status or 0
        if status in REDIRECTS and answer.location:
            permanent_only = permanent_only and status in PERMANENT
            current = urljoin(current, answer.location)
            continue
        if status in GONE:
            return Result(url, Source.State.DEAD, str(status))
        if status >= 400:
            return Result(url, Source.State.DEAD, str(status), failed=True)
        if current != url and permanent_only:
            return Result(url, Source.State.MOVED, str(status), moved_to=current)
        return Result(url, Source.State.OK, str(status))
    return Result(url, Source.State.DEAD, f"more than {config.max_redirects} redirects",
                  failed=True)  # fmt: skip


def check_all(urls: Iterable[str], *, config: Config | None = None,
              workers: int | None = None) -> list[Result]:  # fmt: skip
    """Check ``urls`` in a pool of ``workers`` threads (default: the
    setting); results in the order of ``urls``."""
    config = config or Config.from_settings()
    robots = Robots(config, fetch_robots)
    urls = list(urls)
    with ThreadPoolExecutor(max_workers=max(1, workers or settings.SOURCE_CHECK_WORKERS)) as pool:
        return list(pool.map(lambda url: check(url, config, robots), urls))


STATUS_CHARS = Source._meta.get_field("last_status").max_length or 120
MOVED_TO_CHARS = Source._meta.get_field("moved_to").max_length or 500


@transaction.atomic
def record(results: Iterable[Result]) -> None:
    """Write each result to its source. A failure to answer (or an error
    status other than 404 and 410) makes a source dead only after
    ``settings.SOURCE_CHECK_DEAD_AFTER`` in a row; until then it keeps its
    state. A source robots.txt keeps us from checking keeps its state."""
    now = timezone.now()
    dead_after = max(1, settings.SOURCE_CHECK_DEAD_AFTER)
    by_url = {result.url: result for result in results}
    urls = list(by_url)
    sources = []
    # In batches: SQLite caps the parameters of one query.
    for start in range(0, len(urls), 500):
        batch = urls[start : start + 500]
        sources += list(Source.objects.select_for_update().filter(url__in=batch))
    for source in sources:
        result = by_url[source.url]
        source.last_checked, source.last_status = now, result.status[:STATUS_CHARS]
        if result.state is None:
            continue
        if result.failed:
            source.failures += 1
            if source.failures < dead_after:
                continue
        else:
            source.failures = 0
        source.state = result.state
        # The new address comes from a remote server: kept whole or not at
        # all (the database would cut it short, a wrong address an editor
        # might copy into a citation).
        if len(result.moved_to) > MOVED_TO_CHARS:
            source.moved_to = ""
            too_long = f"moved to an address of {len(result.moved_to)} characters, too long to keep"
            source.last_status = f"{result.status}; {too_long}"[:STATUS_CHARS]
        else:
            source.moved_to = result.moved_to
    Source.objects.bulk_update(
        sources, ["last_checked", "last_status", "state", "failures", "moved_to"], batch_size=500
    )
