"""Duta on Telegram: an aiogram 3 connector running inside the gateway process.

`service` starts it (polling or webhook), `handlers` routes updates, `connector` talks to Rasa
through the gateway's client, `formatting` and `callbacks` turn a `render.Reply` into Telegram
messages and buttons. Nothing Telegram-specific lives outside this package.
"""

from bot.telegram.service import setup_telegram

__all__ = ["setup_telegram"]
