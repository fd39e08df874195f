"""A message that is a procedure's name and nothing more (``named_outright``), on the sample
catalog: asked about, whatever NLU took it for."""

from __future__ import annotations

import pytest

from knowledge.db import session_scope
from knowledge.search.resolve import named_outright

pytestmark = pytest.mark.usefixtures("sample_database")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("đăng ký khai tử", "1.000656"),
        ("dang ky khai tu", "1.000656"),
        ("Giải quyết hưởng bảo hiểm xã hội một lần", "1.001613"),
        ("đăng ký thành lập hộ kinh doanh", "1.001612"),
    ],
)
def test_a_bare_name_is_named_outright(text: str, code: str) -> None:
    with session_scope() as session:
        assert named_outright(session, text) == code


@pytest.mark.parametrize(
    "text",
    [
        "thủ tục đăng ký khai tử rườm rà quá",  # the name, and a complaint about it
        "cán bộ phường thái độ kém",
        "dịch vụ công chậm quá",
        "",
    ],
)
def test_a_message_saying_more_than_a_name_is_not(text: str) -> None:
    with session_scope() as session:
        assert named_outright(session, text) is None
