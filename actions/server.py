"""The action server's Sanic app: rasa-sdk's own routes plus GET /index/status."""

from __future__ import annotations

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import knowledge_base


def build_app(package: str = "actions") -> Sanic:
    """rasa-sdk's app (POST /webhook, GET /health, GET /actions) with our actions registered."""
    executor = ActionExecutor()
    executor.register_package(package)
    app = create_app(executor)

    @app.get("/index/status")
    async def index_status(_: Request) -> HTTPResponse:
        code, body = knowledge_base.status()
        return response.json(body, status=code)

    return app
