"""After a publish the console asks each of the entry's questions as a user would and names
those another flow still catches (admin/console/dry_run.py)."""

from __future__ import annotations

from typing import Any

import pytest

from admin.console.dry_run import unreached_questions
from bot.rasa_client import UpstreamUnavailable
from knowledge.faq import load_faq
from knowledge.paths import CONTENT_DIR


class StubRasa:
    """Answers with the entry's answer unless the question is "caught" by a flow."""

    def __init__(self, entry: Any, caught: set[str]) -> None:
        self.entry, self.caught = entry, caught
        self.asked: list[tuple[str, str]] = []
        self.forgotten: list[str] = []

    async def send(self, sender: str, message: str, metadata: Any) -> list[dict[str, Any]]:
        self.asked.append((sender, message))
        if message in self.caught:
            return [{"text": "Untuk visa, jawab beberapa pertanyaan dulu."}]
        lang = metadata["language"]
        return [{"text": self.entry.answers[lang]}, {"custom": {"duta": {"language": lang}}}]

    async def forget(self, sender: str) -> None:
        self.forgotten.append(sender)


@pytest.fixture
def entry() -> Any:
    return next(e for e in load_faq(CONTENT_DIR / "faq") if e.faq_id == "dd-diplomacy-4-0")


async def test_names_the_questions_a_flow_still_catches(entry: Any) -> None:
    caught = {entry.questions["id"][1], entry.questions["en"][0]}
    rasa = StubRasa(entry, caught)
    assert await unreached_questions(rasa, entry) == [
        entry.questions["id"][1],
        entry.questions["en"][0],
    ]
    every = [*entry.questions["id"], *entry.questions["en"]]
    assert [message for _, message in rasa.asked] == every
    # Each in a conversation of its own, erased right after.
    senders = [sender for sender, _ in rasa.asked]
    assert len(set(senders)) == len(senders) and rasa.forgotten == senders


async def test_all_reached_and_rasa_down(entry: Any) -> None:
    assert await unreached_questions(StubRasa(entry, set()), entry) == []

    class Down(StubRasa):
        async def send(self, sender: str, message: str, metadata: Any) -> Any:
            raise UpstreamUnavailable("rasa", "webhook", "connection refused")

    with pytest.raises(UpstreamUnavailable):
        await unreached_questions(Down(entry, set()), entry)
