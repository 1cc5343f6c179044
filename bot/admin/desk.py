"""What the console does with knowledge: group unanswered questions by meaning, check a new FAQ
entry and publish it, all through the knowledge layer's own code.

- Grouping embeds the (redacted) questions with the project's local embedding model
  (knowledge.search.shared_embedder: DUTA_EMBED_MODEL, never downloaded) and clusters them with
  SciPy's average-linkage clustering; vectors are cached in the console's database.
- Checking is knowledge.faq_checks.check_new_entries, exactly what `faq import` runs.
- Publishing is what `faq add --retrain` does: knowledge.faq_store appends the entry to
  knowledge/faq/staff.yml, knowledge.retrain builds the index incrementally and reloads every
  running action server (DUTA_ADMIN_TOKEN, ACTION_SERVER_URL), and knowledge/CHANGELOG.md
  records it under the console account's name. Rasa is never retrained: a FAQ entry is not
  Rasa training data.

Everything here blocks (model, files): the web handlers call it in a worker thread. The model
is loaded once, on first use, into the gateway process (about 1 GB resident with torch).
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.admin.store import ConsoleStore, Unanswered

# Two groups merge while their questions' e5 query vectors are at least this similar on average
# (cosine). Measured on 10 questions (tests/unit/test_console_desk.py): unrelated pairs score
# 0.71-0.82, paraphrases 0.84-0.95, also across Indonesian and English.
GROUP_SIMILARITY = 0.83
EXAMPLES_PER_GROUP = 5
CONSOLE_TARGET = "staff.yml"  # the file `faq add` writes too (knowledge/faq_store.py)


@dataclass
class Group:
    ids: list[int]
    examples: list[tuple[str, int]]  # (text, times asked), most asked first
    languages: dict[str, int]
    channels: dict[str, int]
    last_at: str

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def key(self) -> str:
        return ",".join(str(i) for i in sorted(self.ids))


@dataclass
class Grouping:
    groups: list[Group]
    by_meaning: bool  # False: the model was not available, identical texts only


@dataclass
class Outcome:
    """A check or a publish: what the checks said, and what happened."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    faq_id: str | None = None
    published: bool = False
    live: bool = False
    lines: list[str] = field(default_factory=list)  # the retrain's report
    failure: str | None = None
    entries: list[Any] = field(default_factory=list)  # the checked FaqEntry, ready to write

    @property
    def ok(self) -> bool:
        return not self.errors


def cluster(vectors: np.ndarray, min_similarity: float = GROUP_SIMILARITY) -> list[list[int]]:
    """Row indices grouped so that each group's members are min_similarity alike on average."""
    count = len(vectors)
    if count == 0:
        return []
    if count == 1:
        return [[0]]
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(np.asarray(vectors, dtype=np.float64), method="average", metric="cosine")
    labels = fcluster(tree, t=1.0 - min_similarity, criterion="distance")
    groups: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels):
        groups[int(label)].append(row)
    return list(groups.values())


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def make_groups(items: list[Unanswered], rows: list[list[int]]) -> list[Group]:
    """Groups in the console's order: most asked first, then most recent."""
    groups = []
    for members in rows:
        chosen = [items[i] for i in members]
        texts: Counter[str] = Counter()
        shown: dict[str, str] = {}
        for item in chosen:
            key = _normalised(item.text)
            texts[key] += 1
            shown.setdefault(key, item.text)
        groups.append(
            Group(
                ids=[item.id for item in chosen],
                examples=[(shown[k], n) for k, n in texts.most_common(EXAMPLES_PER_GROUP)],
                languages=dict(Counter(item.language for item in chosen)),
                channels=dict(Counter(item.channel for item in chosen)),
                last_at=max(item.at for item in chosen),
            )
        )
    groups.sort(key=lambda g: (-g.size, _reverse(g.last_at)))
    return groups


def _reverse(text: str) -> list[int]:
    return [-ord(c) for c in text]


def group_exactly(items: list[Unanswered]) -> list[list[int]]:
    rows: dict[str, list[int]] = defaultdict(list)
    for row, item in enumerate(items):
        rows[_normalised(item.text)].append(row)
    return list(rows.values())


