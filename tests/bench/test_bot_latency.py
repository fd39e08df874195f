"""The latency bench: a new opening question per conversation, the plain bot with one action."""

from __future__ import annotations

from pathlib import Path

import yaml

from bench.bot_latency import (
    OUR_CONVERSATION,
    Conversations,
    encoder_cost,
    initial_project,
    opening_questions,
    with_trivial_action,
)


def test_each_conversation_opens_with_another_held_out_question() -> None:
    openings = opening_questions()
    assert len(openings) >= 150
    conversations = Conversations(OUR_CONVERSATION, openings[:3])
    turns = [conversations.next() for _ in range(4)]
    assert [t[0] for t in turns] == [*openings[:3], openings[0]]  # cycles past the end
    assert all(t[1:] == OUR_CONVERSATION[1:] for t in turns)


def test_without_openings_the_conversation_is_repeated() -> None:
    conversations = Conversations(("hello", "bye"), None)
    assert conversations.next() == conversations.next() == ("hello", "bye")


def test_the_starter_project_greets_through_one_custom_action(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "plain"
    shutil.copytree(initial_project(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    with_trivial_action(folder)

    domain = yaml.safe_load((folder / "domain.yml").read_text(encoding="utf-8"))
    assert domain["actions"] == ["action_greet"]
    assert "utter_greet" in domain["responses"]  # the action utters it
    stories = (folder / "data" / "stories.yml").read_text(encoding="utf-8")
    assert "action: action_greet" in stories and "action: utter_greet" not in stories
    namespace: dict[str, object] = {}
    exec((folder / "actions" / "actions.py").read_text(encoding="utf-8"), namespace)  # noqa: S102
    action = namespace["ActionGreet"]()  # type: ignore[operator]
    assert action.name() == "action_greet"


def test_the_encoder_is_timed_on_one_thread_and_as_served() -> None:
    questions = opening_questions()[:3]
    figures = encoder_cost(questions)
    assert set(figures) == {"one_thread", "as_served"}
    assert figures["one_thread"]["threads_used"] == {"1": 3}
    for cost in figures.values():
        assert sum(cost["threads_used"].values()) == cost["questions"] == 3
        assert 0 < cost["p50_ms"] <= cost["p95_ms"]
