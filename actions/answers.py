"""The procedure renderer the actions use (from ``knowledge.answers``), and the hand-off markers.

The answers themselves are rendered in the knowledge layer, so that the bot, the API summary
(``GET /api/procedures/{code}/summary``) and the agent page say the same thing.
"""

from __future__ import annotations

from knowledge.answers import (
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
    "title_of",
]

# --------------------------------------------------------------------------- hand-off markers
# The fixed texts are the domain's ``utter_*`` responses (bot/domain), sent by the actions with
# their values. These payloads are read by the chat gateway: queue the conversation for an
# agent (see actions.handoff).
HANDOFF_MARKER = {"handoff": True, "reason": "asked"}
FALLBACK_HANDOFF_MARKER = {"handoff": True, "reason": "fallback"}
