"""Wrong first replies the lead found (issue 16), over HTTP on the national catalog: each
conversation with the real Rasa, action and API servers."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Servers
from tests.e2e.test_dialogue_http import buttons, cited, national, texts

pytestmark = pytest.mark.e2e

__all__ = ["national"]  # a fixture of the dialogue tests, used by name below

MATERNITY = "2.000693"  # Giải quyết hưởng chế độ thai sản
PASSPORT = "1.001456"  # Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)
LICENCE = "3.000346"  # Cấp giấy phép lái xe
HOUSEHOLD_BUSINESS = "1.001612"  # Đăng ký thành lập hộ kinh doanh


def test_maternity_leave_slang_gets_the_maternity_benefit(national: Servers, sender: str) -> None:
    """ "nghỉ đẻ" is the maternity benefit, not the lump-sum social insurance."""
    assert cited(national.send(sender, "nghỉ đẻ được hưởng tiền bảo hiểm")) == MATERNITY


def test_the_passport_abroad_is_said_to_be_handled_abroad(national: Servers, sender: str) -> None:
    """Passport fee, then "ở nước ngoài thì sao": the catalog holds no such case, said so with
    where a citizen abroad applies; the topic stays."""
    assert cited(national.send(sender, "lệ phí cấp hộ chiếu")) == PASSPORT
    abroad = national.send(sender, "ở nước ngoài thì sao")
    assert cited(abroad) == PASSPORT
    assert "Cơ quan đại diện Việt Nam ở nước ngoài" in texts(abroad)


@pytest.mark.parametrize("question", ["thi bằng lái", "thi bang lai xe may o dau"])
def test_a_driving_test_is_answered_first(national: Servers, sender: str, question: str) -> None:
    """Sitting the test is a first issue: the licence at once, no menu."""
    reply = national.send(sender, question)
    assert cited(reply) == LICENCE
    assert "Quốc tế" in buttons(reply)


def test_household_business_alternatives_read_as_what_differs(
    national: Servers, sender: str
) -> None:
    """No "Cấp đổi" for a change of the registration, no repeated label."""
    reply = national.send(sender, "xin giấy phép kinh doanh hộ cá thể")
    assert cited(reply) == HOUSEHOLD_BUSINESS
    titles = buttons(reply)
    assert "Thay đổi" in titles
    assert "Cấp lại · Cấp đổi" in titles
