"""Checks on new FAQ entries before anything is written.

Every problem is collected (not just the first) and names where it is: file and row or line.
Errors stop the write; `--allow-similar` turns the similarity findings (near-duplicate, possible
contradiction) into warnings for the cases where staff decide the new entry is right.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from admin.faq_import import VARIANT_SEPARATOR, Candidate
from knowledge.faq import LANGUAGES, citation_problems, load_faq, parse_faq_entry
from knowledge.records import FaqEntry, KnowledgeInputError
from knowledge.search import EmbedderLike

LANGUAGE_NAMES = {"id": "Indonesian", "en": "English"}
# Longest allowed fields: an answer must fit a chat bubble and one Telegram message comfortably.
LIMITS = {
    "id": 64,
    "question": 200,
    "answer": 1200,
    "source.title": 200,
    "source.publisher": 120,
    "tag": 40,
    "variants": 10,
}
# Similarity is cosine between e5 passage vectors, compared entry to entry: the best pair of
# question variants (same language), and the answers (the lower of the two languages).
# Calibrated on the project's 74 entries (2,701 pairs, docs/faq-import.md): question similarity
# alone does not separate different entries ("Who opened the seminar?" vs "Who spoke at it?" is
# 0.99), so a near-duplicate must also say the same thing (1 existing pair meets both bounds)...
NEAR_DUPLICATE_QUESTION = 0.96
NEAR_DUPLICATE_ANSWER = 0.95
# ...and a contradiction asks practically the same question but states other numbers or web
# addresses (1 existing pair: two days of one workshop series).
CONTRADICTION_QUESTION = 0.975
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_URL_RE = re.compile(r"\b(?:https?://)?([a-z0-9-]+(?:\.[a-z0-9-]+)+\.[a-z]{2,})(?:/\S*)?", re.I)


@dataclass
class CheckReport:
    entries: list[FaqEntry] = field(default_factory=list)  # to write: new or changed
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # An update (a re-imported sheet): entries the same as the ones written, left alone, and
    # the ones a changed entry replaces (id -> the entry as it is now).
    unchanged: list[str] = field(default_factory=list)
    replaced: dict[str, FaqEntry] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def normalise_question(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def _missing_languages(raw: dict[str, Any], where: str) -> list[str]:
    problems = []
    for part in ("questions", "answers"):
        value = raw.get(part)
        if not isinstance(value, dict):
            continue  # parse_faq_entry names the wrong shape
        for lang in LANGUAGES:
            present = value.get(lang)
            if not present or (isinstance(present, str) and not present.strip()):
                problems.append(
                    f"{where}: missing the {LANGUAGE_NAMES[lang]} version ({part}.{lang}); "
                    "every entry needs both Indonesian and English"
                )
    return problems


def _length_problems(entry: FaqEntry, where: str) -> list[str]:
    problems = []

    def over(name: str, value: str, limit: int) -> None:
        if len(value) > limit:
            problems.append(
                f"{where}: {name} is {len(value)} characters, the limit is {limit} "
                f"(starts {value[:40]!r})"
            )

    over("id", entry.faq_id, LIMITS["id"])
    for lang in LANGUAGES:
        if len(entry.questions[lang]) > LIMITS["variants"]:
            problems.append(
                f"{where}: {len(entry.questions[lang])} question variants in {lang}, "
                f"the limit is {LIMITS['variants']}"
            )
        for question in entry.questions[lang]:
            over(f"questions.{lang}", question, LIMITS["question"])
            if VARIANT_SEPARATOR in question:
                problems.append(
                    f"{where}: questions.{lang} {question!r} holds '{VARIANT_SEPARATOR}', which "
                    "separates question variants in a spreadsheet; write it without"
                )
        over(f"answers.{lang}", entry.answers[lang], LIMITS["answer"])
    over("source.title", entry.source.title, LIMITS["source.title"])
    over("source.publisher", entry.source.publisher or "", LIMITS["source.publisher"])
    for tag in entry.tags:
        over("tag", tag, LIMITS["tag"])
    return problems


def parse_candidates(
    candidates: list[Candidate], current: dict[str, FaqEntry] | None = None
) -> CheckReport:
    """Shape, languages, lengths and ids among the candidates themselves.

    current (an update): the entries as written, by id; a candidate equal to its entry is
    `unchanged` and not checked again (a hand-written entry that predates a check stays)."""
    from admin.faq_store import entry_mapping

    report = CheckReport()
    first_seen: dict[str, str] = {}
    for candidate in candidates:
        raw, where = candidate.raw, candidate.where
        if candidate.problems:  # a sheet's cells: told as they are, the row goes no further
            report.errors.extend(candidate.problems)
            continue
        known = (current or {}).get(raw.get("id")) if isinstance(raw, dict) else None
        if known is not None and candidate.columns is not None:
            from admin.faq_sheet import keep_absent_columns

            raw = dict(raw)
            keep_absent_columns(raw, candidate, entry_mapping(known))
        if isinstance(raw, dict):
            missing = _missing_languages(raw, where)
            if missing:
                report.errors.extend(missing)
                continue
        try:
            entry = parse_faq_entry(raw, where)
        except KnowledgeInputError as exc:
            report.errors.append(str(exc))
            continue
        if entry.faq_id in first_seen:
            report.errors.append(
                f"{where}: duplicate id '{entry.faq_id}' (also at {first_seen[entry.faq_id]})"
            )
            continue
        first_seen[entry.faq_id] = where
        old = (current or {}).get(entry.faq_id)
        if old is not None and entry_mapping(old) == entry_mapping(entry):
            report.unchanged.append(entry.faq_id)
            continue
        report.errors.extend(_length_problems(entry, where))
        report.errors.extend(citation_problems(entry, where))
        if old is not None:
            report.replaced[entry.faq_id] = old
        report.entries.append(entry)
    return report


def check_against_existing(report: CheckReport, existing: list[FaqEntry]) -> None:
    """Ids already used and questions already asked word for word."""
    by_id = {entry.faq_id: entry for entry in existing}
    asked = {
        normalise_question(q): entry
        for entry in existing
        for lang in LANGUAGES
        for q in entry.questions[lang]
    }
    for entry in report.entries:
        if entry.faq_id in by_id:
            report.errors.append(
                f"{entry.origin}: duplicate id '{entry.faq_id}': already used by "
                f"{by_id[entry.faq_id].origin}"
            )
        for lang in LANGUAGES:
            for question in entry.questions[lang]:
                same = asked.get(normalise_question(question))
                if same is not None:
                    report.errors.append(
                        f"{entry.origin}: question {question!r} is already asked by FAQ "
                        f"'{same.faq_id}' ({same.origin})"
                    )


def _facts(text: str) -> set[str]:
    """Numbers and web addresses an answer states: what a contradiction would change."""
    numbers = {n.replace(",", ".") for n in _NUMBER_RE.findall(text)}
    hosts = {h.lower() for h in _URL_RE.findall(text)}
    return numbers | hosts


def _vectors_for(
    texts: set[str], embedder: EmbedderLike, known: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    todo = sorted(t for t in texts if t not in known)
    out = dict(known)
    if todo:
        out.update(zip(todo, embedder.embed_passages(todo), strict=True))
    return out


def _entry_texts(entry: FaqEntry) -> set[str]:
    return {q for lang in LANGUAGES for q in entry.questions[lang]} | set(entry.answers.values())


def _question_similarity(
    new: FaqEntry, old: FaqEntry, vectors: dict[str, np.ndarray]
) -> tuple[float, str, str]:
    best = (-1.0, "", "")
    for lang in LANGUAGES:
        for mine in new.questions[lang]:
            for theirs in old.questions[lang]:
                score = float(vectors[mine] @ vectors[theirs])
                if score > best[0]:
                    best = (score, mine, theirs)
    return best


def _answer_similarity(new: FaqEntry, old: FaqEntry, vectors: dict[str, np.ndarray]) -> float:
    return min(float(vectors[new.answers[lang]] @ vectors[old.answers[lang]]) for lang in LANGUAGES)


def similarity_findings(
    entry: FaqEntry, existing: list[FaqEntry], vectors: dict[str, np.ndarray]
) -> list[str]:
    findings = []
    for other in existing:
        score, mine, theirs = _question_similarity(entry, other, vectors)
        if score < min(NEAR_DUPLICATE_QUESTION, CONTRADICTION_QUESTION):
            continue
        where = f"{entry.origin}: {{}} FAQ '{other.faq_id}' ({other.origin}): "
        pair = f"{mine!r} ~ {theirs!r} (similarity {score:.3f})"
        answers = _answer_similarity(entry, other, vectors)
        if score >= NEAR_DUPLICATE_QUESTION and answers >= NEAR_DUPLICATE_ANSWER:
            findings.append(
                where.format("near-duplicate of")
                + f"{pair}, answers alike ({answers:.3f}); extend that entry instead, or pass "
                "--allow-similar if both are needed"
            )
            continue
        if score < CONTRADICTION_QUESTION:
            continue
        for lang in LANGUAGES:
            mine_facts, their_facts = _facts(entry.answers[lang]), _facts(other.answers[lang])
            if mine_facts and their_facts and mine_facts.isdisjoint(their_facts):
                findings.append(
                    where.format("may contradict")
                    + f"{pair}, but the answers ({lang}) state {', '.join(sorted(mine_facts))} "
                    f"vs {', '.join(sorted(their_facts))}; fix one, or pass --allow-similar"
                )
                break
    return findings


def check_similarity(
    report: CheckReport,
    existing: list[FaqEntry],
    embedder: EmbedderLike,
    known_vectors: dict[str, np.ndarray] | None = None,
    allow_similar: bool = False,
) -> None:
    """Near-duplicates and possible contradictions, by embedding similarity.

    known_vectors maps a question or answer text to its passage vector (e.g. from the current
    index), so only texts not seen before are embedded.
    """
    if not report.entries:
        return
    texts: set[str] = set()
    for entry in [*report.entries, *existing]:
        texts |= _entry_texts(entry)
    vectors = _vectors_for(texts, embedder, known_vectors or {})
    findings = [
        finding
        for entry in report.entries
        for finding in similarity_findings(entry, existing, vectors)
    ]
    (report.warnings if allow_similar else report.errors).extend(findings)


def check_new_entries(
    candidates: list[Candidate],
    faq_dir: Path,
    embedder: Callable[[], EmbedderLike] | None,
    known_vectors: Callable[[], dict[str, np.ndarray]] | None = None,
    allow_similar: bool = False,
    replacing: str | None = None,
    update: bool = False,
) -> CheckReport:
    """Everything a new entry must pass before it is written; embedder None skips similarity.

    embedder and known_vectors are factories: the model (seconds to load) is loaded only when
    some entry passed the cheap checks. Every problem is reported at once: the similarity
    checks run on the entries that passed, whatever the others' problems.
    replacing: the id of the entry the candidate replaces (an edit), which is then not compared
    with itself. update: a candidate whose id exists replaces that entry (a re-imported sheet);
    one equal to it is left alone (report.unchanged).
    """
    try:
        current = load_faq(faq_dir)
    except KnowledgeInputError as exc:
        report = parse_candidates(candidates)
        report.errors.append(f"the existing FAQ files do not load: {exc}")
        return _named(report, candidates)
    report = parse_candidates(candidates, {e.faq_id: e for e in current} if update else None)
    replaced = set(report.replaced) | ({replacing} if replacing else set())
    existing = [e for e in current if e.faq_id not in replaced]
    check_against_existing(report, existing)
    if report.entries and embedder is not None:
        model = embedder()
        vectors = known_vectors() if known_vectors is not None else None
        check_similarity(report, existing, model, vectors, allow_similar)
    return _named(report, candidates)


def _named(report: CheckReport, candidates: list[Candidate]) -> CheckReport:
    """Messages about a spreadsheet's rows name the cell (row, column letter and header)."""
    from admin.faq_sheet import name_cell

    sheet = [c for c in candidates if c.columns]
    if not sheet:
        return report

    def named(message: str) -> str:
        for candidate in sheet:
            if message.startswith(candidate.where + ":") or message.startswith(
                candidate.where + " ("
            ):
                return name_cell(message, candidate)
        return message

    report.errors = [named(m) for m in report.errors]
    report.warnings = [named(m) for m in report.warnings]
    return report
