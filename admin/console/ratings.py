"""Thumbs up / down on Duta's answers, and low-confidence answers, for the console's queue.

Every answer Duta gives (a reply with sources that is not a fallback) is kept with a random id,
which the widget and Telegram put under it: its text, sources, the knowledge record it came
from (when the actions say so), language, channel, time and the question, personal data masked
(admin/console/redact.py). A vote is kept per answer and voter: pressing the same thumb again
changes nothing, the other one replaces the vote. A thumbs down puts the question in the
unanswered queue (reason "unhelpful"); changing it to a thumbs up takes it out again while no
published answer has dealt with it.

Voters are stored only as sha256(answer id, voter): one vote per person per answer, without a
conversation or Telegram id that could be looked up, nor linked across answers.
Everything lives in the console's file (DUTA_CONSOLE_DB, 0600) and is kept no longer than the
unanswered questions (DUTA_RETENTION_DAYS): the retention task calls `purge`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from admin.console.store import ConsoleStore

Vote = Literal["up", "down"]
VOTES: tuple[Vote, ...] = ("up", "down")
UNHELPFUL = "unhelpful"  # the queue's reason for a thumbs down
LOW_CONFIDENCE = "low_confidence"  # the queue's reason for an answer given below the bar
ANSWER_ID = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)
MAX_ANSWER_CHARS = 2000
MAX_REF_CHARS = 200

# An answer whose knowledge confidence (knowledge/answerability.py: dense cosine + 0.10 x
# coverage; answered from 0.948) is below this bar is queued as low-confidence. Picked by
# bench/low_confidence.py on the dev sets only (retrieval dev, near-domain dev, xSID valid): of
# the answers they get, the wrong ones are best told apart below 0.994 (F1 0.345: 79 % of the
# 61 wrong answers flagged, 28 % of the right ones). A new answer bar or embedding model needs a
# new pick (python -m bench.low_confidence).
LOW_CONFIDENCE_BAR = 0.994

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    ref TEXT,
    confidence REAL
);
CREATE INDEX IF NOT EXISTS answers_at ON answers(at);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL REFERENCES answers(id) ON DELETE CASCADE,
    voter TEXT NOT NULL,
    vote TEXT NOT NULL,
    at TEXT NOT NULL,
    unanswered_id INTEGER,
    PRIMARY KEY (answer_id, voter)
);
"""


class UnknownAnswer(LookupError):
    """No answer with this id (never given, malformed, or past retention)."""


@dataclass(frozen=True)
class Answer:
    id: str
    at: str
    channel: str
    language: str
    question: str
    answer: str
    sources: list[str]
    ref: str | None
    confidence: float | None


@dataclass(frozen=True)
class VoteOutcome:
    answer: Answer
    vote: Vote
    changed: bool  # False: the same vote again (nothing happened)
    queued: bool  # the question is in the unanswered queue because of this vote


def new_answer_id() -> str:
    return secrets.token_urlsafe(16)


def is_low_confidence(confidence: float | None) -> bool:
    return confidence is not None and confidence < LOW_CONFIDENCE_BAR


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _voter_key(answer_id: str, voter: str) -> str:
    return hashlib.sha256(f"{answer_id}\n{voter}".encode()).hexdigest()


