"""The words Rasa's NLU found in the latest message with the lookup tables and regexes of
training_data/ (visa_terms.yml, visa_questions.yml, event_terms.yml, emergency_terms.yml):
entities that LookupEntityExtractor (nlu/lookup_entities.py) adds, which the actions read and the
rules do not (`influence_conversation: false`). Only that extractor's count, not a hand-typed
payload that names one of these entities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

EXTRACTOR = "LookupEntityExtractor"

Entity = Mapping[str, Any]


def typed(entities: Iterable[Entity]) -> list[Entity]:
    """The entities the extractor found (the words typed), in the order given."""
    return [e for e in entities if e.get("extractor") == EXTRACTOR]


def found(entities: Iterable[Entity], name: str) -> list[Entity]:
    """The extractor's entities called `name`, the first in the text first."""
    return sorted((e for e in typed(entities) if e.get("entity") == name), key=lambda e: e["start"])


# Words that ask for one precise fact: a fee, a length, a site, a visa type
# (training_data/visa_questions.yml).
PRECISE_WORD = "visa_precise_word"


def is_precise(entities: Iterable[Entity]) -> bool:
    """Whether the message asks for one fact (a fee, the length of stay, an extension, where to
    apply, a visa type) rather than "which visa do I need?" or "help, I lost my passport"."""
    return bool(found(entities, PRECISE_WORD))
