"""The bot's pieces agree: aspects, intents, actions, rules, responses and forms.

Adding an aspect or an action takes several edits in several files (see CONTRIBUTING in the
README); each test here names the step that was missed.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import ActionExecutor

from bot.validate import form_questions, responses_named_in_actions
from knowledge.answers import ASPECTS
from knowledge.config import PROJECT_ROOT

DOMAIN_DIR = PROJECT_ROOT / "bot" / "domain"
DATA_DIR = PROJECT_ROOT / "data"


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yml"))


@lru_cache(maxsize=1)
def _domain() -> dict[str, Any]:
    """The domain's topic files merged the way Rasa merges them (lists joined, maps united)."""
    merged: dict[str, Any] = {"intents": [], "actions": [], "responses": {}, "forms": {}}
    for path in _yaml_files(DOMAIN_DIR):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        merged["intents"] += [
            i if isinstance(i, str) else next(iter(i)) for i in data.get("intents", [])
        ]
        merged["actions"] += data.get("actions", [])
        merged["responses"].update(data.get("responses") or {})
        merged["forms"].update(data.get("forms") or {})
    return merged


def _steps(kind: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(name, steps) of every rule or story in ``data/<kind>`` and the test stories."""
    folders = [DATA_DIR / kind] + (
        [PROJECT_ROOT / "tests" / "bot" / "stories"] if kind == "stories" else []
    )
    for folder in folders:
        for path in _yaml_files(folder):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in data.get(kind, []):
                name = block.get("rule") or block.get("story") or "?"
                yield f"{path.name}: {name}", block.get("steps", [])


def _nlu_intents() -> set[str]:
    intents: set[str] = set()
    for path in _yaml_files(DATA_DIR / "nlu"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        intents.update(block["intent"] for block in data.get("nlu", []) if "intent" in block)
    return intents


def _rule_pairs() -> set[tuple[str, str]]:
    """(intent, action) pairs where a rule answers ``intent`` with ``action`` next."""
    pairs: set[tuple[str, str]] = set()
    for _, steps in _steps("rules"):
        for step, following in zip(steps, steps[1:], strict=False):
            if "intent" in step and "action" in following:
                pairs.add((step["intent"], following["action"]))
    return pairs


@pytest.mark.parametrize("key", sorted(ASPECTS))
def test_every_aspect_has_its_intent_action_rule_and_examples(key: str) -> None:
    """An aspect needs: the intent in the domain, NLU examples, the action, and a rule."""
    aspect = ASPECTS[key]
    domain = _domain()
    assert aspect.intent in domain["intents"], f"add {aspect.intent} to bot/domain/intents.yml"
    assert aspect.intent in _nlu_intents(), f"add examples of {aspect.intent} to data/nlu/"
    assert aspect.action in domain["actions"], f"add {aspect.action} to bot/domain/procedures.yml"
    assert aspect.action in _registered_actions(), f"no action class answers {aspect.action}"
    assert (
        aspect.intent,
        aspect.action,
    ) in _rule_pairs(), f"add a rule {aspect.intent} → {aspect.action} to data/rules/procedures.yml"


def test_every_intent_is_handled_by_a_rule_or_story() -> None:
    """An intent that no rule or story follows would be answered by chance."""
    used = {
        step["intent"]
        for _, steps in [*_steps("rules"), *_steps("stories")]
        for step in steps
        if "intent" in step
    }
    assert set(_domain()["intents"]) - used == set()


def test_domain_intents_and_training_examples_agree() -> None:
    """Every intent has examples, and every example's intent is declared."""
    assert set(_domain()["intents"]) == _nlu_intents()


@lru_cache(maxsize=1)
def _registered_actions() -> frozenset[str]:
    """The names the action server answers to, as ``rasa run actions --actions actions``."""
    executor = ActionExecutor()
    executor.register_package("actions")
    return frozenset(executor.actions)


def test_custom_actions_and_domain_agree() -> None:
    """Every action class is declared in the domain, and every declared action exists."""
    declared = {a for a in _domain()["actions"] if not a.startswith("utter_")}
    assert declared == set(_registered_actions())


def test_rules_and_stories_use_only_declared_names() -> None:
    """Intents, actions and forms named in rules and stories exist in the domain."""
    domain = _domain()
    known_actions = (
        set(domain["actions"]) | set(domain["responses"]) | set(domain["forms"]) | _RASA_ACTIONS
    )
    wrong: list[str] = []
    for name, steps in [*_steps("rules"), *_steps("stories")]:
        for step in steps:
            if "intent" in step and step["intent"] not in {*domain["intents"], *_RASA_INTENTS}:
                wrong.append(f"{name}: intent {step['intent']}")
            if "action" in step and step["action"] not in known_actions:
                wrong.append(f"{name}: action {step['action']}")
            if "active_loop" in step and step["active_loop"] not in {*domain["forms"], None}:
                wrong.append(f"{name}: form {step['active_loop']}")
    assert not wrong


_RASA_INTENTS = {"nlu_fallback", "restart", "back", "session_start"}
_RASA_ACTIONS = {
    "action_listen",
    "action_restart",
    "action_session_start",
    "action_default_fallback",
    "action_deactivate_loop",
    "action_revert_fallback_events",
    "action_default_ask_affirmation",
    "action_default_ask_rephrase",
    "action_two_stage_fallback",
    "action_back",
    "action_unlikely_intent",
    "action_extract_slots",
}


def test_every_form_slot_has_its_question() -> None:
    """A form asks each required slot with ``utter_ask_<slot>`` (or ``utter_ask_<form>_<slot>``)."""
    domain = _domain()
    missing = [
        f"{form}: {slot}"
        for form, spec in domain["forms"].items()
        for slot in spec.get("required_slots", [])
        if f"utter_ask_{slot}" not in domain["responses"]
        and f"utter_ask_{form}_{slot}" not in domain["responses"]
    ]
    assert not missing


def test_responses_named_in_the_actions_exist() -> None:
    """Every ``response="utter_…"`` an action sends is a response of the domain."""
    named = set(responses_named_in_actions())
    assert "utter_service_unavailable" in named  # the scan sees the actions' responses
    assert named <= set(_domain()["responses"])


def test_every_response_is_sent_by_someone() -> None:
    """A domain response is used by a rule or story, asks a form's slot, or an action sends it.

    (``rasa data validate`` only knows the first; ``python -m bot.validate``, which
    ``make validate`` runs, knows all three.)
    """
    domain = _domain()
    used = set(responses_named_in_actions())
    used |= {
        step["action"]
        for _, steps in [*_steps("rules"), *_steps("stories")]
        for step in steps
        if "action" in step
    }
    used |= form_questions(domain["forms"])
    assert set(domain["responses"]) - used == set()
