"""What the console does with knowledge: group unanswered questions by meaning, check a new FAQ
entry and publish it, all through the knowledge layer's own code.

- Grouping embeds the (redacted) questions with the project's local embedding model
  (knowledge.search.shared_embedder: DUTA_EMBED_MODEL, never downloaded) and clusters them with
  SciPy's complete-linkage clustering; vectors are cached in the console's database.
- Checking is admin.faq_checks.check_new_entries, exactly what `faq import` runs.
- Publishing is what `faq add --retrain` does: admin.faq_store appends the entry to
  content/faq/staff.yml, admin.retrain builds the index incrementally and reloads every
  running action server (DUTA_ADMIN_TOKEN, ACTION_SERVER_URL), and content/CHANGELOG.md
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

from admin.console.ratings import UNHELPFUL, RatingStore
from admin.console.store import ConsoleStore, Unanswered

# Questions share a group when every pair of them is at least this similar (cosine of e5 query
# vectors; complete linkage, so a chain of near neighbours cannot pull two topics together).
# Measured (docs/benchmarks.md, "Staff console"): on 10 real questions unrelated pairs score
# 0.71-0.82 and paraphrases 0.84-0.95, also across Indonesian and English, all grouped right;
# on 500 template-made questions about 40 topics average linkage merged topics that share a
# phrasing ("How do I arrange X?"), complete linkage far less.
GROUP_SIMILARITY = 0.83
EXAMPLES_PER_GROUP = 5
CONSOLE_TARGET = "staff.yml"  # the file `faq add` writes too (admin/faq_store.py)


@dataclass
class Group:
    ids: list[int]
    examples: list[tuple[str, int]]  # (text, times asked), most asked first
    languages: dict[str, int]
    channels: dict[str, int]
    last_at: str
    # Why its questions are here: "fallback" (no answer), "low_confidence" (answered below the
    # bar), "unhelpful" (a user's thumbs down); and the answers rated unhelpful.
    reasons: dict[str, int] = field(default_factory=dict)
    rated: list[str] = field(default_factory=list)

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
    change: tuple[str, str, str] | None = None  # (file in faq/, text before, text after)
    unreached: list[str] = field(default_factory=list)  # questions another flow still catches

    @property
    def ok(self) -> bool:
        return not self.errors


def cluster(vectors: np.ndarray, min_similarity: float = GROUP_SIMILARITY) -> list[list[int]]:
    """Row indices grouped so that every two members of a group are min_similarity alike."""
    count = len(vectors)
    if count == 0:
        return []
    if count == 1:
        return [[0]]
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(np.asarray(vectors, dtype=np.float64), method="complete", metric="cosine")
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
                reasons=dict(Counter(item.reason for item in chosen)),
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


def with_rated(grouping: Grouping, store: ConsoleStore) -> Grouping:
    """Each group's answers that users rated unhelpful: the start of the text and its source."""
    down = [i for g in grouping.groups if g.reasons.get(UNHELPFUL) for i in g.ids]
    rated = RatingStore(store).rated_answers(down)
    for group in grouping.groups:
        shown = (rated[i] for i in group.ids if i in rated)
        texts = (f"{_excerpt(a.answer)} ({', '.join(a.sources) or a.ref or '?'})" for a in shown)
        group.rated = list(dict.fromkeys(texts))[:EXAMPLES_PER_GROUP]
    return grouping


