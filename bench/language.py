"""Language of a message (issue 23): the word-list detector against lingua on the project's sets.

    .venv/bin/python -m bench.language [--baseline-commit REV] [--show-errors]

Sets, each text with its language (id/en) as labelled by its authors:
- xSID valid/test, id and en (the files bench/oos.py reads) and tests/data/xsid_test_sample.tsv;
- tests/data/fact_questions.yml, near_domain_unanswerable.yml, place_questions.yml (`lang`; the
  place set's `mixed` items are left out);
- tests/data/retrieval_questions.yml, which has no language field: its `style` says it where it is
  unambiguous (paraphrase-id, colloquial, doc-id: Indonesian; paraphrase-en, doc-en: English);
  `typo` and `mixed` items are in either language and are left out;
- the typed user turns of tests/conversations/dev/*.yml with their `expect: language` (button
  turns left out). A turn's expected language may come from the turns before ("Brazil" after an
  English question), so None is right there when the fallback, the previous turn, gives it.

Per set: right, wrong (a language was given and it is not the label) and None (no evidence).
"served right" is the language the assistant would answer in without a channel hint: None falls
back to the previous turn's language in a conversation, to Indonesian otherwise
(actions/language.py). A wrong guess is worse than None where the channel's hint is right (it
overrides the hint); None is worse where there is no hint. So the decision counts each text twice:
"wrongly served" = wrong guesses (right hint) + texts served in the wrong language (no hint);
fewest over all sets wins. The margin of the lingua variants (None when P(first) - P(second) is
below it) is chosen by the same count on the tuning splits only (xSID valid, the dev splits, the
fact questions, which have no split, and the dev conversations); the test splits are only
reported, and their errors are never printed.

The word-list detector alone, as it was before lingua took its ties, is read from git
(`--baseline-commit`); "knowledge.language (HEAD)" is the detector the assistant runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import yaml

from bench.common import EVAL_DIR, PROJECT_ROOT, machine
from knowledge.language import content_words

DATA = PROJECT_ROOT / "tests" / "data"
CONVERSATIONS = PROJECT_ROOT / "tests" / "conversations" / "dev"
# A commit whose knowledge/language.py is the word-list detector alone (before lingua on ties).
BASELINE_COMMIT = "3a71967"
RETRIEVAL_STYLE_LANG = {
    "paraphrase-id": "id",
    "colloquial": "id",
    "doc-id": "id",
    "paraphrase-en": "en",
    "doc-en": "en",
}
MARGINS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6)

Detector = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Item:
    text: str
    lang: str
    fallback: str  # what a None turns into without a channel hint
    one_word: bool


@dataclass(frozen=True)
class Dataset:
    name: str
    tune: bool  # may choose a setting; a test split only reports
    items: list[Item]


def _item(text: str, lang: str, fallback: str = "id") -> Item:
    return Item(text.strip(), lang, fallback, len(text.split()) == 1)


def load_xsid(split: str) -> list[Item]:
    items = []
    for lang in ("id", "en"):
        path = EVAL_DIR / "xsid-oos" / f"{lang}.{split}.tsv"
        for line in path.read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                items.append(_item(line.split("\t", 1)[1], lang))
    return items


def load_xsid_sample() -> list[Item]:
    items = []
    for line in (DATA / "xsid_test_sample.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.count("\t") < 2:
            continue
        lang, _intent, text = line.split("\t", 2)
        items.append(_item(text, lang))
    return items


def load_labelled(name: str, split: str, text_key: str = "q") -> list[Item]:
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return [
        _item(q[text_key], q["lang"]) for q in data.get(split) or [] if q["lang"] in ("id", "en")
    ]


def load_retrieval(split: str) -> list[Item]:
    data = yaml.safe_load((DATA / "retrieval_questions.yml").read_text(encoding="utf-8"))
    return [
        _item(q["q"], RETRIEVAL_STYLE_LANG[q.get("style")])
        for q in data.get(split) or []
        if q.get("style") in RETRIEVAL_STYLE_LANG
    ]


def load_conversations() -> list[Item]:
    items = []
    for path in sorted(CONVERSATIONS.glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            previous = "id"
            for turn in conversation["turns"]:
                lang = (turn.get("expect") or {}).get("language")
                if "user" in turn and lang in ("id", "en"):
                    items.append(_item(str(turn["user"]), lang, previous))
                previous = lang or previous
    return items


def datasets() -> list[Dataset]:
    return [
        Dataset("xSID valid", True, load_xsid("valid")),
        Dataset("xSID test", False, load_xsid("test")),
        Dataset("xSID test sample (tests/data)", False, load_xsid_sample()),
        Dataset("retrieval questions dev", True, load_retrieval("dev")),
        Dataset("retrieval questions test", False, load_retrieval("test")),
        Dataset("fact questions", True, load_labelled("fact_questions.yml", "questions")),
        Dataset("near-domain dev", True, load_labelled("near_domain_unanswerable.yml", "dev")),
        Dataset("near-domain test", False, load_labelled("near_domain_unanswerable.yml", "test")),
        Dataset("place questions dev", True, load_labelled("place_questions.yml", "dev")),
        Dataset("place questions test", False, load_labelled("place_questions.yml", "test")),
        Dataset("conversation turns (dev)", True, load_conversations()),
    ]


def baseline_detector(commit: str) -> Detector:
    """knowledge/language.py as it was at `commit`, loaded as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{commit}:knowledge/language.py"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("baseline_language")
    exec(compile(source, f"{commit}:knowledge/language.py", "exec"), module.__dict__)
    return module.detect_language


