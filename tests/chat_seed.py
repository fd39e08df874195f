"""A seeded set of conversations for the analytics tests, with the figures they must give.

Rows are written through the chat store (``add_message`` masks and cites as the gateway
does) over the three days before ``today``, so a test can check that the dashboard shows
exactly these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from knowledge.chat import store
from knowledge.chat.models import ChatFeedback, ChatSession, Handoff

BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh
RESIDENCE = "1.004194"  # Đăng ký tạm trú
MARRIAGE = "1.000894"  # Thủ tục đăng ký kết hôn
MENU = [{"title": "Đăng ký kết hôn", "payload": '/ask_fee{"procedure_code":"1.000894"}'}]

# (days before today, hour, [(question, cited codes, menu?, answer quality)], thumbs, rating,
#  handoff: None | ("closed", wait seconds) | ("callback", None))
CONVERSATIONS = [
    (2, 9, [("lệ phí khai sinh", [BIRTH], False, None)], [1], 5, None),
    (2, 10, [("giấy ở nhờ làm ở đâu", [], False, "unanswered")], [-1], None, ("closed", 120)),
    (1, 8, [("đăng ký tạm trú cần gì", [RESIDENCE], False, None)], [1, 1], 4, None),
    (
        1,
        9,
        [
            ("xin giấy ở nhờ cho con", [], False, "unanswered"),
            ("làm giấy ở nhờ ở đâu", [], False, "unanswered"),
        ],
        [],
        2,
        ("callback", None),
    ),
    (1, 14, [("kết hôn", [MARRIAGE], True, "low_confidence")], [], None, None),
    (0, 8, [("tạm trú mất bao lâu", [RESIDENCE], False, None)], [1], 5, ("closed", 60)),
    (
        0,
        9,
        [
            ("nuôi chó có phải đăng ký không", [], False, "unanswered"),
            ("đăng ký nuôi chó mèo", [], False, "unanswered"),
        ],
        [-1],
        None,
        None,
    ),
    (0, 10, [("tạm trú ở đâu", [RESIDENCE], False, None)], [], None, None),
]


@dataclass
class Expected:
    """What the seeded conversations add up to over the three days."""

    conversations: int = 8
    questions: int = 10
    thumbs_up: int = 4
    thumbs_down: int = 2
    ratings: int = 4
    rating_mean: float = 4.0  # (5 + 4 + 2 + 5) / 4
    handoffs: int = 3
    callbacks: int = 1
    wait_mean: float = 90.0  # (120 + 60) / 2
    unanswered: int = 5
    low_confidence: int = 1
    top_code: str = RESIDENCE  # cited 3 times
    top_answers: int = 3
    direct: int = 4  # answers citing a procedure without a menu
    menus: int = 1


def seed_conversations(session: Session, today: date) -> Expected:
    """Write the conversations of ``CONVERSATIONS`` ending on ``today``; return their figures."""
    for n, (days_ago, hour, turns, thumbs, rating, handoff) in enumerate(CONVERSATIONS):
        start = datetime.combine(today - timedelta(days=days_ago), time(hour, 0))
        sid = f"seed{n:02d}{start:%m%d}".ljust(32, "0")[:32]
        session.add(
            ChatSession(id=sid, token_hash="x", mode="bot", created_at=start, last_active_at=start)
        )
        session.flush()
        at = start
        bot_ids = []
        for question, codes, menu, quality in turns:
            at += timedelta(seconds=30)
            store.add_message(session, sid, "user", question, at)
            text = "Mình chưa tìm thấy thủ tục phù hợp." if not codes else "Câu trả lời."
            answer = store.add_message(
                session,
                sid,
                "bot",
                text,
                at + timedelta(seconds=1),
                buttons=MENU if menu else (),
                codes=codes,
                event=quality,
            )
            bot_ids.append(answer.id)
        for value in thumbs:
            session.add(
                ChatFeedback(
                    session_id=sid, message_id=bot_ids[0], kind="thumb", value=value, created_at=at
                )
            )
        if rating is not None:
            session.add(ChatFeedback(session_id=sid, kind="rating", value=rating, created_at=at))
        if handoff is not None:
            status, wait = handoff
            claimed = at + timedelta(seconds=wait) if wait is not None else None
            session.add(
                Handoff(
                    session_id=sid,
                    status=status,
                    reason="fallback",
                    created_at=at,
                    claimed_at=claimed,
                )
            )
    session.flush()
    return Expected()
