"""Telegram settings: polling by default; webhook mode only with a token, a secret and a path."""

from __future__ import annotations

import pytest
from yarl import URL

from bot.config import ConfigError, Settings

TOKEN = {"TELEGRAM_BOT_TOKEN": "123:abcdefgh"}
WEBHOOK = TOKEN | {
    "TELEGRAM_WEBHOOK_URL": "https://duta.example.org/telegram/webhook",
    "TELEGRAM_WEBHOOK_SECRET": "s3cret_-token",
}


def test_polling_by_default() -> None:
    settings = Settings.from_env(TOKEN)
    assert settings.telegram_webhook_url is None
    assert settings.telegram_api_base is None
    assert settings.telegram_message_max_chars == 4096


def test_webhook_settings_are_read_and_the_secret_is_kept_secret() -> None:
    settings = Settings.from_env(WEBHOOK | {"TELEGRAM_API_BASE": "http://127.0.0.1:9000/"})
    assert settings.telegram_webhook_url == URL("https://duta.example.org/telegram/webhook")
    assert settings.telegram_api_base == URL("http://127.0.0.1:9000")
    assert "s3cret_-token" in settings.secrets
    assert "s3cret_-token" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TELEGRAM_WEBHOOK_URL": WEBHOOK["TELEGRAM_WEBHOOK_URL"],
          "TELEGRAM_WEBHOOK_SECRET": "abc"}, "TELEGRAM_BOT_TOKEN is not"),
        (WEBHOOK | {"TELEGRAM_WEBHOOK_SECRET": ""}, "TELEGRAM_WEBHOOK_SECRET is not"),
        (WEBHOOK | {"TELEGRAM_WEBHOOK_SECRET": "has spaces"}, "TELEGRAM_WEBHOOK_SECRET: "),
        (WEBHOOK | {"TELEGRAM_WEBHOOK_URL": "https://duta.example.org"}, "a path of its own"),
        (WEBHOOK | {"TELEGRAM_WEBHOOK_URL": "https://duta.example.org/api/x"}, "a path of its"),
        (WEBHOOK | {"TELEGRAM_WEBHOOK_URL": "duta.example.org/hook"}, "TELEGRAM_WEBHOOK_URL="),
        (TOKEN | {"TELEGRAM_API_BASE": "ftp://x"}, "TELEGRAM_API_BASE="),
        (TOKEN | {"TELEGRAM_MESSAGE_MAX_CHARS": "5000"}, "TELEGRAM_MESSAGE_MAX_CHARS="),
    ],
)  # fmt: skip
def test_bad_telegram_settings_stop_the_start(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)
    assert named in str(raised.value)
