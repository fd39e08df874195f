"""Dossier status lookup through the REST channel, against real Rasa, action and API servers.

Dossiers are written into the servers' database (the one-stop system's push, or the store);
each test is its own conversation. The "source down" case runs a second Rasa and action
server whose status source is an HTTP service on a closed port.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bench.bot_servers import free_port
from knowledge.accounts import create_user
from knowledge.config import get_settings
from knowledge.db import make_engine, session_scope
from knowledge.dossiers.ingest import parse_dossier
from knowledge.dossiers.messages import not_verified_message
from knowledge.dossiers.store import list_audit, procedure_name, upsert_dossier
from tests.e2e.conftest import Servers, push_dossier, start_servers

pytestmark = pytest.mark.e2e

PROCEDURE = "1.001193"  # đăng ký khai sinh: in the national export and in the sample
PHONE, DIGITS, ID_NUMBER = "0935123456", "3456", "051190009876"
ASK_DIGITS = "4 số cuối của số điện thoại"
RUN = uuid.uuid4().hex[:4]  # codes unique per test session: yymmdd stays a date
PREFIX = f"000.{int(RUN, 16) % 90 + 10:02d}.99.H48-251120"

STATES: dict[str, dict[str, Any]] = {
    "received": {"current_step": "Tiếp nhận hồ sơ"},
    "in_progress": {"current_step": "Thẩm định hồ sơ"},
    "needs_supplement": {
        "current_step": "Yêu cầu bổ sung",
        "state_reason": "Bản sao giấy chứng sinh có chứng thực.",
    },
    "result_ready": {
        "current_step": "Trả kết quả",
        "result_delivery": "postal",
        "fee_paid_online": True,
    },
    "returned": {"current_step": "Đã trả kết quả", "finished_at": "2025-11-21T15:00:00"},
    "rejected": {"current_step": "Từ chối", "state_reason": "Không thuộc thẩm quyền của xã."},
    "withdrawn": {"current_step": "Công dân rút hồ sơ", "finished_at": "2025-11-21T09:00:00"},
}
EXPECTED = {
    "received": ["Tình trạng: đã tiếp nhận", "bạn nhận trực tiếp tại Bộ phận Một cửa"],
    "in_progress": [
        'đang giải quyết (bước "Thẩm định hồ sơ") tại Ủy ban nhân dân xã Bình Sơn',
        "Hẹn trả kết quả: 17:00 ngày 31/12/2099",
    ],
    "needs_supplement": [
        "cần bổ sung hồ sơ",
        "Cần bổ sung: Bản sao giấy chứng sinh có chứng thực.",
    ],
    "result_ready": [
        "đã có kết quả, đang chờ trả",
        "bưu chính công ích",
        "đã thanh toán trực tuyến",
    ],
    "returned": ["đã trả kết quả lúc 15:00 ngày 21/11/2025"],
    "rejected": ["không đủ điều kiện giải quyết", "Lý do: Không thuộc thẩm quyền của xã."],
    "withdrawn": ["đã được rút theo đề nghị của người nộp"],
}


def _code(n: int) -> str:
    return f"{PREFIX}-{n:04d}"


def push(database_url: str, code: str, **fields: Any) -> None:
    """Store a dossier in the servers' database, as a push from the one-stop system would."""
    data = {
        "code": code,
        "procedure_code": PROCEDURE,
        "receiving_agency": "Bộ phận Một cửa UBND xã Bình Sơn",
        "handling_agency": "Ủy ban nhân dân xã Bình Sơn",
        "state": "in_progress",
        "received_at": "2025-11-20T08:30:00",
        "due_at": "2099-12-31T17:00:00",
        "applicant_name": "Trần Thị Mỹ Linh",
        "applicant_phone": PHONE,
        "applicant_id_number": ID_NUMBER,
        **fields,
    }
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        upsert_dossier(session, parse_dossier(data))
    engine.dispose()


@pytest.fixture(scope="module")
def codes(servers: Servers) -> dict[str, str]:
    """One dossier per state in the running servers' database."""
    codes = {}
    for n, (state, fields) in enumerate(STATES.items(), start=1):
        codes[state] = _code(n)
        push(servers.database_url, codes[state], state=state, **fields)
    return codes


def texts(messages: list[dict[str, Any]]) -> str:
    """The bot's texts of one turn."""
    return "\n".join(m.get("text", "") for m in messages)


def converse(servers: Servers, sender: str, *turns: str) -> list[str]:
    """Send each turn; return the bot's reply to each."""
    return [texts(servers.send(sender, turn)) for turn in turns]


def assert_private(replies: list[str]) -> None:
    """No phone number, ID number, last digits or full name in anything the bot said."""
    said = "\n".join(replies)
    for secret in (PHONE, ID_NUMBER, DIGITS, "Trần Thị Mỹ Linh", "Mỹ Linh"):
        assert secret not in said