class RatingStore:
    def __init__(self, console: ConsoleStore) -> None:
        self.console = console

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # The console's own connection (owner-only file, foreign keys on, one transaction).
        with self.console._db() as db:
            db.executescript(_SCHEMA)
            yield db

    def add_answer(
        self,
        channel: str,
        language: str,
        question: str,
        answer: str,
        sources: list[str],
        ref: str | None = None,
        confidence: float | None = None,
        answer_id: str | None = None,
    ) -> str:
        """Keeps an answer given; returns its id. `question` must already be redacted."""
        answer_id = answer_id or new_answer_id()
        with self._db() as db:
            db.execute(
                "INSERT INTO answers (id, at, channel, language, question, answer, sources, ref, "
                "confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    answer_id, _now_iso(), channel, language, question,
                    answer[:MAX_ANSWER_CHARS], json.dumps(sources[:8], ensure_ascii=False),
                    ref[:MAX_REF_CHARS] if ref else None, confidence,
                ),
            )  # fmt: skip
        return answer_id

    def answer(self, answer_id: str) -> Answer | None:
        if not ANSWER_ID.fullmatch(answer_id):
            return None
        with self._db() as db:
            return self._answer(db, answer_id)

    @staticmethod
    def _answer(db: sqlite3.Connection, answer_id: str) -> Answer | None:
        row = db.execute(
            "SELECT id, at, channel, language, question, answer, sources, ref, confidence "
            "FROM answers WHERE id = ?",
            (answer_id,),
        ).fetchone()
        if row is None:
            return None
        return Answer(*row[:6], json.loads(row[6]), row[7], row[8])  # type: ignore[arg-type]

    def vote(self, answer_id: str, voter: str, vote: Vote) -> VoteOutcome:
        """One vote per answer and voter; the same vote again changes nothing, the other one
        replaces it. A thumbs down queues the question (unless it is a button's payload)."""
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {VOTES}")
        if not ANSWER_ID.fullmatch(answer_id):
            raise UnknownAnswer(answer_id)
        key = _voter_key(answer_id, voter)
        with self._db() as db:
            answer = self._answer(db, answer_id)
            if answer is None:
                raise UnknownAnswer(answer_id)
            row = db.execute(
                "SELECT vote, unanswered_id FROM votes WHERE answer_id = ? AND voter = ?",
                (answer_id, key),
            ).fetchone()
            queued_id = row[1] if row else None
            if row is not None and row[0] == vote:
                return VoteOutcome(answer, vote, changed=False, queued=queued_id is not None)
            if vote == "down" and not answer.question.startswith("/"):
                queued_id = db.execute(
                    "INSERT INTO unanswered (at, channel, language, reason, text) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (_now_iso(), answer.channel, answer.language, UNHELPFUL, answer.question),
                ).lastrowid
            elif vote == "up" and queued_id is not None:
                # Out of the queue again, unless staff already answered it.
                db.execute(
                    "DELETE FROM unanswered WHERE id = ? AND answered_by IS NULL", (queued_id,)
                )
                queued_id = None
            db.execute(
                "INSERT INTO votes (answer_id, voter, vote, at, unanswered_id) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (answer_id, voter) DO UPDATE SET "
                "vote = excluded.vote, at = excluded.at, unanswered_id = excluded.unanswered_id",
                (answer_id, key, vote, _now_iso(), queued_id),
            )
        return VoteOutcome(answer, vote, changed=True, queued=queued_id is not None)

    def votes(self, answer_id: str) -> dict[Vote, int]:
        with self._db() as db:
            rows = db.execute(
                "SELECT vote, count(*) FROM votes WHERE answer_id = ? GROUP BY vote", (answer_id,)
            ).fetchall()
        return {vote: count for vote, count in rows}

    def rated_answers(self, unanswered_ids: list[int]) -> dict[int, Answer]:
        """The answer a down-voted queue entry rated, by the entry's id."""
        if not unanswered_ids:
            return {}
        with self._db() as db:
            rows = db.execute(
                "SELECT unanswered_id, answer_id FROM votes WHERE unanswered_id IN "
                f"({','.join('?' * len(unanswered_ids))})",
                unanswered_ids,
            ).fetchall()
            found = {uid: self._answer(db, aid) for uid, aid in rows}
        return {uid: answer for uid, answer in found.items() if answer is not None}

    def purge(self, older_than_days: float) -> int:
        """Retention: answers older than the given age go, and their votes with them."""
        cutoff = (datetime.now(UTC) - timedelta(days=older_than_days)).isoformat(timespec="seconds")
        with self._db() as db:
            return db.execute("DELETE FROM answers WHERE at < ?", (cutoff,)).rowcount
