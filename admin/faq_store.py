"""Writing checked FAQ entries into content/faq/*.yml, and the change log line for them.

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

from admin.atomic import write_text_atomic, write_texts_atomic
from knowledge.faq import LANGUAGES, load_faq
from knowledge.records import FaqEntry, KnowledgeInputError

DEFAULT_TARGET = "staff.yml"
_TARGET_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*\.ya?ml$")
NEW_FILE_HEADER = (
    "# content/faq/{name} : entries added by `python -m admin faq add` / `faq import`.\n"
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
    return load_faq_with(faq_dir, {name: text})


def load_faq_with(faq_dir: Path, texts: dict[str, str]) -> list[FaqEntry]:
    """load_faq(faq_dir) as if each named file held its text (several files at once)."""
    with tempfile.TemporaryDirectory(prefix="faq-check-") as tmp:
        folder = Path(tmp)
        for existing in [*faq_dir.glob("*.yml"), *faq_dir.glob("*.yaml")]:
            if existing.name not in texts and not existing.name.startswith("."):
                shutil.copy(existing, folder / existing.name)
        for name, text in texts.items():
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


# --- editing and retiring one entry in place (the staff console) ------------------------------


def entry_span(text: str, faq_id: str) -> tuple[int, int] | None:
    """Where the entry with this id sits in a YAML list file's text: from the start of its
    "- " line to the end of its last line (comments and blank lines after it excluded), so the
    rest of the file, its comments and layout included, stays exactly as it was."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.SequenceNode):
        return None
    items = node.value
    for position, item in enumerate(items):
        if not isinstance(item, yaml.MappingNode):
            continue
        ids = [v.value for k, v in item.value if k.value == "id" and isinstance(v, yaml.ScalarNode)]
        if ids != [faq_id]:
            continue
        start = text.rfind("\n", 0, item.start_mark.index) + 1
        if position + 1 < len(items):
            end = text.rfind("\n", 0, items[position + 1].start_mark.index) + 1
        else:
            end = len(text)
        lines = text[start:end].splitlines(keepends=True)
        while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
            lines.pop()
        return start, start + sum(len(line) for line in lines)
    return None


def replaced_text(text: str, faq_id: str, entry: FaqEntry | None) -> str | None:
    """The file's text with that entry replaced by `entry` (None: removed); None when the
    file does not hold the entry."""
    try:
        span = entry_span(text, faq_id)
    except yaml.YAMLError:
        return None  # load_faq names a broken file; it cannot hold the entry we look for
    if span is None:
        return None
    start, end = span
    if entry is not None:
        return text[:start] + entries_yaml([entry]) + text[end:]
    head, tail = text[:start].rstrip("\n"), text[end:].lstrip("\n")
    return head + "\n\n" + tail if head and tail else (head + "\n" if head else tail)


def apply_entries(
    faq_dir: Path, changed: list[FaqEntry], added: list[FaqEntry], target: str | None
) -> list[tuple[Path, str, str]]:
    """A re-imported sheet: changed entries rewritten in place in their own files, new ones
    appended to the target file; every file written only after the whole folder loaded back
    with the result, all together (admin.atomic.write_texts_atomic). Returns (file, text
    before, text after) for each file written."""
    files = sorted([*faq_dir.glob("*.yml"), *faq_dir.glob("*.yaml")])
    before = {p: p.read_text(encoding="utf-8") for p in files if not p.name.startswith(".")}
    texts = dict(before)
    # Each entry's file, so only that file is searched for it (a whole sheet changes many).
    home = {e.faq_id: faq_dir / Path(e.origin.split(" entry ")[0]).name for e in load_faq(faq_dir)}
    for entry in changed:
        path = home.get(entry.faq_id)
        after = replaced_text(texts[path], entry.faq_id, entry) if path in texts else None
        if path is None or after is None:
            raise KnowledgeInputError(f"no FAQ entry with the id '{entry.faq_id}'")
        texts[path] = after
    if added:
        path = target_path(faq_dir, target)
        start = texts.get(path) or before.get(path) or NEW_FILE_HEADER.format(name=path.name)
        texts[path] = start.rstrip("\n") + "\n\n" + entries_yaml(added)
        before.setdefault(path, "")
    written = {p: t for p, t in texts.items() if t != before.get(p)}
    loaded = {e.faq_id: e for e in load_faq_with(faq_dir, {p.name: t for p, t in written.items()})}
    for entry in [*changed, *added]:
        back = loaded.get(entry.faq_id)
        if back is None or entry_mapping(back) != entry_mapping(entry):
            raise KnowledgeInputError(f"'{entry.faq_id}' did not load back; nothing written")
    write_texts_atomic(dict(written))
    return [(p, before.get(p, ""), t) for p, t in written.items()]


def replace_entry(faq_dir: Path, faq_id: str, entry: FaqEntry | None) -> tuple[Path, str, str]:
    """Replace the entry with this id by `entry` (None: remove it), in its own file, atomically,
    after loading the result back. Returns (file, text before, text after)."""
    for path in sorted([*faq_dir.glob("*.yml"), *faq_dir.glob("*.yaml")]):
        before = path.read_text(encoding="utf-8")
        try:
            span = entry_span(before, faq_id)
        except yaml.YAMLError:
            continue  # load_faq names a broken file; it cannot hold the entry we look for
        if span is not None:
            break
    else:
        raise KnowledgeInputError(f"no FAQ entry with the id '{faq_id}'")
    start, end = span
    if entry is not None:
        after = before[:start] + entries_yaml([entry]) + before[end:]
    else:
        head, tail = before[:start].rstrip("\n"), before[end:].lstrip("\n")
        after = head + "\n\n" + tail if head and tail else (head + "\n" if head else tail)
    loaded = {e.faq_id for e in load_faq_as_if(faq_dir, path.name, after)}
    if (entry is None) == (faq_id in loaded):
        raise KnowledgeInputError(f"{path}: the change to '{faq_id}' did not load back")
    write_text_atomic(path, after)
    return path, before, after
