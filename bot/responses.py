"""The domain's responses as text, for code that reads what the bot says (tests, benches).

The actions send fixed messages as ``dispatcher.utter_message(response="utter_…", **values)``;
Rasa fills the response's ``{placeholders}`` from those values. Here the same filling
(Rasa's own ``interpolate_text``) turns a response, or a message the dispatcher collected,
into the text the citizen reads.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DOMAIN_DIR = Path(__file__).resolve().parent / "domain"


@lru_cache(maxsize=1)
def domain_responses() -> dict[str, list[dict[str, Any]]]:
    """Every response of ``bot/domain/*.yml`` by name."""
    responses: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        responses.update(data.get("responses") or {})
    return responses


def response_text(name: str, /, **values: Any) -> str:
    """The text of response ``name`` (its first variation) with ``values`` filled in.

    Example:
        >>> response_text("utter_confirm_procedure", name="Đăng ký khai sinh", code="1.001193")
        'Ý bạn là thủ tục «Đăng ký khai sinh» (Mã thủ tục: 1.001193)?'
    """
    from rasa.core.nlg.interpolator import interpolate_text

    text = str(domain_responses()[name][0]["text"])
    return interpolate_text(text, {key: str(value) for key, value in values.items()})


def message_text(message: dict[str, Any]) -> str:
    """What a message collected by the dispatcher says: its text, or its response filled in."""
    if message.get("response"):
        skip = {
            "response",
            "template",
            "text",
            "buttons",
            "image",
            "elements",
            "custom",
            "attachment",
        }
        values = {k: v for k, v in message.items() if k not in skip and v is not None}
        return response_text(str(message["response"]), **values)
    return str(message.get("text") or "")


def message_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons a message shows: its response's, then those the action added (as Rasa does)."""
    buttons: list[dict[str, Any]] = []
    if message.get("response"):
        buttons += domain_responses()[str(message["response"])][0].get("buttons") or []
    return buttons + list(message.get("buttons") or [])
