"""Retraining on the running session stack (which serves a private copy of knowledge/ and the
index, tests/integration/knowledge_copy.py): an FAQ added with `faq add --retrain` is answered
through /api/chat in both languages with no restart; chats sent while the index is swapped all
get answers; rollback brings the previous answers back. The repository's files are untouched."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.texts import say
from knowledge.paths import CONTENT_DIR
from knowledge.store import current_version

from .conftest import Reply, RunningStack
from .extra_gateway import extra_gateway

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
MARKER = "DUTA-RETRAIN-TEST"
# Phrasings of one question. Which intent Rasa gives an unknown name is up to the trained model,
# so the test asks with the first phrasing that reaches the knowledge layer before the FAQ exists
# (it says "no answer" then); the FAQ gets them all as variants.
PHRASINGS = {
    "id": ["Apa itu Sesdilu?", "Sesdilu itu apa?", "Apa yang dimaksud dengan Sesdilu Kemlu?"],
    "en": [
        "What is Sesdilu?",
        "What is the Sesdilu course at Kemlu?",
        "What does Sesdilu at the foreign ministry mean?",
        "Tell me about Sesdilu, the Kemlu course",
    ],
}
QUESTIONS: dict[str, str] = {}  # the phrasing chosen per language, set by the `before` fixture
ANSWERS = {
    "id": f"Sesdilu (Sekolah Staf Dinas Luar Negeri) adalah pendidikan diplomat Kemlu ({MARKER}).",
    "en": f"Sesdilu (Sekolah Staf Dinas Luar Negeri) is Kemlu's diplomat training ({MARKER}).",
}


def _repo_knowledge_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(CONTENT_DIR.rglob("*")):
        if path.is_file() and path.suffix in (".yml", ".md"):
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def stack_env(
    running_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """What a staff member's shell needs to retrain this stack; on the way out the content copy
    and the index the stack started with are back (a rollback moves the index only), so later
    tests see the knowledge they expect."""
    extra = running_stack.config.extra_env
    env = {
        **os.environ,
        "DUTA_KNOWLEDGE_DIR": extra["DUTA_KNOWLEDGE_DIR"],
        "DUTA_INDEX_DIR": extra["DUTA_INDEX_DIR"],
        "DUTA_ADMIN_TOKEN": extra["DUTA_ADMIN_TOKEN"],
        "ACTION_SERVER_URL": f"http://127.0.0.1:{running_stack.config.action_port}",
        "RASA_URL": running_stack.config.rasa_url,
        "RASA_TOKEN": running_stack.config.rasa_token,
        "DUTA_CHANGED_BY": "integration-test",
    }
    original = current_version(Path(env["DUTA_INDEX_DIR"]))
    assert original is not None, "the session stack has no index copy"
    repo_before = _repo_knowledge_digest()
    content = Path(env["DUTA_KNOWLEDGE_DIR"])
    saved = tmp_path_factory.mktemp("content-before") / "content"
    shutil.copytree(content, saved)
    yield env
    shutil.rmtree(content)
    shutil.copytree(saved, content)
    if current_version(Path(env["DUTA_INDEX_DIR"])) != original:
        knowledge(env, "rollback", "--to", original.name)
    assert _repo_knowledge_digest() == repo_before, "the repository's knowledge/ changed"


def knowledge(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "admin", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def ask(stack: RunningStack, lang: str) -> Reply:
    # A new conversation each time: the answer depends on the question only.
    reply = stack.chat(f"retrain-{uuid.uuid4().hex[:10]}", QUESTIONS[lang], lang=lang)
    assert reply.status == 200, reply.body
    return reply


def pids(stack: RunningStack) -> dict[str, int]:
    return {name: process.pid for name, process in stack.stack.processes.items()}


def rasa_model(stack: RunningStack) -> str:
    url = f"{stack.config.rasa_url}/status?token={stack.config.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())["model_file"]


@pytest.fixture(scope="module")
def before(running_stack: RunningStack, stack_env: dict[str, str]) -> dict[str, Reply]:
    replies: dict[str, Reply] = {}
    tried: dict[str, list[str]] = {}
    for lang, phrasings in PHRASINGS.items():
        for phrasing in phrasings:
            QUESTIONS[lang] = phrasing
            reply = ask(running_stack, lang)
            tried.setdefault(lang, []).append(reply.text[:80])
            if reply.text == say("no_answer", lang):
                replies[lang] = reply
                break
        else:
            pytest.fail(f"no {lang} phrasing reached the knowledge layer: {tried[lang]}")
    return replies


def test_an_added_faq_is_answered_in_both_languages_without_restart(
    running_stack: RunningStack, stack_env: dict[str, str], before: dict[str, Reply]
) -> None:
    processes, model = pids(running_stack), rasa_model(running_stack)
    started = time.monotonic()
    result = knowledge(
        stack_env,
        "faq", "add", "--id", "sesdilu-test",
        *[arg for q in PHRASINGS["id"] for arg in ("--question-id", q)],
        *[arg for q in PHRASINGS["en"] for arg in ("--question-en", q)],
        "--answer-id", ANSWERS["id"], "--answer-en", ANSWERS["en"],
        "--source-title", "Sesdilu (test entry)", "--source-url", "https://kemlu.go.id",
        "--source-date", "2026-12-06", "--retrain", "--rasa", "skip",
    )  # fmt: skip
    answers = {lang: ask(running_stack, lang) for lang in QUESTIONS}
    elapsed = time.monotonic() - started
    print(f"faq add --retrain to both answers: {elapsed:.1f} s")  # bench/retrain.py measures
    assert "added FAQ `sesdilu-test`" in result.stdout, result.stdout
    assert "reloaded: " + stack_env["ACTION_SERVER_URL"] in result.stdout
    for lang, reply in answers.items():
        assert reply.body["language"] == lang
        assert reply.body["fallback"] is False
        assert ANSWERS[lang] in reply.text, reply.body
        sources = [s for m in reply.body["messages"] for s in m["sources"]]
        assert {"title": "Sesdilu (test entry)", "url": "https://kemlu.go.id"}.items() <= (
            sources[0].items()
        )
    # No restart: the same three processes, and Rasa kept its model (an FAQ needs no training).
    assert pids(running_stack) == processes and not running_stack.stack.exited()
    assert rasa_model(running_stack) == model
    log = (Path(stack_env["DUTA_KNOWLEDGE_DIR"]) / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "· faq add" in log and "· retrain" in log and "by: integration-test" in log


def _reload(env: dict[str, str], version: str) -> int:
    request = urllib.request.Request(
        env["ACTION_SERVER_URL"] + "/index/reload",
        data=json.dumps({"version": version}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {env['DUTA_ADMIN_TOKEN']}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status


def test_chats_sent_during_reloads_all_get_answers(
    running_stack: RunningStack, stack_env: dict[str, str], tmp_path: Path
) -> None:
    index = Path(stack_env["DUTA_INDEX_DIR"])
    versions = sorted(p.name for p in (index / "versions").iterdir() if p.is_dir())
    assert len(versions) >= 2, "the add test makes a second version"
    current = current_version(index).name
    other = next(v for v in reversed(versions) if v != current)
    senders = [f"reload-{uuid.uuid4().hex[:8]}-{n}" for n in range(3)]
    messages = [QUESTIONS["en"], "Kapan ICDD diadakan?", QUESTIONS["id"], "What is Safe Travel?"]
    results: list[tuple[str, int, dict[str, Any]]] = []

    with extra_gateway(
        running_stack, tmp_path / "log", RATE_LIMIT_SENDER_PER_MIN="0", RATE_LIMIT_IP_PER_MIN="0"
    ) as gateway:

        def converse(sender: str) -> None:
            for message in messages:
                reply = gateway.chat(sender, message)
                results.append((sender, reply.status, reply.body))

        threads = [threading.Thread(target=converse, args=(s,)) for s in senders]
        for thread in threads:
            thread.start()
        reloads = []
        while any(t.is_alive() for t in threads):
            # Back and forth between two versions for as long as the chats go on.
            target = other if len(reloads) % 2 == 0 else current
            reloads.append(_reload(stack_env, target))
        for thread in threads:
            thread.join()
        if len(reloads) % 2 == 1:
            reloads.append(_reload(stack_env, current))  # leave the add test's version serving
    assert reloads and set(reloads) == {200}, reloads
    assert len(results) == len(senders) * len(messages)
    assert {status for _, status, _ in results} == {200}, results
    assert all(body["messages"] and body["messages"][0]["text"] for _, _, body in results)
    for sender in senders:  # none lost: Rasa holds every message of every conversation
        events = running_stack.tracker(f"api:{sender}")["events"]
        assert [e["text"] for e in events if e["event"] == "user"] == messages
    print(f"{len(reloads)} reloads during {len(results)} chats")


def test_rollback_restores_the_previous_answers(
    running_stack: RunningStack, stack_env: dict[str, str], before: dict[str, Reply]
) -> None:
    assert all(MARKER in ask(running_stack, lang).text for lang in QUESTIONS)
    result = knowledge(stack_env, "rollback")
    assert "removed FAQ `sesdilu-test`" in result.stdout, result.stdout
    for lang in QUESTIONS:
        reply = ask(running_stack, lang)
        assert MARKER not in reply.text
        assert reply.body["fallback"] == before[lang].body["fallback"]
        assert reply.text == before[lang].text
    log = (Path(stack_env["DUTA_KNOWLEDGE_DIR"]) / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "· rollback" in log
