"""python -m knowledge faq add | import | validate | list, and retrain | rollback.

Nothing is written unless every check passes; each write is logged in knowledge/CHANGELOG.md.
Formats and limits: docs/faq-import.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from knowledge import changelog
from knowledge.faq import LANGUAGES, load_faq
from knowledge.faq_checks import CheckReport, check_new_entries
from knowledge.faq_import import Candidate, ImportFormatError, read_import_file
from knowledge.faq_store import DEFAULT_TARGET, append_entries, changelog_lines
from knowledge.paths import default_index_dir, default_models_dir, default_source_dir
from knowledge.records import KnowledgeInputError

EXIT_INVALID = 2


class CheckFailed(Exception):
    """Validation found errors: they were printed, nothing was written."""


# --- arguments ---------------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--knowledge",
        type=Path,
        help="knowledge folder (default: $DUTA_KNOWLEDGE_DIR or the project's knowledge/)",
    )
    parser.add_argument("--index", type=Path, help="index root (default: $DUTA_INDEX_DIR)")
    parser.add_argument("--model", help="embedding model folder (default: $DUTA_EMBED_MODEL)")


def _retrain_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rasa",
        choices=("auto", "skip", "force"),
        default="auto",
        help="retrain Rasa: auto (only when NLU data/domain/config changed), skip, force",
    )
    parser.add_argument(
        "--no-reload", action="store_true", help="do not reload a running stack (offline)"
    )
    parser.add_argument("--keep", type=int, default=5, help="index versions kept (default 5)")


def add_parsers(sub: Any) -> None:
    faq = sub.add_parser("faq", help="add, import, check and list FAQ entries")
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)

    add = faq_sub.add_parser("add", help="add one entry (flags, or prompts for what is missing)")
    _common(add)
    add.add_argument("--id", dest="faq_id", help="kebab-case id, e.g. library-opening-hours")
    add.add_argument("--question-id", action="append", default=[], help="Indonesian question")
    add.add_argument("--question-en", action="append", default=[], help="English question")
    add.add_argument("--answer-id", help="Indonesian answer")
    add.add_argument("--answer-en", help="English answer")
    add.add_argument("--source-title", help="where the facts come from")
    add.add_argument("--source-url")
    add.add_argument("--source-publisher")
    add.add_argument("--source-date", help="YYYY-MM-DD the source was published")
    add.add_argument(
        "--source-accessed", help="YYYY-MM-DD you read an undated source (instead of a date)"
    )
    add.add_argument("--as-of", help="YYYY-MM-DD the answer is true as of (required if volatile)")
    add.add_argument("--volatile", action="store_true", help="the facts change (fees, rules)")
    add.add_argument("--tags", default="", help="comma separated")
    add.add_argument("--document", help="id of a knowledge/documents document it comes from")
    add.add_argument("--file", help=f"target file in faq/ (default {DEFAULT_TARGET})")
    add.add_argument("--allow-similar", action="store_true", help="near-duplicates only warn")
    add.add_argument("--retrain", action="store_true", help="retrain and reload right after")
    _retrain_flags(add)

    imp = faq_sub.add_parser("import", help="import entries from a CSV or YAML file")
    _common(imp)
    imp.add_argument("path", type=Path, help="the .csv, .yml or .yaml file")
    imp.add_argument("--file", help=f"target file in faq/ (default {DEFAULT_TARGET})")
    imp.add_argument("--allow-similar", action="store_true")
    imp.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    imp.add_argument("--retrain", action="store_true", help="retrain and reload right after")
    _retrain_flags(imp)

    val = faq_sub.add_parser("validate", help="check the knowledge folder, or a file to import")
    _common(val)
    val.add_argument("path", type=Path, nargs="?", help="a .csv/.yml file to check for import")
    val.add_argument("--allow-similar", action="store_true")

    lst = faq_sub.add_parser("list", help="list the FAQ entries")
    _common(lst)
    lst.add_argument("--tag", help="only entries with this tag")
    lst.add_argument("--json", action="store_true", help="one JSON object per entry")

    ret = sub.add_parser("retrain", help="update the index (and Rasa if needed), reload the stack")
    _common(ret)
    _retrain_flags(ret)

    back = sub.add_parser("rollback", help="serve the previous index version again")
    _common(back)
    back.add_argument("--to", help="a kept version name (or its start) instead of the previous")
    back.add_argument("--no-reload", action="store_true")
    back.add_argument("--rasa-model", help="also load this Rasa model file (models/previous/...)")
    back.add_argument("--list", action="store_true", help="list the kept versions and exit")


# --- helpers ------------------------------------------------------------------------------------


def _knowledge(args: argparse.Namespace) -> Path:
    folder = args.knowledge or default_source_dir()
    if not folder.is_dir():
        raise KnowledgeInputError(f"knowledge folder not found: {folder}")
    return folder


def _index(args: argparse.Namespace) -> Path:
    return args.index or default_index_dir()


def _embedder(args: argparse.Namespace) -> Any:
    from knowledge.search import shared_embedder

    try:
        return shared_embedder(args.model)
    except (FileNotFoundError, OSError) as exc:
        raise KnowledgeInputError(f"cannot load the embedding model: {exc}") from exc


def faq_vectors(index_root: Path) -> dict[str, np.ndarray]:
    """Passage vectors of FAQ questions and answers in the current index (text -> vector), so
    the similarity checks do not embed them again."""
    from knowledge.store import IndexError_, read_current

    try:
        stored = read_current(index_root)
    except IndexError_:
        return {}
    rows = [i for i, unit in enumerate(stored.units) if unit.kind == "faq"]
    if not rows:
        return {}
    return {
        stored.units[i].text: stored.faiss_index.reconstruct(i)
        for i in rows  # IndexFlat reconstructs exactly what was added
    }


def _print_report(report: CheckReport) -> None:
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)


def _check(args: argparse.Namespace, candidates: list[Candidate], similarity: bool) -> CheckReport:
    knowledge = _knowledge(args)
    loaded: dict[str, Any] = {}

    def embedder() -> Any:
        loaded["embedder"] = _embedder(args)
        return loaded["embedder"]

    def known() -> dict[str, np.ndarray]:
        # Vectors in the index were made by the index's model: reuse them only for the same one.
        from knowledge.store import IndexError_, read_current

        try:
            model = read_current(_index(args)).manifest.get("model", {})
        except IndexError_:
            return {}
        if model.get("name") != loaded["embedder"].name:
            return {}
        return faq_vectors(_index(args))

    report = check_new_entries(
        candidates,
        knowledge / "faq",
        embedder if similarity else None,
        known,
        allow_similar=args.allow_similar,
    )
    _print_report(report)
    if not report.ok:
        raise CheckFailed(f"{len(report.errors)} problem(s); nothing was written")
    return report


def _write(args: argparse.Namespace, report: CheckReport, command: str) -> Path:
    knowledge = _knowledge(args)
    path = append_entries(knowledge / "faq", report.entries, args.file)
    lines = changelog_lines(report.entries, path, knowledge)
    if args.allow_similar and report.warnings:
        lines += [f"accepted with --allow-similar: {w}" for w in report.warnings]
    changelog.record(knowledge, command, lines)
    for entry in report.entries:
        print(f"added {entry.faq_id} to {path}")
    return path


# --- faq add ------------------------------------------------------------------------------------

PROMPTS = (
    ("faq_id", "id (kebab-case, e.g. library-opening-hours)"),
    ("question_id", "question in Indonesian"),
    ("question_en", "question in English"),
    ("answer_id", "answer in Indonesian"),
    ("answer_en", "answer in English"),
    ("source_title", "source title (where the facts come from)"),
)


def _prompt_missing(args: argparse.Namespace, ask: Callable[[str], str]) -> None:
    for name, label in PROMPTS:
        value = getattr(args, name)
        if value:
            continue
        answer = ask(f"{label}: ").strip()
        setattr(args, name, [answer] if name.startswith("question_") and answer else answer)
    if not args.source_url:
        args.source_url = ask("source URL (empty: none): ").strip() or None
    # Every entry cites a dated source (the checks refuse one without): ask rather than fail.
    if not args.source_date and not args.source_accessed:
        args.source_date = ask("source date YYYY-MM-DD (empty: the page has none): ").strip()
        if not args.source_date:
            args.source_accessed = ask("date you read it, YYYY-MM-DD: ").strip() or None


def candidate_from_args(args: argparse.Namespace) -> Candidate:
    raw = {
        "id": args.faq_id or None,
        "tags": [t.strip() for t in (args.tags or "").split(",") if t.strip()],
        "as_of": args.as_of or None,
        "volatile": bool(args.volatile),
        "source": {
            "title": args.source_title or None,
            "publisher": args.source_publisher or None,
            "url": args.source_url or None,
            "date": args.source_date or None,
            "accessed": args.source_accessed or None,
            "document": args.document or None,
        },
        "questions": {"id": list(args.question_id), "en": list(args.question_en)},
        "answers": {"id": args.answer_id or "", "en": args.answer_en or ""},
    }
    return Candidate(raw, "faq add")


def cmd_add(args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        _prompt_missing(args, input)
    report = _check(args, [candidate_from_args(args)], similarity=True)
    _write(args, report, "faq add")
    return _maybe_retrain(args, "python -m knowledge faq add --retrain")


# --- faq import / validate / list --------------------------------------------------------------


def _read(path: Path) -> list[Candidate]:
    try:
        return read_import_file(path)
    except ImportFormatError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        raise CheckFailed(f"{len(exc.problems)} problem(s) in {path}; nothing was written") from exc


def cmd_import(args: argparse.Namespace) -> int:
    candidates = _read(args.path)
    if not candidates:
        raise CheckFailed(f"{args.path}: no entries to import")
    report = _check(args, candidates, similarity=True)
    if args.dry_run:
        print(f"ok: {len(report.entries)} entries would be added (dry run, nothing written)")
        return 0
    _write(args, report, f"faq import {args.path.name}")
    return _maybe_retrain(args, f"python -m knowledge faq import {args.path.name} --retrain")


def cmd_validate(args: argparse.Namespace) -> int:
    if args.path is not None:
        report = _check(args, _read(args.path), similarity=True)
        print(f"ok: {len(report.entries)} entries can be imported")
        return 0
    from knowledge.builder import collect_units

    units, warnings = collect_units(_knowledge(args))
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    entries = len({u.doc_id for u in units if u.kind == "faq"})
    documents = len({u.doc_id for u in units if u.kind == "document"})
    print(f"ok: {entries} FAQ entries, {documents} documents and events, {len(warnings)} warnings")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    knowledge = _knowledge(args)
    for entry in load_faq(knowledge / "faq"):
        if args.tag and args.tag not in entry.tags:
            continue
        file = entry.origin.split(" entry ")[0]
        if args.json:
            record = {
                "id": entry.faq_id,
                "file": Path(file).name,
                "tags": list(entry.tags),
                "as_of": entry.as_of,
                "questions": {lang: entry.questions[lang][0] for lang in LANGUAGES},
            }
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(f"{entry.faq_id:40s} {Path(file).name:28s} {entry.questions['en'][0]}")
    return 0


# --- retrain / rollback -------------------------------------------------------------------------


def _options(args: argparse.Namespace, command: str) -> Any:
    from knowledge.retrain import RetrainOptions
    from knowledge.stack_client import StackTarget

    return RetrainOptions(
        source=_knowledge(args),
        index_root=_index(args),
        models_dir=default_models_dir(),
        target=StackTarget.from_env(),
        rasa=getattr(args, "rasa", "skip"),
        reload=not args.no_reload,
        keep=max(2, getattr(args, "keep", 5)),
        command=command,
    )


def _maybe_retrain(args: argparse.Namespace, command: str) -> int:
    if not getattr(args, "retrain", False):
        print("run `make retrain` (python -m knowledge retrain) to put it live")
        return 0
    return _run_retrain(args, command)


def _run_retrain(args: argparse.Namespace, command: str) -> int:
    from knowledge.retrain import RetrainError, record_in_changelog, retrain

    options = _options(args, command)
    try:
        report = retrain(options, _embedder(args))
    except RetrainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        changelog.record(options.source, "retrain FAILED", [f"command: {command}", str(exc)])
        return 1
    if report.version is not None:
        record_in_changelog(options, "retrain", report)
    for line in report.lines():
        print(line)
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    return _run_retrain(args, "python -m knowledge retrain" + (" --rasa " + args.rasa))


def cmd_rollback(args: argparse.Namespace) -> int:
    from knowledge.retrain import RetrainError, record_in_changelog, rollback, versions
    from knowledge.stack_client import StackRefused, StackUnreachable, rasa_load_model
    from knowledge.store import current_version

    command = "python -m knowledge rollback" + (f" --to {args.to}" if args.to else "")
    options = _options(args, command)
    if args.list:
        current = current_version(options.index_root)
        for version in versions(options.index_root):
            mark = "*" if current is not None and version.name == current.name else " "
            print(f"{mark} {version.name}")
        return 0
    try:
        report = rollback(options, args.to)
    except RetrainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.rasa_model:
        model = str(Path(args.rasa_model).resolve())
        outcomes = []
        for url in options.target.rasa_urls:
            try:
                rasa_load_model(url, options.target.rasa_token, model)
                outcomes.append(f"{url} loaded {model}")
            except (StackRefused, StackUnreachable) as exc:
                outcomes.append(f"{url} did not load it: {exc}")
        report.rasa = "; ".join(outcomes)
    record_in_changelog(options, "rollback", report)
    for line in report.lines():
        print(line)
    return 0


COMMANDS = {
    "add": cmd_add,
    "import": cmd_import,
    "validate": cmd_validate,
    "list": cmd_list,
}


def run(args: argparse.Namespace) -> int:
    """Dispatch faq/retrain/rollback; validation failures exit 2 with every problem printed."""
    try:
        if args.command == "faq":
            return COMMANDS[args.faq_command](args)
        if args.command == "retrain":
            return cmd_retrain(args)
        return cmd_rollback(args)
    except CheckFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
