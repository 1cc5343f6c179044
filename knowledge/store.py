"""Versioned on-disk index: DIR/versions/<timestamp>-<hash>/ plus an atomically swapped DIR/current.

A version folder holds units.jsonl, vectors.faiss and manifest.json (written last). The manifest
lists every file's SHA-256, so a half-written or altered version is refused at load time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from filelock import FileLock

from knowledge.records import Unit

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
UNITS_FILE = "units.jsonl"
VECTORS_FILE = "vectors.faiss"
CURRENT = "current"
VERSIONS = "versions"


class IndexError_(RuntimeError):
    """Base for index problems a caller can report: missing, corrupt or mismatched."""


class IndexMissingError(IndexError_):
    pass


class IndexCorruptError(IndexError_):
    pass


@dataclass
class StoredIndex:
    path: Path
    manifest: dict[str, Any]
    units: list[Unit]
    faiss_index: faiss.Index


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def content_hash(units: list[Unit], model_name: str, settings: dict[str, Any]) -> str:
    """Hash of what determines the index: the units, the model and the build settings."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"model": model_name, "settings": settings}, sort_keys=True).encode())
    for unit in units:
        digest.update(json.dumps(unit.as_dict(), sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


@contextlib.contextmanager
def build_lock(index_root: Path) -> Iterator[None]:
    """One build at a time per index root (a second one waits)."""
    index_root.mkdir(parents=True, exist_ok=True)
    with FileLock(index_root / ".build.lock", mode=0o600):
        yield


def write_version(
    index_root: Path,
    units: list[Unit],
    vectors: np.ndarray,
    model: dict[str, Any],
    settings: dict[str, Any],
    info: dict[str, Any] | None = None,
) -> Path:
    """Write a complete version folder and return its path; `current` is not touched here."""
    if vectors.ndim != 2 or vectors.shape[0] != len(units):
        raise ValueError(f"{len(units)} units but vectors of shape {vectors.shape}")
    versions = index_root / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    digest = content_hash(units, model["name"], settings)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=versions))
    try:
        units_path = tmp / UNITS_FILE
        with units_path.open("w", encoding="utf-8") as handle:
            for unit in units:
                handle.write(json.dumps(unit.as_dict(), ensure_ascii=False) + "\n")
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(index, str(tmp / VECTORS_FILE))
        for name in (UNITS_FILE, VECTORS_FILE):
            _fsync_file(tmp / name)
        created = dt.datetime.now(dt.UTC)
        manifest = {
            "format_version": FORMAT_VERSION,
            "created": created.isoformat(timespec="seconds"),
            "content_hash": digest,
            "model": {**model, "dim": int(vectors.shape[1])},
            "counts": {
                "units": len(units),
                **dict(Counter(u.kind for u in units)),
                "by_role": dict(Counter(u.role for u in units)),
                "documents": len({u.doc_id for u in units if u.kind == "document"}),
                "faq_entries": len({u.doc_id for u in units if u.kind == "faq"}),
            },
            "settings": settings,
            "build": info or {},
            "files": {name: _sha256(tmp / name) for name in (UNITS_FILE, VECTORS_FILE)},
        }
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        _fsync_file(tmp / MANIFEST)
        _fsync_dir(tmp)
        final = versions / f"{created.strftime('%Y%m%dT%H%M%S%fZ')}-{digest[:12]}"
        os.rename(tmp, final)
        _fsync_dir(versions)
        return final
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def activate(index_root: Path, version: Path) -> None:
    """Point `current` at version atomically: a temp symlink renamed over the old one."""
    target = Path(VERSIONS) / version.name  # relative, so the whole root can be moved
    tmp_link = index_root / f".{CURRENT}.tmp-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp_link.unlink()
    os.symlink(target, tmp_link)
    os.replace(tmp_link, index_root / CURRENT)
    _fsync_dir(index_root)


def current_version(index_root: Path) -> Path | None:
    link = index_root / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    return Path(os.path.realpath(link))


def prune(index_root: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` versions (never the current one) and stale temp folders."""
    versions = index_root / VERSIONS
    if not versions.is_dir():
        return []
    current = current_version(index_root)
    removed: list[Path] = []
    # Only called under build_lock, so any temp folder left is from a crashed build.
    for stale in versions.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
        removed.append(stale)
    finished = sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in finished[: max(0, len(finished) - keep)]:
        if current is not None and old.resolve() == current:
            continue
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    return removed


def read_version(path: Path) -> StoredIndex:
    """Load one version folder, refusing it unless manifest, units and vectors all agree."""
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise IndexCorruptError(f"{path}: no {MANIFEST} (an unfinished or damaged version)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path}: {MANIFEST} is not valid JSON") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(
            f"{path}: format version {manifest.get('format_version')!r}, "
            f"this code reads {FORMAT_VERSION}"
        )
    for name, expected in manifest.get("files", {}).items():
        file = path / name
        if not file.is_file() or _sha256(file) != expected:
            raise IndexCorruptError(f"{path}: {name} is missing or does not match the manifest")
    if set(manifest.get("files", {})) != {UNITS_FILE, VECTORS_FILE}:
        raise IndexCorruptError(f"{path}: manifest does not list the index files")
    units = [
        Unit.from_dict(json.loads(line))
        for line in (path / UNITS_FILE).read_text(encoding="utf-8").splitlines()
        if line
    ]
    index = faiss.read_index(str(path / VECTORS_FILE))
    counts = manifest.get("counts", {})
    if not (index.ntotal == len(units) == counts.get("units")):
        raise IndexCorruptError(
            f"{path}: {len(units)} units, {index.ntotal} vectors, "
            f"manifest says {counts.get('units')}"
        )
    if index.d != manifest.get("model", {}).get("dim"):
        raise IndexCorruptError(f"{path}: vectors have dimension {index.d}, manifest disagrees")
    return StoredIndex(path=path, manifest=manifest, units=units, faiss_index=index)


def read_serving(index_root: Path) -> tuple[StoredIndex, str | None]:
    """The `current` version; if it is damaged, the newest other version that passes its checks,
    with why `current` was passed over (a disk error after a swap must not leave users without
    answers). Raises when no version is usable."""
    try:
        return read_current(index_root), None
    except IndexCorruptError as damaged:
        current = current_version(index_root)
        versions = index_root / VERSIONS
        others = sorted(
            (p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")),
            reverse=True,
        )
        for version in others:
            if current is not None and version.resolve() == current:
                continue
            try:
                return read_version(version), str(damaged)
            except IndexCorruptError:
                continue
        raise


def read_current(index_root: Path) -> StoredIndex:
    version = current_version(index_root)
    if version is None or not version.is_dir():
        raise IndexMissingError(
            f"no index at {index_root} (build one with: python -m admin build --index {index_root})"
        )
    return read_version(version)
