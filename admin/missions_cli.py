"""python -m admin missions import | export | validate: staff keep the mission directory
(content/missions.yml) current the way they keep the FAQ (docs/missions.md).

Nothing is written unless every check passes; each import that changes something is logged in
content/CHANGELOG.md. No retrain: a running action server reloads the file when it changes.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from admin import changelog
from admin.missions_io import (
    ImportRefused,
    directory_problems,
    export_csv,
    plan_import,
    read_import_file,
    write_directory,
    write_private,
)
from knowledge.missions import coverage, load_directory
from knowledge.paths import default_source_dir
from knowledge.records import KnowledgeInputError

EXIT_INVALID = 2
FILE_NAME = "missions.yml"


def add_parsers(sub: Any) -> None:
    missions = sub.add_parser("missions", help="import, export and check the mission directory")
    missions_sub = missions.add_subparsers(dest="missions_command", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--knowledge",
            type=Path,
            help="knowledge folder (default: $DUTA_KNOWLEDGE_DIR or the project's content/)",
        )

    imp = missions_sub.add_parser("import", help="add or update missions from a CSV or YAML file")
    common(imp)
    imp.add_argument("path", type=Path, help="the .csv, .yml or .yaml file")
    imp.add_argument("--sources", type=Path, help="a CSV of new or changed sources (id,title,...)")
    imp.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    exp = missions_sub.add_parser("export", help="the directory as a CSV for a spreadsheet")
    common(exp)
    exp.add_argument("path", type=Path, help="the .csv file to write (missions)")
    exp.add_argument("--sources", type=Path, help="also write the sources to this .csv")

    val = missions_sub.add_parser("validate", help="check the directory, or a file to import")
    common(val)
    val.add_argument("path", type=Path, nargs="?", help="a .csv/.yml file to check for import")
    val.add_argument("--sources", type=Path, help="the sources CSV that goes with it")


def _directory_file(args: argparse.Namespace) -> Path:
    folder = args.knowledge or default_source_dir()
    path = folder / FILE_NAME
    if not path.is_file():
        raise KnowledgeInputError(f"mission directory not found: {path}")
    return path


def _plan(args: argparse.Namespace) -> tuple[Path, str, Any]:
    directory_file = _directory_file(args)
    before = directory_file.read_text(encoding="utf-8")
    incoming = read_import_file(args.path, args.sources)
    if not incoming.rows and not incoming.sources:
        raise ImportRefused([f"{args.path}: no missions to import"])
    return directory_file, before, plan_import(directory_file, incoming)


def _summary(plan: Any) -> str:
    return (
        f"{len(plan.added)} added, {len(plan.changed)} changed, {plan.unchanged} unchanged, "
        f"{len(plan.sources)} source(s) added or changed; {plan.missions} missions"
    )


def cmd_import(args: argparse.Namespace) -> int:
    directory_file, before, plan = _plan(args)
    for line in plan.changelog_lines():
        print(line)
    if args.dry_run:
        print(f"ok: {_summary(plan)} (dry run, nothing written)")
        return 0
    if not plan.changes:
        print(f"ok: nothing to change ({_summary(plan)})")
        return 0
    write_directory(directory_file, plan, before)
    command = "python -m admin missions import " + shlex.join(
        [args.path.name, *(["--sources", args.sources.name] if args.sources else [])]
    )
    changelog.record(directory_file.parent, command, plan.changelog_lines())
    print(f"ok: {_summary(plan)}; written to {directory_file}")
    # No retrain: the action server notices the changed file at its next question.
    print("live at the next question (running action servers reload the file; no retrain)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    directory_file = _directory_file(args)
    missions, sources = export_csv(directory_file)
    write_private(args.path, missions)
    print(f"wrote {args.path} ({missions.count(chr(10)) - 1} missions, UTF-8 with BOM)")
    if args.sources:
        write_private(args.sources, sources)
        print(f"wrote {args.sources} ({sources.count(chr(10)) - 1} sources)")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    if args.path is not None:
        _, _, plan = _plan(args)
        print(f"ok: the file can be imported: {_summary(plan)}")
        return 0
    import yaml

    directory_file = _directory_file(args)
    directory = load_directory(directory_file)  # every schema problem at once (MissionDataError)
    problems = directory_problems(yaml.safe_load(directory_file.read_text(encoding="utf-8")))
    unresolved = coverage(directory).get("unresolved", [])
    if unresolved:
        problems.append(f"resolve to no mission: {', '.join(sorted(unresolved))}")
    if problems:
        raise ImportRefused(problems)
    counts = f"{len(directory.missions)} missions, {len(directory.sources)} sources"
    print(f"ok: {counts} in {directory_file}")
    return 0


COMMANDS = {"import": cmd_import, "export": cmd_export, "validate": cmd_validate}


def run(args: argparse.Namespace) -> int:
    """Refused input exits 2 with every problem printed, one a line; nothing is written."""
    try:
        return COMMANDS[args.missions_command](args)
    except ImportRefused as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"error: {len(exc.problems)} problem(s); nothing was written", file=sys.stderr)
        return EXIT_INVALID
