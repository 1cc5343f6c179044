"""python -m admin faq add | import | export | validate | list | history | revert, and
retrain | rollback.

Nothing is written unless every check passes; each write is logged in content/CHANGELOG.md.
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

from admin import changelog, faq_history
from admin.faq_checks import CheckReport, check_new_entries
from admin.faq_import import Candidate, ImportFormatError, read_import_file
from admin.faq_store import DEFAULT_TARGET, apply_entries, changelog_lines, target_path
from knowledge.faq import LANGUAGES, load_faq
from knowledge.paths import default_index_dir, default_models_dir, default_source_dir
from knowledge.records import KnowledgeInputError

EXIT_INVALID = 2
DEFAULT_KEEP = 30  # admin.retrain.DEFAULT_KEEP (not imported: it loads the index code)


class CheckFailed(Exception):
    """Validation found errors: they were printed, nothing was written."""


# --- arguments ---------------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--knowledge",
        type=Path,
        help="knowledge folder (default: $DUTA_KNOWLEDGE_DIR or the project's content/)",
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
    parser.add_argument(
        "--keep",
        type=int,
        default=DEFAULT_KEEP,
        help=f"index versions kept (default {DEFAULT_KEEP})",
    )


def add_parsers(sub: Any) -> None:
    faq = sub.add_parser("faq", help="add, import, check and list FAQ entries")
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)

    add = faq_sub.add_parser(
        "add", help="add one entry: flags, a file (--from), or prompts in a terminal"
    )
    _common(add)
    add.add_argument(
        "--from",
        dest="from_file",
        type=Path,
        help="read the entry (or entries) from a .yml, .csv or .xlsx file instead of flags",
    )
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
    add.add_argument("--document", help="id of a content/documents document it comes from")
    add.add_argument("--file", help=f"target file in faq/ (default {DEFAULT_TARGET})")
    add.add_argument("--allow-similar", action="store_true", help="near-duplicates only warn")
    add.add_argument("--retrain", action="store_true", help="retrain and reload right after")
    _retrain_flags(add)

    imp = faq_sub.add_parser("import", help="import entries from a CSV, XLSX or YAML file")
    _common(imp)
    imp.add_argument("path", type=Path, help="the .csv, .xlsx, .yml or .yaml file")
    imp.add_argument(
        "--update",
        action="store_true",
        help="rows whose id exists replace that entry (a re-imported export); same rows: no change",
    )
    imp.add_argument("--file", help=f"target file in faq/ (default {DEFAULT_TARGET})")
    imp.add_argument("--allow-similar", action="store_true")
    imp.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    imp.add_argument("--retrain", action="store_true", help="retrain and reload right after")
    _retrain_flags(imp)

    val = faq_sub.add_parser("validate", help="check the knowledge folder, or a file to import")
    _common(val)
    val.add_argument("path", type=Path, nargs="?", help="a .csv/.yml file to check for import")
    val.add_argument("--allow-similar", action="store_true")

    exp = faq_sub.add_parser("export", help="every entry to a spreadsheet (.csv or .xlsx)")
    _common(exp)
    exp.add_argument("path", type=Path, help="the .csv or .xlsx file to write ('-': CSV to stdout)")

    his = faq_sub.add_parser("history", help="every change of one entry (or of all), newest first")
    _common(his)
    his.add_argument("faq_id", nargs="?", help="the entry's id (none: every entry's changes)")
    his.add_argument("--json", action="store_true", help="one JSON object per change")
    his.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")

    rev = faq_sub.add_parser("revert", help="put an entry back as it was after a change")
    _common(rev)
    rev.add_argument("faq_id", help="the entry's id")
    rev.add_argument("seq", type=int, help="the change's number (faq history ID lists them)")
    rev.add_argument(
        "--before", action="store_true", help="as it was before that change (not after it)"
    )
    rev.add_argument("--allow-similar", action="store_true")
    rev.add_argument("--retrain", action="store_true", help="retrain and reload right after")
    _retrain_flags(rev)

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


def _check(
    args: argparse.Namespace,
    candidates: list[Candidate],
    similarity: bool,
    replacing: str | None = None,
    update: bool = False,
) -> CheckReport:
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
        replacing=replacing,
        update=update,
    )
    _print_report(report)
    if not report.ok:
        raise CheckFailed(f"{len(report.errors)} problem(s); nothing was written")
    return report


def _write(args: argparse.Namespace, report: CheckReport, command: str) -> list[Path]:
    """New entries appended, changed ones (an update) rewritten in place, all files together;
    the change log and each entry's history say what, who and how."""
    knowledge = _knowledge(args)
    faq_dir = knowledge / "faq"
    changed = [e for e in report.entries if e.faq_id in report.replaced]
    added = [e for e in report.entries if e.faq_id not in report.replaced]
    written = apply_entries(faq_dir, changed, added, getattr(args, "file", None))
    target = target_path(faq_dir, getattr(args, "file", None))
    lines = changelog_lines(added, target, knowledge)
    for entry in changed:
        file = entry_file(written, entry.faq_id)
        lines.append(f"changed FAQ `{entry.faq_id}` in faq/{file}")
    if args.allow_similar and report.warnings:
        lines += [f"accepted with --allow-similar: {w}" for w in report.warnings]
    changelog.record(knowledge, command, lines)
    _history(knowledge, written, command)
    for entry in added:
        print(f"added {entry.faq_id} to {target}")
    for entry in changed:
        print(f"changed {entry.faq_id} in faq/{entry_file(written, entry.faq_id)}")
    return [p for p, _before, _after in written]


