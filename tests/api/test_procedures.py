"""The read API: search, procedure cards, fields, health, and its errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from knowledge.answers import format_answer
from knowledge.schemas import ProcedureCard


def test_health_reports_the_catalog_size(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "procedures": 20}


@pytest.mark.parametrize("question", ["đăng ký khai sinh cho con", "dang ky khai sinh cho con"])
def test_search_ranks_the_asked_procedure_first(client: TestClient, question: str) -> None:
    response = client.get("/api/procedures/search", params={"q": question, "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == question
    assert len(body["results"]) <= 3
    first = body["results"][0]
    assert first["code"] == "1.001193"
    assert first["name"] == "Thủ tục đăng ký khai sinh"
    assert first["score"] > 0


def test_search_understands_citizen_slang(client: TestClient) -> None:
    response = client.get("/api/procedures/search", params={"q": "đổi bằng lái xe ở đâu"})
    codes = [hit["code"] for hit in response.json()["results"]]
    assert "3.000347" in codes[:2]


@pytest.mark.parametrize("question", ["", "   ", "x" * 10_000])
def test_empty_or_huge_questions_are_refused_in_vietnamese(
    client: TestClient, question: str
) -> None:
    response = client.get("/api/procedures/search", params={"q": question})
    assert response.status_code == 422
    assert "Câu hỏi" in response.json()["detail"]


def test_missing_question_is_refused_in_vietnamese(client: TestClient) -> None:
    response = client.get("/api/procedures/search")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Yêu cầu không hợp lệ")


def test_limit_out_of_range_is_refused(client: TestClient) -> None:
    response = client.get("/api/procedures/search", params={"q": "khai sinh", "limit": 500})
    assert response.status_code == 422


def test_procedure_card_has_channels_papers_and_legal_basis(client: TestClient) -> None:
    response = client.get("/api/procedures/1.001193")
    assert response.status_code == 200
    card = response.json()
    assert card["code"] == "1.001193"
    assert card["status"] == "in_force"
    assert card["field"] == "Hộ tịch"
    assert {c["channel_label"] for c in card["channels"]} >= {"Trực tiếp", "Trực tuyến"}
    assert card["papers"][0]["name"]
    assert card["legal_documents"][0]["number"]
    assert card["detail_url"].startswith("https://")


def test_procedure_summary_is_what_the_bot_says(client: TestClient) -> None:
    card = ProcedureCard(**client.get("/api/procedures/1.001193").json())
    response = client.get("/api/procedures/1.001193/summary")
    assert response.status_code == 200
    summary = response.json()
    assert summary["code"] == "1.001193"
    assert [c["channel"] for c in summary["channels"]] == [c.channel for c in card.channels]
    # The same renderer: each channel's time and fee appear in the bot's answers.
    for channel in summary["channels"]:
        assert channel["time"] in format_answer(card, "processing_time")
        assert channel["fee"] in format_answer(card, "fee")
    assert summary["papers"][0].startswith("Tờ khai đăng ký khai sinh")
    assert summary["text"].splitlines()[0] == "Thủ tục đăng ký khai sinh (mã 1.001193) — Cấp xã"


def test_summary_of_an_unknown_code_is_404_in_vietnamese(client: TestClient) -> None:
    response = client.get("/api/procedures/9.999999/summary")
    assert response.status_code == 404
    assert "9.999999" in response.json()["detail"]


def test_unknown_code_is_404_in_vietnamese(client: TestClient) -> None:
    response = client.get("/api/procedures/9.999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy thủ tục có mã 9.999999."}


def test_malformed_code_is_422(client: TestClient) -> None:
    response = client.get("/api/procedures/abc")
    assert response.status_code == 422
    assert "không hợp lệ" in response.json()["detail"]


def test_fields_are_listed_with_counts(client: TestClient) -> None:
    response = client.get("/api/fields")
    assert response.status_code == 200
    fields = {row["name"]: row["procedures"] for row in response.json()}
    assert fields["Hộ tịch"] >= 4
    assert sum(fields.values()) == 20


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/procedures/search", "/api/procedures/{code}", "/api/fields", "/health"} <= set(
        paths
    )


def test_api_routes_are_rate_limited_but_pages_are_not(configured_database: str) -> None:
    from knowledge.api.app import create_app

    with TestClient(create_app(rate_limit="3/minute")) as limited:
        statuses = [limited.get("/api/fields").status_code for _ in range(4)]
        pages = [limited.get("/health").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429]
    assert pages == [200] * 5


def test_resolve_answers_the_likeliest_variant_with_the_others_labelled(
    client: TestClient,
) -> None:
    """The agent console and the bot share one rule: the base variant, the others short."""
    response = client.get("/api/procedures/resolve", params={"q": "đăng ký kết hôn cần gì"})
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "answer" and body["code"] == "1.000894"
    assert {"code": "2.000806", "label": "Có yếu tố nước ngoài"} in body["alternatives"]
    # Other procedures ranked close are a list of their own, never the answer or a variant.
    related = {item["code"] for item in body["related"]}
    assert not related & ({body["code"]} | {alt["code"] for alt in body["alternatives"]})


def test_resolve_a_follow_up_keeps_the_current_procedure(client: TestClient) -> None:
    """ "còn lệ phí thì sao" with a current procedure resolves to it."""
    response = client.get(
        "/api/procedures/resolve", params={"q": "còn lệ phí thì sao", "current": "1.001193"}
    )
    assert response.json()["outcome"] == "answer"
    assert response.json()["code"] == "1.001193"


def test_resolve_names_a_replaced_paper(client: TestClient) -> None:
    """A question naming a replaced paper (CMND) carries the note and its legal source."""
    body = client.get("/api/procedures/resolve", params={"q": "mất chứng minh nhân dân"}).json()
    assert "Luật Căn cước số 26/2023/QH15" in body["notice"]
