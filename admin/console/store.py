"""The staff console's SQLite file: accounts, sessions, unanswered questions, and an audit trail.

One file (DUTA_CONSOLE_DB, default var/console.db), created owner-only (0600) because it holds
password hashes and (redacted) questions users asked. Every call opens its own connection: the
calls run in worker threads (argon2 and SQLite block), and SQLite serialises the writers.
Passwords are hashed with argon2id (argon2-cffi's defaults); the clear text is never stored.
Session cookies hold a random token; only its SHA-256 is stored, so a copy of the file does not
let anyone in, and disabling an account ends its sessions at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

Role = Literal["editor", "viewer"]
ROLES: tuple[Role, ...] = ("editor", "viewer")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256
# Lockout: this many wrong passwords in a row lock the account for LOCK_SECONDS.
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
SESSION_SECONDS = 8 * 3600  # one working day; then log in again

_HASHER = PasswordHasher()
# Verified against when the account does not exist, so a wrong name costs as long as a wrong
# password and the timing does not tell which names exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    pw_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES users(name),
    csrf TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    reason TEXT NOT NULL,
    text TEXT NOT NULL,
    vector BLOB,
    vector_model TEXT,
    answered_by TEXT
);
CREATE INDEX IF NOT EXISTS unanswered_at ON unanswered(at);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    name TEXT NOT NULL,
    action TEXT NOT NULL,
    faq_id TEXT NOT NULL,
    file TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    undone_by INTEGER
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


class AccountError(ValueError):
    """A bad account name, role or password; the message says what is wrong."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    disabled: bool

    @property
    def can_publish(self) -> bool:
        return self.role == "editor"


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked: bool = False


@dataclass(frozen=True)
class Unanswered:
    id: int
    at: str
    channel: str
    language: str
    reason: str
    text: str