def _history(knowledge: Path, written: list[tuple[Path, str, str]], command: str) -> None:
    files = [(path.name, before, after) for path, before, after in written]
    faq_history.record_changes(knowledge, files, changelog.who(), command)


def entry_file(written: list[tuple[Path, str, str]], faq_id: str) -> str:
    for path, _before, after in written:
        if f"id: {faq_id}\n" in after:
            return path.name
    return "?"


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
    if args.from_file is not None:
        candidates = _read(args.from_file)
        if not candidates:
            raise CheckFailed(f"{args.from_file}: no entry in it")
        report = _check(args, candidates, similarity=True)
        _write(args, report, f"faq add --from {args.from_file.name}")
        return _maybe_retrain(args, f"python -m admin faq add --from {args.from_file.name}")
    # Prompts only in a terminal: from a script or a pipe, the flags are the whole entry.
    if sys.stdin.isatty():
        _prompt_missing(args, input)
    report = _check(args, [candidate_from_args(args)], similarity=True)
    _write(args, report, "faq add")
    return _maybe_retrain(args, "python -m admin faq add --retrain")


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
    report = _check(args, candidates, similarity=True, update=args.update)
    changed = len(report.replaced)
    added = len(report.entries) - changed
    summary = f"{added} new, {changed} changed, {len(report.unchanged)} unchanged"
    if args.dry_run:
        print(f"ok: {summary} (dry run, nothing written)")
        return 0
    if not report.entries:
        print(f"no change: {summary}")
        return 0
    _write(args, report, f"faq import {args.path.name}" + (" --update" if args.update else ""))
    print(f"ok: {summary}")
    return _maybe_retrain(args, f"python -m admin faq import {args.path.name} --retrain")


