"""What users tell the team (/feedback on Telegram): one JSON line each in DUTA_FEEDBACK_FILE.

The file is private (mode 0600) and kept no longer than the conversations: the retention task
(bot/privacy.py) drops lines older than DUTA_RETENTION_DAYS. Writers on one machine take a file
lock, so an append never lands in the middle of a purge's rewrite.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from filelock import FileLock

MAX_FEEDBACK_CHARS = 2000


class FeedbackBox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(f"{path}.lock", mode=0o600)

    async def add(self, channel: str, language: str, text: str) -> None:
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "channel": channel,
            "language": language,
            "text": text[:MAX_FEEDBACK_CHARS],
        }
        await asyncio.to_thread(self._append, json.dumps(entry, ensure_ascii=False) + "\n")

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, line.encode("utf-8"))
            finally:
                os.close(descriptor)

    def entries(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def purge(self, older_than_days: float) -> int:
        """Drop entries older than the given age; returns how many. Atomic: a temporary file
        replaces the old one, so a crash leaves either file whole."""
        if not self.path.exists():
            return 0
        cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
        with self._lock:
            entries = self.entries()
            kept = [e for e in entries if datetime.fromisoformat(e["at"]) >= cutoff]
            if len(kept) == len(entries):
                return 0
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=self.path.parent, delete=False
            ) as out:
                out.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in kept)
            os.chmod(out.name, 0o600)
            os.replace(out.name, self.path)
        return len(entries) - len(kept)
