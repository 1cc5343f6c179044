"""Live reload by default (issue 22, point 7): `make run` makes the tokens itself and writes
where the stack is, owner-only, for commands run from another shell; those commands reload every
action server listed in DUTA_ACTION_SERVERS (not only the one a load balancer would reach)."""

from __future__ import annotations

from pathlib import Path

import pytest

from admin.stack_client import StackTarget, stack_file
from deploy.stack import StackConfig, write_stack_file

VARIABLES = ("DUTA_ADMIN_TOKEN", "RASA_TOKEN", "ACTION_SERVER_URL", "DUTA_ACTION_SERVERS",
             "RASA_URL", "DUTA_STACK_FILE", "DUTA_TRACKER_DB", "ACTION_SERVER_PORT")  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_make_run_makes_an_admin_token_and_writes_the_stack_file_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUTA_TRACKER_DB", str(tmp_path / "var" / "tracker.db"))
    monkeypatch.setenv("ACTION_SERVER_PORT", "5999")
    config = StackConfig.from_env()
    env = config.environment()
    assert env["DUTA_ADMIN_TOKEN"] and env["RASA_TOKEN"]  # made per run, not left unset
    path = write_stack_file(config)
    assert path == tmp_path / "var" / "stack.env" == stack_file()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    target = StackTarget.from_env()  # a shell without the tokens finds them
    assert target.admin_token == env["DUTA_ADMIN_TOKEN"]
    assert target.rasa_token == env["RASA_TOKEN"]
    assert target.action_urls == ["http://127.0.0.1:5999"]
    # The environment wins over the file (a stack started with .env's tokens).
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5999")  # .env naming this stack
    assert StackTarget.from_env().rasa_token == env["RASA_TOKEN"]
    monkeypatch.setenv("DUTA_ADMIN_TOKEN", "from-env")
    assert StackTarget.from_env().admin_token == "from-env"
    # An environment naming another stack takes nothing from this one's file.
    monkeypatch.delenv("DUTA_ADMIN_TOKEN")
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:6111")
    other = StackTarget.from_env()
    assert other.admin_token is None and other.action_urls == ["http://127.0.0.1:6111"]


def test_every_listed_action_server_is_reloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUTA_STACK_FILE", "/nonexistent/stack.env")
    monkeypatch.setenv("ACTION_SERVER_URL", "http://lb.internal:5055")
    assert StackTarget.from_env().action_urls == ["http://lb.internal:5055"]
    monkeypatch.setenv("DUTA_ACTION_SERVERS", "http://a1:5055, http://a2:5055/")
    assert StackTarget.from_env().action_urls == ["http://a1:5055", "http://a2:5055"]
    assert StackTarget.from_env().admin_token is None