class KnowledgeDesk:
    def __init__(self, embedder: Callable[[], Any] | None = None) -> None:
        self._embedder_factory = embedder
        # One publish at a time in this process (retrain also takes the index's file lock).
        self._publishing = threading.Lock()

    def embedder(self) -> Any:
        if self._embedder_factory is not None:
            return self._embedder_factory()
        from knowledge.paths import default_model_dir
        from knowledge.search import shared_embedder

        return shared_embedder(str(default_model_dir()))

    def warm_up(self) -> None:
        """Load the model ahead of the first page that needs it (after a login)."""
        try:
            self.embedder()
        except Exception:  # grouping falls back; the page says so
            return

    # --- the queue -----------------------------------------------------------------------------

    def grouping(self, store: ConsoleStore) -> Grouping:
        items = store.open_unanswered()
        if not items:
            return Grouping([], True)
        try:
            embedder = self.embedder()
        except Exception:  # no model here: still show the queue
            return Grouping(make_groups(items, group_exactly(items)), False)
        model = str(getattr(embedder, "name", "model"))
        cached = store.vectors([i.id for i in items], model)
        missing = [i for i in items if i.id not in cached]
        if missing:
            fresh = embedder.embed_queries([i.text for i in missing])
            new = {
                i.id: np.asarray(v, dtype=np.float32).tobytes()
                for i, v in zip(missing, fresh, strict=True)
            }
            store.save_vectors(new, model)
            cached.update(new)
        vectors = np.stack([np.frombuffer(cached[i.id], dtype=np.float32) for i in items])
        return Grouping(make_groups(items, cluster(vectors)), True)

    # --- check and publish ---------------------------------------------------------------------

    def check(self, raw: dict[str, Any], allow_similar: bool) -> Outcome:
        from knowledge.faq_checks import check_new_entries
        from knowledge.faq_import import Candidate
        from knowledge.paths import default_source_dir

        faq_dir = default_source_dir() / "faq"
        loaded: dict[str, Any] = {}

        def embedder() -> Any:
            loaded["model"] = self.embedder()
            return loaded["model"]

        report = check_new_entries(
            [Candidate(raw, "console")], faq_dir, embedder, lambda: self._known(loaded),
            allow_similar=allow_similar,
        )  # fmt: skip
        outcome = Outcome(list(report.errors), list(report.warnings), entries=report.entries)
        if report.entries:
            outcome.faq_id = report.entries[0].faq_id
        return outcome

    @staticmethod
    def _known(loaded: dict[str, Any]) -> dict[str, np.ndarray]:
        """The index's vectors of existing FAQ texts, when they come from the same model (as
        `faq import` does): only the new texts are embedded."""
        from knowledge.faq_cli import faq_vectors
        from knowledge.paths import default_index_dir
        from knowledge.store import IndexError_, read_current

        root = default_index_dir()
        try:
            model = read_current(root).manifest.get("model", {})
        except IndexError_:
            return {}
        if model.get("name") != getattr(loaded.get("model"), "name", None):
            return {}
        return faq_vectors(root)

    def publish(self, raw: dict[str, Any], allow_similar: bool, by: str) -> Outcome:
        from knowledge import changelog
        from knowledge.faq_store import append_entries, changelog_lines
        from knowledge.paths import default_index_dir, default_models_dir, default_source_dir
        from knowledge.retrain import RetrainError, RetrainOptions, retrain
        from knowledge.stack_client import StackTarget

        with self._publishing:
            outcome = self.check(raw, allow_similar)
            if not outcome.ok:
                return outcome
            knowledge: Path = default_source_dir()
            path = append_entries(knowledge / "faq", outcome.entries, CONSOLE_TARGET)
            lines = changelog_lines(outcome.entries, path, knowledge)
            lines += [f"accepted as similar: {w}" for w in outcome.warnings]
            changelog.record(knowledge, "staff console: publish", lines, by=by)
            outcome.published = True
            command = f"staff console publish {outcome.faq_id}"
            options = RetrainOptions(
                source=knowledge,
                index_root=default_index_dir(),
                models_dir=default_models_dir(),
                target=StackTarget.from_env(),
                rasa="skip",  # an FAQ entry is not Rasa training data
                command=command,
            )
            try:
                result = retrain(options, self.embedder())
            except RetrainError as exc:
                outcome.failure = str(exc)
                failed = [f"command: {command}", str(exc)]
                changelog.record(knowledge, "retrain FAILED", failed, by=by)
                return outcome
            outcome.lines = result.lines()
            changelog.record(knowledge, "retrain", [f"command: {command}", *outcome.lines], by=by)
            outcome.live = bool(result.reloaded) or result.version is None
            if not result.reloaded and result.version is not None:
                outcome.failure = "; ".join(result.notes) or "no action server reloaded"
            return outcome
