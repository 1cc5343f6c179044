"""`make retrain` / `python -m admin retrain` and `rollback`: new knowledge live, no restart.

Retrain: validate knowledge/, write a new index version embedding only new or changed texts,
have every running action server load it (each swaps atomically; chats in flight finish on the
old one), and only then point `current` at it. Rasa is retrained only when its own inputs
(config.yml, domain.yml, training_data/) changed, and then loaded through PUT /model. A failed
step leaves the previous version serving and says why. Each run is logged in CHANGELOG.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from admin import changelog
from admin.stack_client import (
    StackRefused,
    StackTarget,
    StackUnreachable,
    rasa_load_model,
    reload_action_server,
)
from knowledge.build.builder import write_new_version
from knowledge.paths import PROJECT_ROOT
from knowledge.records import Unit
from knowledge.search import EmbedderLike
from knowledge.store import (
    VERSIONS,
    IndexError_,
    activate,
    build_lock,
    current_version,
    prune,
    read_version,
)

# Index versions kept for rollback: about 4.4 MB each with today's knowledge (1,620 units: 2.5 MB
# of vectors, 2 MB of units), so 30 take about 130 MB (docs/faq-import.md).
DEFAULT_KEEP = 30
MODEL_NAME = "duta"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_TRAIN_TIMEOUT = 3600


class RetrainError(RuntimeError):
    """A step failed; the message says which, why, and what is serving now."""


@dataclass
class RetrainOptions:
    source: Path
    index_root: Path
    models_dir: Path
    target: StackTarget
    project_root: Path = PROJECT_ROOT
    rasa: str = "auto"  # auto | skip | force
    reload: bool = True
    keep: int = DEFAULT_KEEP
    command: str = "python -m admin retrain"
    by: str | None = None  # who asked for it (the version's label); None: changelog.who()


@dataclass
class RetrainReport:
    version: str | None
    previous: str | None
    changes: list[str]
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    reloaded: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rasa: str = "unchanged"

    def lines(self) -> list[str]:
        out = []
        if self.version is None:
            out.append(f"index: unchanged ({self.previous})")
        else:
            out.append(
                f"index: {self.previous or 'none'} -> {self.version} (embedded {self.embedded} "
                f"units, reused {self.reused}, {self.seconds:.1f} s)"
            )
        out.extend(self.changes)
        out.append(f"Rasa: {self.rasa}")
        if self.reloaded:
            out.append(f"reloaded: {', '.join(self.reloaded)}")
        out.extend(self.notes)
        return out


# --- what changed between two versions --------------------------------------------------------


def _label(doc_id: str, kind: str) -> str:
    if doc_id.startswith("event:"):
        return f"event `{doc_id.removeprefix('event:')}`"
    return f"{'FAQ' if kind == 'faq' else 'document'} `{doc_id}`"


def _fingerprints(units: list[Unit]) -> dict[str, tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    kinds: dict[str, str] = {}
    for unit in units:
        groups[unit.doc_id].append(json.dumps(unit.as_dict(), sort_keys=True, ensure_ascii=False))
        kinds[unit.doc_id] = unit.kind
    return {
        doc: (hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest(), kinds[doc])
        for doc, rows in groups.items()
    }


def describe_changes(old: list[Unit], new: list[Unit]) -> list[str]:
    """'added FAQ `x`', 'changed document `y`', 'removed event `z`', sorted by what and id."""
    return _describe(_fingerprints(old), _fingerprints(new))


def _describe(before: dict[str, tuple[str, str]], after: dict[str, tuple[str, str]]) -> list[str]:
    lines = [f"added {_label(d, after[d][1])}" for d in sorted(after.keys() - before.keys())]
    lines += [
        f"changed {_label(d, after[d][1])}"
        for d in sorted(after.keys() & before.keys())
        if after[d][0] != before[d][0]
    ]
    lines += [f"removed {_label(d, before[d][1])}" for d in sorted(before.keys() - after.keys())]
    return lines


# --- Rasa: retrain only when its inputs changed -----------------------------------------------


def rasa_inputs(project_root: Path) -> list[Path]:
    data = project_root / "training_data"
    files = [project_root / "config.yml", project_root / "domain.yml"]
    files += sorted(p for p in data.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    files += sorted((project_root / "nlu").glob("*.py"))  # config.yml's own components
    return [p for p in files if p.is_file()]


def rasa_fingerprint(project_root: Path) -> str:
    digest = hashlib.sha256()
    for path in rasa_inputs(project_root):
        digest.update(path.relative_to(project_root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint_record(models_dir: Path) -> Path:
    return models_dir / f"{MODEL_NAME}.inputs.sha256"


def rasa_needs_training(project_root: Path, models_dir: Path) -> tuple[bool, str]:
    """(needed, why). The recorded fingerprint decides; without one (a model trained by
    `make setup`), the model counts as current when it is newer than all its inputs."""
    model = models_dir / f"{MODEL_NAME}.tar.gz"
    if not model.is_file():
        return True, f"no model at {model}"
    record = fingerprint_record(models_dir)
    fingerprint = rasa_fingerprint(project_root)
    if record.is_file():
        if record.read_text().strip() == fingerprint:
            return False, "NLU data, domain and config unchanged since the last training"
        return True, "NLU data, domain or config changed since the last training"
    newest = max((p.stat().st_mtime for p in rasa_inputs(project_root)), default=0.0)
    if newest > model.stat().st_mtime:
        return True, "NLU data, domain or config are newer than the model"
    return False, "the model is newer than NLU data, domain and config"


def train_rasa(project_root: Path, models_dir: Path) -> Path:
    """Train into a scratch folder, keep the old model in models/previous/, move the new in."""
    models_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".training-", dir=models_dir))
    try:
        command = [
            str(RASA_BIN), "train", "--data", "training_data",
            "--config", "config.yml", "--domain", "domain.yml",
            "--out", str(scratch), "--fixed-model-name", MODEL_NAME,
        ]  # fmt: skip
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
        result = subprocess.run(
            command,
            cwd=project_root,
            env=env,
            capture_output=True,
            text=True,
            timeout=RASA_TRAIN_TIMEOUT,
            check=False,
        )
        trained = scratch / f"{MODEL_NAME}.tar.gz"
        if result.returncode != 0 or not trained.is_file():
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise RetrainError(f"Rasa training failed (exit {result.returncode}):\n{tail}")
        model = models_dir / f"{MODEL_NAME}.tar.gz"
        if model.is_file():
            previous = models_dir / "previous"
            previous.mkdir(exist_ok=True)
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(model.stat().st_mtime))
            shutil.copy2(model, previous / f"{MODEL_NAME}-{stamp}.tar.gz")
        os.replace(trained, model)
        return model
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --- reloading the running action servers -----------------------------------------------------


def _reload_all(
    target: StackTarget, version: str | None, fallback: str | None
) -> tuple[list[str], list[str]]:
    """Reload every action server; if one refuses, put the ones already switched back on
    `fallback` and raise. Returns (reloaded, notes)."""
    reloaded: list[str] = []
    notes: list[str] = []
    for url in target.action_urls:
        try:
            reload_action_server(url, target.admin_token, version)
            reloaded.append(url)
        except StackUnreachable:
            notes.append(f"no action server running at {url}; it loads the index when it starts")
        except StackRefused as exc:
            for done in reloaded:
                try:
                    reload_action_server(done, target.admin_token, fallback)
                except (StackRefused, StackUnreachable) as again:
                    notes.append(f"could not switch {done} back: {again}")
            raise RetrainError(f"{exc}") from exc
    return reloaded, notes


def retrain(options: RetrainOptions, embedder: EmbedderLike) -> RetrainReport:
    """The whole retrain; raises RetrainError (previous version still serving) on failure."""
    root = options.index_root
    with build_lock(root):
        previous = current_version(root)
        try:
            before = read_version(previous) if previous is not None else None
        except IndexError_:  # a damaged current version: build from scratch, replace it
            before = None
        build = write_new_version(
            options.source,
            root,
            embedder,
            incremental=True,
            # The version's label: who and through what (what changed is computed between
            # versions when they are listed, admin.retrain.labelled_versions).
            info={"command": options.command, "by": options.by or changelog.who()},
        )
        new = read_version(build.version)
        changes = describe_changes(before.units if before else [], new.units)
        report = RetrainReport(
            build.version.name,
            previous.name if previous else None,
            changes,
            build.embedded,
            build.reused,
            build.seconds,
        )
        if before is not None and before.manifest["content_hash"] == new.manifest["content_hash"]:
            shutil.rmtree(build.version)  # the same knowledge: keep serving what is there
            report.version = None
        else:
            if options.reload:
                try:
                    report.reloaded, report.notes = _reload_all(
                        options.target, build.version.name, report.previous
                    )
                except RetrainError as exc:
                    shutil.rmtree(build.version, ignore_errors=True)
                    raise RetrainError(
                        f"the new index was not put live: {exc}\n"
                        f"still serving: {report.previous or 'no index'}"
                    ) from exc
            activate(root, build.version)
            prune(root, keep=max(2, options.keep))
    report.rasa = _rasa_step(options, report)
    return report


def _rasa_step(options: RetrainOptions, report: RetrainReport) -> str:
    if options.rasa == "skip":
        return "not checked (--rasa skip)"
    needed, why = rasa_needs_training(options.project_root, options.models_dir)
    if options.rasa == "auto" and not needed:
        return f"not retrained: {why}"
    started = time.perf_counter()
    try:
        model = train_rasa(options.project_root, options.models_dir)
    except (RetrainError, subprocess.TimeoutExpired, OSError) as exc:
        raise RetrainError(
            f"{exc}\nThe knowledge index is updated ({report.version or report.previous}); "
            "Rasa keeps serving its previous model."
        ) from exc
    fingerprint_record(options.models_dir).write_text(rasa_fingerprint(options.project_root) + "\n")
    outcome = f"retrained in {time.perf_counter() - started:.0f} s ({why})"
    if not options.reload:
        return outcome
    loaded = []
    for url in options.target.rasa_urls:
        try:
            rasa_load_model(url, options.target.rasa_token, str(model))
            loaded.append(url)
        except StackUnreachable:
            outcome += f"; no Rasa running at {url}"
        except StackRefused as exc:
            raise RetrainError(
                f"{exc}\nRasa at {url} keeps serving its previous model; the new one is {model}"
            ) from exc
    return outcome + (f"; loaded by {', '.join(loaded)}" if loaded else "")


# --- rollback ---------------------------------------------------------------------------------


def versions(index_root: Path) -> list[Path]:
    folder = index_root / VERSIONS
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


@dataclass
class VersionLabel:
    """A kept index version as `rollback --list` and the console show it: when, who, what."""

    name: str
    created: str
    by: str
    command: str
    changes: list[str]
    current: bool


@functools.lru_cache(maxsize=64)
def _version_fingerprints(version: str) -> dict[str, tuple[str, str]]:
    """A version's fingerprints by record, from its units alone (no FAISS file). Cached: a
    version folder never changes once written, and the console lists 30 on every history page
    (0.1 s each to read)."""
    from knowledge.store import UNITS_FILE

    text = (Path(version) / UNITS_FILE).read_text(encoding="utf-8")
    return _fingerprints([Unit.from_dict(json.loads(line)) for line in text.splitlines() if line])


def labelled_versions(index_root: Path) -> list[VersionLabel]:
    """Every kept version, oldest first, with what changed since the one kept before it."""
    current = current_version(index_root)
    labels: list[VersionLabel] = []
    previous: dict[str, tuple[str, str]] | None = None
    for version in versions(index_root):
        try:
            manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
            units = _version_fingerprints(str(version.resolve()))
        except (OSError, ValueError):
            labels.append(VersionLabel(version.name, "", "", "unreadable", [], False))
            previous = None
            continue
        build = manifest.get("build", {})
        changes = _describe(previous, units) if previous is not None else ["(oldest kept)"]
        labels.append(
            VersionLabel(
                version.name,
                str(manifest.get("created", "")),
                # Versions from `knowledge build` (make setup) carry no label of their own.
                str(build.get("by") or "unknown"),
                str(build.get("command") or "python -m admin build"),
                changes,
                current is not None and version.resolve() == current,
            )
        )
        previous = units
    return labels


def rollback(options: RetrainOptions, to: str | None = None) -> RetrainReport:
    """Serve the version before the current one (or `to`), reloading the running stack."""
    root = options.index_root
    with build_lock(root):
        current = current_version(root)
        kept = versions(root)
        if to is not None:
            matches = [p for p in kept if p.name == to or p.name.startswith(to)]
            if len(matches) != 1:
                names = ", ".join(p.name for p in kept) or "none"
                raise RetrainError(f"no single kept version matches {to!r}; kept: {names}")
            target = matches[0]
        else:
            older = [p for p in kept if current is None or p.name < current.name]
            if not older:
                raise RetrainError(
                    f"no version older than {current.name if current else 'none'} is kept"
                )
            target = older[-1]
        stored = read_version(target)  # refuses a damaged version before anything changes
        current_units = read_version(current).units if current is not None else []
        report = RetrainReport(
            target.name,
            current.name if current else None,
            describe_changes(current_units, stored.units),
        )
        if options.reload:
            try:
                report.reloaded, report.notes = _reload_all(
                    options.target, target.name, report.previous
                )
            except RetrainError as exc:
                raise RetrainError(
                    f"rollback not done: {exc}\nstill serving: {report.previous}"
                ) from exc
        activate(root, target)
    report.rasa = "unchanged (load an older model from models/previous/ with --rasa-model)"
    report.notes.append(
        "the files in content/ are unchanged: undo the change there too, or the next "
        "retrain brings it back"
    )
    return report


def record_in_changelog(options: RetrainOptions, title: str, report: RetrainReport) -> Path:
    return changelog.record(options.source, title, [f"command: {options.command}", *report.lines()])
