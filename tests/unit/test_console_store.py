"""The console's account store: argon2 hashes, lockout, sessions, the queue's retention."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from admin import cli as admin_cli
from admin.console import cli as console_cli
from admin.console.store import LOCK_SECONDS, MAX_FAILURES, AccountError, ConsoleStore

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path) -> ConsoleStore:
    store = ConsoleStore(tmp_path / "data" / "console.db")
    store.add_user("sari", "editor", PASSWORD)
    return store


def test_the_file_is_private_and_holds_no_clear_password(store: ConsoleStore) -> None:
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert PASSWORD.encode() not in store.path.read_bytes()
    with sqlite3.connect(store.path) as db:
        [(stored,)] = db.execute("SELECT pw_hash FROM users").fetchall()
    assert stored.startswith("$argon2id$")


def test_login_right_and_wrong(store: ConsoleStore) -> None:
    assert store.check_login("sari", PASSWORD).user is not None
    assert store.check_login("sari", PASSWORD + "x").user is None
    assert store.check_login("nobody", PASSWORD).user is None


def test_lockout_after_repeated_failures_even_for_the_right_password(store: ConsoleStore) -> None:
    now = 1_000_000.0
    for attempt in range(MAX_FAILURES):
        result = store.check_login("sari", "wrong password", now=now)
        assert result.user is None
        assert result.locked == (attempt == MAX_FAILURES - 1)
    assert store.check_login("sari", PASSWORD, now=now + 1).locked
    assert store.check_login("sari", PASSWORD, now=now + LOCK_SECONDS + 1).user is not None


def test_sessions_end_when_the_account_is_disabled(store: ConsoleStore) -> None:
    user = store.check_login("sari", PASSWORD).user
    assert user is not None
    token, session = store.new_session(user)
    assert store.session(token) == session
    assert store.session(token + "x") is None
    store.set_disabled("sari", True)
    assert store.session(token) is None
    assert store.check_login("sari", PASSWORD).user is None


def test_account_rules(store: ConsoleStore) -> None:
    with pytest.raises(AccountError):
        store.add_user("sari", "viewer", PASSWORD)  # exists
    with pytest.raises(AccountError):
        store.add_user("Bad Name", "viewer", PASSWORD)
    with pytest.raises(AccountError):
        store.add_user("dewi", "admin", PASSWORD)
    with pytest.raises(AccountError):
        store.add_user("dewi", "viewer", "short")


def test_unanswered_queue_and_retention(store: ConsoleStore) -> None:
    first = store.add_unanswered("api", "id", "fallback", "Apakah museum buka?")
    store.add_unanswered("api", "en", "fallback", "Is the museum open?")
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE unanswered SET at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (first,))
    assert store.purge_unanswered(90) == 1
    [left] = store.open_unanswered()
    assert left.text == "Is the museum open?"
    assert store.mark_answered([left.id], "museum-hours") == 1
    assert store.open_unanswered() == []


def test_cli_reads_the_password_from_stdin_never_argv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    db = tmp_path / "console.db"
    monkeypatch.setenv("DUTA_CONSOLE_DB", str(db))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert admin_cli.main(["users", "add", "budi", "--role", "viewer"]) == 0
    assert ConsoleStore(db).check_login("budi", PASSWORD).user is not None
    assert admin_cli.main(["users", "disable", "budi"]) == 0
    assert admin_cli.main(["users", "list"]) == 0
    assert "budi" in capsys.readouterr().out
    assert ConsoleStore(db).check_login("budi", PASSWORD).user is None
    with pytest.raises(SystemExit):  # no --password flag exists
        admin_cli.main(["users", "add", "eka", "--role", "viewer", "--password", PASSWORD])


def test_cli_finds_the_file_make_run_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from deploy.stack import StackConfig

    monkeypatch.delenv("DUTA_CONSOLE_DB", raising=False)
    monkeypatch.setenv("DUTA_TRACKER_DB", str(tmp_path / "data" / "tracker.db"))
    stack = StackConfig.from_env().environment()["DUTA_CONSOLE_DB"]
    assert console_cli.console_db() == Path(stack) == tmp_path / "data" / "console.db"
    monkeypatch.setenv("DUTA_CONSOLE_DB", str(tmp_path / "elsewhere.db"))
    assert console_cli.console_db() == Path(StackConfig.from_env().environment()["DUTA_CONSOLE_DB"])
