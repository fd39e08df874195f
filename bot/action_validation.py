"""Rasa's check of action server answers, with its JSON-schema validator built once.

Rasa 3.6 checks every answer of the action server (``RemoteAction._validate_action_result``)
with ``jsonschema.validate(result, schema)``, which first validates the schema itself against
the metaschema and looks up its validator class, on every call. Under load that was 38% of a
Rasa process's CPU (py-spy during ``bench.cluster_load``, 50 conversations): more than NLU.
``install()`` replaces the method with the same check, the same error (jsonschema's
``best_match``, Rasa's message appended), on a validator built and checked once per process.
It is called when Rasa builds its tracker store (``bot/tracker_store.py``), before any turn.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

RASA_CHECK = RemoteAction._validate_action_result  # Rasa's own, for the tests' comparison


@lru_cache(maxsize=1)
def action_result_validator() -> Validator:
    """The validator of Rasa's action response schema (the schema checked once)."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` on the cached validator (same errors)."""
    error = best_match(action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    """Make Rasa's ``RemoteAction`` use the cached validator (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
