"""Duta on Telegram: an aiogram 3 connector running inside the gateway process.

`service` starts it (polling or webhook), `handlers` routes updates, `connector` talks to Rasa
through the gateway's client, `formatting` and `callbacks` turn a `render.Reply` into Telegram
messages and buttons. Nothing Telegram-specific lives outside this package.
"""

from __future__ import annotations

from aiohttp import web

from bot.app_keys import SETTINGS


def setup_telegram(app: web.Application) -> None:
    """Adds the connector to the gateway when TELEGRAM_BOT_TOKEN is set (call from create_app)."""
    if app[SETTINGS].telegram_bot_token is None:
        return
    # Imported only when needed: aiogram builds hundreds of pydantic models, seconds of CPU.
    from bot.telegram.service import add_to_app

    add_to_app(app)
