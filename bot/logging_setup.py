"""One-line JSON logs without personal data or secrets.

Sender ids and client addresses are personal data: they are logged only as a salted hash
(`Pseudonymizer`), enough to follow one conversation through the logs but not to recover it.
Message text is logged only at DEBUG. Configured secrets and `token=` query values are masked in
every line, whatever code produced it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"']+")
_MASK = "***"
_MIN_SECRET_CHARS = 8

# Set on the request by the rate-limit middleware (it knows whether to trust X-Forwarded-For).
CLIENT_IP_KEY = web.RequestKey("client_ip", str)


class Pseudonymizer:
    """sha256(salt + value), first 12 hex digits."""

    def __init__(self, salt: str | None) -> None:
        # Without LOG_SALT the hashes are stable only for this process: safer than a known salt.
        self._salt = (salt or secrets.token_hex(16)).encode()

    def __call__(self, value: str) -> str:
        return hashlib.sha256(self._salt + value.encode("utf-8", "replace")).hexdigest()[:12]


PSEUDONYMIZER = web.AppKey("pseudonymizer", Pseudonymizer)


def fields(**values: Any) -> dict[str, Any]:
    """`extra=` for a log call: `log.info("chat", extra=fields(latency_ms=12))`."""
    return {"fields": values}


class JsonFormatter(logging.Formatter):
    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        super().__init__()
        # A very short "secret" would mask ordinary words everywhere; such values are weak anyway.
        self._secrets = tuple(s for s in secret_values if len(s) >= _MIN_SECRET_CHARS)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, Mapping):
            entry.update(extra)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(entry, ensure_ascii=False, default=str))

    def redact(self, line: str) -> str:
        for secret in self._secrets:
            line = line.replace(secret, _MASK)
        return _TOKEN_IN_QUERY.sub(rf"\1{_MASK}", line)


def setup_logging(
    level: str, secret_values: Iterable[str] = (), stream: IO[str] | None = None
) -> logging.Handler:
    """Route every logger (ours, aiohttp's) through one JSON handler, on stderr by default."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(secret_values))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


class AccessLogger(AbstractAccessLogger):
    """One line per request: path without its query string, status, latency, hashed client."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        client = None
        config = _config_of(request)
        if config is not None and PSEUDONYMIZER in config:
            pseudonymize = config[PSEUDONYMIZER]
            client = pseudonymize(request.get(CLIENT_IP_KEY) or request.remote or "unknown")
        self.logger.info(
            "access",
            extra=fields(
                method=request.method,
                path=request.path,
                status=response.status,
                latency_ms=round(time * 1000, 1),
                client=client,
            ),
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def _config_of(request: web.BaseRequest) -> Mapping[Any, Any] | None:
    """The settings the request's application sees, its parents' included (the console is a
    sub-application: the pseudonymizer lives in the main one); None for a request aiohttp
    refused before routing (malformed HTTP)."""
    if not isinstance(request, web.Request):
        return None
    try:
        return request.config_dict
    except (AssertionError, AttributeError):  # aiohttp asserts that the request was routed
        return None
