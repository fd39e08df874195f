"""The question's vector started as an action call arrives: the same query the search reads."""

from __future__ import annotations

from typing import Any

import pytest

from actions import server as server_module
from actions.server import start_encoding
from knowledge.db import get_engine, session_scope
from knowledge.search import get_index
from knowledge.search import resolve as resolve_module
from knowledge.search.index import ProcedureIndex
from knowledge.search.resolve import prefetch_question, resolve

pytestmark = pytest.mark.usefixtures("sample_database")


def _call(action: str, text: str | None) -> dict[str, Any]:
    message = {} if text is None else {"text": text, "intent": {"name": "ask_fee"}}
    return {"next_action": action, "sender_id": "s", "tracker": {"latest_message": message}}


def test_only_calls_of_searching_actions_start_the_encoder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[str] = []
    monkeypatch.setattr(resolve_module, "prefetch_question", started.append)
    start_encoding(_call("action_answer_fee", "lệ phí đăng ký khai sinh"))
    start_encoding(_call("action_clarify", "giấy phép bán rượu"))
    start_encoding(_call("action_answer_dossier_status", "hồ sơ 000.00.12.H48-251120-0001"))
    start_encoding(_call("action_store_feedback", "rất tốt"))
    start_encoding(_call("action_answer_fee", None))
    start_encoding({"next_action": "action_answer_fee", "tracker": None})
    start_encoding(["not", "a", "call"])
    assert started == ["lệ phí đăng ký khai sinh", "giấy phép bán rượu"]
    assert "action_out_of_scope" in server_module.SEARCHING_ACTIONS


def test_prefetch_starts_the_query_the_resolution_searches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with session_scope(get_engine()) as session:
        get_index(session)  # the index a running server holds after its warm-up
        started: list[str] = []
        searched: list[str] = []
        real_prefetch, real_search = ProcedureIndex.prefetch, ProcedureIndex.search

        def prefetch(self: ProcedureIndex, question: str) -> float:
            started.append(question)
            return real_prefetch(self, question)

        def search(self: ProcedureIndex, question: str, limit: int = 5) -> list[Any]:
            searched.append(question)
            return real_search(self, question, limit)

        monkeypatch.setattr(ProcedureIndex, "prefetch", prefetch)
        monkeypatch.setattr(ProcedureIndex, "search", search)
        for text in (
            '/ask_fee{"procedure_code":"1.001193"}',
            "thủ tục 1.001193",
            "Còn lệ phí thì sao?",
        ):
            prefetch_question(text)  # a payload, a typed code, no procedure word
        assert started == []
        question = "Lệ phí làm lại CCCD bị mất ở xã mất bao lâu"
        prefetch_question(question)
        resolution = resolve(session, question)
    assert resolution.outcome in {"answer", "choose", "confirm"}
    assert searched and started == [searched[0], searched[0]]  # ahead, then by the search
