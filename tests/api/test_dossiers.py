"""The dossier API: pushes from the one-stop system, and agents' audited reads."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from knowledge.db import get_engine, session_scope
from knowledge.dossiers.store import list_audit
from tests.dossier_payloads import CODE, commune_payload

INGEST = {"Authorization": "Bearer dev-ingest-token"}


def _dossier(**overrides: Any) -> dict[str, Any]:
    """The shared push, at a commune, with times as the one-stop system sends them (UTC+7)."""
    times = {"received_at": "2025-11-20T08:30:00+07:00", "changed_at": "2025-11-20T14:00:00+07:00"}
    return commune_payload(**{**times, **overrides})


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, "agent", {"Authorization": "dev-ingest-token"}],
)
def test_push_needs_the_ingest_token(
    client: TestClient, headers: dict[str, str] | str, agent_headers: dict[str, str]
) -> None:
    headers = agent_headers if headers == "agent" else headers
    response = client.post("/api/dossiers", json=_dossier(), headers=headers)
    assert response.status_code == 401
    assert "mã truy cập" in response.json()["detail"].lower()


def test_create_then_update_appends_history(
    client: TestClient, agent_headers: dict[str, str]
) -> None:
    created = client.post("/api/dossiers", json=_dossier(), headers=INGEST)
    assert created.status_code == 201
    assert created.json() == {
        "code": CODE,
        "created": True,
        "state": "in_progress",
        "history_length": 2,
    }
    resent = client.post("/api/dossiers", json=_dossier(), headers=INGEST)
    assert resent.status_code == 200 and resent.json()["history_length"] == 2
    update = _dossier(
        state="result_ready", current_step="Trả kết quả", changed_at="2025-11-21T10:00:00+07:00"
    )
    updated = client.post("/api/dossiers", json=update, headers=INGEST)
    assert updated.status_code == 200
    assert updated.json() == {
        "code": CODE,
        "created": False,
        "state": "result_ready",
        "history_length": 3,
    }
    record = client.get(f"/api/dossiers/{CODE}", headers=agent_headers).json()
    assert [h["state"] for h in record["history"]] == ["received", "in_progress", "result_ready"]
    assert record["finished_at"] == "2025-11-21T10:00:00+07:00"


def test_bad_payload_is_422_with_vietnamese_reasons(client: TestClient) -> None:
    response = client.post(
        "/api/dossiers", headers=INGEST, json=_dossier(applicant_phone="12", state="done")
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("Dữ liệu hồ sơ không hợp lệ — ")
    assert "state: phải là một trong: received" in detail
    assert "applicant_phone: số điện thoại phải có 10–11 chữ số" in detail


def test_non_object_body_and_unknown_procedure_are_422(client: TestClient) -> None:
    assert client.post("/api/dossiers", headers=INGEST, json=[1]).status_code == 422
    response = client.post(
        "/api/dossiers", headers=INGEST, json=_dossier(procedure_code="9.999999")
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Thủ tục mã 9.999999 không có trong danh mục thủ tục hành chính."
    }


def test_agent_read_returns_the_full_record_and_is_audited(
    client: TestClient, agent_headers: dict[str, str]
) -> None:
    client.post("/api/dossiers", json=_dossier(), headers=INGEST)
    response = client.get("/api/dossiers/000 00 12 h48 251120 0001", headers=agent_headers)
    assert response.status_code == 200
    record = response.json()
    assert record["code"] == CODE
    assert record["procedure_name"] == "Thủ tục đăng ký khai sinh"
    assert (record["applicant_name"], record["applicant_phone"], record["applicant_id_number"]) == (
        "Nguyễn Văn An",
        "0912345678",
        "051090001234",
    )
    assert record["received_at"] == "2025-11-20T08:30:00+07:00"
    assert record["due_at"] == "2025-11-21T08:30:00+07:00"  # 1 (working) day
    assert record["state_label"] == "Đang giải quyết"
    missing = client.get("/api/dossiers/000.00.12.H48-251120-0999", headers=agent_headers)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Không tìm thấy hồ sơ có mã 000.00.12.H48-251120-0999."}
    with session_scope(get_engine()) as session:
        audit = [(e.actor, e.action, e.target) for e in list_audit(session)]
    assert sorted(audit) == [
        ("agent-demo", "read_dossier", CODE),
        ("agent-demo", "read_dossier_not_found", "000.00.12.H48-251120-0999"),
    ]


@pytest.mark.parametrize("headers", [{}, INGEST, {"Authorization": "Bearer nope"}])
def test_agent_read_needs_an_agent_token_and_leaves_no_audit(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get(f"/api/dossiers/{CODE}", headers=headers)
    assert response.status_code == 401
    with session_scope(get_engine()) as session:
        assert list_audit(session) == []


def test_malformed_code_is_422(client: TestClient, agent_headers: dict[str, str]) -> None:
    response = client.get("/api/dossiers/abc", headers=agent_headers)
    assert response.status_code == 422
    assert "không hợp lệ" in response.json()["detail"]


def test_openapi_documents_the_dossier_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/api/dossiers"]["post"]["description"].startswith("Create a dossier")
    assert "get" in paths["/api/dossiers/{code}"]
