"""Answers about a procedure: one renderer for the bot, the API and the agent page, and its audit.

Example:
    >>> from knowledge.answers import format_answer
    >>> print(format_answer(card, "fee"))  # doctest: +SKIP
    Lệ phí – Cấp đổi thẻ căn cước (Cấp xã):
    - Trực tiếp, Trực tuyến: 50.000 đồng
    Mã thủ tục: 1.014063
"""

from __future__ import annotations

from knowledge.answers.render import (
    ASPECTS,
    FOLLOW_UP_ASPECTS,
    Aspect,
    abolished_notice,
    aspect_buttons,
    button_payload,
    citation,
    format_answer,
    is_abolished,
    shorten,
    summarize,
    title_of,
)

__all__ = [
    "ASPECTS",
    "FOLLOW_UP_ASPECTS",
    "Aspect",
    "abolished_notice",
    "aspect_buttons",
    "button_payload",
    "citation",
    "format_answer",
    "is_abolished",
    "shorten",
    "summarize",
    "title_of",
]
