"""Settings come from the environment; bad values stop the start with one clear message."""

from __future__ import annotations

import traceback
from pathlib import Path

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


def test_every_default() -> None:
    settings = Settings.from_env({})
    assert settings.allowed_origins == {"http://localhost:8080", "http://127.0.0.1:8080"}
    assert (settings.rasa_timeout, settings.health_timeout) == (30.0, 3.0)
    assert settings.retention_days == 90 and settings.telegram_message_max_chars == 4096
    assert settings.feedback_file == Path("var/feedback.jsonl")
    assert settings.console_db == Path("var/console.db")
    assert settings.secrets == () and settings.rate_limit_redis_url is None
    assert settings.telegram_api_base is None and settings.telegram_webhook_url is None


def test_only_the_given_mapping_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GATEWAY_PORT", "9999")
    monkeypatch.setenv("RASA_TOKEN", "from-os-environ")
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\n")
    assert Settings.from_env({}) == Settings.from_env({"gateway_port": "7777"})
    assert (Settings.from_env({}).port, Settings.from_env({}).rasa_token) == (8080, None)
    from_process = Settings.from_env()  # no mapping: the process's environment, still no .env
    assert (from_process.port, from_process.rasa_token) == (9999, "from-os-environ")
    assert from_process.log_level == "INFO"


def test_blank_values_count_as_unset_and_values_are_trimmed() -> None:
    assert Settings.from_env({"GATEWAY_PORT": "  ", "LOG_SALT": " \t"}) == Settings.from_env({})
    assert Settings.from_env({"MAX_BODY_BYTES": " 300 "}).max_body_bytes == 300


@pytest.mark.parametrize(
    ("name", "value"),
    [("GATEWAY_PORT", "5.0"), ("DUTA_RETENTION_DAYS", "1.5"), ("GATEWAY_PORT", "0x10"),
     ("TRUST_PROXY", "y"), ("TRUST_PROXY", "2"), ("RASA_TIMEOUT_SECONDS", "nan")],
)  # fmt: skip
def test_only_plain_values_are_accepted(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"{name}='{value}': "):
        Settings.from_env({name: value})


def test_checks_across_variables_run_even_when_others_are_invalid() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({
            "GATEWAY_PORT": "abc",
            "TELEGRAM_WEBHOOK_URL": "https://duta.example.org/api/hook",
            "TELEGRAM_MESSAGE_MAX_CHARS": "5000",
        })  # fmt: skip
    lines = str(raised.value).splitlines()[1:]
    assert [line.split(":")[0].split("=")[0].split()[0] for line in lines] == [
        "GATEWAY_PORT",
        "TELEGRAM_MESSAGE_MAX_CHARS",
        "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_WEBHOOK_URL",
    ]
    # The default origins follow GATEWAY_PORT; an invalid port is not also an origins error.
    assert "ORIGINS" not in str(raised.value).upper()


def test_no_traceback_of_a_config_error_shows_a_secret() -> None:
    url = "http://:pa55word@10.0.0.5:6379"
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"RATE_LIMIT_REDIS_URL": url, "GATEWAY_PORT": "x"})
    shown = "".join(traceback.format_exception(raised.value))
    assert "RATE_LIMIT_REDIS_URL" in shown and "pa55word" not in shown
