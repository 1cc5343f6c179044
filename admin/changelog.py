"""The knowledge change log: content/CHANGELOG.md, one dated section per command, newest last.

Plain Markdown appended by `faq add`, `faq import`, `retrain` and `rollback`, so `git diff` shows
what changed, when, by whom and through which command.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from pathlib import Path

from admin.atomic import write_text_atomic

FILE_NAME = "CHANGELOG.md"
HEADER = (
    "# Knowledge change log\n\n"
    "Appended by `python -m admin` (faq add, faq import, retrain, rollback); newest last.\n"
    "Each section: when (UTC), the command, who ran it, and what changed.\n"
)


def changelog_path(knowledge_dir: Path) -> Path:
    return knowledge_dir / FILE_NAME


def who() -> str:
    """Staff member behind a change: DUTA_CHANGED_BY, else the login name."""
    configured = os.environ.get("DUTA_CHANGED_BY", "").strip()
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def record(
    knowledge_dir: Path,
    command: str,
    lines: list[str],
    now: dt.datetime | None = None,
    by: str | None = None,
) -> Path:
    """Append one section; the file is rewritten atomically so a crash never leaves half of it.

    by: who made the change when the caller knows better than the process (the staff console
    names the logged-in account; the process runs as the service user)."""
    path = changelog_path(knowledge_dir)
    now = now or dt.datetime.now(dt.UTC)
    current = path.read_text(encoding="utf-8") if path.is_file() else HEADER
    section = [f"## {now.strftime('%Y-%m-%d %H:%M:%S')} UTC · {command}", f"- by: {by or who()}"]
    section.extend(f"- {line}" for line in lines)
    write_text_atomic(path, current.rstrip("\n") + "\n\n" + "\n".join(section) + "\n")
    return path
