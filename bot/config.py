"""The gateway's settings, all read from the environment once at start-up.

Every problem is collected and reported together, so a bad deployment fails at start with one
readable message instead of at the first request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainValidator, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from yarl import URL

_DEFAULT_PORTS = {"http": 80, "https": 443}


# Files the processes create (logs, the tracker database) hold conversations: owner only.
PRIVATE_UMASK = 0o077


class ConfigError(ValueError):
    """One or more environment variables are invalid; the message lists them all."""


def _url(raw: str) -> URL:
    try:
        return URL(raw)
    except (ValueError, TypeError):
        raise ValueError("not a URL") from None


def _http_url(raw: str) -> URL:
    url = _url(raw)
    if url.scheme not in _DEFAULT_PORTS or not url.host:
        raise ValueError("expected an http:// or https:// URL with a host")
    return url


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


def _redis_url(raw: str) -> str:
    url = _url(raw)
    if url.scheme not in ("redis", "rediss") or not url.host:
        raise ValueError("expected a redis:// or rediss:// URL with a host")
    return raw


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


def _whole_number(raw: str) -> int:
    """As int() reads it: pydantic's own int would also take "5.0"."""
    try:
        return int(raw)
    except ValueError:
        raise ValueError("expected a whole number") from None


# Its range comes with each field (ge, le), checked by pydantic.
_WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


def _bool(raw: str) -> bool:
    """Only these words: pydantic's own bool also takes y/n/t/f and names none in its error."""
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected 1 or 0 (also true/false, yes/no, on/off)")


def _default_origins(fields: dict[str, Any]) -> frozenset[str]:
    """The gateway's own page, on its port (the default one when GATEWAY_PORT is invalid)."""
    port = fields.get("port", 8080)
    return frozenset({f"http://localhost:{port}", f"http://127.0.0.1:{port}"})


