"""`action_answer_from_knowledge`: answers from the knowledge layer in the user's language.

FAQ hit: the stored answer in the slot language. Document hit: a short extract under the
document's title. Either way the sources follow as a `custom.duta` message
(docs/architecture.md). When the knowledge layer says "not answerable", an honest
"I don't know" with where to ask (fallback true).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import knowledge_base
from actions.language import DEFAULT_LANGUAGE, normalise
from actions.meta import duta_meta
from actions.texts import say

logger = logging.getLogger(__name__)

SEARCH_K = 5
EXTRACT_CHARS = 480
# A request arriving while the index is still loading waits this long before declining.
LOAD_WAIT_SECONDS = 60.0

# Menu buttons send bare payloads ("/ask_passport"); search a plain question for them instead.
TOPIC_QUERIES: dict[str, dict[str, str]] = {
    "ask_visa": {
        "id": "visa untuk berkunjung ke Indonesia",
        "en": "visa to visit Indonesia",
    },
    "ask_safe_travel": {
        "id": "apa itu aplikasi Safe Travel Kemlu",
        "en": "what is the Safe Travel app of the foreign ministry",
    },
    "ask_passport": {
        "id": "perpanjang paspor di luar negeri",
        "en": "renew passport abroad",
    },
    "ask_events": {
        "id": "acara diplomasi digital Kemlu",
        "en": "digital diplomacy events of the foreign ministry",
    },
    "emergency": {
        "id": "hotline darurat pelindungan WNI Kemlu",
        "en": "Kemlu emergency hotline for citizens abroad",
    },
}


def search_query(text: str | None, intent: str | None, language: str) -> str | None:
    """What to search for: the user's words, or the topic's question for a bare payload."""
    text = (text or "").strip()
    if text.startswith("/"):
        return TOPIC_QUERIES.get(intent or "", {}).get(language)
    return text or None


def shorten(text: str, limit: int = EXTRACT_CHARS) -> str:
    """At most `limit` characters, cut at a sentence end when there is one late enough."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if end >= limit // 2:
        return cut[: end + 1]
    return cut[: cut.rfind(" ")].rstrip(",;:") + " …"


def source_of(hit: Any) -> dict[str, Any]:
    """The {title, url, date} the gateway shows under an answer."""
    source = getattr(hit, "source", None) or {}
    return {
        "title": source.get("title") or hit.title,
        "url": source.get("url"),
        "date": source.get("date"),
    }


def utter_hit(dispatcher: CollectingDispatcher, hit: Any, language: str) -> None:
    """Say the answer a hit holds, in `language` where the content has it."""
    if hit.kind == "faq":
        answers = getattr(hit, "answers", None) or {}
        other = "en" if language == "id" else "id"
        dispatcher.utter_message(text=answers.get(language) or answers.get(other) or hit.text)
        return
    same_language = normalise(getattr(hit, "language", None)) in (None, language)
    key = "document_extract" if same_language else "document_extract_other_language"
    dispatcher.utter_message(text=say(key, language, title=hit.title, extract=shorten(hit.text)))


class ActionAnswerFromKnowledge(Action):
    def name(self) -> str:
        return "action_answer_from_knowledge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = normalise(tracker.get_slot("language")) or DEFAULT_LANGUAGE
        message = tracker.latest_message or {}
        query = search_query(
            message.get("text"), (message.get("intent") or {}).get("name"), language
        )
        # Searching embeds the query (CPU-bound): off the event loop, so /health stays responsive.
        kb = await asyncio.to_thread(knowledge_base.wait, LOAD_WAIT_SECONDS)
        result = None
        if kb is not None and query:
            try:
                result = await asyncio.to_thread(kb.search, query, k=SEARCH_K, lang=language)
            except Exception:  # a broken search must still get the user an answer
                logger.exception("Knowledge search failed for %r", query)
        if result is None or not result.answerable or not result.hits:
            dispatcher.utter_message(
                text=say("no_answer", language), json_message=duta_meta(fallback=True)
            )
            return []
        hit = result.hits[0]
        utter_hit(dispatcher, hit, language)
        dispatcher.utter_message(json_message=duta_meta([source_of(hit)], fallback=False))
        return []
