"""Settings come from the environment; bad values stop the start with one clear message."""

from __future__ import annotations

import pytest
from yarl import URL

from bot.config import ConfigError, Settings


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.rasa_url == URL("http://127.0.0.1:5005")
    assert settings.action_server_url == URL("http://127.0.0.1:5055")
    assert settings.rasa_token is None and settings.telegram_bot_token is None
    assert (settings.sender_rate_per_min, settings.ip_rate_per_min) == (20, 60)
    assert (settings.max_message_chars, settings.max_body_bytes) == (1000, 16384)
    assert settings.trust_proxy is False
    assert settings.log_level == "INFO"


def test_values_are_read_and_normalised() -> None:
    settings = Settings.from_env({
        "GATEWAY_HOST": "0.0.0.0",
        "GATEWAY_PORT": "9090",
        "RASA_URL": "http://rasa.internal:5005/",
        "RASA_TOKEN": " s3cret-token ",
        "ALLOWED_ORIGINS": "https://kbri.example.org/, https://KJRI.example.org:8443",
        "TRUST_PROXY": "yes",
        "RATE_LIMIT_IP_PER_MIN": "0",
        "RASA_TIMEOUT_SECONDS": "2.5",
        "LOG_LEVEL": "debug",
        "TELEGRAM_BOT_TOKEN": "123:abc",
    })  # fmt: skip
    assert settings.port == 9090
    assert str(settings.rasa_url) == "http://rasa.internal:5005"
    assert settings.rasa_token == "s3cret-token"
    assert settings.allowed_origins == {"https://kbri.example.org", "https://kjri.example.org:8443"}
    assert settings.trust_proxy is True
    assert settings.ip_rate_per_min == 0
    assert settings.rasa_timeout == 2.5
    assert settings.log_level == "DEBUG"
    assert settings.telegram_bot_token == "123:abc"


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_env({"RASA_TOKEN": "tok-123456", "LOG_SALT": "salt-654321",
                                  "TELEGRAM_BOT_TOKEN": "123:tg-secret"})  # fmt: skip
    shown = repr(settings)
    assert "tok-123456" not in shown and "salt-654321" not in shown and "tg-secret" not in shown
    assert set(settings.secrets) == {"tok-123456", "salt-654321", "123:tg-secret"}


def test_empty_values_count_as_unset() -> None:
    assert Settings.from_env({"GATEWAY_PORT": "", "RASA_TOKEN": ""}) == Settings.from_env({})


def test_every_invalid_variable_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({
            "GATEWAY_PORT": "70000",
            "RASA_URL": "localhost:5005",
            "ACTION_SERVER_URL": "http://a:5055/?x=1",
            "TRUST_PROXY": "maybe",
            "RATE_LIMIT_SENDER_PER_MIN": "-1",
            "MAX_MESSAGE_CHARS": "lots",
            "MAX_BODY_BYTES": "10",
            "HEALTH_TIMEOUT_SECONDS": "0",
            "LOG_LEVEL": "LOUD",
        })  # fmt: skip
    message = str(raised.value)
    for name in ("GATEWAY_PORT", "RASA_URL", "ACTION_SERVER_URL", "TRUST_PROXY",
                 "RATE_LIMIT_SENDER_PER_MIN", "MAX_MESSAGE_CHARS", "MAX_BODY_BYTES",
                 "HEALTH_TIMEOUT_SECONDS", "LOG_LEVEL"):  # fmt: skip
        assert name in message


def test_the_rate_limit_redis_url_is_a_secret_even_when_wrong() -> None:
    url = "redis://:pa55word@10.0.0.5:6379/2"
    settings = Settings.from_env({"RATE_LIMIT_REDIS_URL": url})
    assert settings.rate_limit_redis_url == url
    assert "pa55word" not in repr(settings) and url in settings.secrets
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"RATE_LIMIT_REDIS_URL": "http://:pa55word@10.0.0.5:6379"})
    assert "RATE_LIMIT_REDIS_URL" in str(raised.value) and "pa55word" not in str(raised.value)
