"""Retrain and rollback without a Rasa stack: incremental embedding, the order of build ->
reload -> activate (a refused reload leaves the previous version serving), rollback, the
change log, and the action server's atomic swap and its token-protected endpoint."""

from __future__ import annotations

import gc
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from actions import knowledge_base
from admin.retrain import (
    RetrainError,
    RetrainOptions,
    rasa_needs_training,
    record_in_changelog,
    retrain,
    rollback,
)
from admin.stack_client import StackTarget
from knowledge.build.builder import build_index
from knowledge.store import current_version, read_current, read_version
from tests.unit.knowledge_testkit import PROJECT_ROOT, FakeEmbedder, make_knowledge_folder

NEW_ENTRY = """
- id: library-hours
  source: {title: "Kemlu library"}
  questions:
    id: ["Jam berapa perpustakaan Kemlu buka?"]
    en: ["When is the Kemlu library open?"]
  answers:
    id: "Senin-Jumat 08.00-16.00 WIB."
    en: "Monday to Friday 08:00-16:00 WIB."
"""


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return self._embed(texts)


class FakeActionServer:
    """Answers POST /index/reload like the real one (status configurable), records the calls."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.calls: list[tuple[str | None, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.calls.append((body.get("version"), self.headers.get("Authorization")))
                payload = (
                    {"version": body.get("version")}
                    if outer.status == 200
                    else {"error": {"code": "reload_failed", "message": "index is damaged"}}
                )
                data = json.dumps(payload).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def action_server() -> Iterator[FakeActionServer]:
    server = FakeActionServer()
    yield server
    server.close()


def _options(source: Path, root: Path, urls: list[str]) -> RetrainOptions:
    return RetrainOptions(
        source=source,
        index_root=root,
        models_dir=root / "models",
        target=StackTarget(urls, "s3cret", ["http://127.0.0.1:9"], None),
        rasa="skip",
    )


def test_retrain_embeds_only_new_texts_reloads_then_activates(
    tmp_path: Path, action_server: FakeActionServer
) -> None:
    source = make_knowledge_folder(tmp_path / "knowledge")
    root = tmp_path / "index"
    first = build_index(source, root, FakeEmbedder()).version
    (source / "faq" / "fixture.yml").write_text(
        (source / "faq" / "fixture.yml").read_text(encoding="utf-8") + NEW_ENTRY,
        encoding="utf-8",
    )
    embedder = CountingEmbedder()
    options = _options(source, root, [action_server.url])
    report = retrain(options, embedder)
    # 2 questions + 2 answers are new; every other vector comes from the previous version.
    assert sorted(embedder.embedded) == sorted(
        [
            "Jam berapa perpustakaan Kemlu buka?",
            "When is the Kemlu library open?",
            "Senin-Jumat 08.00-16.00 WIB.",
            "Monday to Friday 08:00-16:00 WIB.",
        ]
    )
    previous = len(read_version(first).units)
    assert report.embedded == 4 and report.reused == previous > 20
    assert report.changes == ["added FAQ `library-hours`"]
    assert action_server.calls == [(report.version, "Bearer s3cret")]
    assert current_version(root).name == report.version
    # Reused vectors are the previous version's exactly.
    new, old = read_current(root), read_version(first)
    old_rows = {u.unit_id: i for i, u in enumerate(old.units)}
    for row, unit in enumerate(new.units):
        if unit.unit_id in old_rows:
            assert np.array_equal(
                new.faiss_index.reconstruct(row),
                old.faiss_index.reconstruct(old_rows[unit.unit_id]),
            )
    log = record_in_changelog(options, "retrain", report).read_text(encoding="utf-8")
    assert "added FAQ `library-hours`" in log and f"-> {report.version}" in log

    # Nothing changed: no new version, no reload.
    again = retrain(options, CountingEmbedder())
    assert again.version is None and len(action_server.calls) == 1


def test_a_refused_reload_leaves_the_previous_version_serving(tmp_path: Path) -> None:
    source = make_knowledge_folder(tmp_path / "knowledge")
    root = tmp_path / "index"
    first = build_index(source, root, FakeEmbedder()).version
    (source / "faq" / "fixture.yml").write_text(
        (source / "faq" / "fixture.yml").read_text(encoding="utf-8") + NEW_ENTRY,
        encoding="utf-8",
    )
    good, bad = FakeActionServer(), FakeActionServer(status=422)
    try:
        with pytest.raises(
            RetrainError, match=r"index is damaged.*\n.*still serving: " + first.name
        ):
            retrain(_options(source, root, [good.url, bad.url]), FakeEmbedder())
        # The server that had switched is switched back; `current` never moved; no stray version.
        assert [v for v, _ in good.calls][1] == first.name
        assert current_version(root) == first
        assert sorted(p.name for p in (root / "versions").iterdir()) == [first.name]
    finally:
        good.close()
        bad.close()


def test_an_unreachable_action_server_is_not_an_error(tmp_path: Path) -> None:
    source = make_knowledge_folder(tmp_path / "knowledge")
    root = tmp_path / "index"
    build_index(source, root, FakeEmbedder())
    (source / "faq" / "fixture.yml").write_text(
        (source / "faq" / "fixture.yml").read_text(encoding="utf-8") + NEW_ENTRY,
        encoding="utf-8",
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    report = retrain(_options(source, root, [closed]), FakeEmbedder())
    assert current_version(root).name == report.version
    assert any("no action server running" in note for note in report.notes)


def test_rollback_serves_the_previous_version_again(
    tmp_path: Path, action_server: FakeActionServer
) -> None:
    source = make_knowledge_folder(tmp_path / "knowledge")
    root = tmp_path / "index"
    first = build_index(source, root, FakeEmbedder()).version
    (source / "faq" / "fixture.yml").write_text(
        (source / "faq" / "fixture.yml").read_text(encoding="utf-8") + NEW_ENTRY,
        encoding="utf-8",
    )
    options = _options(source, root, [action_server.url])
    second = retrain(options, FakeEmbedder()).version
    report = rollback(options)
    assert report.version == first.name and report.previous == second
    assert report.changes == ["removed FAQ `library-hours`"]
    assert current_version(root) == first and action_server.calls[-1][0] == first.name
    # Forward again by name; an unknown name is refused without changing anything.
    assert rollback(options, to=second).version == second
    with pytest.raises(RetrainError, match="no single kept version"):
        rollback(options, to="nope")
    assert current_version(root).name == second


def test_rasa_retrains_only_when_its_inputs_change(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "training_data").mkdir(parents=True)
    for name in ("config.yml", "domain.yml", "training_data/nlu.yml"):
        (project / name).write_text("version: '3.1'\n", encoding="utf-8")
    models = tmp_path / "models"
    assert rasa_needs_training(project, models)[0]  # no model yet
    models.mkdir()
    (models / "duta.tar.gz").write_bytes(b"model")
    later = time.time() + 10
    os.utime(models / "duta.tar.gz", (later, later))
    assert not rasa_needs_training(project, models)[0]  # model newer than its inputs
    from admin.retrain import fingerprint_record, rasa_fingerprint

    fingerprint_record(models).write_text(rasa_fingerprint(project))
    (project / "training_data" / "nlu.yml").write_text("version: '3.1'\nnlu: []\n")
    needed, why = rasa_needs_training(project, models)
    assert needed and "changed" in why
    # FAQ files are not Rasa inputs.
    fingerprint_record(models).write_text(rasa_fingerprint(project))
    (project / "content").mkdir()
    (project / "content" / "faq.yml").write_text("- id: x\n")
    assert not rasa_needs_training(project, models)[0]


# --- the action server's swap ------------------------------------------------------------------


def test_reload_swaps_atomically_and_a_failure_keeps_the_old() -> None:
    old = SimpleNamespace(version="v1", manifest={"counts": {"units": 1}})
    served = knowledge_base.ServedKnowledge(old)
    held = served.wait(0)  # a search in flight holds the old instance
    new = SimpleNamespace(version="v2", manifest={"counts": {"units": 2}})
    result = served.reload("v2", opener=lambda version: new)
    assert result["version"] == "v2" and result["previous"] == "v1" and result["units"] == 2
    assert served.wait(0) is new and held is old

    def broken(_version: str | None) -> Any:
        raise ValueError("vectors.faiss does not match the manifest")

    with pytest.raises(knowledge_base.ReloadError, match="does not match"):
        served.reload("v3", opener=broken)
    assert served.wait(0) is new
    assert served.status()[1]["version"] == "v2"


class _Index:
    """A stand-in index in a reference cycle, as large object graphs are: only the collector
    frees it."""

    def __init__(self, version: str) -> None:
        self.version, self.manifest, self.itself = version, {"counts": {"units": 1}}, self


def test_reload_freezes_the_new_index_and_lets_the_old_one_go() -> None:
    try:
        served = knowledge_base.ServedKnowledge(_Index("v1"))
        knowledge_base._freeze_what_is_alive()  # as load() does once the first index is in
        assert gc.get_freeze_count() > 0
        old = weakref.ref(served.wait(0))
        served.reload("v2", opener=_Index)
        assert old() is None  # frozen, the old index would have stayed in memory for good
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual


def _post(url: str, body: dict, token: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_reload_endpoint_needs_the_admin_token(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "ACTION_SERVER_PORT": str(port),
        "DUTA_INDEX_DIR": str(tmp_path),  # empty: nothing to load, no model needed
        "DUTA_ADMIN_TOKEN": "right-token",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "actions"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/index/reload"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "action server did not start"
                time.sleep(0.3)
        assert _post(url, {"version": None}, None)[0] == 401
        assert _post(url, {"version": None}, "wrong-token")[0] == 401
        code, body = _post(url, {"version": "../../etc"}, "right-token")
        assert code == 400
        code, body = _post(url, {"version": "20990101T000000Z-abc"}, "right-token")
        assert code == 404 and "no index version" in body["error"]["message"]
        code, body = _post(url, {"version": None}, "right-token")
        assert code == 422 and "previous index keeps serving" in body["error"]["message"]
    finally:
        server.terminate()
        server.wait(timeout=10)