class Settings(BaseSettings):
    """Build with `from_env`: its mapping (os.environ by default) is the only source, no .env."""

    model_config = SettingsConfigDict(
        frozen=True, arbitrary_types_allowed=True, validate_default=False, hide_input_in_errors=True
    )

    host: str = Field("127.0.0.1", alias="GATEWAY_HOST")
    port: _WholeNumber = Field(8080, ge=1, le=65535, alias="GATEWAY_PORT")
    # One or more Rasa servers sharing a tracker and lock store (docs/deploy.md); tried in turn.
    rasa_urls: Annotated[tuple[URL, ...], PlainValidator(_base_url_list)] = Field(
        (URL("http://127.0.0.1:5005"),), alias="RASA_URL"
    )
    action_server_url: Annotated[URL, PlainValidator(_base_url)] = Field(
        URL("http://127.0.0.1:5055"), alias="ACTION_SERVER_URL"
    )
    allowed_origins: Annotated[frozenset[str], PlainValidator(_origin_list)] = Field(
        default_factory=_default_origins, alias="ALLOWED_ORIGINS"
    )
    trust_proxy: Annotated[bool, PlainValidator(_bool)] = Field(False, alias="TRUST_PROXY")
    sender_rate_per_min: _WholeNumber = Field(20, ge=0, alias="RATE_LIMIT_SENDER_PER_MIN")
    ip_rate_per_min: _WholeNumber = Field(60, ge=0, alias="RATE_LIMIT_IP_PER_MIN")
    max_message_chars: _WholeNumber = Field(1000, ge=1, alias="MAX_MESSAGE_CHARS")
    max_body_bytes: _WholeNumber = Field(16 * 1024, ge=256, alias="MAX_BODY_BYTES")
    rasa_timeout: float = Field(30.0, gt=0, allow_inf_nan=False, alias="RASA_TIMEOUT_SECONDS")
    health_timeout: float = Field(3.0, gt=0, allow_inf_nan=False, alias="HEALTH_TIMEOUT_SECONDS")
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(str.upper)
    ] = Field("INFO", alias="LOG_LEVEL")
    # Conversations whose last message is older are erased (docs/privacy.md); 0 keeps them.
    retention_days: _WholeNumber = Field(90, ge=0, alias="DUTA_RETENTION_DAYS")
    # What users send with /feedback, one JSON line each (bot/feedback.py).
    feedback_file: Path = Field(Path("var/feedback.jsonl"), alias="DUTA_FEEDBACK_FILE")
    # Secrets: never shown by repr() nor in an error, so a logged Settings cannot leak them.
    rasa_token: str | None = Field(None, repr=False, alias="RASA_TOKEN")
    log_salt: str | None = Field(None, repr=False, alias="LOG_SALT")
    # The Telegram connector (bot/telegram, docs/telegram.md) runs only when the token is set.
    telegram_bot_token: str | None = Field(None, repr=False, alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: str | None = Field(None, repr=False, alias="TELEGRAM_WEBHOOK_SECRET")
    # Staff's token: /health shows its details (model, index, errors) only to it.
    admin_token: str | None = Field(None, repr=False, alias="DUTA_ADMIN_TOKEN")
    # Another Bot API server (a self-hosted one, or the tests' emulator); None: Telegram's own.
    telegram_api_base: Annotated[URL | None, PlainValidator(_base_url)] = Field(
        None, alias="TELEGRAM_API_BASE"
    )
    # Set: webhook mode, served by the gateway at this URL's path; None: long polling.
    telegram_webhook_url: Annotated[URL | None, PlainValidator(_http_url)] = Field(
        None, alias="TELEGRAM_WEBHOOK_URL"
    )
    # Longest Telegram message part; Telegram's own limit is 4096.
    telegram_message_max_chars: _WholeNumber = Field(
        4096, ge=200, le=4096, alias="TELEGRAM_MESSAGE_MAX_CHARS"
    )
    # The staff console's accounts, sessions and unanswered questions (admin/console, 0600).
    console_db: Path = Field(Path("var/console.db"), alias="DUTA_CONSOLE_DB")
    # Set: rate-limit counts live in this Redis, shared by every gateway (docs/deploy.md); None:
    # in this process's memory. It may hold a password.
    rate_limit_redis_url: Annotated[str | None, PlainValidator(_redis_url)] = Field(
        None, repr=False, alias="RATE_LIMIT_REDIS_URL"
    )

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
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only what `from_env` passes: never os.environ itself, nor a .env or secrets file."""
        return (init_settings,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Empty values count as unset; every invalid variable is reported at once."""
        env = os.environ if environ is None else environ
        names = [field.alias for field in cls.model_fields.values() if field.alias]
        values = {name: env[name].strip() for name in names if env.get(name, "").strip()}
        errors: list[str] = []
        try:
            settings = cls(**values)
        except ValidationError as invalid:
            # Not the user's mistake: ALLOWED_ORIGINS's default waits for a valid GATEWAY_PORT.
            found = [e for e in invalid.errors() if e["type"] != "default_factory_not_called"]
            errors = [_describe(error, values) for error in found]
            # The invalid ones fall back to their defaults so the checks across variables run too.
            bad = {error["loc"][0] for error in found}
            settings = cls(**{name: raw for name, raw in values.items() if name not in bad})
        errors.extend(_telegram_errors(settings))
        if errors:
            raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
        return settings


# An error names these variables but never shows their value.
_SECRETS = {field.alias for field in Settings.model_fields.values() if not field.repr}


def _describe(error: ErrorDetails, values: Mapping[str, str]) -> str:
    """`NAME='value': what is expected`, the value as the user wrote it unless it is a secret."""
    name = str(error["loc"][0])
    # A ValueError of ours says what is expected; pydantic's own checks say "Input should be ...".
    reason = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
    return f"{name}: {reason}" if name in _SECRETS else f"{name}={values[name]!r}: {reason}"


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
