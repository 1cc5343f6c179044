"""The gateway's settings, all read from the environment once at start-up.

Every problem is collected and reported together, so a bad deployment fails at start with one
readable message instead of at the first request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from yarl import URL

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_DEFAULT_PORTS = {"http": 80, "https": 443}


# Files the processes create (logs, the tracker database) hold conversations: owner only.
PRIVATE_UMASK = 0o077


class ConfigError(ValueError):
    """One or more environment variables are invalid; the message lists them all."""


@dataclass(frozen=True)
class Settings:
    """Build with `from_env`, which holds the defaults."""

    host: str
    port: int
    # One or more Rasa servers sharing a tracker and lock store (docs/deploy.md); tried in turn.
    rasa_urls: tuple[URL, ...]
    action_server_url: URL
    allowed_origins: frozenset[str]
    trust_proxy: bool
    sender_rate_per_min: int
    ip_rate_per_min: int
    max_message_chars: int
    max_body_bytes: int
    rasa_timeout: float
    health_timeout: float
    log_level: str
    # Conversations whose last message is older are erased (docs/privacy.md); 0 keeps them.
    retention_days: int
    # What users send with /feedback, one JSON line each (bot/feedback.py).
    feedback_file: Path
    # Secrets: never shown by repr(), so a logged Settings cannot leak them.
    rasa_token: str | None = field(repr=False)
    log_salt: str | None = field(repr=False)
    # The Telegram connector (bot/telegram, docs/telegram.md) runs only when the token is set.
    telegram_bot_token: str | None = field(repr=False)
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    # Staff's token: /health shows its details (model, index, errors) only to it.
    admin_token: str | None = field(default=None, repr=False)
    # Another Bot API server (a self-hosted one, or the tests' emulator); None: Telegram's own.
    telegram_api_base: URL | None = None
    # Set: webhook mode, served by the gateway at this URL's path; None: long polling.
    telegram_webhook_url: URL | None = None
    # Longest Telegram message part; Telegram's own limit is 4096.
    telegram_message_max_chars: int = 4096
    # The staff console's accounts, sessions and unanswered questions (bot/admin, 0600).
    console_db: Path = Path("var/console.db")
    # Set: rate-limit counts live in this Redis, shared by every gateway (docs/deploy.md); None:
    # in this process's memory. It may hold a password.
    rate_limit_redis_url: str | None = field(default=None, repr=False)

    @property
    def rasa_url(self) -> URL:
        """The first Rasa server: the only one in a single-machine setup."""
        return self.rasa_urls[0]

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a log line."""
        values = (
            self.rasa_token,
            self.log_salt,
            self.admin_token,
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            self.rate_limit_redis_url,
        )
        return tuple(v for v in values if v)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = _Env(os.environ if environ is None else environ)
        port = env.parse("GATEWAY_PORT", 8080, _port)
        origins_default = f"http://localhost:{port},http://127.0.0.1:{port}"
        settings = cls(
            host=env.parse("GATEWAY_HOST", "127.0.0.1", _text),
            port=port,
            rasa_urls=env.parse("RASA_URL", "http://127.0.0.1:5005", _base_url_list),
            action_server_url=env.parse("ACTION_SERVER_URL", "http://127.0.0.1:5055", _base_url),
            allowed_origins=env.parse("ALLOWED_ORIGINS", origins_default, _origin_list),
            trust_proxy=env.parse("TRUST_PROXY", "0", _bool),
            sender_rate_per_min=env.parse("RATE_LIMIT_SENDER_PER_MIN", 20, _int_at_least(0)),
            ip_rate_per_min=env.parse("RATE_LIMIT_IP_PER_MIN", 60, _int_at_least(0)),
            max_message_chars=env.parse("MAX_MESSAGE_CHARS", 1000, _int_at_least(1)),
            max_body_bytes=env.parse("MAX_BODY_BYTES", 16 * 1024, _int_at_least(256)),
            rasa_timeout=env.parse("RASA_TIMEOUT_SECONDS", 30.0, _positive_float),
            health_timeout=env.parse("HEALTH_TIMEOUT_SECONDS", 3.0, _positive_float),
            log_level=env.parse("LOG_LEVEL", "INFO", _log_level),
            retention_days=env.parse("DUTA_RETENTION_DAYS", 90, _int_at_least(0)),
            feedback_file=env.parse("DUTA_FEEDBACK_FILE", "var/feedback.jsonl", Path),
            rasa_token=env.optional("RASA_TOKEN"),
            log_salt=env.optional("LOG_SALT"),
            admin_token=env.optional("DUTA_ADMIN_TOKEN"),
            telegram_bot_token=env.optional("TELEGRAM_BOT_TOKEN"),
            telegram_webhook_secret=env.optional("TELEGRAM_WEBHOOK_SECRET"),
            telegram_api_base=env.parse_optional("TELEGRAM_API_BASE", _base_url),
            telegram_webhook_url=env.parse_optional("TELEGRAM_WEBHOOK_URL", _http_url),
            telegram_message_max_chars=env.parse(
                "TELEGRAM_MESSAGE_MAX_CHARS", 4096, _int_between(200, 4096)
            ),
            console_db=env.parse("DUTA_CONSOLE_DB", "var/console.db", Path),
            rate_limit_redis_url=env.parse_optional(
                "RATE_LIMIT_REDIS_URL", _redis_url, secret=True
            ),
        )
        env.errors.extend(_telegram_errors(settings))
        if env.errors:
            raise ConfigError("invalid configuration:\n  " + "\n  ".join(env.errors))
        return settings


