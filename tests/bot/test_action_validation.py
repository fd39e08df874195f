"""The cached check of action server answers accepts and refuses exactly what Rasa's does."""

from __future__ import annotations

import time
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import action_validation
from bot.action_validation import RASA_CHECK, validate_action_result

ACTION = RemoteAction("action_answer_fee", EndpointConfig("http://127.0.0.1:1/webhook"))
VALID: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "procedure_code", "value": "1.001193"}],
        "responses": [{"text": "Lệ phí – Đăng ký khai sinh: miễn lệ phí.", "buttons": []}],
    },
    {"events": [{"event": "active_loop", "name": None}], "responses": [{"custom": {"a": 1}}]},
]
INVALID: list[dict[str, Any]] = [
    {"events": [{"name": "procedure_code"}], "responses": []},  # an event without its kind
    {"events": "không phải danh sách", "responses": []},
    {"events": [{"event": 5}], "responses": []},
    {"events": [], "responses": "không phải danh sách"},
]


@pytest.mark.parametrize("result", VALID)
def test_valid_answers_pass_both_checks(result: dict[str, Any]) -> None:
    assert RASA_CHECK(ACTION, result) is True
    assert validate_action_result(ACTION, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_answers_fail_both_checks_with_the_same_error(result: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as rasa_error:
        RASA_CHECK(ACTION, result)
    with pytest.raises(ValidationError) as ours:
        validate_action_result(ACTION, result)
    assert ours.value.message == rasa_error.value.message
    assert list(ours.value.absolute_path) == list(rasa_error.value.absolute_path)


def test_installed_on_rasas_remote_action_and_much_cheaper() -> None:
    action_validation.install()
    assert RemoteAction._validate_action_result is validate_action_result
    result = VALID[1]
    started = time.perf_counter()
    for _ in range(20):
        RASA_CHECK(ACTION, result)
    rasa_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        ACTION._validate_action_result(result)
    cached_seconds = time.perf_counter() - started
    assert cached_seconds * 5 < rasa_seconds, (cached_seconds, rasa_seconds)