def lingua_detector(low_accuracy: bool, margin: float) -> Detector:
    from lingua import Language, LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(Language.INDONESIAN, Language.ENGLISH)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    detector = builder.with_preloaded_language_models().build()

    def detect(text: str) -> str | None:
        values = detector.compute_language_confidence_values(text)
        if not values or values[0].value - values[1].value < margin or values[0].value == 0:
            return None
        return "id" if values[0].language == Language.INDONESIAN else "en"

    return detect


@dataclass
class Score:
    n: int = 0
    right: int = 0
    wrong: int = 0
    none: int = 0
    served_right: int = 0

    def add(self, item: Item, got: str | None) -> None:
        self.n += 1
        self.right += got == item.lang
        self.wrong += got is not None and got != item.lang
        self.none += got is None
        self.served_right += (got or item.fallback) == item.lang


def score(detect: Detector, items: Iterable[Item]) -> Score:
    result = Score()
    for item in items:
        result.add(item, detect(item.text))
    return result


def total(detect: Detector, sets: Iterable[Dataset]) -> Score:
    result = Score()
    for dataset in sets:
        for item in dataset.items:
            result.add(item, detect(item.text))
    return result


def on_ties(first: Detector, second: Detector) -> Detector:
    """`first`, and `second` where `first` has no evidence and the text has two words or more
    that may carry evidence (a one-word message is ambiguous by nature: "visa", "menu", "ICDD")."""

    def detect(text: str) -> str | None:
        return first(text) or (second(text) if len(content_words(text)) >= 2 else None)

    return detect


Family = Callable[[float], Detector]


def choose_margin(label: str, family: Family, sets: list[Dataset]) -> tuple[float, list[str]]:
    """The margin with the fewest wrongly served texts on the tuning splits (wrong guesses with a
    right hint plus wrong answers without one, as in the decision table); the grid as rows."""
    tuning = [d for d in sets if d.tune]
    rows, best = [], None
    for margin in MARGINS:
        s = total(family(margin), tuning)
        rows.append(
            f"| {label} | {margin:.2f} | {s.n} | {s.wrong} | {s.none} | "
            f"{s.served_right / s.n:.3f} | {s.wrong + s.n - s.served_right} |"
        )
        key = (s.wrong + s.n - s.served_right, s.wrong)
        if best is None or key < best[0]:
            best = (key, margin)
    assert best is not None
    return best[1], rows


def time_per_call(detect: Detector, texts: list[str], repeats: int = 3) -> tuple[float, float]:
    """Median and 99th percentile microseconds per call over all texts, after one warm-up pass."""
    for text in texts:
        detect(text)
    samples = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter_ns()
            detect(text)
            samples.append((time.perf_counter_ns() - started) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99)]


_RSS_PROBE = """
import os, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
before = rss()
t0 = __import__("time").perf_counter()
{load}
detect({text!r})
load_s = __import__("time").perf_counter() - t0
print(before, rss(), load_s)
"""


# lingua alone (bench.language would bring numpy in through bench.common).
_LINGUA_LOAD = """
from lingua import Language, LanguageDetectorBuilder
builder = LanguageDetectorBuilder.from_languages(Language.INDONESIAN, Language.ENGLISH){mode}
detect = builder.with_preloaded_language_models().build().detect_language_of
"""


