"""Writing checked FAQ entries into knowledge/faq/*.yml, and the change log line for them.

New entries are appended as text to the target file (its comments and layout stay as staff
wrote them), the result is loaded back and checked, then it replaces the file atomically.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from knowledge.atomic import write_text_atomic
from knowledge.faq import LANGUAGES, load_faq
from knowledge.records import FaqEntry, KnowledgeInputError

DEFAULT_TARGET = "staff.yml"
_TARGET_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*\.ya?ml$")
NEW_FILE_HEADER = (
    "# knowledge/faq/{name} : entries added by `python -m knowledge faq add` / `faq import`.\n"
    "# Same format as the other files (docs/faq-import.md); edit freely, then `make retrain`.\n"
)


def target_path(faq_dir: Path, name: str | None) -> Path:
    name = name or DEFAULT_TARGET
    if not name.endswith((".yml", ".yaml")):
        name += ".yml"
    if not _TARGET_RE.match(name):
        raise KnowledgeInputError(
            f"target file {name!r}: use a plain file name like staff.yml (a-z, 0-9, '-', '_')"
        )
    return faq_dir / name


def entry_mapping(entry: FaqEntry) -> dict[str, Any]:
    """The entry in the order the hand-written files use."""
    source: dict[str, Any] = {"title": entry.source.title}
    source["publisher"] = entry.source.publisher
    source["url"] = entry.source.url
    source["date"] = entry.source.date
    if entry.source.accessed:  # only undated pages have one; keeps the usual entries short
        source["accessed"] = entry.source.accessed
    source["document"] = entry.document
    return {
        "id": entry.faq_id,
        "tags": list(entry.tags),
        "as_of": entry.as_of,
        "volatile": entry.volatile,
        "source": source,
        "questions": {lang: list(entry.questions[lang]) for lang in LANGUAGES},
        "answers": {lang: entry.answers[lang] for lang in LANGUAGES},
    }


def entries_yaml(entries: list[FaqEntry]) -> str:
    return "\n".join(
        yaml.safe_dump(
            [entry_mapping(entry)], allow_unicode=True, sort_keys=False, width=100, indent=2
        )
        for entry in entries
    )


def append_entries(faq_dir: Path, entries: list[FaqEntry], target: str | None) -> Path:
    """Append entries to faq_dir/target in one atomic write; raises before writing if the
    resulting folder would not load."""
    path = target_path(faq_dir, target)
    if path.is_file():
        before = path.read_text(encoding="utf-8")
    else:
        before = NEW_FILE_HEADER.format(name=path.name)
    after = before.rstrip("\n") + "\n\n" + entries_yaml(entries)
    loaded = load_faq_as_if(faq_dir, path.name, after)
    ids = {entry.faq_id for entry in loaded}
    missing = [e.faq_id for e in entries if e.faq_id not in ids]
    if missing:
        raise KnowledgeInputError(f"{path}: entries {missing} did not load back; nothing written")
    write_text_atomic(path, after)
    return path


def load_faq_as_if(faq_dir: Path, name: str, text: str) -> list[FaqEntry]:
    """load_faq(faq_dir) as if faq_dir/name held `text`: checked in a scratch copy, so the real
    folder never holds a file that might not load."""
    with tempfile.TemporaryDirectory(prefix="faq-check-") as tmp:
        folder = Path(tmp)
        for existing in [*faq_dir.glob("*.yml"), *faq_dir.glob("*.yaml")]:
            if existing.name != name and not existing.name.startswith("."):
                shutil.copy(existing, folder / existing.name)
        (folder / name).write_text(text, encoding="utf-8")
        return load_faq(folder)


def changelog_lines(entries: list[FaqEntry], path: Path, knowledge_dir: Path) -> list[str]:
    try:
        shown = path.relative_to(knowledge_dir)
    except ValueError:
        shown = path
    return [
        f"added FAQ `{entry.faq_id}` to {shown}: "
        f"{entry.questions['id'][0]!r} / {entry.questions['en'][0]!r}"
        for entry in entries
    ]
