"""The conversation file of bench.dialogue_probe: read as the probe plays it."""

from __future__ import annotations

from pathlib import Path

from bench.dialogue_probe import read_conversations
from knowledge.config import PROJECT_ROOT

PROBE_FILE = PROJECT_ROOT / "bench" / "data" / "dialogue_probe.txt"


def test_turns_are_split_and_comments_skipped(tmp_path: Path) -> None:
    """One conversation a line, " || " between turns; "#" lines and blank lines are notes."""
    path = tmp_path / "probe.txt"
    path.write_text(
        "# a note\n\nlệ phí khai sinh || cái thứ 2 ||  cần gì \n# > the clerk's reply\nok\n",
        encoding="utf-8",
    )
    assert read_conversations(path) == [["lệ phí khai sinh", "cái thứ 2", "cần gì"], ["ok"]]


def test_the_set_holds_30_conversations_each_with_what_a_clerk_replies() -> None:
    """Every conversation is followed by its "# >" line: the judgement was written first."""
    conversations = read_conversations(PROBE_FILE)
    assert len(conversations) == 30
    assert all(len(turns) >= 2 for turns in conversations)
    lines = PROBE_FILE.read_text(encoding="utf-8").splitlines()
    played = [i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")]
    assert all(lines[i + 1].startswith("# > ") for i in played)