class _Env:
    """Reads variables, treating empty values as unset, and collects every error."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.errors: list[str] = []

    def optional(self, name: str) -> str | None:
        return self.environ.get(name, "").strip() or None

    def parse(self, name: str, default: str | int | float, parser: Callable[[str], T]) -> T:
        raw = self.optional(name)
        try:
            return parser(str(default) if raw is None else raw)
        except ValueError as error:
            self.errors.append(f"{name}={raw!r}: {error}")
            return parser(str(default))

    def parse_optional(
        self, name: str, parser: Callable[[str], T], secret: bool = False
    ) -> T | None:
        """`secret`: an error names the variable, never its value."""
        raw = self.optional(name)
        if raw is None:
            return None
        try:
            return parser(raw)
        except ValueError as error:
            self.errors.append(f"{name}: {error}" if secret else f"{name}={raw!r}: {error}")
            return None


def _text(raw: str) -> str:
    return raw


def _port(raw: str) -> int:
    value = _int(raw)
    if not 1 <= value <= 65535:
        raise ValueError("expected a port number from 1 to 65535")
    return value


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError("expected a whole number") from None


def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = _int(raw)
        if value < minimum:
            raise ValueError(f"expected a whole number >= {minimum}")
        return value

    return parse


def _int_between(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = _int(raw)
        if not minimum <= value <= maximum:
            raise ValueError(f"expected a whole number from {minimum} to {maximum}")
        return value

    return parse


def _positive_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    if not 0 < value < float("inf"):
        raise ValueError("expected a positive number of seconds")
    return value


def _bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected 1 or 0 (also true/false, yes/no, on/off)")


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(_LOG_LEVELS)}")
    return level


def _base_url(raw: str) -> URL:
    url = _http_url(raw)
    if url.query_string or url.fragment:
        raise ValueError("expected a base URL without query or fragment")
    return url.with_path(url.path.rstrip("/"))


def _base_url_list(raw: str) -> tuple[URL, ...]:
    """Comma-separated base URLs, in order, each once."""
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts:
        raise ValueError("expected one or more base URLs separated by commas")
    urls = tuple(_base_url(part) for part in parts)
    if len(set(urls)) != len(urls):
        raise ValueError("the same URL is listed twice")
    return urls


def _url(raw: str) -> URL:
    try:
        return URL(raw)
    except (ValueError, TypeError):
        raise ValueError("not a URL") from None


def _redis_url(raw: str) -> str:
    url = _url(raw)
    if url.scheme not in ("redis", "rediss") or not url.host:
        raise ValueError("expected a redis:// or rediss:// URL with a host")
    return raw


def _http_url(raw: str) -> URL:
    url = _url(raw)
    if url.scheme not in _DEFAULT_PORTS or not url.host:
        raise ValueError("expected an http:// or https:// URL with a host")
    return url


def normalize_origin(raw: str) -> str:
    """`scheme://host[:port]` in lower case, without a default port: how browsers send Origin."""
    url = _http_url(raw.strip())
    if url.path not in ("", "/") or url.query_string or url.fragment or url.user:
        raise ValueError(f"{raw!r} is not an origin (scheme://host[:port], no path)")
    host = url.raw_host or ""
    if ":" in host:
        host = f"[{host}]"
    port = url.explicit_port
    suffix = f":{port}" if port is not None and port != _DEFAULT_PORTS[url.scheme] else ""
    return f"{url.scheme}://{host.lower()}{suffix}"


def _origin_list(raw: str) -> frozenset[str]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if "*" in parts:
        raise ValueError("'*' is not supported: list each origin that may embed the widget")
    return frozenset(normalize_origin(part) for part in parts)


# Telegram's rule for the secret_token of setWebhook.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_GATEWAY_PATHS = ("/api/", "/health", "/static/", "/widget.js", "/demo", "/admin")


def _telegram_errors(settings: Settings) -> list[str]:
    """Checks across Telegram variables: webhook mode needs a token, a secret and a free path."""
    errors = []
    secret = settings.telegram_webhook_secret
    if secret is not None and not _WEBHOOK_SECRET.fullmatch(secret):
        errors.append("TELEGRAM_WEBHOOK_SECRET: expected 1 to 256 characters of A-Z a-z 0-9 _ -")
    url = settings.telegram_webhook_url
    if url is None:
        return errors
    if settings.telegram_bot_token is None:
        errors.append("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not")
    if secret is None:
        # Without it anyone who finds the URL could post fake updates in users' names.
        errors.append("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not")
    if url.path in ("", "/") or url.path.startswith(_GATEWAY_PATHS):
        errors.append(
            f"TELEGRAM_WEBHOOK_URL: its path {url.path!r} must be a path of its own, "
            "e.g. /telegram/webhook"
        )
    return errors
