"""Helpers for the widget's browser tests (imported by the test_widget_* modules; no tests here).

The browser is Debian's Chromium driven by Playwright: the system binary (Playwright's own
browser download does not work here), headless, without the background networking that calls out,
and a fresh profile folder per test (a persistent context on an empty `--user-data-dir`).
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Dialog, Locator, Page, sync_playwright

from deploy.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
# The hardening tests' screenshots, looked at by a person once (docs/widget.md); not committed.
SCREENSHOTS = ROOT / "tests" / "integration" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# Reads the widget's shadow tree (Playwright's CSS locators pierce it too; this is for JS checks).
# In wait_for_function, write an arrow function: Playwright evaluates a bare expression with eval,
# which the demo pages' CSP (no 'unsafe-eval') forbids.
SHADOW = "document.querySelector('duta-widget').shadowRoot"
# Every page records the Content-Security-Policy violations it sees: under the demo's strict CSP,
# markup a faulty widget injected (an inline handler, say) is blocked and shows up here.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(event.violatedDirective + " " + (event.sample || event.blockedURI));
}, true);
"""


@contextlib.contextmanager
def chromium(profile_dir: Path, device: dict[str, Any] = DESKTOP) -> Iterator[BrowserContext]:
    profile_dir.mkdir(parents=True, exist_ok=True)
    assert not any(profile_dir.iterdir()), "each browser starts on a fresh profile"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            **device,
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class Widget:
    """A page that embeds the widget, with everything the tests watch for."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        self.page.add_init_script(RECORD_CSP_VIOLATIONS)

    def csp_violations(self) -> list[str]:
        return list(self.page.evaluate("window.__cspViolations || []"))

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def goto(self, url: str) -> Widget:
        self.page.goto(url)
        self.launcher.wait_for()
        return self

    @property
    def launcher(self) -> Locator:
        return self.page.locator("duta-widget .launcher")

    @property
    def panel(self) -> Locator:
        return self.page.locator("duta-widget .panel")

    @property
    def input(self) -> Locator:
        return self.page.locator("duta-widget textarea")

    def open(self) -> None:
        self.launcher.click()
        self.panel.wait_for(state="visible")

    def count(self, selector: str) -> int:
        return int(self.page.evaluate(f"{SHADOW}.querySelectorAll({json.dumps(selector)}).length"))

    def texts(self, selector: str, drop: str = ".sr") -> list[str]:
        """textContent of the matching elements without the parts matching `drop` (by default
        the screen-reader-only prefixes such as "Duta:")."""
        return list(
            self.page.evaluate(
                f"""[...{SHADOW}.querySelectorAll({json.dumps(selector)})].map(el => {{
                    const copy = el.cloneNode(true);
                    copy.querySelectorAll({json.dumps(drop)}).forEach(part => part.remove());
                    return copy.textContent.trim();
                }})"""
            )
        )

    def bot_replies(self) -> list[str]:
        """The assistant's messages (the welcome first), without their lists of sources."""
        return self.texts(".msg.bot:not(.typing)", drop=".sr, .srcs")

    def send(self, text: str, timeout_ms: float = 90_000) -> list[str]:
        """Type and press Enter; wait for the answer (or an error). Returns the new replies."""
        before = self.count(".msg.bot:not(.typing)")
        self.input.fill(text)
        self.input.press("Enter")
        return self.wait_for_answer(before, timeout_ms)

    def wait_for_answer(self, bot_before: int, timeout_ms: float = 90_000) -> list[str]:
        self.page.wait_for_function(
            f"""() => {{
                const root = {SHADOW};
                return !root.querySelector('.typing') && (root.querySelector('.msg.error') ||
                    root.querySelectorAll('.msg.bot:not(.typing)').length > {bot_before});
            }}""",
            timeout=timeout_ms,
        )
        return self.bot_replies()[bot_before:]

    def errors_shown(self) -> list[str]:
        return self.texts(".msg.error")

    def focused_id(self) -> str | None:
        """The id of the focused element inside the widget (None when focus is elsewhere)."""
        return self.page.evaluate(f"{SHADOW}.activeElement && {SHADOW}.activeElement.id || null")

    def style(self, selector: str, prop: str) -> str:
        return str(
            self.page.evaluate(
                f"getComputedStyle({SHADOW}.querySelector({json.dumps(selector)}))"
                f".getPropertyValue({json.dumps(prop)})"
            )
        )

    def screenshot(self, name: str, folder: Path = ARTIFACTS) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        self.page.screenshot(path=str(path))
        return path


def embedding_page(script_src: str, page_lang: str = "en", **data: str) -> str:
    """A minimal third-party page embedding the widget with the documented one-line snippet."""
    attributes = "".join(f' data-{k}="{html.escape(v)}"' for k, v in data.items())
    return (
        f'<!doctype html><html lang="{page_lang}"><head><meta charset="utf-8">'
        f"<title>Another site</title></head><body><h1>Another site</h1>"
        f'<script src="{html.escape(script_src)}"{attributes} async></script></body></html>'
    )


@contextlib.contextmanager
def other_site(pages: dict[str, str]) -> Iterator[str]:
    """A tiny web server on a port of its own, i.e. another origin, serving the given pages."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


def post_json(url: str, payload: object, headers: dict[str, str] | None = None) -> Answer:
    return request(url, "POST", json.dumps(payload).encode(), headers)


def request(
    url: str, method: str = "GET", data: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    prepared = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(prepared, timeout=60) as response:
            raw = response.read()
            return Answer(response.status, dict(response.headers), json.loads(raw or b"{}"))
    except urllib.error.HTTPError as error:
        raw = error.read()
        return Answer(error.code, dict(error.headers), json.loads(raw or b"{}"))


@contextlib.contextmanager
def gateway_alone(port: int, **env: str) -> Iterator[str]:
    """`python -m bot` with Rasa and the action server absent: /api/chat answers 503."""
    dead = f"http://127.0.0.1:{free_port()}"
    environment = os.environ | {
        "GATEWAY_PORT": str(port),
        "RASA_URL": dead,
        "ACTION_SERVER_URL": dead,
        # A developer's own Telegram settings must not start a real bot from the tests.
        "TELEGRAM_BOT_TOKEN": "",
        "TELEGRAM_WEBHOOK_URL": "",
        **env,
    }
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while not _serves_widget(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"the gateway did not start:\n{output}")
                time.sleep(0.1)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _serves_widget(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/widget.js", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
