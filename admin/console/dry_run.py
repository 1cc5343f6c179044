"""After a publish: does each of the entry's questions now get the entry's answer?

A question can be caught before the knowledge layer sees it (the visa form, the events list,
the handoff: issue 22, point 4). Each question goes through Rasa exactly as a user's would, in a
throwaway conversation erased right after, and the ones whose reply does not contain the entry's
answer are named to the editor, who can then rephrase them. Nothing is recorded in the
unanswered queue (the chat handler records; this does not go through it).
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any, Protocol

from bot.rasa_client import UpstreamError
from bot.render import render_rasa_output

MAX_QUESTIONS = 20  # an entry has at most 10 variants per language (admin/faq_checks.py)


class RasaLike(Protocol):
    async def send(self, sender: str, message: str, metadata: Any) -> list[dict[str, Any]]: ...

    async def forget(self, sender: str) -> None: ...


async def unreached_questions(client: RasaLike, entry: Any) -> list[str]:
    """The entry's questions whose reply does not carry its answer; raises UpstreamError when
    Rasa cannot be asked at all."""
    missed: list[str] = []
    asked = 0
    for lang in ("id", "en"):
        for question in entry.questions[lang]:
            if asked >= MAX_QUESTIONS:
                return missed
            asked += 1
            sender = f"console-check:{secrets.token_hex(8)}"
            try:
                output = await client.send(sender, question, {"channel": "api", "language": lang})
            finally:
                with contextlib.suppress(UpstreamError):
                    await client.forget(sender)
            reply = render_rasa_output(output, lang)
            if entry.answers[lang] not in "\n".join(m.text for m in reply.messages):
                missed.append(question)
    return missed
