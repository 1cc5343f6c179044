"""Rasa's own command line (`rasa run ...`), with one speed fix. Run it with the Rasa
environment's Python: `.venv-rasa/bin/python deploy/rasa_server.py run --enable-api ...`.

Rasa 3.6 checks every action server response with `jsonschema.validate()`, which first checks
the response schema itself (large and constant: every event type) against the JSON Schema
meta-schema. That check was half of Rasa's CPU time per turn here, and every turn calls the action
server at least once (the `language` slot's mapping). The validator is built once instead; every
response is still validated against the same schema, with Rasa's own error message.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


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


RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]

if __name__ == "__main__":
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    sys.exit(main())