@pytest.mark.parametrize("state", list(STATES))
def test_each_status_is_answered_after_verification(
    servers: Servers, codes: dict[str, str], sender: str, state: str
) -> None:
    asked, answer = converse(servers, sender, f"tra cứu hồ sơ {codes[state]}", DIGITS)
    assert ASK_DIGITS in asked
    assert answer.startswith(f"Hồ sơ {codes[state]} — ")
    with session_scope(make_engine(servers.database_url)) as session:
        assert (procedure_name(session, PROCEDURE) or "") in answer.splitlines()[0]
    assert "Người nộp: T*** T** M* L" in answer
    assert "Tiếp nhận: 08:30 ngày 20/11/2025" in answer
    for expected in EXPECTED[state]:
        assert expected in answer
    assert_private([asked, answer])


def test_code_asked_for_and_typed_loosely(
    servers: Servers, codes: dict[str, str], sender: str
) -> None:
    loose = codes["in_progress"].lower().replace(".", " ").replace("-", " ")
    first, second, third = converse(
        servers, sender, "hồ sơ của tôi đến đâu rồi", f"mã của em là {loose} ạ", f"số cuối {DIGITS}"
    )
    assert "mã hồ sơ" in first and "000.00.12.H48-251120-0001" in first
    assert ASK_DIGITS in second
    assert "đang giải quyết" in third
    assert_private([first, second, third])


def test_wrong_factor_and_unknown_code_get_the_same_answer(
    servers: Servers, codes: dict[str, str]
) -> None:
    wrong_digits = converse(
        servers, f"e2e-{uuid.uuid4().hex[:8]}", f"tra cứu hồ sơ {codes['in_progress']}", "1111"
    )[-1]
    unknown = converse(
        servers, f"e2e-{uuid.uuid4().hex[:8]}", f"tra cứu hồ sơ {_code(9999)}", DIGITS
    )[-1]
    malformed = converse(
        servers, f"e2e-{uuid.uuid4().hex[:8]}", "tra cứu hồ sơ", "000.00.12.H48-25112-0001", DIGITS
    )[-1]
    assert wrong_digits == unknown == malformed == not_verified_message()


def test_lockout_after_five_failures_then_refusal_with_the_hotline(
    servers: Servers, sender: str
) -> None:
    code = _code(40)  # its own code: failures on a code count towards its lockout
    push(servers.database_url, code, state="in_progress")
    hotline = get_settings().hotline
    replies = []
    for _ in range(5):
        replies += converse(servers, sender, f"tra cứu hồ sơ {code}", "0000")
    assert replies[1::2][:4] == [not_verified_message()] * 4
    assert "tạm khóa" in replies[9] and hotline in replies[9]
    # Locked: no questions asked, and even the right digits would not help.
    again = converse(servers, sender, f"tra cứu hồ sơ {code}")[0]
    assert "tạm khóa" in again and ASK_DIGITS not in again
    # The code itself is paused for every conversation (guessing from fresh conversations is
    # how the 4 digits were found before), with the hotline for its owner.
    other = converse(servers, f"e2e-{uuid.uuid4().hex[:8]}", f"tra cứu hồ sơ {code}", DIGITS)
    assert "tạm dừng" in other[-1] and hotline in other[-1]
    assert "đang giải quyết" not in "\n".join(other)


def test_overdue_dossier_gets_an_apology_and_the_hotline(servers: Servers, sender: str) -> None:
    code = _code(20)
    push(servers.database_url, code, due_at="2025-11-21T08:30:00")
    answer = converse(servers, sender, f"tra cứu hồ sơ {code}", DIGITS)[-1]
    assert "Hồ sơ đã quá hạn hẹn trả" in answer and "Thành thật xin lỗi" in answer
    assert get_settings().hotline in answer


def test_a_question_in_the_middle_stops_the_lookup_and_is_answered(
    servers: Servers, codes: dict[str, str], sender: str
) -> None:
    asked, fee, after = converse(
        servers,
        sender,
        "tra cứu hồ sơ",
        "lệ phí đăng ký khai sinh là bao nhiêu",
        "thủ tục đăng ký khai sinh cần giấy tờ gì",
    )
    assert "mã hồ sơ" in asked
    # Answered by the procedure actions, and the form does not ask for the code again.
    assert fee.strip() and "mã hồ sơ" not in fee and ASK_DIGITS not in fee
    assert after.strip() and "mã hồ sơ" not in after
    # A new lookup asks for everything again (nothing left from the stopped one).
    assert "mã hồ sơ" in converse(servers, sender, "tra cứu hồ sơ")[0]


