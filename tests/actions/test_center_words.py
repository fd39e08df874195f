"""The Center's action and a procedure its words name (issue 16, branch rejudge): NLU hears
"trung tâm" in "mở trung tâm đào tạo lái xe" and takes a procedure question for one about the
Center. On the sample catalog."""

from __future__ import annotations

import pytest

from actions.center import ActionAnswerCenter
from knowledge.search.aspects import asked_aspect
from tests.actions.test_conversations import cited
from tests.actions.test_procedures import MARRIAGE, run, tracker

pytestmark = pytest.mark.usefixtures("sample_database")


def test_a_procedure_named_beside_the_center_is_answered() -> None:
    messages, _ = run(
        ActionAnswerCenter(),
        tracker("đăng ký kết hôn ở trung tâm cần giấy tờ gì", "ask_center_info"),
    )
    assert messages[0]["text"].startswith("Hồ sơ – ")
    assert cited(messages) == [MARRIAGE]


@pytest.mark.parametrize("text", ["trung tâm mấy giờ mở cửa", "trung tam o dau"])
def test_the_center_alone_still_gets_the_centers_facts(text: str) -> None:
    messages, _ = run(ActionAnswerCenter(), tracker(text, "ask_center_info"))
    assert not cited(messages)
    assert messages[0]["text"].startswith("Trung tâm")


@pytest.mark.parametrize(
    "text", ["đóng cửa hộ kinh doanh cần làm gì", "dong cua ho kinh doanh can lam gi"]
)
def test_what_must_be_done_asks_the_steps(text: str) -> None:
    assert asked_aspect(text, "procedure") == "steps"
