"""Rasa's own command line (`rasa run ...`), with three speed fixes. Run it with the Rasa
environment's Python: `.venv-rasa/bin/python deploy/rasa_server.py run --enable-api ...`.

Rasa 3.6 checks every action server response with `jsonschema.validate()`, which first checks
the response schema itself (large and constant: every event type) against the JSON Schema
meta-schema. That check was half of Rasa's CPU time per turn here, and every turn calls the action
server at least once (the `language` slot's mapping). The validator is built once instead; every
response is still validated against the same schema, with Rasa's own error message.

Every event read back from the tracker store is matched to its class by walking the whole Event
class tree (a tenth of Rasa's time per turn); the class found for each event type is kept.

Once the model is loaded, everything alive is moved out of the garbage collector's sight
(`gc.freeze()`): TensorFlow and the model leave about 700,000 objects, and every full collection
walked all of them, stopping every conversation for 0.3 to 1.1 s a few times a minute under load.
Objects made later (conversations, a model loaded by a retrain) are collected as before.

Security, as the gateway's own process does it:
- The auth token of Rasa's HTTP API comes from $RASA_TOKEN and is handed to Rasa's argument
  parser inside this process, never on the command line (`ps` shows every process's arguments to
  every local user). Without it Rasa does not start: its API would be open to anyone.
- `credentials.yml` names the gateway's channel, deploy/rasa_channel.py (this folder is on
  sys.path as the script's own): token, size limits, domain payloads only.
- Log records print with control characters escaped, so a message with line breaks cannot start
  a line of its own in rasa.log, and Rasa's structured log events drop the user's text (and what
  is derived from it: entities, slots, tracker states) unless LOG_LEVEL is DEBUG.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from functools import cache
from typing import Any

import rasa.core.run
import rasa.utils.log_utils
from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event


@cache
def _response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    # best_match, as jsonschema.validate() reports it.
    error = exceptions.best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from "
            "the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


_resolve_event_type = Event.resolve_by_type
_event_types: dict[str, type[Event]] = {}


def _resolve_event_type_once(type_name: str, default: type[Event] | None = None) -> Any:
    found = _event_types.get(type_name)
    if found is None:
        found = _resolve_event_type(type_name, default)
        if found is not None and found is not default:  # unknown names stay uncached
            _event_types[type_name] = found
    return found


_load_agent_on_start = rasa.core.run.load_agent_on_start


async def _load_agent_then_freeze(*args: Any, **kwargs: Any) -> Any:
    agent = await _load_agent_on_start(*args, **kwargs)
    gc.collect()
    gc.freeze()
    return agent


RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
Event.resolve_by_type = staticmethod(_resolve_event_type_once)  # type: ignore[method-assign]
# serve_application looks the listener up by this name when it starts the server.
rasa.core.run.load_agent_on_start = _load_agent_then_freeze

TOKEN_ENV = "RASA_TOKEN"
# Rasa's own list of the structured-log keys that carry user text or what is made from it.
_TEXT_KEYS = (
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states",
    "old_states", "successes", "current_entity", "next_entity", "states", "entity", "token_text",
    "user_message", "json_message",
)  # fmt: skip


def escape_controls(text: str) -> str:
    """Line breaks and other control characters as visible escapes: one record, one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class _EscapedRecord(logging.LogRecord):
    def getMessage(self) -> str:  # logging's name
        return escape_controls(super().getMessage())


def _drop_user_text(_logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor in the place of Rasa's anonymizer: user text only at DEBUG."""
    if method != "debug" or logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        for key in _TEXT_KEYS:
            if key in event:
                event[key] = "[redacted]"
    return event


def rasa_arguments(argv: list[str], environ: dict[str, str]) -> list[str]:
    """`rasa run ...` with the HTTP API's auth token from the environment added."""
    if any(arg == "--auth-token" or arg.startswith("--auth-token=") for arg in argv):
        raise SystemExit("give Rasa's token in $RASA_TOKEN, not on the command line")
    if argv[1:2] != ["run"]:
        return argv
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise SystemExit(f"${TOKEN_ENV} is not set: Rasa's HTTP API would be open to anyone")
    return [*argv, f"--auth-token={token}"]


logging.setLogRecordFactory(_EscapedRecord)
rasa.utils.log_utils._anonymizer = _drop_user_text  # looked up when Rasa configures structlog

if __name__ == "__main__":
    from rasa.__main__ import main

    os.umask(0o077)  # the tracker database and logs hold conversations: owner only
    sys.argv = rasa_arguments(["rasa", *sys.argv[1:]], dict(os.environ))
    sys.exit(main())
