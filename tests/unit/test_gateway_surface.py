"""What the gateway shows a browser: one path per file, the same security headers on every answer,
and CORS that echoes only exactly configured origins and answers preflights only on real routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from bot.widget_routes import ORIGIN_PROBE_PATH

from .test_gateway_support import ALLOWED_ORIGIN, JSON, chat_body, running_gateway

STATIC = Path(__file__).resolve().parents[2] / "bot" / "static"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}
# Every kind of answer: files, pages, 304, HEAD, a redirect, JSON errors of each layer, preflight.
ANSWERS: list[tuple[str, str, dict[str, str], bytes | None]] = [
    ("GET", "/widget.js", {}, None),
    ("HEAD", "/widget.js", {}, None),
    ("GET", "/demo", {}, None),
    ("GET", "/demo/layanan", {}, None),
    ("GET", "/demo/demo.css", {}, None),
    ("GET", "/demo/emblem.svg", {}, None),
    ("GET", "/demo/", {}, None),
    ("GET", "/health", {}, None),
    ("GET", "/no-such-page", {}, None),
    ("GET", "/api/chat", {}, None),
    ("POST", "/api/chat", JSON, b"{"),
    ("POST", "/api/chat", JSON, chat_body()),
    ("POST", "/api/chat", JSON | {"Origin": "https://evil.example"}, chat_body()),
    ("OPTIONS", "/api/chat", {"Origin": ALLOWED_ORIGIN} | PREFLIGHT, None),
    ("OPTIONS", "/demo", {"Origin": ALLOWED_ORIGIN} | PREFLIGHT, None),
    ("GET", ORIGIN_PROBE_PATH, {"Origin": "https://evil.example"}, None),
    ("GET", ORIGIN_PROBE_PATH, {"Origin": ALLOWED_ORIGIN}, None),
]


@pytest.fixture
async def gateway() -> AsyncIterator[TestClient]:
    async with running_gateway() as client:
        yield client


def assert_security_headers(response: ClientResponse) -> None:
    where = f"{response.method} {response.url.path} -> {response.status}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "no-referrer", where
    assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", ""), where
    # No software and version for scanners to match against known bugs.
    assert response.headers.get("Server", "Duta") == "Duta", where
    assert "aiohttp" not in str(response.headers).lower(), where


@pytest.mark.parametrize(("method", "path", "headers", "body"), ANSWERS)
async def test_every_answer_has_the_security_headers(
    gateway: TestClient, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> None:
    response = await gateway.request(
        method, path, headers=headers, data=body, allow_redirects=False
    )
    assert_security_headers(response)


async def test_a_revalidated_file_has_them_too(gateway: TestClient) -> None:
    etag = (await gateway.get("/widget.js")).headers["ETag"]
    response = await gateway.get("/widget.js", headers={"If-None-Match": etag})
    assert response.status == 304
    assert_security_headers(response)


@pytest.mark.parametrize("page", ["/demo", "/demo/layanan"])
async def test_every_html_page_has_a_strict_csp(gateway: TestClient, page: str) -> None:
    response = await gateway.get(page)
    assert response.headers["Content-Type"].startswith("text/html")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


@pytest.mark.parametrize(
    "path",
    ["/static/widget.js", "/static/demo/index.html", "/static/demo/layanan.html",
     "/static/demo/demo.css", "/static/demo/emblem.svg", "/static/.gitkeep", "/static/"],
)  # fmt: skip
async def test_static_files_have_no_second_path(gateway: TestClient, path: str) -> None:
    # The same bytes under /static/ came without the demo's CSP.
    response = await gateway.get(path)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_each_static_file_has_exactly_one_route(gateway: TestClient) -> None:
    # Only fixed paths: no prefix route (like add_static) that could serve a file a second time.
    # The one prefix is the staff console's sub-application (admin/console), which serves no files.
    resources = [
        r
        for r in gateway.app.router.resources()
        if not (isinstance(r, web.PrefixedSubAppResource) and r.canonical == "/admin")
    ]
    assert all(isinstance(r, web.PlainResource) for r in resources)
    served: dict[str, list[str]] = {}
    for resource in resources:
        response = await gateway.get(resource.canonical, allow_redirects=False)
        if response.status == 200 and not resource.canonical.startswith(("/api/", "/health")):
            served.setdefault((await response.read()).hex(), []).append(resource.canonical)
    files = [p for p in STATIC.rglob("*") if p.is_file() and p.name != ".gitkeep"]
    assert len(served) == len(files)
    assert all(len(paths) == 1 for paths in served.values()), served


@pytest.mark.parametrize(
    "origin",
    ["HTTPS://KBRI.example.org:443", "https://KBRI.example.org", "https://kbri.example.org:443",
     "https://kbri.example.org/", "https://kbri.example.org."],
)  # fmt: skip
async def test_only_the_exact_configured_spelling_is_allowed(
    gateway: TestClient, origin: str
) -> None:
    # Browsers always send the canonical form; any other spelling is not a browser's.
    for response in (
        await gateway.options("/api/chat", headers={"Origin": origin} | PREFLIGHT),
        await gateway.post("/api/chat", data=chat_body(), headers=JSON | {"Origin": origin}),
    ):
        assert response.status == 403
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_the_configured_spelling_is_echoed(gateway: TestClient) -> None:
    response = await gateway.options("/api/chat", headers={"Origin": ALLOWED_ORIGIN} | PREFLIGHT)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "POST"


@pytest.mark.parametrize("path", ["/demo", "/widget.js", "/health", "/nothing", "/api/nothing"])
async def test_preflights_elsewhere_than_real_api_routes_are_404(
    gateway: TestClient, path: str
) -> None:
    response = await gateway.options(path, headers={"Origin": ALLOWED_ORIGIN} | PREFLIGHT)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
    assert "Access-Control-Allow-Methods" not in response.headers


async def test_the_probe_lets_a_refused_site_read_its_refusal(gateway: TestClient) -> None:
    origin = "https://not-set-up.example"
    response = await gateway.get(ORIGIN_PROBE_PATH, headers={"Origin": origin})
    assert response.status == 403, "still refused: nothing is served"
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "Origin" in response.headers["Vary"]
    assert (await response.json())["error"]["code"] == "origin_not_allowed"
    allowed = await gateway.get(ORIGIN_PROBE_PATH, headers={"Origin": ALLOWED_ORIGIN})
    assert allowed.status == 200 and await allowed.json() == {"allowed": True}
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize(
    ("method", "path", "origin"),
    [("POST", "/api/chat", "https://not-set-up.example"),
     ("OPTIONS", "/api/chat", "https://not-set-up.example"),
     ("POST", ORIGIN_PROBE_PATH, "https://not-set-up.example"),
     ("GET", "/health", "https://not-set-up.example"),
     ("GET", ORIGIN_PROBE_PATH, "null"),
     ("GET", ORIGIN_PROBE_PATH, "HTTPS://NOT-SET-UP.example")],
)  # fmt: skip
async def test_no_other_refusal_is_readable(
    gateway: TestClient, method: str, path: str, origin: str
) -> None:
    headers = {"Origin": origin} | (PREFLIGHT if method == "OPTIONS" else JSON)
    response = await gateway.request(method, path, headers=headers, data=chat_body())
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers
