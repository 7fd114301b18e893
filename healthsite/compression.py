"""HTML, feeds and other text compressed on the way out: brotli or gzip,
whichever the client prefers of those it accepts, with BREACH in mind
(docs/decisions/0021-compression.md).

* **gzip** is Django's (``GZipMiddleware``, whose "Heal The Breach" header
  of random length hides the compressed length) for every response.
* **brotli** only for public pages: a response that any reader gets alike
  (``Cache-Control: public``, no cookie set, asked for without a session,
  messages cookie or credentials; the page cache's own rules). Such a page
  holds no secret for BREACH to guess, so brotli needs no length-hiding.
  Anything else (the admin, forms with a CSRF token, a signed-in editor's
  preview) gets gzip with the random header, or nothing.

The middleware sits outside the page cache, so pages served from the cache
are compressed too, while the cache keeps one uncompressed copy per URL.
Public pages are the same bytes for every reader, so their compressed forms
are kept in a small per-process copy (by a digest of the page): a cache hit
costs a digest, not a compression. The random gzip header is added per
response even then.

A compressed response's ``ETag`` is made weak (``W/"…"``): its bytes differ
from the uncompressed page's, which a strong validator may not hide (RFC 9110,
8.8.1 and 8.8.3). Django compares ``If-None-Match`` weakly, so a reader
revalidating either form gets a 304, whose ``ETag`` and ``Vary`` are the ones
the 200 would have carried.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from gzip import FNAME
from gzip import compress as gzip_compress

import brotli
from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

from pagecache import rules

# Content types worth compressing; images and archives are compressed already.
COMPRESSIBLE_TYPES = (
    "text/", "application/json", "application/xml", "application/atom+xml",
    "application/rss+xml", "application/javascript", "application/ld+json", "image/svg+xml",
)  # fmt: skip
# Below this a compressed body saves less than its headers cost (Django's own floor).
MIN_LENGTH = 200
# Measured on a 55 kB guide page (2026-12-01, this machine under load):
# quality 5 is about 5 % smaller than gzip's level 6 in one to two times its
# time; quality 4 is no smaller than gzip; 11 (the library's default) took 30
# to 60 times longer.
BROTLI_QUALITY = 5
# Compressed public pages kept per process, per encoding (about 15 kB each).
MEMO_ENTRIES = 200


def accepted_encodings(header: str) -> dict[str, float]:
    """``Accept-Encoding`` as {coding: q}, lower case (RFC 9110, 12.5.3).
    A malformed weight counts as 0, so an odd header never gets a coding the
    client did not clearly ask for."""
    accepted: dict[str, float] = {}
    for part in header.split(","):
        coding, _, parameters = part.partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        weight = 1.0
        name, _, value = parameters.partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value.strip())
            except ValueError:
                weight = 0.0
        accepted[coding] = weight if 0.0 <= weight <= 1.0 else 0.0
    return accepted


def acceptable(encoding: str, accepted: dict[str, float]) -> bool:
    """Whether the client takes ``encoding`` (by name, or by ``*``)."""
    return accepted.get(encoding, accepted.get("*", 0.0)) > 0


class _Memo:
    """Compressed forms of recent public pages, by encoding and digest."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()

    def get(self, encoding: str, content: bytes, compress: Callable[[bytes], bytes]) -> bytes:
        key = (encoding, hashlib.blake2b(content, digest_size=16).digest())
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        compressed = compress(content)
        with self._lock:
            self._entries[key] = compressed
            while len(self._entries) > 2 * MEMO_ENTRIES:
                self._entries.popitem(last=False)
        return compressed

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


memo = _Memo()


def _brotli(content: bytes) -> bytes:
    return bytes(brotli.compress(content, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY))


def _gzip(content: bytes) -> bytes:
    # What django.utils.text.compress_string compresses, before its random header.
    return gzip_compress(content, compresslevel=6, mtime=0)


def with_random_header(compressed: bytes, max_random_bytes: int) -> bytes:
    """A gzip member with a file name of 0 to ``max_random_bytes - 1`` bytes
    in its header: Django's "Heal The Breach" length-hiding
    (``django.utils.text.compress_string``), applied to a kept compression."""
    header = bytearray(compressed[:10])
    header[3] = FNAME
    return bytes(header) + b"a" * secrets.randbelow(max_random_bytes) + b"\x00" + compressed[10:]


def _weaken_etag(response: HttpResponseBase) -> None:
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag


def _is_public(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Every reader gets these bytes: nothing secret for BREACH to find."""
    directives = {
        part.split("=", 1)[0].strip().lower()
        for part in response.get("Cache-Control", "").split(",")
    }
    return (
        "public" in directives
        and rules.is_shareable_request(request)
        and not rules.is_personal_response(request, response)
    )


class CompressionMiddleware(GZipMiddleware):
    """Brotli for public pages, Django's gzip (with its random header) for
    the rest, identity when the client accepts neither; ``Vary:
    Accept-Encoding`` on every response that could have been compressed."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        """Compress ``response`` as the request accepts. A HEAD is decided
        on the whole page, as its GET would be, and then sent without the
        body: the same Content-Encoding, Vary, weak ETag and Content-Length
        (RFC 9110 9.3.2), whether the page came from the page cache or the
        view."""
        response = self._compressed(request, response)
        if request.method == "HEAD" and not response.streaming:
            length = response.get("Content-Length") or str(len(response.content))  # type: ignore[attr-defined]
            response.content = b""  # type: ignore[attr-defined]
            response.headers["Content-Length"] = length
        return response

    def _compressed(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        accepted = accepted_encodings(request.headers.get("Accept-Encoding", ""))
        if response.status_code == 304:
            # The headers of the 200 this stands for: Vary, and the weak ETag
            # the compressed page had.
            patch_vary_headers(response, ("Accept-Encoding",))
            if acceptable("br", accepted) or acceptable("gzip", accepted):
                _weaken_etag(response)
            return response
        if response.has_header("Content-Encoding") or not response.get(
            "Content-Type", ""
        ).startswith(COMPRESSIBLE_TYPES):
            return response
        if response.streaming:
            if acceptable("gzip", accepted):
                return super().process_response(request, response)
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        content: bytes = response.content  # type: ignore[attr-defined]
        if len(content) < MIN_LENGTH:
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        public = _is_public(request, response)
        prefers_br = accepted.get("br", 0.0) >= accepted.get("gzip", 0.0)
        if public and acceptable("br", accepted) and prefers_br:
            encoding, compressed = "br", memo.get("br", content, _brotli)
        elif public and acceptable("gzip", accepted):
            compressed = with_random_header(memo.get("gzip", content, _gzip), self.max_random_bytes)
            encoding = "gzip"
        elif acceptable("gzip", accepted):
            return super().process_response(request, response)
        else:
            return response
        if len(compressed) >= len(content):
            return response
        response.content = compressed  # type: ignore[attr-defined]
        response.headers["Content-Length"] = str(len(compressed))
        response.headers["Content-Encoding"] = encoding
        _weaken_etag(response)
        return response
