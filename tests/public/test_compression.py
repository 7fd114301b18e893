"""HTML is compressed (issue 14, Deliver 4): brotli or gzip as the client
accepts, Django's BREACH mitigation kept, cached pages compressed too, and
validators and 304s right for each encoding (healthsite/compression.py)."""

from __future__ import annotations

import gzip

import brotli
import pytest

from healthsite import compression
from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db

ARTICLE = "/articles/calm/"
PUBLIC_PAGES = ["/", "/topics/", ARTICLE, "/search/?q=calm", "/feed/", "/sitemap.xml"]


@pytest.fixture
def site(db):
    compression.memo.clear()
    body = "## Rest\n\n" + "Rest and drink water when you feel anxious. " * 40
    return make_article(title="Calm", slug="calm", body=body)


def _decoded(response) -> bytes:
    encoding = response.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.content)
    if encoding == "gzip":
        return gzip.decompress(response.content)
    assert encoding is None, encoding
    return response.content


def _vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_gzip_and_brotli_decode_to_the_same_page_as_no_compression(client, site, url):
    """Compression changes the bytes on the wire, never the page."""
    plain = client.get(url)
    gzipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    brotlied = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.status_code == gzipped.status_code == brotlied.status_code == 200
    assert "Content-Encoding" not in plain
    assert gzipped["Content-Encoding"] == "gzip"
    assert brotlied["Content-Encoding"] == "br"
    assert _decoded(gzipped) == _decoded(brotlied) == plain.content
    assert len(brotlied.content) < len(plain.content) / 2
    assert int(brotlied["Content-Length"]) == len(brotlied.content)


@pytest.mark.parametrize(
    "accept", ["", "identity", "gzip;q=0, br;q=0", "br;q=0.0, gzip;q=0", "*;q=0", "compress"]
)
def test_nothing_is_compressed_when_the_client_does_not_accept_it(client, site, accept):
    """No coding the client did not ask for, or refused with q=0."""
    response = client.get(ARTICLE, headers={"Accept-Encoding": accept})
    assert "Content-Encoding" not in response
    assert "accept-encoding" in _vary(response)
    assert b"<h1>Calm</h1>" in response.content


def test_the_client_preference_between_gzip_and_brotli_is_honoured(client, site):
    """A higher q for gzip wins; ``*`` stands for brotli when it is not named."""
    assert (
        client.get(ARTICLE, headers={"Accept-Encoding": "gzip;q=1, br;q=0.5"})["Content-Encoding"]
        == "gzip"
    )
    assert client.get(ARTICLE, headers={"Accept-Encoding": "*"})["Content-Encoding"] == "br"


def test_every_compressible_response_varies_on_accept_encoding(client, site):
    """Caches must key on Accept-Encoding, whichever form they were given."""
    for accept in ("", "gzip", "br"):
        assert "accept-encoding" in _vary(client.get(ARTICLE, headers={"Accept-Encoding": accept}))


def test_a_page_from_the_page_cache_is_compressed(client, site, django_assert_num_queries):
    """The page cache keeps one uncompressed copy; a hit (no query) is
    compressed on its way out, in the encoding this reader accepts."""
    client.get(ARTICLE)  # stores the page
    with django_assert_num_queries(0):
        brotlied = client.get(ARTICLE, headers={"Accept-Encoding": "br"})
        gzipped = client.get(ARTICLE, headers={"Accept-Encoding": "gzip"})
        plain = client.get(ARTICLE)
    assert brotlied["Content-Encoding"] == "br"
    assert gzipped["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain
    assert _decoded(brotlied) == _decoded(gzipped) == plain.content


def test_gzip_keeps_djangos_random_header_even_for_a_kept_compression(client, site):
    """Heal The Breach: the gzip header carries a file name of random length,
    so the compressed length of one page varies from response to response
    although its compression is kept."""
    lengths = {
        len(client.get(ARTICLE, headers={"Accept-Encoding": "gzip"}).content) for _ in range(20)
    }
    assert len(lengths) > 1


def test_pages_for_one_person_are_never_brotli_only_gzip_with_the_random_header(client, site):
    """The admin holds CSRF tokens and personal data: brotli (no length
    hiding) is for public pages only."""
    client.force_login(make_staff("editor", perms=("articles.view_article",)))
    lengths = set()
    for _ in range(10):
        response = client.get("/admin/", headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip"
        lengths.add(len(response.content))
    assert len(lengths) > 1
    preview = client.get(f"{ARTICLE}", headers={"Accept-Encoding": "br"})
    assert preview.get("Content-Encoding") != "br"


@pytest.mark.parametrize("accept", ["br", "gzip"])
def test_a_compressed_page_has_a_weak_etag_that_still_revalidates_with_304(client, site, accept):
    """The compressed bytes differ from the plain page's, so their ETag is
    weak (RFC 9110, 8.8.1); sent back in If-None-Match it still gets a 304,
    from the view and from the page cache, carrying the same ETag and Vary."""
    plain_etag = client.get(ARTICLE)["ETag"]
    assert plain_etag.startswith('"')
    response = client.get(ARTICLE, headers={"Accept-Encoding": accept})
    etag = response["ETag"]
    assert etag == "W/" + plain_etag
    not_modified = client.get(ARTICLE, headers={"Accept-Encoding": accept, "If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == etag
    assert "accept-encoding" in _vary(not_modified)
    assert not_modified.content == b""


@pytest.mark.parametrize("accept", ["br", "gzip"])
def test_a_304_from_the_view_matches_the_compressed_etag(client, site, settings, accept):
    """With the page cache off the view's own validators answer the 304."""
    settings.PAGE_CACHE_SECONDS = 0
    etag = client.get(ARTICLE, headers={"Accept-Encoding": accept})["ETag"]
    assert etag.startswith("W/")
    not_modified = client.get(ARTICLE, headers={"Accept-Encoding": accept, "If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == etag


def test_a_plain_client_keeps_a_strong_etag_and_its_304(client, site):
    """Without compression the page is the bytes the strong ETag names."""
    etag = client.get(ARTICLE)["ETag"]
    not_modified = client.get(ARTICLE, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == etag


def test_images_and_short_responses_are_not_compressed(client, site):
    """Nothing to gain: compressed formats, and bodies under 200 bytes."""
    assert "Content-Encoding" not in client.get("/healthz", headers={"Accept-Encoding": "br, gzip"})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", {"gzip": 1.0, "deflate": 1.0, "br": 1.0}),
        ("br;q=0.8, GZIP;q=0.9", {"br": 0.8, "gzip": 0.9}),
        ("br;q=x, gzip;q=2", {"br": 0.0, "gzip": 0.0}),
        (" , ;q=1", {}),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header, expected):
    """An odd weight counts as a refusal, never as a yes."""
    assert compression.accepted_encodings(header) == expected