def cmd_export(args: argparse.Namespace) -> int:
    from admin.faq_sheet import export_csv, export_xlsx

    entries = load_faq(_knowledge(args) / "faq")
    if str(args.path) == "-":
        sys.stdout.buffer.write(export_csv(entries))
        return 0
    suffix = args.path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CheckFailed(f"{args.path}: use a .csv or .xlsx file name")
    data = export_xlsx(entries) if suffix == ".xlsx" else export_csv(entries)
    args.path.write_bytes(data)
    print(f"exported {len(entries)} entries to {args.path}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    knowledge = _knowledge(args)
    if args.faq_id:
        records = faq_history.entry_history(knowledge, args.faq_id)
    else:
        records = list(reversed(faq_history.read_history(knowledge)))
    for record in records[: max(1, args.limit)]:
        if args.json:
            print(json.dumps(record.__dict__, ensure_ascii=False))
        else:
            print(
                f"#{record.seq:<5} {record.at[:16].replace('T', ' ')}  {record.by:16s} "
                f"{record.faq_id:32s} {record.summary():34s} ({record.via})"
            )
    if not records:
        print("no recorded changes" + (f" of {args.faq_id}" if args.faq_id else ""))
    return 0


def cmd_revert(args: argparse.Namespace) -> int:
    knowledge = _knowledge(args)
    record = faq_history.find_record(knowledge, args.faq_id, args.seq)
    if record is None:
        raise CheckFailed(
            f"no change #{args.seq} of '{args.faq_id}' (python -m admin faq history "
            f"{args.faq_id} lists them)"
        )

    def check(candidate: Candidate, replacing: str | None) -> CheckReport:
        return _check(args, [candidate], similarity=True, replacing=replacing)

    written, errors = faq_history.revert_entry(knowledge / "faq", record, check, args.before)
    if errors:
        raise CheckFailed("; ".join(errors))
    when = "before" if args.before else "after"
    command = f"faq revert {args.faq_id} {args.seq}" + (" --before" if args.before else "")
    lines = [f"reverted FAQ `{args.faq_id}` to its state {when} change #{args.seq}"]
    changelog.record(knowledge, command, lines)
    _history(knowledge, written, command)
    print(f"reverted {args.faq_id} to {when} change #{args.seq} ({record.at[:16]}, {record.by})")
    return _maybe_retrain(args, f"python -m admin {command} --retrain")


def cmd_validate(args: argparse.Namespace) -> int:
    if args.path is not None:
        report = _check(args, _read(args.path), similarity=True)
        print(f"ok: {len(report.entries)} entries can be imported")
        return 0
    from knowledge.build.builder import collect_units

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
    from admin.retrain import RetrainOptions
    from admin.stack_client import StackTarget

    return RetrainOptions(
        source=_knowledge(args),
        index_root=_index(args),
        models_dir=default_models_dir(),
        target=StackTarget.from_env(),
        rasa=getattr(args, "rasa", "skip"),
        reload=not args.no_reload,
        keep=max(2, getattr(args, "keep", DEFAULT_KEEP)),
        command=command,
    )


def _maybe_retrain(args: argparse.Namespace, command: str) -> int:
    if not getattr(args, "retrain", False):
        print("run `make retrain` (python -m admin retrain) to put it live")
        return 0
    return _run_retrain(args, command)


def _run_retrain(args: argparse.Namespace, command: str) -> int:
    from admin.retrain import RetrainError, record_in_changelog, retrain

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
    return _run_retrain(args, "python -m admin retrain" + (" --rasa " + args.rasa))


def cmd_rollback(args: argparse.Namespace) -> int:
    from admin.retrain import RetrainError, labelled_versions, record_in_changelog, rollback
    from admin.stack_client import StackRefused, StackUnreachable, rasa_load_model

    command = "python -m admin rollback" + (f" --to {args.to}" if args.to else "")
    options = _options(args, command)
    if args.list:
        # Labelled: when, who, through what, and what changed since the version before.
        for label in labelled_versions(options.index_root):
            mark = "*" if label.current else " "
            what = "; ".join(label.changes[:4]) + (" ..." if len(label.changes) > 4 else "")
            print(f"{mark} {label.name}  {label.created[:16]}  {label.by}  {label.command}")
            print(f"      {what or 'no change'}")
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
    "export": cmd_export,
    "history": cmd_history,
    "revert": cmd_revert,
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
