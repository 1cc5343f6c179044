"""Atomic file replacement: write a temporary file next to the target, fsync, rename over it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    """Readers see the old content or the new one, never a mix; a crash leaves the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_texts_atomic(files: dict[Path, str | None]) -> None:
    """Several files changed together (None: the file is removed): every new text is written
    and synced beside its file first, then all are renamed into place. A failure before the
    renames leaves every file as it was; one during them puts the renamed ones back."""
    staged: list[tuple[Path, str | None, str | None]] = []  # (path, temp file, old text)
    try:
        for path, text in files.items():
            old = path.read_text(encoding="utf-8") if path.exists() else None
            if text is None:
                staged.append((path, None, old))
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
            staged.append((path, tmp, old))
    except BaseException:
        for _path, tmp, _old in staged:
            if tmp is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        raise
    done: list[tuple[Path, str | None]] = []
    try:
        for path, tmp, old in staged:
            if tmp is None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
            else:
                os.replace(tmp, path)
            done.append((path, old))
    except BaseException:
        for path, old in done:
            with contextlib.suppress(OSError):
                if old is None:
                    os.unlink(path)
                else:
                    write_text_atomic(path, old)
        for _path, tmp, _old in staged:
            if tmp is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        raise
