"""The hand-off markers the actions send, read by the chat gateway.

The procedure answers are rendered by ``knowledge.answers`` (shared with the API summary and
the agent page); the fixed texts are the domain's ``utter_*`` responses (bot/domain).
"""

from __future__ import annotations

from knowledge.enums import AnswerQuality

# Custom payloads after the hand-off messages: the gateway queues the conversation for an
# agent (see actions.handoff and actions.fallback).
HANDOFF_MARKER = {"handoff": True, "reason": "asked"}
FALLBACK_HANDOFF_MARKER = {"handoff": True, "reason": "fallback"}
# Read by the chat gateway too: the question behind this answer goes to the admins' analytics.
UNANSWERED_MARKER = {"answer_quality": AnswerQuality.unanswered.value}
LOW_CONFIDENCE_MARKER = {"answer_quality": AnswerQuality.low_confidence.value}
