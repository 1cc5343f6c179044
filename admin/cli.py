"""python -m admin build | search | eval | validate | faq | missions | retrain | rollback | users |
changes.

build/search follow the contract in docs/architecture.md ("Contracts other tools rely on"); faq,
retrain and rollback are documented in docs/faq-import.md, missions in docs/missions.md, users
and changes (the staff console's accounts and its FAQ changes) in docs/console.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from knowledge.faq import LANGUAGES
from knowledge.missions import MissionDataError
from knowledge.paths import default_index_dir, default_source_dir
from knowledge.records import KnowledgeInputError
from knowledge.store import IndexError_

EXIT_USER_ERROR = 2
# The staff console's commands (admin/console/cli.py, docs/console.md).
CONSOLE_COMMANDS = {"users": "console accounts", "changes": "FAQ changes made in the console"}


class UsageError(Exception):
    """A mistake in how the command was called; printed, exit code 2."""


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m admin", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="index a folder of documents (and FAQ/events)")
    build.add_argument(
        "--source", type=Path, help="folder to index (default: the project's content/)"
    )
    build.add_argument(
        "--index", type=Path, help="index root (default: $DUTA_INDEX_DIR or var/index)"
    )
    build.add_argument("--keep", type=int, default=3, help="versions to keep (default 3)")
    build.add_argument("--model", help="embedding model folder (default: $DUTA_EMBED_MODEL)")
    build.add_argument(
        "--no-tune",
        action="store_true",
        help="a folder of documents keeps the default ranking settings instead of settings "
        "tuned on pseudo-questions from its own passages",
    )

    search = sub.add_parser("search", help="search the index")
    search.add_argument("query", nargs="?", help="the question")
    search.add_argument("--queries", type=Path, help="file with one query a line; JSON lines out")
    search.add_argument("--index", type=Path)
    search.add_argument("--k", type=int, default=5)
    search.add_argument("--lang", choices=LANGUAGES)
    search.add_argument("--json", action="store_true", help="one JSON object per query")
    search.add_argument("--model")

    evaluate = sub.add_parser("eval", help="accuracy on the project's retrieval questions")
    evaluate.add_argument("--index", type=Path)
    evaluate.add_argument(
        "--questions", type=Path, help="YAML question set (default: tests/data/...)"
    )
    evaluate.add_argument("--split", choices=("dev", "test", "all"), default="all")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--show-failures", action="store_true")
    evaluate.add_argument("--model")

    validate = sub.add_parser("validate", help="check documents, FAQ and events without indexing")
    validate.add_argument("--source", type=Path)
    build.add_argument(
        "--incremental",
        action="store_true",
        help="embed only new or changed texts, reusing the current version's vectors",
    )

    from admin.faq_cli import add_parsers
    from admin.missions_cli import add_parsers as add_mission_parsers

    add_parsers(sub)
    add_mission_parsers(sub)
    words = sys.argv[1:] if argv is None else argv
    if words and words[0] in CONSOLE_COMMANDS:
        from admin.console.cli import add_parsers as add_console_parsers

        add_console_parsers(sub)
    else:  # listed only: their parsers import the console, and with it the gateway
        for name, summary in CONSOLE_COMMANDS.items():
            sub.add_parser(name, help=summary)
    return parser


def _positive(value: int, name: str) -> int:
    if value <= 0:
        raise UsageError(f"{name} must be a positive number, got {value}")
    return value


def _embedder(model: str | None) -> Any:
    from knowledge.search import shared_embedder

    try:
        return shared_embedder(model)
    except (FileNotFoundError, OSError) as exc:
        raise UsageError(f"cannot load the embedding model: {exc}") from exc


def _load_kb(index: Path | None, model: str | None) -> Any:
    from knowledge.search import KnowledgeBase

    try:
        return KnowledgeBase.load(index, model_path=model)
    except (FileNotFoundError, OSError) as exc:
        raise UsageError(f"cannot load the embedding model: {exc}") from exc


def cmd_build(args: argparse.Namespace) -> int:
    from knowledge.build.builder import build_index

    source = args.source or default_source_dir()
    index_root = args.index or default_index_dir()
    _positive(args.keep, "--keep")
    if not source.is_dir():
        raise UsageError(f"source folder not found: {source}")
    # Validate the content before paying for the model load.
    from knowledge.build.builder import collect_units

    collect_units(source)
    report = build_index(
        source,
        index_root,
        _embedder(args.model),
        keep=args.keep,
        incremental=args.incremental,
        tune=not args.no_tune,
    )
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
    print(
        f"built {report.version} ({report.units} units: {counts}) in {report.seconds:.1f}s "
        f"({report.units_per_second:.0f} units/s; embedded {report.embedded}, "
        f"reused {report.reused})"
    )
    tuning = report.tuning
    if tuning is not None and tuning["reason"] == "tuned":
        print(
            f"ranking: tuned on {tuning['queries']} pseudo-questions from the passages "
            f"(MRR@10 {tuning['mrr']:.3f}, defaults {tuning['default_mrr']:.3f})"
        )
    elif tuning is not None:
        print(f"ranking: {tuning['reason']}")
    return 0


def _read_queries(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise UsageError(f"queries file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"queries file is not UTF-8 text: {path}") from exc
    return [line.strip() for line in lines if line.strip()]


def _print_human(query: str, result: Any) -> None:
    verdict = "answerable" if result.answerable else "no answer"
    print(f"{query}  [{verdict}]")
    for rank, hit in enumerate(result.hits, start=1):
        text = hit.text.replace("\n", " ")
        print(
            f"  {rank}. {hit.score:.3f} {hit.kind:8s} {hit.doc_id}  {hit.title}\n     {text[:160]}"
        )


def cmd_search(args: argparse.Namespace) -> int:
    k = _positive(args.k, "--k")
    if (args.query is None) == (args.queries is None):
        raise UsageError("give either a query or --queries FILE")
    if args.query is not None and not args.query.strip():
        raise UsageError("the query is empty")
    queries = _read_queries(args.queries) if args.queries else [args.query]
    kb = _load_kb(args.index, args.model)
    for query in queries:
        result = kb.search(query, k=k, lang=args.lang)
        if args.json or args.queries:
            record = {
                "query": query,
                "answerable": result.answerable,
                "hits": [hit.as_json() for hit in result.hits],
            }
            print(json.dumps(record, ensure_ascii=False), flush=True)
        else:
            _print_human(query, result)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from knowledge.build.evaluation import default_questions_path, evaluate, load_questions

    questions = load_questions(args.questions or default_questions_path(), args.split)
    kb = _load_kb(args.index, args.model)
    report = evaluate(kb, questions)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.summary())
        if args.show_failures:
            for failure in report.failures:
                print(
                    f"  MISS {failure['question']!r}: expected {failure['expected']}, "
                    f"got {failure['got']} (answerable={failure['answerable']})"
                )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from knowledge.build.builder import collect_units

    source = args.source or default_source_dir()
    units, warnings = collect_units(source)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    kinds: dict[str, int] = {}
    for unit in units:
        kinds[unit.kind] = kinds.get(unit.kind, 0) + 1
    print(
        f"ok: {len(units)} units ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), "
        f"{len(warnings)} warnings"
    )
    directory_file = source / "missions.yml"
    if directory_file.exists():
        from knowledge.missions import coverage, load_directory

        # Lists every problem at once, each with its mission's id (MissionDataError).
        directory = load_directory(directory_file)
        print(f"ok: {len(directory.missions)} missions in {directory_file.name}")
        # Every country and territory must reach a mission or a documented no-mission outcome.
        covered = coverage(directory)
        unresolved = covered.pop("unresolved", [])
        total = sum(len(codes) for codes in covered.values()) + len(unresolved)
        ways = ", ".join(f"{how} {len(codes)}" for how, codes in sorted(covered.items()))
        print(f"countries and territories: {total - len(unresolved)} of {total} resolve ({ways})")
        print(f"  no mission (documented): {', '.join(sorted(covered.get('no-mission', [])))}")
        if unresolved:
            print(
                f"error: {len(unresolved)} resolve to no mission and are not in no_mission: "
                f"{', '.join(sorted(unresolved))} (add an accreditation with its source, or "
                "a no_mission entry saying why)",
                file=sys.stderr,
            )
            return 1
    return 0


COMMANDS = {"build": cmd_build, "search": cmd_search, "eval": cmd_eval, "validate": cmd_validate}


def main(argv: list[str] | None = None) -> int:
    args = _parser(argv).parse_args(argv)
    try:
        if args.command in ("faq", "retrain", "rollback"):
            from admin.faq_cli import run

            return run(args)
        if args.command == "missions":
            from admin.missions_cli import run as run_missions

            return run_missions(args)
        if args.command in CONSOLE_COMMANDS:
            from admin.console.cli import run as run_console

            return run_console(args)
        return COMMANDS[args.command](args)
    except (UsageError, KnowledgeInputError, IndexError_, MissionDataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
