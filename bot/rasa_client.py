"""HTTP client for the Rasa servers and the action server, over one shared aiohttp session.

Failures come out as three exception types the handlers map to 503, 504 and 502. Their messages
name the service and a fixed endpoint label, never the URL: a query may carry Rasa's auth token,
and the messages end up in logs.

Several Rasa servers (RASA_URL="http://a:5005,http://b:5005", docs/deploy.md) share one tracker
store and lock store, so any of them can serve any turn: requests go round robin, and a request
that cannot even connect to one server goes to the next.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aiohttp
from yarl import URL

from bot.config import Settings
from bot.logging_setup import fields

log = logging.getLogger("bot.rasa_client")

# Rasa's own restart intent: a fresh conversation (Telegram's /reset, "/restart" in the widget).
RESTART_PAYLOAD = "/restart"

# A server that is switched off drops connection attempts silently; give up on it early, so that
# with several Rasa servers the request still has time to be served by another.
CONNECT_TIMEOUT_SECONDS = 5.0


class UpstreamError(Exception):
    def __init__(self, service: str, endpoint: str, detail: str, status: int | None = None) -> None:
        super().__init__(f"{service} {endpoint}: {detail}")
        self.service = service
        self.status = status
        self.detail = detail


class UpstreamUnavailable(UpstreamError):
    """Nothing answers (connection refused, reset, closed mid-answer): the service is down."""


class UpstreamNotConnected(UpstreamUnavailable):
    """No connection could be made, so the request never reached the service: safe to resend."""


class UpstreamTimeout(UpstreamError):
    """The service did not answer in time."""


class UpstreamBadResponse(UpstreamError):
    """The service answered, but with an error status or something that is not the JSON expected."""


class RasaClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        rasa_urls: Sequence[URL],
        action_server_url: URL,
        rasa_token: str | None,
        timeout: float,
        health_timeout: float,
    ) -> None:
        if not rasa_urls:
            raise ValueError("at least one Rasa URL is needed")
        self._session = session
        self._rasa_urls = tuple(rasa_urls)
        self._action_server_url = action_server_url
        self._token_query = {"token": rasa_token} if rasa_token else {}
        # Rasa's channel for the gateway (deploy/rasa_channel.py) takes the token as a header.
        self._channel_headers = {"Authorization": f"Bearer {rasa_token}"} if rasa_token else {}
        self._timeout = timeout
        self._health_timeout = health_timeout
        self._rotation = itertools.count()

    @classmethod
    def from_settings(
        cls, session: aiohttp.ClientSession, settings: Settings, timeout: float | None = None
    ) -> RasaClient:
        """The client for the configured servers; `timeout` overrides RASA_TIMEOUT_SECONDS."""
        return cls(
            session,
            rasa_urls=settings.rasa_urls,
            action_server_url=settings.action_server_url,
            rasa_token=settings.rasa_token,
            timeout=settings.rasa_timeout if timeout is None else timeout,
            health_timeout=settings.health_timeout,
        )

    @property
    def rasa_server_count(self) -> int:
        return len(self._rasa_urls)

    async def send(
        self, sender: str, message: str, metadata: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """One user message through the gateway's Rasa channel; returns Rasa's raw output."""
        payload = {"sender": sender, "message": message, "metadata": dict(metadata)}
        answer = await self._rasa_round_robin(
            "POST", "webhook", lambda base: base / "webhooks" / "duta" / "webhook", payload
        )
        if not isinstance(answer, list) or not all(isinstance(m, dict) for m in answer):
            raise UpstreamBadResponse("rasa", "webhook", "expected a list of messages")
        return answer

    async def forget(self, sender: str) -> None:
        """Erase one conversation from the tracker store (every Rasa server shares it)."""
        await self._rasa_round_robin(
            "DELETE", "forget", lambda base: base / "webhooks" / "duta" / "conversations" / sender
        )

    async def tracker(self, sender: str) -> dict[str, Any]:
        """One conversation as Rasa keeps it (its HTTP API, behind the token): the staff console's
        test chat reads the intent and the actions of a turn from it."""
        answer = await self._rasa_round_robin(
            "GET",
            "tracker",
            lambda base: self._rasa_api(base, "conversations", sender, "tracker"),
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("events"), list):
            raise UpstreamBadResponse("rasa", "tracker", "expected a tracker with events")
        return answer

    async def purge(self, older_than_days: float) -> dict[str, Any]:
        """Erase the conversations whose last message is older than the given number of days."""
        payload = {"older_than_days": older_than_days}
        answer = await self._rasa_round_robin(
            "POST", "purge", lambda base: base / "webhooks" / "duta" / "purge", payload
        )
        if not isinstance(answer, dict):
            raise UpstreamBadResponse("rasa", "purge", "expected a JSON object")
        return answer

    async def rasa_status(self, server: int = 0) -> dict[str, Any]:
        """Rasa's loaded model on one server (0-based, in RASA_URL order); 409: no model loaded."""
        url = self._rasa_api(self._rasa_urls[server], "status")
        return await self._health_json("rasa", url, "status")

    async def action_server_health(self) -> dict[str, Any]:
        url = self._action_server_url / "health"
        return await self._health_json("action_server", url, "health")

    async def index_status(self) -> dict[str, Any]:
        """The action server's loaded index manifest; 503 until the index is loaded."""
        url = self._action_server_url / "index" / "status"
        return await self._health_json("action_server", url, "index status")

    def _rasa_api(self, base: URL, *segments: str) -> URL:
        url = base
        for segment in segments:
            url = url / segment
        return url.update_query(self._token_query)

    async def _rasa_round_robin(
        self,
        method: str,
        endpoint: str,
        url_on: Callable[[URL], URL],
        payload: object = None,
    ) -> Any:
        """The next server in turn; on to the following one only if no connection could be made.

        A server that accepted the request and then failed is not retried elsewhere: it may have
        processed the message already, and a second copy would be a second turn.
        """
        count = len(self._rasa_urls)
        first = next(self._rotation) % count
        error: UpstreamNotConnected | None = None
        for step in range(count):
            server = (first + step) % count
            try:
                url = url_on(self._rasa_urls[server])
                answer = await self._json(
                    "rasa", method, url, endpoint, self._timeout, payload, self._channel_headers
                )
            except UpstreamNotConnected as refused:
                if count > 1:
                    log.warning(
                        "rasa server not reachable, trying the next",
                        extra=fields(server=server + 1, endpoint=endpoint, error=refused.detail),
                    )
                error = refused
                continue
            log.debug("rasa answered", extra=fields(server=server + 1, endpoint=endpoint))
            return answer
        assert error is not None
        if count > 1:
            detail = f"none of the {count} servers: {error.detail}"
            raise UpstreamNotConnected("rasa", endpoint, detail)
        raise error

    async def _health_json(self, service: str, url: URL, endpoint: str) -> dict[str, Any]:
        answer = await self._json(service, "GET", url, endpoint, self._health_timeout)
        if not isinstance(answer, dict):
            raise UpstreamBadResponse(service, endpoint, "expected a JSON object")
        return answer

    async def _json(
        self,
        service: str,
        method: str,
        url: URL,
        endpoint: str,
        timeout: float,
        payload: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        limits = aiohttp.ClientTimeout(
            total=timeout, sock_connect=min(timeout, CONNECT_TIMEOUT_SECONDS)
        )
        try:
            async with self._session.request(
                method, url, json=payload, timeout=limits, headers=headers
            ) as response:
                body = await response.read()
                if response.status >= 400:
                    raise UpstreamBadResponse(
                        service, endpoint, f"HTTP {response.status}", response.status
                    )
        # Connection failures first: the request was never sent. Then TimeoutError: aiohttp's
        # ServerTimeoutError is also a ClientConnectionError.
        # `from None` everywhere: aiohttp's own exceptions may quote the URL.
        except aiohttp.ConnectionTimeoutError:
            detail = f"no connection within {limits.sock_connect:g} s"
            raise UpstreamNotConnected(service, endpoint, detail) from None
        except aiohttp.ClientConnectorError as error:
            raise UpstreamNotConnected(service, endpoint, _describe(error)) from None
        except TimeoutError:
            raise UpstreamTimeout(service, endpoint, f"no answer within {timeout:g} s") from None
        except aiohttp.ClientConnectionError as error:
            raise UpstreamUnavailable(service, endpoint, _describe(error)) from None
        except aiohttp.ClientError as error:
            raise UpstreamBadResponse(service, endpoint, _describe(error)) from None
        try:
            return json.loads(body)
        except ValueError:
            raise UpstreamBadResponse(service, endpoint, "answer is not JSON") from None


def _describe(error: aiohttp.ClientError) -> str:
    """The error's kind and OS reason ("connection refused"), without the URL it may carry."""
    os_error = getattr(error, "os_error", None)
    reason = getattr(os_error, "strerror", None)
    return f"{type(error).__name__}: {reason}" if reason else type(error).__name__
