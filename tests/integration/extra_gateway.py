"""A second, real gateway process in front of the session stack's Rasa and action server.

Tests that need other gateway settings (rate limits, allowed origins) start one of these in a
second or two instead of a whole stack; the session stack's own limits stay as they are, so these
tests neither use up its per-address budget nor change what other tests see.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deploy.stack import Stack, free_port

from .conftest import RunningStack


@contextmanager
def extra_gateway(running: RunningStack, log_dir: Path, **env: str) -> Iterator[RunningStack]:
    """Yield the new gateway (same Rasa, token and action server), stopped afterwards."""
    config = dataclasses.replace(
        running.config,
        gateway_port=free_port(),
        log_dir=log_dir,
        # No Telegram here: a second poller would take the session gateway's updates.
        extra_env={"TELEGRAM_BOT_TOKEN": "", "TELEGRAM_API_BASE": "", **env},
    )
    stack = Stack(config)
    stack.start("gateway")
    try:
        stack.wait_healthy(timeout=120)
        yield RunningStack(stack)
    finally:
        stack.stop_all()
