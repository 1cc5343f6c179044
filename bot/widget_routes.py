"""The chat widget's files: /widget.js for embassy sites and /demo, a fictional embassy site.

Every file is read once when the app is created (they change only with a deployment, like the
code) and gets a strong ETag from its content and a gzip copy made in advance. The widget's
interface words come from the gateway's catalogue (bot/texts.yml, widget_* keys): they are put
into widget.js then, where it holds `/* widget strings */ null`.

Caching: sites embed the fixed URL /widget.js (no version in it), so it cannot be cached forever.
Browsers keep it for an hour, then revalidate with If-None-Match and get a bodyless 304 while it is
unchanged; a new release reaches every visitor within the hour. The demo pages revalidate always.

Each file has exactly one path (no generic /static/ route serving the same bytes without the
demo's CSP). GET /api/origin is the widget's probe: see bot/middlewares.py (cors).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.i18n import texts_starting

STATIC_DIR = Path(__file__).resolve().parent / "static"

WIDGET_CACHE_CONTROL = "public, max-age=3600"
DEMO_CACHE_CONTROL = "no-cache"
# Both demo pages have a strict policy: no inline scripts or styles. The widget must work under it
# (its styles are a constructed stylesheet, not an inline <style>). Markup injected by a faulty
# widget is then blocked and reported (securitypolicyviolation), which the browser tests check.
STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

# A simple GET (no preflight) the widget sends after a failed request, to tell "this site is not
# in ALLOWED_ORIGINS" from "offline". Only an allowed origin (or no Origin) reaches the handler.
ORIGIN_PROBE_PATH = "/api/origin"

_JS = "text/javascript; charset=utf-8"
_HTML = "text/html; charset=utf-8"
_CSS = "text/css; charset=utf-8"
_SVG = "image/svg+xml"


@dataclass(frozen=True)
class StaticAsset:
    body: bytes
    gzipped: bytes | None  # None when compressing would not make it smaller
    content_type: str
    cache_control: str
    digest: str
    extra_headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def load(
        cls,
        path: Path,
        content_type: str,
        cache_control: str,
        extra_headers: tuple[tuple[str, str], ...] = (),
    ) -> StaticAsset:
        return cls.of(path.read_bytes(), content_type, cache_control, extra_headers)

    @classmethod
    def of(
        cls,
        body: bytes,
        content_type: str,
        cache_control: str,
        extra_headers: tuple[tuple[str, str], ...] = (),
    ) -> StaticAsset:
        # mtime=0: the same file always compresses to the same bytes (stable across restarts).
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        return cls(
            body=body,
            gzipped=packed if len(packed) < len(body) else None,
            content_type=content_type,
            cache_control=cache_control,
            digest=hashlib.sha256(body).hexdigest()[:32],
            extra_headers=extra_headers,
        )

    def etag(self, gzipped: bool) -> str:
        # The two encodings are different bytes, so they need different strong validators.
        return f'"{self.digest}-gz"' if gzipped else f'"{self.digest}"'

    def respond(self, request: web.Request) -> web.Response:
        use_gzip = self.gzipped is not None and accepts_gzip(request.headers.get("Accept-Encoding"))
        etag = self.etag(use_gzip)
        headers = {
            "Cache-Control": self.cache_control,
            "ETag": etag,
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
            **dict(self.extra_headers),
        }
        if matches_if_none_match(request.headers.get("If-None-Match"), self.digest):
            return web.Response(status=304, headers=headers)
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        body = self.gzipped if use_gzip and self.gzipped is not None else self.body
        return web.Response(body=body, headers=headers | {"Content-Type": self.content_type})


def accepts_gzip(header: str | None) -> bool:
    """True when Accept-Encoding lists gzip (or *) without q=0."""
    for item in (header or "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "*"):
            continue
        params = params.strip().replace(" ", "")
        if params.startswith("q="):
            try:
                return float(params[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def matches_if_none_match(header: str | None, digest: str) -> bool:
    """RFC 9110 weak comparison: W/ is ignored, and either encoding's tag counts as current."""
    if not header:
        return False
    current = {f'"{digest}"', f'"{digest}-gz"'}
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") in current:
            return True
    return False


WIDGET_STRINGS_MARK = "/* widget strings */ null"


def widget_source(path: Path) -> bytes:
    """widget.js as served: its interface words from the catalogue in place of the mark."""
    source = path.read_text(encoding="utf-8")
    if source.count(WIDGET_STRINGS_MARK) != 1:
        raise ValueError(f"{path}: expected {WIDGET_STRINGS_MARK!r} once")
    strings = json.dumps(texts_starting("widget_"), ensure_ascii=False, indent=1)
    return source.replace(WIDGET_STRINGS_MARK, strings).encode("utf-8")


def add_widget_routes(router: web.UrlDispatcher, static_dir: Path = STATIC_DIR) -> None:
    """GET (and HEAD) /widget.js, /demo, /demo/layanan and the demo's assets."""
    # A site with Cross-Origin-Embedder-Policy: require-corp may only load scripts that opt in.
    widget_headers = (("Cross-Origin-Resource-Policy", "cross-origin"),)
    strict_headers = (("Content-Security-Policy", STRICT_CSP),)
    assets = {
        "/widget.js": StaticAsset.of(
            widget_source(static_dir / "widget.js"), _JS, WIDGET_CACHE_CONTROL, widget_headers
        ),
        "/demo": StaticAsset.load(
            static_dir / "demo" / "index.html", _HTML, DEMO_CACHE_CONTROL, strict_headers
        ),
        "/demo/layanan": StaticAsset.load(
            static_dir / "demo" / "layanan.html", _HTML, DEMO_CACHE_CONTROL, strict_headers
        ),
        "/demo/demo.css": StaticAsset.load(
            static_dir / "demo" / "demo.css", _CSS, DEMO_CACHE_CONTROL
        ),
        "/demo/emblem.svg": StaticAsset.load(
            static_dir / "demo" / "emblem.svg", _SVG, DEMO_CACHE_CONTROL
        ),
    }
    for path, asset in assets.items():
        router.add_get(path, _handler(asset))
    router.add_get("/demo/", _redirect_to_demo)
    router.add_get(ORIGIN_PROBE_PATH, _origin_probe)


def _handler(asset: StaticAsset) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        return asset.respond(request)

    return handle


async def _redirect_to_demo(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently("/demo")


async def _origin_probe(request: web.Request) -> web.Response:
    return web.json_response({"allowed": True}, headers={"Cache-Control": "no-store"})
