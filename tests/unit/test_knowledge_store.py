"""Versioned index storage: round trip, manifest, atomic replacement, corrupt versions refused."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from knowledge.build import builder
from knowledge.build.builder import build_index
from knowledge.records import KnowledgeInputError
from knowledge.search import IndexMismatchError, KnowledgeBase
from knowledge.store import (
    CURRENT,
    FORMAT_VERSION,
    IndexCorruptError,
    IndexMissingError,
    build_lock,
    current_version,
    read_current,
    read_version,
)
from tests.unit.knowledge_testkit import ExplodingEmbedder, FakeEmbedder, make_knowledge_folder


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return make_knowledge_folder(tmp_path / "knowledge")


def test_round_trip_and_manifest(source: Path, tmp_path: Path) -> None:
    report = build_index(source, tmp_path / "index", FakeEmbedder())
    stored = read_current(tmp_path / "index")
    manifest = stored.manifest
    assert stored.path == report.version == current_version(tmp_path / "index")
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == {"name": "fake-hash", "dim": 64}
    assert (
        manifest["counts"]["units"]
        == len(stored.units)
        == stored.faiss_index.ntotal
        == report.units
    )
    assert manifest["counts"]["faq"] == 3 * 2 + 1 * 2 + 2 + 2 + 2 + 2  # variants + answers
    assert manifest["counts"]["faq_entries"] == 3 and manifest["counts"]["documents"] == 3
    assert len(manifest["content_hash"]) == 64 and manifest["created"].endswith("+00:00")
    assert report.version.name.endswith(manifest["content_hash"][:12])
    assert os.readlink(tmp_path / "index" / CURRENT) == f"versions/{report.version.name}"

    kb = KnowledgeBase.load(tmp_path / "index", embedder=FakeEmbedder())
    assert kb.manifest == manifest
    result = kb.search("Kapan ICDD diadakan?", k=3)
    assert result.hits[0].doc_id == "fixture-icdd-when"
    assert result.hits[0].kind == "faq" and result.hits[0].answers["en"].startswith("ICDD")
    hit = next(
        h for h in kb.search("Smart Embassy KBRI Singapura", k=5).hits if h.kind == "document"
    )
    assert hit.doc_id == "001_f7c03f9f912ae368" and hit.source["publisher"] == "NERACA"


def test_same_content_same_hash(source: Path, tmp_path: Path) -> None:
    first = build_index(source, tmp_path / "a", FakeEmbedder())
    second = build_index(source, tmp_path / "b", FakeEmbedder())
    assert (
        read_version(first.version).manifest["content_hash"]
        == read_version(second.version).manifest["content_hash"]
    )


def _versions(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "versions").iterdir())


def test_failed_builds_leave_current_serving(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Several batches, so it can die midway.
    monkeypatch.setattr("knowledge.build.builder.EMBED_BATCH", 8)
    root = tmp_path / "index"
    good = build_index(source, root, FakeEmbedder()).version
    before = _versions(root)

    with pytest.raises(RuntimeError, match="midway"):
        build_index(source, root, ExplodingEmbedder())  # the model dies in the middle
    assert current_version(root) == good and _versions(root) == before

    def crash(_root: Path, _version: Path) -> None:
        raise KeyboardInterrupt  # killed after writing, before the swap

    (source / "faq" / "fixture.yml").write_text(
        (source / "faq" / "fixture.yml")
        .read_text(encoding="utf-8")
        .replace("16 November", "17 November"),
        encoding="utf-8",
    )
    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(builder, "activate", crash)
        build_index(source, root, FakeEmbedder())
    assert current_version(root) == good

    (source / "documents" / "broken.jsonl").write_text("{oops\n", encoding="utf-8")
    with pytest.raises(KnowledgeInputError, match=r"broken\.jsonl:1"):
        build_index(source, root, FakeEmbedder())
    assert current_version(root) == good
    assert read_current(root).path == good  # still loads and verifies


def test_corrupt_versions_are_refused(source: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    version = build_index(source, root, FakeEmbedder()).version
    vectors = version / "vectors.faiss"
    data = bytearray(vectors.read_bytes())
    data[-5] ^= 0xFF
    vectors.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=r"vectors\.faiss"):
        read_current(root)
    with pytest.raises(IndexCorruptError):
        KnowledgeBase.load(root, embedder=FakeEmbedder())

    version = build_index(source, root, FakeEmbedder()).version
    units = version / "units.jsonl"
    units.write_text(
        "\n".join(units.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8"
    )
    with pytest.raises(IndexCorruptError, match=r"units\.jsonl"):
        read_current(root)

    version = build_index(source, root, FakeEmbedder()).version
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    manifest["counts"]["units"] += 1
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="manifest says"):
        read_current(root)

    (version / "manifest.json").unlink()  # a half-written version has no manifest yet
    with pytest.raises(IndexCorruptError, match="no manifest"):
        read_current(root)


def test_missing_index_and_model_mismatch(source: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="build one"):
        KnowledgeBase.load(tmp_path / "nothing", embedder=FakeEmbedder())
    build_index(source, tmp_path / "index", FakeEmbedder())

    class OtherModel(FakeEmbedder):
        name = "another-model"

    with pytest.raises(IndexMismatchError, match="rebuild"):
        KnowledgeBase.load(tmp_path / "index", embedder=OtherModel())


def test_old_versions_are_pruned(source: Path, tmp_path: Path) -> None:
    root = tmp_path / "index"
    faq = source / "faq" / "fixture.yml"
    made = []
    for n in range(5):
        faq.write_text(
            faq.read_text(encoding="utf-8").replace("Bali", f"Bali{n}", 1), encoding="utf-8"
        )
        made.append(build_index(source, root, FakeEmbedder(), keep=2).version.name)
    assert _versions(root) == sorted(made[-2:])
    assert current_version(root).name == made[-1]


def test_a_second_build_waits_for_the_first(tmp_path: Path) -> None:
    entered = threading.Event()

    def second() -> None:
        with build_lock(tmp_path):
            entered.set()

    with build_lock(tmp_path):
        waiting = threading.Thread(target=second)
        waiting.start()
        assert not entered.wait(0.3)
    assert entered.wait(5)
    waiting.join()
    assert stat.S_IMODE((tmp_path / ".build.lock").stat().st_mode) == 0o600
