"""/widget.js and /demo as the gateway serves them: caching headers, 304s, gzip, the demo pages."""

from __future__ import annotations

import gzip
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.widget_routes import StaticAsset, accepts_gzip, matches_if_none_match, widget_source

from .test_gateway_support import running_gateway

STATIC = Path(__file__).resolve().parents[2] / "bot" / "static"
WIDGET = widget_source(STATIC / "widget.js")  # with its words from bot/texts.yml


@pytest.fixture
async def gateway() -> AsyncIterator[TestClient]:
    async with running_gateway() as client:
        yield client


async def test_widget_js_is_served_with_browser_caching_headers(gateway: TestClient) -> None:
    response = await gateway.get("/widget.js", headers={"Accept-Encoding": "identity"})
    assert response.status == 200
    assert await response.read() == WIDGET
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    cache_control = response.headers["Cache-Control"]
    assert "public" in cache_control
    max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))  # type: ignore[union-attr]
    assert 60 <= max_age <= 86400, "cached, but short enough for a new release to reach sites"
    assert "no-store" not in cache_control and "immutable" not in cache_control
    assert re.fullmatch(r'"[0-9a-f]{16,}"', response.headers["ETag"]), "a strong validator"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


async def test_revalidation_answers_304_without_a_body(gateway: TestClient) -> None:
    first = await gateway.get("/widget.js", headers={"Accept-Encoding": "identity"})
    etag = first.headers["ETag"]
    for if_none_match in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        again = await gateway.get(
            "/widget.js", headers={"If-None-Match": if_none_match, "Accept-Encoding": "identity"}
        )
        assert again.status == 304, if_none_match
        assert await again.read() == b""
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    changed = await gateway.get("/widget.js", headers={"If-None-Match": '"something-older"'})
    assert changed.status == 200
    assert await changed.read() == WIDGET


async def test_gzip_is_sent_to_browsers_that_accept_it_with_its_own_etag(
    gateway: TestClient,
) -> None:
    packed = await gateway.get(
        "/widget.js", headers={"Accept-Encoding": "gzip, deflate, br"}, auto_decompress=False
    )
    assert packed.status == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    body = await packed.read()
    assert len(body) < len(WIDGET) / 2
    assert gzip.decompress(body) == WIDGET
    plain = await gateway.get("/widget.js", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["ETag"] != plain.headers["ETag"]
    # Either tag revalidates: a cache may hold one encoding and ask with the other's tag.
    revalidated = await gateway.get(
        "/widget.js",
        headers={"If-None-Match": plain.headers["ETag"], "Accept-Encoding": "gzip"},
    )
    assert revalidated.status == 304
    assert revalidated.headers["ETag"] == packed.headers["ETag"]


async def test_head_gives_the_headers_only(gateway: TestClient) -> None:
    response = await gateway.head("/widget.js", headers={"Accept-Encoding": "identity"})
    assert response.status == 200
    assert await response.read() == b""
    assert "ETag" in response.headers and "Cache-Control" in response.headers


async def test_demo_embeds_the_widget_with_one_script_tag(gateway: TestClient) -> None:
    response = await gateway.get("/demo")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache" and "ETag" in response.headers
    html = await response.text()
    assert "fiktif" in html, "the embassy must be clearly fictional"
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert len(scripts) == 1
    tag = scripts[0]
    assert 'src="/widget.js"' in tag and " async" in tag
    for attribute in ("data-lang", "data-title", "data-color", "data-position"):
        assert attribute in tag
    assert "<script>" not in html and "<style" not in html, "nothing inline besides the tag"


@pytest.mark.parametrize("page", ["/demo", "/demo/layanan"])
async def test_every_file_a_demo_page_refers_to_is_served(gateway: TestClient, page: str) -> None:
    html = await (await gateway.get(page)).text()
    local = {ref for ref in re.findall(r'(?:href|src)="(/[^"]*)"', html)}
    assert {"/widget.js", "/demo/demo.css", "/demo/emblem.svg"} <= local
    for ref in local:
        assert (await gateway.get(ref)).status == 200, ref


@pytest.mark.parametrize("page", ["/demo", "/demo/layanan"])
async def test_the_demo_pages_have_a_strict_csp(gateway: TestClient, page: str) -> None:
    strict = (await gateway.get(page)).headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in strict
    assert "style-src 'self'" in strict and "script-src 'self'" in strict
    # The browser tests see injected markup as a CSP violation (securitypolicyviolation).


async def test_demo_with_a_slash_redirects(gateway: TestClient) -> None:
    response = await gateway.get("/demo/", allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"] == "/demo"


def test_etag_follows_the_content(tmp_path: Path) -> None:
    path = tmp_path / "w.js"
    path.write_text("console.log(1);" * 50)
    first = StaticAsset.load(path, "text/javascript", "public, max-age=60")
    assert StaticAsset.load(path, "text/javascript", "x").etag(False) == first.etag(False)
    path.write_text("console.log(2);" * 50)
    second = StaticAsset.load(path, "text/javascript", "public, max-age=60")
    assert second.etag(False) != first.etag(False)
    assert second.gzipped is not None and gzip.decompress(second.gzipped) == path.read_bytes()


def test_tiny_files_are_not_gzipped(tmp_path: Path) -> None:
    path = tmp_path / "tiny.css"
    path.write_text("a{}")
    assert StaticAsset.load(path, "text/css", "no-cache").gzipped is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("GZIP", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("br, identity", False),
        ("x-gzip2", False),
    ],
)
def test_accept_encoding(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ('"abc"', True),
        ('"abc-gz"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
    ],
)
def test_if_none_match(header: str | None, expected: bool) -> None:
    assert matches_if_none_match(header, "abc") is expected