def rss_cost(load: str, text: str) -> tuple[float, float, float]:
    """(RSS before, RSS after loading and one call, seconds to load) in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE.format(load=load, text=text)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-commit", default=BASELINE_COMMIT)
    parser.add_argument(
        "--show-errors", action="store_true", help="wrong and None texts of the tuning sets"
    )
    args = parser.parse_args()
    sets = datasets()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(f"language detection, commit {commit}; {machine()}")
    baseline = baseline_detector(args.baseline_commit)
    families: dict[str, Family] = {
        "lingua high": lambda m: lingua_detector(False, m),
        "lingua low": lambda m: lingua_detector(True, m),
        "word lists, lingua high on ties": lambda m: on_ties(baseline, lingua_detector(False, m)),
        "word lists, lingua low on ties": lambda m: on_ties(baseline, lingua_detector(True, m)),
    }
    print("\nmargin grid on the tuning splits (fewest wrongly served wins):\n")
    print(
        "| candidate | margin | texts | wrong | None | served right | wrongly served |\n"
        "|---|---|---|---|---|---|---|"
    )
    detectors: dict[str, Detector] = {
        f"word lists ({args.baseline_commit})": baseline,
        "lingua high": lingua_detector(False, 0.0),
        "lingua low": lingua_detector(True, 0.0),
    }
    for label, family in families.items():
        margin, rows = choose_margin(label, family, sets)
        print("\n".join(rows))
        if margin or label not in detectors:
            detectors[f"{label}, margin {margin:.2f}"] = family(margin)

    from knowledge.language import detect_language

    detectors["knowledge.language (HEAD)"] = detect_language
    print(
        "\n| set | texts | one-word | detector | right | wrong | None | accuracy | None share |"
        " served right |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    totals: dict[str, Score] = {name: Score() for name in detectors}
    cells: dict[str, list[str]] = {}
    for dataset in sets:
        one_word = sum(item.one_word for item in dataset.items)
        cells[dataset.name] = [str(len(dataset.items)), str(one_word)]
        for name, detect in detectors.items():
            s = score(detect, dataset.items)
            cells[dataset.name].append(f"{s.wrong} / {s.none}")
            for field in ("n", "right", "wrong", "none", "served_right"):
                setattr(totals[name], field, getattr(totals[name], field) + getattr(s, field))
            print(
                f"| {dataset.name} | {s.n} | {one_word} | {name} | {s.right} | {s.wrong} | "
                f"{s.none} | {s.right / s.n:.3f} | {s.none / s.n:.3f} | "
                f"{s.served_right / s.n:.3f} |"
            )
    for name, s in totals.items():
        print(
            f"| **all** | {s.n} | | {name} | {s.right} | {s.wrong} | {s.none} | "
            f"{s.right / s.n:.3f} | {s.none / s.n:.3f} | {s.served_right / s.n:.3f} |"
        )

    print("\nwrong / None per set:\n")
    print(f"| set | texts | one-word | {' | '.join(detectors)} |")
    print("|---" * (len(detectors) + 3) + "|")
    cells["**all**"] = [str(totals[next(iter(totals))].n), ""]
    cells["**all**"] += [f"{s.wrong} / {s.none}" for s in totals.values()]
    for name, row in cells.items():
        print(f"| {name} | {' | '.join(row)} |")

    print(
        "\nwrongly served over all sets: with a right channel hint only wrong guesses count;"
        " without a hint, wrong guesses and None whose fallback is wrong (fewest in sum wins):\n"
    )
    print("| detector | wrong, right hint | wrong, no hint | sum |\n|---|---|---|---|")
    for name, s in totals.items():
        no_hint = s.n - s.served_right
        print(f"| {name} | {s.wrong} | {no_hint} | {s.wrong + no_hint} |")

    texts = [item.text for dataset in sets for item in dataset.items]
    print(f"\ntime per call over the {len(texts)} texts, 3 passes after a warm-up:\n")
    print("| detector | median µs | p99 µs |\n|---|---|---|")
    gc.collect()
    for name, detect in detectors.items():
        median, p99 = time_per_call(detect, texts)
        print(f"| {name} | {median:.1f} | {p99:.1f} |")

    print("\nmemory, a fresh interpreter each (VmRSS; seconds: loading and the first call):\n")
    print("| load | RSS before MB | RSS after MB | cost MB | seconds |\n|---|---|---|---|---|")
    head = "from knowledge.language import detect_language as detect"
    tie = "Can Cambodians visit Indonesia visa-free?"
    probes = {
        "knowledge.language (HEAD), no tie yet ('ok')": (head, "ok"),
        "knowledge.language (HEAD), after a tie": (head, tie),
        "lingua high, preloaded": (_LINGUA_LOAD.format(mode=""), tie),
        "lingua low, preloaded": (_LINGUA_LOAD.format(mode=".with_low_accuracy_mode()"), tie),
    }
    for name, (load, text) in probes.items():
        before, after, seconds = rss_cost(load, text)
        print(f"| {name} | {before:.0f} | {after:.0f} | {after - before:.0f} | {seconds:.2f} |")

    if args.show_errors:
        print("\nwrong or None on the tuning splits:")
        for name, detect in detectors.items():
            print(f"\n{name}:")
            for dataset in (d for d in sets if d.tune):
                for item in dataset.items:
                    got = detect(item.text)
                    if got != item.lang:
                        print(f"  [{dataset.name}] {item.lang} -> {got}: {item.text}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    raise SystemExit(main())
