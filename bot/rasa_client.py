"""HTTP client for the Rasa server and the action server, over one shared aiohttp session.

Failures come out as three exception types the handlers map to 503, 504 and 502. Their messages
name the service and a fixed endpoint label, never the URL: the query carries Rasa's auth token
and the tracker path the sender id, and both end up in logs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiohttp
from yarl import URL

from bot.i18n import Language, as_language


class UpstreamError(Exception):
    def __init__(self, service: str, endpoint: str, detail: str, status: int | None = None) -> None:
        super().__init__(f"{service} {endpoint}: {detail}")
        self.service = service
        self.status = status
        self.detail = detail


class UpstreamUnavailable(UpstreamError):
    """Nothing answers (connection refused, reset, closed mid-answer): the service is down."""


class UpstreamTimeout(UpstreamError):
    """The service did not answer in time."""


class UpstreamBadResponse(UpstreamError):
    """The service answered, but with an error status or something that is not the JSON expected."""


class RasaClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        rasa_url: URL,
        action_server_url: URL,
        rasa_token: str | None,
        timeout: float,
        health_timeout: float,
    ) -> None:
        self._session = session
        self._rasa_url = rasa_url
        self._action_server_url = action_server_url
        self._token_query = {"token": rasa_token} if rasa_token else {}
        self._timeout = timeout
        self._health_timeout = health_timeout

    async def send(
        self, sender: str, message: str, metadata: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """One user message through Rasa's REST channel; returns Rasa's raw output messages."""
        # The REST channel is not behind Rasa's auth token (only the HTTP API is), so no token.
        url = self._rasa_url / "webhooks" / "rest" / "webhook"
        payload = {"sender": sender, "message": message, "metadata": dict(metadata)}
        answer = await self._json("rasa", "POST", url, "webhook", self._timeout, payload)
        if not isinstance(answer, list) or not all(isinstance(m, dict) for m in answer):
            raise UpstreamBadResponse("rasa", "webhook", "expected a list of messages")
        return answer

    async def language(self, sender: str) -> Language | None:
        """The conversation's `language` slot, None when unset."""
        url = self._rasa_api("conversations", sender, "tracker").update_query(include_events="NONE")
        tracker = await self._json("rasa", "GET", url, "tracker", self._timeout)
        slots = tracker.get("slots") if isinstance(tracker, dict) else None
        return as_language(slots.get("language")) if isinstance(slots, dict) else None

    async def rasa_status(self) -> dict[str, Any]:
        """Rasa's loaded model; Rasa answers 409 while no model is loaded."""
        return await self._health_json("rasa", self._rasa_api("status"), "status")

    async def action_server_health(self) -> dict[str, Any]:
        url = self._action_server_url / "health"
        return await self._health_json("action_server", url, "health")

    async def index_status(self) -> dict[str, Any]:
        """The action server's loaded index manifest; 503 until the index is loaded."""
        url = self._action_server_url / "index" / "status"
        return await self._health_json("action_server", url, "index status")

    def _rasa_api(self, *segments: str) -> URL:
        url = self._rasa_url
        for segment in segments:
            url = url / segment
        return url.update_query(self._token_query)

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
    ) -> Any:
        try:
            async with self._session.request(
                method, url, json=payload, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                body = await response.read()
                if response.status >= 400:
                    raise UpstreamBadResponse(
                        service, endpoint, f"HTTP {response.status}", response.status
                    )
        # TimeoutError first: aiohttp's ServerTimeoutError is also a ClientConnectionError.
        # `from None` everywhere: aiohttp's own exceptions may quote the URL.
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
