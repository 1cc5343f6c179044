"""Whether a flow's reply holds what the message asks for (issue 17: never confidently wrong).

A flow answers whatever message the NLU gives its intent: a mission's card for "who is the
consul general in Los Angeles?", an event's facts for "how many people watched the ICDD
livestream?". Such a reply is about the right thing and still no answer. The decision is the
knowledge layer's coverage, applied to the reply: the share of the message's informative words
(idf mass) that neither the reply's texts nor the ways users ask this flow hold. Over the bar,
the flow says plainly that it lacks that detail (fallback true) and then shows what it has,
which is where to ask.

The ways users ask a flow are the words of its intent's examples in training_data/ that two or
more examples use ("alamat", "nomor", "jam buka", "kapan"); a word one example uses is that
example's topic, not a way of asking. A field the reply lacks (a mission with no e-mail on record)
takes its label's words out of what is held: "email KBRI Tokyo" asks for what the card lacks.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

from actions import knowledge_base

logger = logging.getLogger(__name__)

TRAINING_DATA = Path(__file__).resolve().parent.parent / "training_data"

# Set from the near-domain dev questions a card answered (their shares ran from 0.24 to 0.85, most
# above 0.35) and checked on the 127 dev conversations of the time, none of which lost a turn at
# this value; not swept (docs/benchmarks.md, "Session 15").
UNHELD_MAX = 0.35

_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")
_WORD = re.compile(r"\w+")


def plain_example(example: str) -> str:
    """An NLU example without its entity markup: "[Osaka](place)" -> "Osaka"."""
    return _ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", example)


@cache
def asking_words(intent: str) -> str:
    """The words two or more of the intent's examples use, as one text."""
    counts: Counter[str] = Counter()
    for path in sorted(TRAINING_DATA.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if block.get("intent") != intent:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    counts.update(set(_WORD.findall(plain_example(line[2:]).lower())))
    return " ".join(sorted(word for word, n in counts.items() if n >= 2))


async def asks_beyond(
    text: str, intent: str, reply: Iterable[str], lacking: Iterable[str] = ()
) -> bool:
    """Whether the message asks for more than the reply's texts hold (see the module's doc).
    Judged per sentence, and the best one counts: "udah ah gak jadi. RCDD kapan?" asks what
    the reply holds. False while the knowledge layer is not loaded (no waiting for it): the
    flow answers as before."""
    from actions.answer import clauses  # answer imports the flows, which import this

    kb = knowledge_base.served.wait(0)
    if kb is None or not text:
        return False
    held = [*reply, asking_words(intent)]
    lacks = list(lacking)
    try:
        shares = [
            await asyncio.to_thread(kb.unheld_share, sentence, held, lacks)
            for sentence in clauses(text) or [text]
        ]
    except Exception:  # a broken check must not cost the user the reply
        logger.exception("Coverage check failed")
        return False
    judged = [share for share in shares if share is not None]
    return bool(judged) and min(judged) > UNHELD_MAX