def test_huy_stops_the_lookup(servers: Servers, codes: dict[str, str], sender: str) -> None:
    _, stopped = converse(servers, sender, f"tra cứu hồ sơ {codes['received']}", "hủy")
    assert "dừng tra cứu hồ sơ" in stopped


def test_digits_after_a_wrong_attempt_are_a_retry(
    servers: Servers, codes: dict[str, str], sender: str
) -> None:
    code = _code(31)  # its own code: failures on a code count towards its lockout
    push(servers.database_url, code)
    _, wrong, retried = converse(servers, sender, f"tra cứu hồ sơ {code}", "1111", DIGITS)
    assert wrong == not_verified_message()
    assert retried.startswith(f"Hồ sơ {code} — ")
    assert_private([wrong, retried])


def test_a_new_code_after_a_wrong_attempt_asks_for_its_digits(
    servers: Servers, codes: dict[str, str], sender: str
) -> None:
    malformed = codes["received"].replace("-251120-", "-25112-")
    _, _, wrong, asked, answer = converse(
        servers,
        sender,
        "tra cứu hồ sơ",
        malformed,
        DIGITS,
        codes["received"].replace(".", " "),
        DIGITS,
    )
    assert wrong == not_verified_message()
    assert ASK_DIGITS in asked
    assert "đã tiếp nhận" in answer


def test_what_to_supplement_after_a_lookup_is_answered_from_the_dossier(
    servers: Servers, codes: dict[str, str], sender: str
) -> None:
    answer, supplement = converse(
        servers, sender, f"tra cứu hồ sơ {codes['needs_supplement']}", DIGITS, "cần bổ sung gì"
    )[1:]
    assert "cần bổ sung hồ sơ" in answer
    assert supplement.startswith(
        f"Hồ sơ {codes['needs_supplement']} cần bổ sung: Bản sao giấy chứng sinh có chứng thực."
    )
    assert "Cần bổ sung: Cần bổ sung" not in supplement
    assert_private([answer, supplement])


def test_thoi_stops_the_lookup(servers: Servers, sender: str) -> None:
    _, stopped = converse(servers, sender, "tra cứu hồ sơ", "thôi khỏi")
    assert "dừng tra cứu hồ sơ" in stopped


def test_pushed_through_the_api_then_found_by_the_bot_and_read_by_an_agent(
    servers: Servers, sender: str
) -> None:
    code = _code(30)
    push_dossier(
        servers,
        code,
        PROCEDURE,
        state="received",
        received_at="2025-11-20T08:30:00+07:00",
        applicant_name="Lê Văn Tám",
        applicant_phone="0905111222",
    )
    answer = converse(servers, sender, f"tra cứu hồ sơ {code}", "1222")[-1]
    assert "Người nộp: L* V** T" in answer and "0905111222" not in answer
    with session_scope(make_engine(servers.database_url)) as session:
        create_user(session, "agent-demo", "mat-khau-thu-nghiem", "agent")
    token = httpx.post(
        f"{servers.api_url}/api/auth/token",
        data={"username": "agent-demo", "password": "mat-khau-thu-nghiem"},
        timeout=30,
    ).json()["access_token"]
    read = httpx.get(
        f"{servers.api_url}/api/dossiers/{code}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert read.status_code == 200 and read.json()["applicant_phone"] == "0905111222"
    with session_scope(make_engine(servers.database_url)) as session:
        assert [(e.actor, e.action) for e in list_audit(session, code)] == [
            ("agent-demo", "read_dossier")
        ]


@pytest.fixture(scope="module")
def source_down(servers: Servers) -> Iterator[Servers]:
    """A second Rasa and action server whose status source is HTTP on a closed port."""
    closed = f"http://127.0.0.1:{free_port()}/api/dossiers"
    with start_servers(
        database_url=servers.database_url,
        env={
            "TTHC_DOSSIER_SOURCE": "http",
            "TTHC_DOSSIER_SOURCE_URL": closed,
            "TTHC_DOSSIER_SOURCE_TIMEOUT": "1",
            "TTHC_DOSSIER_SOURCE_RETRIES": "1",
        },
    ) as down:
        yield down


def test_source_down_tells_the_citizen_and_does_not_count_a_failure(
    source_down: Servers, sender: str
) -> None:
    code = _code(41)  # its own code, with no failures counted by other tests
    push(source_down.database_url, code, state="in_progress")
    replies = []
    for _ in range(6):
        replies += converse(source_down, sender, f"tra cứu hồ sơ {code}", DIGITS)
    for answer in replies[1::2]:
        assert answer.startswith(
            "Xin lỗi, hệ thống tra cứu tình trạng hồ sơ đang tạm thời " "gián đoạn"
        )
        assert get_settings().hotline in answer
    assert "tạm khóa" not in "\n".join(replies)