def _excerpt(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
            return with_rated(Grouping(make_groups(items, group_exactly(items)), False), store)
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
        return with_rated(Grouping(make_groups(items, cluster(vectors)), True), store)

    # --- check and publish ---------------------------------------------------------------------

    def check(
        self, raw: dict[str, Any], allow_similar: bool, replacing: str | None = None
    ) -> Outcome:
        """The import's checks on one entry (replacing: the id of the entry an edit replaces)."""
        from admin.faq_checks import check_new_entries
        from admin.faq_import import Candidate
        from knowledge.paths import default_source_dir

        faq_dir = default_source_dir() / "faq"
        loaded: dict[str, Any] = {}

        def embedder() -> Any:
            loaded["model"] = self.embedder()
            return loaded["model"]

        report = check_new_entries(
            [Candidate(raw, "console")], faq_dir, embedder, lambda: self._known(loaded),
            allow_similar=allow_similar, replacing=replacing,
        )  # fmt: skip
        outcome = Outcome(list(report.errors), list(report.warnings), entries=report.entries)
        if report.entries:
            outcome.faq_id = report.entries[0].faq_id
        if replacing is not None and outcome.faq_id not in (None, replacing):
            outcome.errors.append(
                f"console: the id cannot change in an edit ({replacing!r}); retire the entry "
                "and publish a new one instead"
            )
        return outcome

    @staticmethod
    def _known(loaded: dict[str, Any]) -> dict[str, np.ndarray]:
        """The index's vectors of existing FAQ texts, when they come from the same model (as
        `faq import` does): only the new texts are embedded."""
        from admin.faq_cli import faq_vectors
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

    def entries(self, query: str = "") -> list[Any]:
        """The FAQ entries whose id, questions or answers contain every word of the query."""
        from knowledge.faq import load_faq
        from knowledge.paths import default_source_dir

        words = query.casefold().split()
        found = []
        for entry in load_faq(default_source_dir() / "faq"):
            haystack = " ".join(
                [entry.faq_id, *entry.questions["id"], *entry.questions["en"],
                 *entry.answers.values(), entry.source.title]
            ).casefold()  # fmt: skip
            if all(word in haystack for word in words):
                found.append(entry)
        return found

    def entry(self, faq_id: str) -> Any | None:
        return next((e for e in self.entries() if e.faq_id == faq_id), None)

    def publish(self, raw: dict[str, Any], allow_similar: bool, by: str) -> Outcome:
        """A new entry: checked, appended to content/faq/staff.yml, put live."""
        from admin.faq_store import append_entries, changelog_lines, target_path

        with self._publishing:
            outcome = self.check(raw, allow_similar)
            if not outcome.ok:
                return outcome
            faq_dir = self._faq_dir()
            target = target_path(faq_dir, CONSOLE_TARGET)
            before = target.read_text(encoding="utf-8") if target.is_file() else ""
            path = append_entries(faq_dir, outcome.entries, CONSOLE_TARGET)
            lines = changelog_lines(outcome.entries, path, faq_dir.parent)
            lines += [f"accepted as similar: {w}" for w in outcome.warnings]
            after = path.read_text(encoding="utf-8")
            return self._go_live(outcome, "publish", lines, by, (path.name, before, after))

    def edit(self, faq_id: str, raw: dict[str, Any], allow_similar: bool, by: str) -> Outcome:
        """An existing entry replaced in its own file (the rest of the file untouched)."""
        from admin.faq_store import replace_entry

        with self._publishing:
            outcome = self.check(raw, allow_similar, replacing=faq_id)
            if not outcome.ok:
                return outcome
            path, before, after = replace_entry(self._faq_dir(), faq_id, outcome.entries[0])
            lines = [f"changed FAQ `{faq_id}` in faq/{path.name}"]
            lines += [f"accepted as similar: {w}" for w in outcome.warnings]
            return self._go_live(outcome, "edit", lines, by, (path.name, before, after))

    def retire(self, faq_id: str, by: str) -> Outcome:
        """The entry removed from its file: Duta stops answering with it (undo brings it back)."""
        from admin.faq_store import replace_entry
        from knowledge.records import KnowledgeInputError

        with self._publishing:
            try:
                path, before, after = replace_entry(self._faq_dir(), faq_id, None)
            except KnowledgeInputError as exc:
                return Outcome(errors=[str(exc)], faq_id=faq_id)
            outcome = Outcome(faq_id=faq_id)
            lines = [f"retired FAQ `{faq_id}` from faq/{path.name}"]
            return self._go_live(outcome, "retire", lines, by, (path.name, before, after))

    def undo(self, faq_id: str, file: str, before: str, after: str, by: str) -> Outcome:
        """Put a FAQ file back as it was before a console change, content and index together.
        Refused when the file changed again since (undo the later change first)."""
        from admin.atomic import write_text_atomic
        from admin.faq_store import load_faq_as_if, target_path
        from knowledge.records import KnowledgeInputError

        with self._publishing:
            faq_dir = self._faq_dir()
            path = target_path(faq_dir, file)
            now = path.read_text(encoding="utf-8") if path.is_file() else ""
            if now != after:
                return Outcome(
                    errors=[f"faq/{file} changed after this change; undo the later one first"],
                    faq_id=faq_id,
                )
            try:
                load_faq_as_if(faq_dir, path.name, before)
            except KnowledgeInputError as exc:
                return Outcome(errors=[f"the earlier faq/{file} no longer loads: {exc}"])
            if before:
                write_text_atomic(path, before)
            else:
                path.unlink()
            outcome = Outcome(faq_id=faq_id)
            lines = [f"undid the change to FAQ `{faq_id}` in faq/{file}"]
            return self._go_live(outcome, "undo", lines, by, (file, after, before))

    @staticmethod
    def _faq_dir() -> Path:
        from knowledge.paths import default_source_dir

        return default_source_dir() / "faq"

    def _go_live(
        self,
        outcome: Outcome,
        action: str,
        lines: list[str],
        by: str,
        change: tuple[str, str, str],
        more: tuple[tuple[str, str, str], ...] = (),
    ) -> Outcome:
        """Log the written change (more: other files written with it, by an import), record
        each entry's new version, rebuild the index and reload every action server."""
        from admin import changelog, faq_history
        from admin.retrain import RetrainError, RetrainOptions, retrain
        from admin.stack_client import StackTarget
        from knowledge.paths import default_index_dir, default_models_dir

        knowledge = self._faq_dir().parent
        changelog.record(knowledge, f"staff console: {action}", lines, by=by)
        faq_history.record_changes(knowledge, [change, *more], by, f"staff console: {action}")
        outcome.published = True
        outcome.change = change
        command = f"staff console {action} {outcome.faq_id}"
        options = RetrainOptions(
            source=knowledge,
            index_root=default_index_dir(),
            models_dir=default_models_dir(),
            target=StackTarget.from_env(),
            rasa="skip",  # an FAQ entry is not Rasa training data
            command=command,
            by=by,  # the index version's label names the console account
        )
        try:
            result = retrain(options, self.embedder())
        except RetrainError as exc:
            outcome.failure = str(exc)
            changelog.record(knowledge, "retrain FAILED", [f"command: {command}", str(exc)], by=by)
            return outcome
        outcome.lines = result.lines()
        changelog.record(knowledge, "retrain", [f"command: {command}", *outcome.lines], by=by)
        outcome.live = bool(result.reloaded) or result.version is None
        if not result.reloaded and result.version is not None:
            outcome.failure = "; ".join(result.notes) or "no action server reloaded"
        return outcome
