"""Thumbs up/down and low-confidence answers (admin/console/ratings.py, bot/votes.py, record_turn):
the store on a real console file, POST /api/feedback on a real gateway app (aiohttp test server),
and the console's queue page showing what users rated unhelpful."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from admin.console import CONSOLE_STORE, RATINGS, record_turn
from admin.console.ratings import LOW_CONFIDENCE_BAR, RatingStore, UnknownAnswer
from admin.console.routes import DESK
from admin.console.store import ConsoleStore
from bot.app import create_app
from bot.i18n import text
from bot.render import render_rasa_output

from .test_console_web import PASSWORD, StandInDesk, console_app, login
from .test_gateway_support import ALLOWED_ORIGIN, JSON, running_gateway, settings_for


def answer_output(confidence: float | None = None, doc_id: str = "faq:evoa-fee") -> list[Any]:
    meta: dict[str, Any] = {"sources": [{"title": "Imigrasi", "url": "https://imigrasi.go.id"}]}
    meta["fallback"] = False
    if confidence is not None:
        meta |= {"confidence": confidence, "doc_id": doc_id}
    return [
        {"custom": {"duta": {"language": "en"}}},
        {"text": "The e-VOA costs IDR 500,000."},
        {"custom": {"duta": meta}},
    ]


@pytest.fixture
def store(tmp_path: Path) -> ConsoleStore:
    return ConsoleStore(tmp_path / "console.db")


def test_one_vote_per_answer_and_voter_and_a_thumbs_down_is_queued(store: ConsoleStore) -> None:
    ratings = RatingStore(store)
    answer_id = ratings.add_answer("api", "en", "How much is the e-VOA?", "IDR 500,000.", ["Imi"])
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600

    first = ratings.vote(answer_id, "api:w-1", "down")
    assert first.changed and first.queued
    [queued] = store.open_unanswered()
    assert (queued.reason, queued.text, queued.channel) == (
        "unhelpful",
        "How much is the e-VOA?",
        "api",
    )
    again = ratings.vote(answer_id, "api:w-1", "down")
    assert not again.changed and again.queued
    assert len(store.open_unanswered()) == 1 and ratings.votes(answer_id) == {"down": 1}

    assert ratings.vote(answer_id, "api:w-1", "up").changed
    assert store.open_unanswered() == [] and ratings.votes(answer_id) == {"up": 1}
    ratings.vote(answer_id, "api:w-1", "down")  # and back: queued once more
    ratings.vote(answer_id, "api:w-2", "down")  # someone else's vote is their own
    assert ratings.votes(answer_id) == {"down": 2} and len(store.open_unanswered()) == 2
    # Voters are not kept in clear.
    with sqlite3.connect(store.path) as db:
        voters = [row[0] for row in db.execute("SELECT voter FROM votes")]
    assert voters and not any("w-1" in v or "w-2" in v for v in voters)


def test_a_question_staff_answered_stays_answered_when_the_vote_turns_up(
    store: ConsoleStore,
) -> None:
    ratings = RatingStore(store)
    answer_id = ratings.add_answer("api", "id", "Berapa biaya e-VOA?", "Rp500.000.", [])
    ratings.vote(answer_id, "api:w-1", "down")
    [queued] = store.open_unanswered()
    store.mark_answered([queued.id], "evoa-fee")
    ratings.vote(answer_id, "api:w-1", "up")
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT answered_by FROM unanswered").fetchall() == [("evoa-fee",)]


def test_unknown_or_malformed_answers_and_bad_votes_are_refused(store: ConsoleStore) -> None:
    ratings = RatingStore(store)
    for bad in ("x" * 22, "short", "'; DROP TABLE answers; --", ""):
        with pytest.raises(UnknownAnswer):
            ratings.vote(bad, "api:w-1", "down")
    answer_id = ratings.add_answer("api", "en", "q", "a", [])
    with pytest.raises(ValueError):
        ratings.vote(answer_id, "api:w-1", "meh")  # type: ignore[arg-type]
    assert store.open_unanswered() == []


def test_retention_drops_old_answers_with_their_votes(store: ConsoleStore) -> None:
    ratings = RatingStore(store)
    answer_id = ratings.add_answer("api", "en", "q", "a", [])
    ratings.vote(answer_id, "api:w-1", "up")
    assert ratings.purge(1) == 0 and ratings.answer(answer_id) is not None
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE answers SET at = '2000-01-01T00:00:00+00:00'")
    assert ratings.purge(1) == 1
    assert ratings.answer(answer_id) is None and ratings.votes(answer_id) == {}


def _app(store: ConsoleStore) -> web.Application:
    app = web.Application()
    app[CONSOLE_STORE] = store
    app[RATINGS] = RatingStore(store)
    return app


async def test_low_confidence_answers_are_queued_and_every_answer_can_be_rated(
    store: ConsoleStore,
) -> None:
    app = _app(store)
    sure = render_rasa_output(answer_output(LOW_CONFIDENCE_BAR + 0.01), "en")
    await record_turn(app, "api", sure, "How much is the e-VOA?")
    assert sure.answer_id is not None and store.open_unanswered() == []

    unsure = render_rasa_output(answer_output(LOW_CONFIDENCE_BAR - 0.01), "en")
    await record_turn(app, "telegram", unsure, "e-VOA price? call me at +62 812 3456 7890")
    [queued] = store.open_unanswered()
    assert (queued.reason, queued.channel) == ("low_confidence", "telegram")
    assert queued.text == "e-VOA price? call me at [PHONE]"
    kept = app[RATINGS].answer(unsure.answer_id or "")
    assert kept is not None and kept.ref == "faq:evoa-fee" and kept.sources == ["Imigrasi"]
    assert kept.question == "e-VOA price? call me at [PHONE]"
    # Neither the confidence nor the record goes to the user.
    assert set(unsure.to_json()) == {"language", "fallback", "messages", "answer_id"}

    # Without a confidence (older actions) the answer is rated but not judged.
    plain = render_rasa_output(answer_output(), "en")
    await record_turn(app, "api", plain, "How much is the e-VOA?")
    assert plain.answer_id is not None and len(store.open_unanswered()) == 1
    # A menu (no sources) is no answer to rate; a fallback is queued as before.
    menu = render_rasa_output([{"text": "Pilih topik", "buttons": []}], "id")
    await record_turn(app, "api", menu, "menu")
    fallback = render_rasa_output(
        [{"text": "Maaf."}, {"custom": {"duta": {"fallback": True}}}], "id"
    )
    await record_turn(app, "api", fallback, "Apakah museum buka?")
    assert menu.answer_id is None and fallback.answer_id is None
    assert [q.reason for q in store.open_unanswered()] == ["fallback", "low_confidence"]


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[TestClient]:
    async with running_gateway(DUTA_CONSOLE_DB=str(tmp_path / "console.db")) as client:
        yield client


def _kept_answer(client: TestClient, language: str = "id") -> str:
    return client.app[RATINGS].add_answer("api", language, "Berapa biaya e-VOA?", "Rp500.000.", [])


async def test_feedback_over_http_is_idempotent_and_thanks_in_the_answer_language(
    gateway: TestClient,
) -> None:
    answer_id = _kept_answer(gateway)
    body = {"sender": "w-1", "answer_id": answer_id, "vote": "down"}
    first = await gateway.post("/api/feedback", json=body)
    assert first.status == 200
    assert await first.json() == {
        "answer_id": answer_id, "vote": "down", "changed": True,
        "message": text("rating_thanks_down", "id"),
    }  # fmt: skip
    again = await gateway.post("/api/feedback", json=body)
    assert (await again.json())["changed"] is False
    assert len(gateway.app[CONSOLE_STORE].open_unanswered()) == 1
    up = await gateway.post("/api/feedback", json=body | {"vote": "up"})
    assert (await up.json())["message"] == text("rating_thanks_up", "id")
    assert gateway.app[CONSOLE_STORE].open_unanswered() == []


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not json", "invalid_json"),
        (b"[1, 2]", "invalid_request"),
        (b"", "empty_body"),
        (
            b'{"sender": "w-1", "answer_id": "AAAAAAAAAAAAAAAAAAAAAA", "vote": "up"}',
            "unknown_answer",
        ),
        (b'{"sender": "w-1", "answer_id": 7, "vote": "up"}', "unknown_answer"),
        (b'{"sender": "w-1", "answer_id": "%s", "vote": "meh"}', "invalid_vote"),
        (b'{"sender": "w-1", "answer_id": "%s", "vote": true}', "invalid_vote"),
        (b'{"sender": "bad sender!", "answer_id": "%s", "vote": "up"}', "invalid_sender"),
        (b'{"answer_id": "%s", "vote": "up"}', "invalid_sender"),
    ],
)
async def test_bad_feedback_gets_a_clear_400(gateway: TestClient, raw: bytes, code: str) -> None:
    if b"%s" in raw:
        raw = raw.replace(b"%s", _kept_answer(gateway).encode())
    answer = await gateway.post("/api/feedback", data=raw, headers=JSON)
    assert answer.status == 400
    error = (await answer.json())["error"]
    assert error["code"] == code and error["message"]
    assert gateway.app[CONSOLE_STORE].open_unanswered() == []


async def test_feedback_passes_the_widget_routes_checks(tmp_path: Path) -> None:
    env = {"DUTA_CONSOLE_DB": str(tmp_path / "c.db"), "RATE_LIMIT_SENDER_PER_MIN": "2"}
    async with running_gateway(**env) as client:
        answer_id = _kept_answer(client)
        body = {"sender": "w-9", "answer_id": answer_id, "vote": "up"}
        refused = await client.post(
            "/api/feedback", json=body, headers={"Origin": "https://elsewhere.example"}
        )
        assert refused.status == 403
        preflight = await client.options(
            "/api/feedback",
            headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status == 204
        allowed = await client.post("/api/feedback", json=body, headers={"Origin": ALLOWED_ORIGIN})
        assert allowed.status == 200
        assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
        await client.post("/api/feedback", json=body)
        limited = await client.post("/api/feedback", json=body)
        assert limited.status == 429 and "Retry-After" in limited.headers


async def test_the_queue_page_marks_what_users_rated_unhelpful(tmp_path: Path) -> None:
    db = tmp_path / "console.db"
    ConsoleStore(db).add_user("viewer1", "viewer", PASSWORD)
    app = create_app(settings_for(DUTA_CONSOLE_DB=str(db)))
    console_app(app)[DESK] = StandInDesk()  # no embedding model in unit tests
    ratings = app[RATINGS]
    answer_id = ratings.add_answer(
        "api", "en", "Is the e-VOA fee refundable?", "The e-VOA costs IDR 500,000.", ["Imi"]
    )
    ratings.vote(answer_id, "api:w-1", "down")
    async with TestClient(TestServer(app)) as client:
        await login(client, "viewer1")
        page = await (await client.get("/admin/unanswered?lang=en")).text()
        groups = (await (await client.get("/admin/api/unanswered")).json())["groups"]
    assert "Is the e-VOA fee refundable?" in page
    assert "rated unhelpful: 1" in page and "The e-VOA costs IDR 500,000. (Imi)" in page
    assert groups[0]["reasons"] == {"unhelpful": 1}
