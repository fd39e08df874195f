"""Admin API: permissions, validation, edits with audit, decisions (preview, apply, rollback)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from knowledge.clock import local_now, local_today
from knowledge.config import PROJECT_ROOT

DEMO = PROJECT_ROOT / "data" / "decisions" / "quyet-dinh-mau.csv"
TEMPORARY_RESIDENCE = "1.004194"
HEADER = "Mã số,Hành động,Số quyết định,Ngày hiệu lực,Mã thay thế,Phí trực tuyến\n"

Headers = dict[str, str]


@pytest.fixture()
def admin_headers(staff_headers: Callable[[str, str], Headers]) -> Headers:
    """The Authorization header of a signed-in admin named ``quantri``."""
    return staff_headers("quantri", "admin")


def _upload(client: TestClient, headers: Headers, data: bytes, dry_run: bool, name: str = "qd.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/admin/decisions?dry_run={str(dry_run).lower()}",
        files={"file": (name, data, "text/csv")},
        headers=headers,
    )


def _online_fee(client: TestClient, code: str) -> str:
    card = client.get(f"/api/procedures/{code}").json()
    return next(c["fee_text"] for c in card["channels"] if c["channel"] == "online")


READS = [
    ("get", "/api/admin/procedures"),
    ("get", f"/api/admin/procedures/{TEMPORARY_RESIDENCE}"),
    ("get", "/api/admin/audit"),
    ("get", "/api/admin/decisions"),
    ("get", "/api/admin/lexicon"),
]
WRITES = [
    ("patch", f"/api/admin/procedures/{TEMPORARY_RESIDENCE}", {"json": {"name": "Tạm trú"}}),
    ("post", "/api/admin/decisions?dry_run=true", {"files": {"file": ("a.csv", b"x")}}),
    ("post", "/api/admin/decisions/1/rollback", {}),
    ("get", "/api/admin/decisions/1/rollback", {}),
    ("post", "/api/admin/lexicon", {"json": {"term": "tạm trú", "procedure_code": "1.004194"}}),
    ("delete", "/api/admin/lexicon/1", {}),
]


@pytest.mark.parametrize(("method", "url"), READS)
def test_reads_need_a_staff_account(
    client: TestClient, agent_headers: Headers, method: str, url: str
) -> None:
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 401
    assert (
        "đăng nhập" in anonymous.json()["detail"].lower()
        or "mã truy cập" in anonymous.json()["detail"].lower()
    )
    assert getattr(client, method)(url, headers=agent_headers).status_code == 200


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_writes_are_for_admins_only(
    client: TestClient, agent_headers: Headers, method: str, url: str, body: dict
) -> None:
    assert getattr(client, method)(url, **body).status_code == 401
    refused = getattr(client, method)(url, headers=agent_headers, **body)
    assert refused.status_code == 403
    assert client.get("/api/admin/audit", headers=agent_headers).json() == []


def test_patch_fee_is_live_and_audited(client: TestClient, admin_headers: Headers) -> None:
    response = client.patch(
        f"/api/admin/procedures/{TEMPORARY_RESIDENCE}",
        json={
            "channels": [
                {"channel": "online", "time_text": "1 ngày làm việc", "fee_text": "4.000 đồng"}
            ],
            "decision_number": "3/QĐ-UBND",
        },
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [c["attribute"] for c in body["changes"]] == ["channel:in_person", "channel:online"]
    assert body["procedure"]["channels"][0]["fee_amount"] == 4000
    assert _online_fee(client, TEMPORARY_RESIDENCE) == "4.000 đồng"
    audit = client.get(
        f"/api/admin/audit?code={TEMPORARY_RESIDENCE}&user=quantri", headers=admin_headers
    ).json()
    assert {(e["attribute"], e["actor"], e["decision_number"]) for e in audit} == {
        ("channel:in_person", "quantri", "3/QĐ-UBND"),
        ("channel:online", "quantri", "3/QĐ-UBND"),
    }


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"name": "x"}, "name"),
        ({"channels": [{"channel": "fax"}]}, "channels"),
        ({"status": "tam_ngung"}, "status"),
        ({"status_date": "31/02/2026"}, "status_date"),
    ],
)
def test_invalid_patch_is_422_in_vietnamese(
    client: TestClient, admin_headers: Headers, payload: dict, where: str
) -> None:
    response = client.patch(
        f"/api/admin/procedures/{TEMPORARY_RESIDENCE}", json=payload, headers=admin_headers
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Yêu cầu không hợp lệ")
    assert where in response.json()["detail"]


def test_patch_errors_from_the_knowledge_layer(client: TestClient, admin_headers: Headers) -> None:
    missing = client.patch("/api/admin/procedures/9.999999", json={}, headers=admin_headers)
    assert missing.status_code == 404 and "Không tìm thấy" in missing.json()["detail"]
    abolish = client.patch(
        f"/api/admin/procedures/{TEMPORARY_RESIDENCE}",
        json={"status": "abolished"},
        headers=admin_headers,
    )
    assert abolish.status_code == 422 and "số quyết định" in abolish.json()["detail"]


def test_list_filters(client: TestClient, agent_headers: Headers) -> None:
    everything = client.get("/api/admin/procedures", headers=agent_headers).json()
    assert everything["total"] == 20
    civil = client.get(
        "/api/admin/procedures?field=Hộ tịch&level=Cấp xã&status=in_force", headers=agent_headers
    ).json()
    assert civil["total"] == 5 and all(p["field"] == "Hộ tịch" for p in civil["items"])
    by_words = client.get("/api/admin/procedures?q=kết hôn", headers=agent_headers).json()
    assert {p["code"] for p in by_words["items"]} == {"1.000894", "2.000806"}
    bad = client.get("/api/admin/procedures?status=xoa", headers=agent_headers)
    assert bad.status_code == 422 and "Tình trạng" in bad.json()["detail"]


def test_decision_preview_apply_rollback(client: TestClient, admin_headers: Headers) -> None:
    old_fee = _online_fee(client, TEMPORARY_RESIDENCE)
    preview = _upload(client, admin_headers, DEMO.read_bytes(), dry_run=True, name=DEMO.name)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["dry_run"] and body["decision"] is None
    assert [p["code"] for p in body["preview"]["added"]] == ["1.099001"]
    assert _online_fee(client, TEMPORARY_RESIDENCE) == old_fee

    applied = _upload(client, admin_headers, DEMO.read_bytes(), dry_run=False, name=DEMO.name)
    assert applied.status_code == 200, applied.text
    decision = applied.json()["decision"]
    assert decision["state"] in ("applied", "scheduled") and decision["rows"] == 4
    if decision["state"] == "applied":
        assert _online_fee(client, TEMPORARY_RESIDENCE) == "5.000 đồng/lần đăng ký"
        abolished = client.get("/api/procedures/2.001195").json()
        assert abolished["status"] == "abolished" and abolished["replaced_by_code"] == "1.014063"

    rolled = client.post(f"/api/admin/decisions/{decision['id']}/rollback", headers=admin_headers)
    assert rolled.status_code == 200 and rolled.json()["state"] == "rolled_back"
    assert _online_fee(client, TEMPORARY_RESIDENCE) == old_fee
    assert client.get("/api/procedures/1.099001").status_code == 404
    again = client.post(f"/api/admin/decisions/{decision['id']}/rollback", headers=admin_headers)
    assert again.status_code == 422 and "không thể hoàn tác" in again.json()["detail"]


def test_rollback_after_a_hand_edit_is_refused_with_409_and_a_preview(
    client: TestClient, admin_headers: Headers
) -> None:
    old_fee = _online_fee(client, TEMPORARY_RESIDENCE)
    day = local_today().strftime("%d/%m/%Y")
    data = (HEADER + f"{TEMPORARY_RESIDENCE},sửa đổi,77/QĐ-UBND,{day},,6.000 đồng\n").encode()
    applied = _upload(client, admin_headers, data, dry_run=False)
    assert applied.status_code == 200, applied.text
    decision_id = applied.json()["decision"]["id"]
    preview = client.get(f"/api/admin/decisions/{decision_id}/rollback", headers=admin_headers)
    assert preview.status_code == 200 and preview.json()["edited_since"] == []
    assert [p["code"] for p in preview.json()["restored"]] == [TEMPORARY_RESIDENCE]
    edit = {"channels": [{"channel": "online", "time_text": "", "fee_text": "7.000 đồng"}]}
    patched = client.patch(
        f"/api/admin/procedures/{TEMPORARY_RESIDENCE}", json=edit, headers=admin_headers
    )
    assert patched.status_code == 200, patched.text

    preview = client.get(f"/api/admin/decisions/{decision_id}/rollback", headers=admin_headers)
    [edited] = preview.json()["edited_since"]
    assert edited["code"] == TEMPORARY_RESIDENCE and edited["edited_by"] == ["quantri"]
    refused = client.post(f"/api/admin/decisions/{decision_id}/rollback", headers=admin_headers)
    assert refused.status_code == 409
    assert TEMPORARY_RESIDENCE in refused.json()["detail"]
    assert "sửa tay" in refused.json()["detail"]
    assert _online_fee(client, TEMPORARY_RESIDENCE) == "7.000 đồng"
    forced = client.post(
        f"/api/admin/decisions/{decision_id}/rollback?overwrite_edits=true", headers=admin_headers
    )
    assert forced.status_code == 200 and forced.json()["state"] == "rolled_back"
    assert _online_fee(client, TEMPORARY_RESIDENCE) == old_fee


def test_broken_decision_changes_nothing(client: TestClient, admin_headers: Headers) -> None:
    today = local_today().strftime("%d/%m/%Y")
    data = (
        HEADER
        + f"{TEMPORARY_RESIDENCE},sửa đổi,8/QĐ-UBND,{today},,1 đồng\n"
        + f"1.000894,bãi bỏ,8/QĐ-UBND,{today},7.777777,\n"
    ).encode()
    old_fee = _online_fee(client, TEMPORARY_RESIDENCE)
    preview = _upload(client, admin_headers, data, dry_run=True).json()["preview"]
    assert [(e["row"], e["code"]) for e in preview["errors"]] == [(3, "1.000894")]
    applied = _upload(client, admin_headers, data, dry_run=False)
    assert applied.status_code == 422
    assert "dòng 3: Mã thay thế 7.777777" in applied.json()["detail"]
    assert _online_fee(client, TEMPORARY_RESIDENCE) == old_fee
    assert client.get("/api/admin/decisions", headers=admin_headers).json() == []
    unreadable = _upload(client, admin_headers, b"%PDF", dry_run=True, name="qd.pdf")
    assert unreadable.status_code == 422 and ".csv hoặc .xlsx" in unreadable.json()["detail"]


def test_future_decision_is_scheduled(client: TestClient, admin_headers: Headers) -> None:
    later = (local_today() + timedelta(days=30)).strftime("%d/%m/%Y")
    data = (HEADER + f"{TEMPORARY_RESIDENCE},sửa đổi,9/QĐ-UBND,{later},,2.000 đồng\n").encode()
    old_fee = _online_fee(client, TEMPORARY_RESIDENCE)
    applied = _upload(client, admin_headers, data, dry_run=False).json()
    assert not applied["preview"]["takes_effect_now"]
    assert applied["decision"]["state"] == "scheduled"
    assert _online_fee(client, TEMPORARY_RESIDENCE) == old_fee


def test_lexicon_word_from_the_api_reaches_search(
    client: TestClient, admin_headers: Headers
) -> None:
    question = "xin giấy ở nhờ nhà bạn"
    created = client.post(
        "/api/admin/lexicon",
        json={"term": "giấy ở nhờ", "procedure_code": TEMPORARY_RESIDENCE},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["procedure_name"] == "Đăng ký tạm trú"
    deadline = time.monotonic() + 20  # the index is rebuilt in the background
    while True:
        hits = client.get("/api/procedures/search", params={"q": question}).json()["results"]
        if hits[:1] and hits[0]["code"] == TEMPORARY_RESIDENCE or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert hits[0]["code"] == TEMPORARY_RESIDENCE
    duplicate = client.post(
        "/api/admin/lexicon",
        json={"term": "giấy ở nhờ", "procedure_code": TEMPORARY_RESIDENCE},
        headers=admin_headers,
    )
    assert duplicate.status_code == 422 and "đã gắn" in duplicate.json()["detail"]
    word_id = created.json()["id"]
    assert client.delete(f"/api/admin/lexicon/{word_id}", headers=admin_headers).status_code == 204
    assert client.get("/api/admin/lexicon", headers=admin_headers).json() == []


def test_analytics_summary_and_csv(
    client: TestClient, admin_headers: Headers, agent_headers: Headers
) -> None:
    from datetime import timedelta as delta

    from knowledge.chat.models import ChatFeedback, ChatMessage, ChatSession, Handoff
    from knowledge.db import get_engine, session_scope
    from knowledge.models import LookupAttempt

    now = local_now()
    with session_scope(get_engine()) as session:
        for succeeded in (True, False, False):
            session.add(LookupAttempt(conversation_id="c1", succeeded=succeeded, at=now))
        session.add(
            ChatSession(id="s1", token_hash="x", mode="bot", created_at=now, last_active_at=now)
        )
        session.flush()
        for role, codes, buttons in (
            ("user", "", "[]"),
            ("bot", TEMPORARY_RESIDENCE, "[]"),
            ("user", "", "[]"),
            ("bot", "1.000894,2.000806", '[{"title": "a", "payload": "/b"}]'),
            ("bot", TEMPORARY_RESIDENCE, "[]"),
        ):
            session.add(
                ChatMessage(session_id="s1", role=role, text="…", buttons=buttons,
                            procedure_codes=codes, created_at=now)
            )  # fmt: skip
        session.add(ChatFeedback(session_id="s1", kind="thumb", value=1, created_at=now))
        session.add(ChatFeedback(session_id="s1", kind="thumb", value=-1, created_at=now))
        session.add(ChatFeedback(session_id="s1", kind="rating", value=4, created_at=now))
        session.add(ChatFeedback(session_id="s1", kind="rating", value=5, created_at=now))
        session.add(
            Handoff(session_id="s1", status="closed", reason="asked",
                    created_at=now - delta(seconds=90), claimed_at=now)
        )  # fmt: skip
        session.add(Handoff(session_id="s1", status="callback", reason="fallback", created_at=now))
    client.patch(
        f"/api/admin/procedures/{TEMPORARY_RESIDENCE}",
        json={"name": "Đăng ký tạm trú (thử)"},
        headers=admin_headers,
    )
    assert client.get("/api/admin/analytics/summary").status_code == 401
    figures = client.get("/api/admin/analytics/summary", headers=agent_headers).json()
    assert figures["procedures_by_status"]["in_force"] == 20
    today = [d for d in figures["lookups_per_day"] if d["day"] == now.date().isoformat()]
    assert today == [{"day": now.date().isoformat(), "lookups": 3, "failed": 2}]
    assert sum(d["count"] for d in figures["changes_per_day"]) == 1
    assert len(figures["changes_per_day"]) == 30
    chat = [d for d in figures["chat_per_day"] if d["day"] == now.date().isoformat()][0]
    assert (chat["conversations"], chat["questions"]) == (1, 2)
    assert (chat["thumbs_up"], chat["thumbs_down"], chat["ratings"]) == (1, 1, 2)
    assert chat["rating_mean"] == 4.5 and (chat["handoffs"], chat["callbacks"]) == (2, 1)
    assert figures["most_cited_procedures"][0] == {
        "code": TEMPORARY_RESIDENCE,
        "name": "Đăng ký tạm trú (thử)",
        "answers": 2,
    }
    assert figures["direct_answer_share"] == round(2 / 3, 4)
    assert figures["handoff_wait_seconds_mean"] == 90.0
    export = client.get("/api/admin/analytics/summary.csv", headers=agent_headers)
    assert export.headers["content-type"].startswith("text/csv")
    assert f"{now.date().isoformat()},1,3,2,1,2,1,1,2,4.5,2,1" in export.text
    wrong = client.get(
        "/api/admin/analytics/summary?from=2026-02-01&to=2026-01-01", headers=agent_headers
    )
    assert wrong.status_code == 422 and "Ngày bắt đầu" in wrong.json()["detail"]


def test_analytics_groups_unanswered_questions_and_renders_the_dashboard(
    client: TestClient, admin_headers: Headers, agent_headers: Headers
) -> None:
    from knowledge.db import get_engine, session_scope
    from tests.chat_seed import RESIDENCE, seed_conversations

    today = local_today()
    with session_scope(get_engine()) as session:
        expected = seed_conversations(session, today)
    since = (today - timedelta(days=2)).isoformat()
    range_ = f"from={since}&to={today.isoformat()}"
    figures = client.get(f"/api/admin/analytics/summary?{range_}", headers=agent_headers).json()
    assert figures["unanswered_questions"] == expected.unanswered
    assert figures["low_confidence_questions"] == expected.low_confidence
    assert (figures["direct_answers"], figures["menu_answers"]) == (4, 1)
    groups = figures["question_groups"]
    # The three wordings of "giấy ở nhờ" form one group, the two of "nuôi chó" another.
    assert [g["count"] for g in groups] == [3, 2, 1]
    assert set(groups[0]["samples"]) == {
        "giấy ở nhờ làm ở đâu",
        "xin giấy ở nhờ cho con",
        "làm giấy ở nhờ ở đâu",
    }
    assert (groups[0]["unanswered"], groups[0]["low_confidence"]) == (3, 0)
    assert "ở nhờ" in groups[0]["term"]
    suggested = client.get(f"/api/procedures/{groups[0]['procedure_code']}").json()
    assert suggested["name"] == groups[0]["procedure_name"]  # the search's likeliest, to confirm
    assert set(groups[1]["samples"]) == {"nuôi chó có phải đăng ký không", "đăng ký nuôi chó mèo"}
    assert groups[2] == {**groups[2], "count": 1, "unanswered": 0, "low_confidence": 1}
    waits = {d["day"]: d["wait_seconds_mean"] for d in figures["chat_per_day"]}
    assert waits[since] == 120.0 and waits[today.isoformat()] == 60.0

    url = f"/api/admin/analytics/dashboard?{range_}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=agent_headers).status_code == 403
    page = client.get(url, headers=admin_headers)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    # Six SVG charts named by their titles and the most asked procedures as a list of bars;
    # each of the seven with its table.
    assert html.count('role="img"') == 6 and html.count("<table") == 7
    assert '<div class="kpi"><dt>Cuộc trò chuyện</dt><dd>8</dd></div>' in html
    assert "<dt>Điểm trung bình (1–5)</dt><dd>4,0</dd>" in html
    assert "<dt>Chờ trung bình (giây)</dt><dd>90,0</dd>" in html
    assert "<dt>Trả lời trực tiếp</dt><dd>80,0%</dd>" in html
    assert f"{RESIDENCE} · Đăng ký tạm trú" in html
    assert 'id="gap-term-1"' in html and f'value="{groups[0]["procedure_code"]}"' in html
    assert f"/api/admin/analytics/summary.csv?{range_}".replace("&", "&amp;") in html
    wrong = client.get(
        "/api/admin/analytics/dashboard?from=2026-02-01&to=2026-01-01", headers=admin_headers
    )
    assert wrong.status_code == 422 and "Ngày bắt đầu" in wrong.json()["detail"]


def test_answer_quality_markers_reach_the_stored_bot_message() -> None:
    from actions.answers import LOW_CONFIDENCE_MARKER, UNANSWERED_MARKER
    from knowledge.enums import AnswerQuality

    assert UNANSWERED_MARKER == {"answer_quality": AnswerQuality.unanswered.value}
    assert LOW_CONFIDENCE_MARKER == {"answer_quality": AnswerQuality.low_confidence.value}


def test_question_groups_without_the_encoder_fall_back_to_the_same_words(
    client: TestClient, agent_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge.analytics import group_questions
    from knowledge.config import get_settings
    from knowledge.db import get_engine, session_scope
    from knowledge.enums import AnswerQuality

    monkeypatch.setattr(get_settings(), "semantic_search", False)
    unanswered, unsure = AnswerQuality.unanswered, AnswerQuality.low_confidence
    questions = [
        ("giấy ở nhờ", unanswered),
        ("Giay o nho", unanswered),
        ("giấy  ở nhờ", unsure),
        ("nuôi chó", unanswered),
    ]
    with session_scope(get_engine()) as session:
        groups = group_questions(session, questions)
    assert [(g.count, g.unanswered, g.low_confidence) for g in groups] == [(3, 2, 1), (1, 1, 0)]
    assert groups[0].samples == ["giấy ở nhờ", "Giay o nho"]
