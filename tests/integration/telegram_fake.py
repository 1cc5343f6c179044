"""telegram-test-api (npm) on loopback, and a Telegram user played through its client endpoints.

The emulator keeps every message the bot sent; a test sends as a user (/sendMessage,
/sendCallback) and reads the bot's answers from /getUpdatesHistory, filtered by chat.
"""

from __future__ import annotations

import itertools
import json
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy.stack import ROOT, free_port

LAUNCHER = Path(__file__).with_name("telegram_test_api.js")
MODULE = ROOT / "node_modules" / "telegram-test-api"
BOT_USERNAME = "TestNameBot"  # what the emulator's getMe answers
BOT_ID = 666
_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)


def new_token() -> str:
    """A Bot API token of the real shape: bot id, colon, secret."""
    return f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(24)}"


def new_id() -> int:
    """A user or chat id no other test uses in this run."""
    return next(_ids)


class TelegramTestApi:
    def __init__(self, port: int, process: subprocess.Popen[str]) -> None:
        self.port = port
        self.process = process
        self.base_url = f"http://127.0.0.1:{port}"
        # The token of the session stack's gateway; other gateways get their own.
        self.token = new_token()

    @classmethod
    @contextmanager
    def running(cls, log_path: Path, timeout: float = 30.0) -> Iterator[TelegramTestApi]:
        if not MODULE.is_dir():
            raise RuntimeError(f"{MODULE} is missing: run `make setup` (npm ci)")
        port = free_port()
        log = log_path.open("w")
        process = subprocess.Popen(
            ["node", str(LAUNCHER), str(port)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            assert process.stdout is not None
            # readline blocks, but the launcher prints or exits within a second or two.
            line = process.stdout.readline()
            if line.strip() != "listening":
                raise RuntimeError(f"telegram-test-api did not start: {line!r}, see {log_path}")
            yield cls(port, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    def gateway_env(self, token: str | None = None) -> dict[str, str]:
        return {"TELEGRAM_BOT_TOKEN": token or self.token, "TELEGRAM_API_BASE": self.base_url}

    def post(self, path: str, payload: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def history(self, token: str) -> list[dict[str, Any]]:
        return self.post("/getUpdatesHistory", {"token": token})["result"]

    def user(self, token: str | None = None, **options: Any) -> TelegramUser:
        return TelegramUser(self, token or self.token, **options)


@dataclass
class TelegramUser:
    """One person in one chat (a private chat unless `chat_type` says otherwise)."""

    api: TelegramTestApi
    token: str
    language_code: str | None = "en"
    chat_type: str = "private"
    user_id: int = field(default_factory=new_id)
    chat_id: int = 0
    seen: int = 0  # bot messages already returned by `replies`

    def __post_init__(self) -> None:
        if not self.chat_id:
            # Private chats have the user's id; groups have negative ids.
            self.chat_id = self.user_id if self.chat_type == "private" else -new_id()

    @property
    def sender(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": "Tester"}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def message(self, **content: Any) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.chat_id, "type": self.chat_type}
        if self.chat_type == "private":
            chat["first_name"] = "Tester"
        else:
            chat["title"] = "Test group"
        return {
            "botToken": self.token,
            "from": self.sender,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }

    def send(self, text: str, **content: Any) -> None:
        self.api.post("/sendMessage", self.message(text=text, **content))

    def command(self, text: str) -> None:
        """A command as Telegram sends it: with its bot_command entity."""
        name = text.split()[0]
        entity = {"type": "bot_command", "offset": 0, "length": len(name)}
        self.send(text, entities=[entity])

    def send_media(self, **content: Any) -> None:
        self.api.post("/sendMessage", self.message(**content))

    def press(self, bot_message: dict[str, Any], button_title: str) -> None:
        """Press the inline button of that title under a message the bot sent."""
        markup = bot_message.get("reply_markup") or {}
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
        matches = [b for b in buttons if b["text"] == button_title]
        assert matches, f"no button {button_title!r} in {[b['text'] for b in buttons]}"
        # As Telegram does, the pressed message comes with its keyboard.
        message = self.message(
            message_id=bot_message["message_id"],
            text=bot_message.get("text", ""),
            reply_markup=markup,
            **{"from": {"id": BOT_ID, "is_bot": True, "first_name": "Duta"}},
        )
        del message["botToken"]
        query = {
            "botToken": self.token,
            "from": self.sender,
            "message": message,
            "data": matches[0]["callback_data"],
        }
        self.api.post("/sendCallback", query)

    def bot_messages(self) -> list[dict[str, Any]]:
        """Everything the bot sent to this chat, oldest first."""
        sent = [
            item
            for item in self.api.history(self.token)
            if "chat_id" in item.get("message", {})
            and str(item["message"]["chat_id"]) == str(self.chat_id)
        ]
        sent.sort(key=lambda item: item["messageId"])
        return [{**item["message"], "message_id": item["messageId"]} for item in sent]

    def replies(
        self,
        until: Callable[[list[dict[str, Any]]], bool] = bool,
        timeout: float = 60.0,
        settle: float = 0.0,
    ) -> list[dict[str, Any]]:
        """The bot's messages since the last call, once `until` holds for them.

        `settle`: keep waiting that long after `until` holds, for messages that should not come.
        """
        deadline = time.monotonic() + timeout
        while True:
            new = self.bot_messages()[self.seen :]
            if until(new):
                if settle:
                    time.sleep(settle)
                    new = self.bot_messages()[self.seen :]
                self.seen += len(new)
                return new
            if time.monotonic() > deadline:
                raise AssertionError(f"no expected reply within {timeout:.0f} s; got {new}")
            time.sleep(0.1)

    def nothing_for(self, seconds: float) -> None:
        time.sleep(seconds)
        new = self.bot_messages()[self.seen :]
        assert not new, f"the bot answered: {new}"


def count_at_least(n: int) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda messages: len(messages) >= n


def with_buttons(messages: list[dict[str, Any]]) -> bool:
    return any((m.get("reply_markup") or {}).get("inline_keyboard") for m in messages)