@dataclass(frozen=True)
class Change:
    """One FAQ file as it was before and after a console change: what undo puts back."""

    id: int
    at: str
    name: str
    action: str
    faq_id: str
    file: str  # the file's name in content/faq/
    before: str
    after: str
    undone_by: int | None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise AccountError(
            "account names are 2-40 characters: a-z, 0-9, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise AccountError(
            f"a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        )
    return password


class ConsoleStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Created owner-only before SQLite writes a byte into it.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        connection = sqlite3.connect(self.path, timeout=10.0)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            connection.executescript(_SCHEMA)
            with connection:
                yield connection
        finally:
            connection.close()
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)  # a file an older umask left readable

    # --- accounts ------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str) -> User:
        check_name(name)
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        pw_hash = _HASHER.hash(check_password(password))
        with self._db() as db:
            try:
                db.execute(
                    "INSERT INTO users (name, role, pw_hash, created) VALUES (?, ?, ?, ?)",
                    (name, role, pw_hash, _now_iso()),
                )
            except sqlite3.IntegrityError:
                raise AccountError(f"an account named {name!r} exists already") from None
        return User(name, cast(Role, role), False)

    def set_password(self, name: str, password: str) -> None:
        pw_hash = _HASHER.hash(check_password(password))
        with self._db() as db:
            changed = db.execute(
                "UPDATE users SET pw_hash = ?, failures = 0, locked_until = 0 WHERE name = ?",
                (pw_hash, name),
            ).rowcount
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))
        if not changed:
            raise AccountError(f"no account named {name!r}")

    def set_disabled(self, name: str, disabled: bool) -> None:
        with self._db() as db:
            changed = db.execute(
                "UPDATE users SET disabled = ?, failures = 0, locked_until = 0 WHERE name = ?",
                (int(disabled), name),
            ).rowcount
            if disabled:
                db.execute("DELETE FROM sessions WHERE name = ?", (name,))
        if not changed:
            raise AccountError(f"no account named {name!r}")

    def set_role(self, name: str, role: str) -> None:
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        with self._db() as db:
            if not db.execute("UPDATE users SET role = ? WHERE name = ?", (role, name)).rowcount:
                raise AccountError(f"no account named {name!r}")

    def users(self) -> list[tuple[User, bool]]:
        """Every account and whether it is locked out now."""
        with self._db() as db:
            rows = db.execute(
                "SELECT name, role, disabled, locked_until FROM users ORDER BY name"
            ).fetchall()
        now = time.time()
        return [(User(r[0], r[1], bool(r[2])), r[3] > now) for r in rows]

    def check_login(self, name: str, password: str, now: float | None = None) -> LoginResult:
        """The user when the password is right and the account active and not locked.

        Every wrong password counts; MAX_FAILURES in a row lock the account for LOCK_SECONDS,
        during which even the right password is refused.
        """
        now = time.time() if now is None else now
        with self._db() as db:
            row = db.execute(
                "SELECT role, pw_hash, disabled, failures, locked_until FROM users WHERE name = ?",
                (name,),
            ).fetchone()
        if row is None:
            with contextlib.suppress(VerificationError):
                _HASHER.verify(_DUMMY_HASH, password[:MAX_PASSWORD_CHARS])
            return LoginResult(None)
        role, pw_hash, disabled, failures, locked_until = row
        if locked_until > now:
            return LoginResult(None, locked=True)
        try:
            _HASHER.verify(pw_hash, password[:MAX_PASSWORD_CHARS])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            failures += 1
            lock = now + LOCK_SECONDS if failures >= MAX_FAILURES else 0.0
            with self._db() as db:
                db.execute(
                    "UPDATE users SET failures = ?, locked_until = ? WHERE name = ?",
                    (0 if lock else failures, lock, name),
                )
            return LoginResult(None, locked=bool(lock))
        if disabled:
            return LoginResult(None)
        with self._db() as db:
            db.execute("UPDATE users SET failures = 0 WHERE name = ?", (name,))
            if _HASHER.check_needs_rehash(pw_hash):
                db.execute(
                    "UPDATE users SET pw_hash = ? WHERE name = ?", (_HASHER.hash(password), name)
                )
        return LoginResult(User(name, role, False))

    # --- sessions ------------------------------------------------------------------------------

    def new_session(self, user: User, now: float | None = None) -> tuple[str, Session]:
        """(cookie token, session); the token is shown once and stored only as a hash."""
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            db.execute(
                "INSERT INTO sessions (token_hash, name, csrf, expires) VALUES (?, ?, ?, ?)",
                (_token_hash(token), user.name, csrf, now + SESSION_SECONDS),
            )
        return token, Session(user, csrf)

    def session(self, token: str, now: float | None = None) -> Session | None:
        now = time.time() if now is None else now
        with self._db() as db:
            row = db.execute(
                "SELECT u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.name = s.name "
                "WHERE s.token_hash = ? AND s.expires > ? AND u.disabled = 0",
                (_token_hash(token), now),
            ).fetchone()
        if row is None:
            return None
        return Session(User(row[0], row[1], False), row[2])

    def end_session(self, token: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token),))

    # --- unanswered questions ------------------------------------------------------------------

    def add_unanswered(self, channel: str, language: str, reason: str, text: str) -> int:
        """text must already be redacted (admin/console/redact.py)."""
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO unanswered (at, channel, language, reason, text) "
                "VALUES (?, ?, ?, ?, ?)",
                (_now_iso(), channel, language, reason, text),
            )
            return int(cursor.lastrowid or 0)

    def open_unanswered(self, limit: int = 2000) -> list[Unanswered]:
        """Questions no published answer has dealt with yet, newest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, at, channel, language, reason, text FROM unanswered "
                "WHERE answered_by IS NULL ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [Unanswered(*row) for row in rows]

    def vectors(self, ids: list[int], model: str) -> dict[int, bytes]:
        with self._db() as db:
            rows = db.execute(
                f"SELECT id, vector FROM unanswered WHERE vector_model = ? "
                f"AND id IN ({','.join('?' * len(ids))})",
                (model, *ids),
            ).fetchall()
        return {row[0]: row[1] for row in rows}

    def save_vectors(self, vectors: dict[int, bytes], model: str) -> None:
        with self._db() as db:
            db.executemany(
                "UPDATE unanswered SET vector = ?, vector_model = ? WHERE id = ?",
                [(blob, model, id_) for id_, blob in vectors.items()],
            )

    def mark_answered(self, ids: list[int], faq_id: str) -> int:
        with self._db() as db:
            return db.executemany(
                "UPDATE unanswered SET answered_by = ? WHERE id = ? AND answered_by IS NULL",
                [(faq_id, id_) for id_ in ids],
            ).rowcount

    def purge_unanswered(self, older_than_days: float) -> int:
        """Retention (docs/privacy.md): drop questions older than the given age."""
        cutoff = (datetime.now(UTC) - timedelta(days=older_than_days)).isoformat(timespec="seconds")
        with self._db() as db:
            dropped = db.execute("DELETE FROM unanswered WHERE at < ?", (cutoff,)).rowcount
            db.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
        return dropped

    # --- changes to the FAQ files (for undo) ---------------------------------------------------

    def add_change(
        self, name: str, action: str, faq_id: str, file: str, before: str, after: str
    ) -> int:
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO changes (at, name, action, faq_id, file, before, after) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_now_iso(), name, action, faq_id, file, before, after),
            )
            return int(cursor.lastrowid or 0)

    def changes(self, limit: int = 200) -> list[Change]:
        with self._db() as db:
            rows = db.execute(
                "SELECT id, at, name, action, faq_id, file, before, after, undone_by "
                "FROM changes ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [Change(*row) for row in rows]

    def change(self, change_id: int) -> Change | None:
        return next((c for c in self.changes(10_000) if c.id == change_id), None)

    def mark_undone(self, change_id: int, by_change: int) -> None:
        with self._db() as db:
            db.execute("UPDATE changes SET undone_by = ? WHERE id = ?", (by_change, change_id))

    # --- audit trail ---------------------------------------------------------------------------

    def audit(self, name: str, action: str, detail: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO audit (at, name, action, detail) VALUES (?, ?, ?, ?)",
                (_now_iso(), name, action, detail),
            )

    def audit_trail(self, limit: int = 200) -> list[tuple[str, str, str, str]]:
        with self._db() as db:
            return db.execute(
                "SELECT at, name, action, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
