"""``python -m bot.validate``: Rasa's validation, with responses sent by actions and forms used."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from bot.validate import validate
from knowledge.config import PROJECT_ROOT

CONFIG = str(PROJECT_ROOT / "bot" / "config.yml")
DATA = [str(PROJECT_ROOT / "data" / part) for part in ("nlu", "stories", "rules")]


def _validate(domain: Path) -> tuple[bool, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        passed = validate(CONFIG, str(domain), DATA, fail_on_warnings=True)
    return passed, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_only_a_response_nobody_sends_is_reported_and_it_fails(tmp_path: Path) -> None:
    """The bot's own responses (sent by rules, actions, forms) pass; an added unused one fails."""
    for path in (PROJECT_ROOT / "bot" / "domain").glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "zz_unused.yml").write_text(
        'version: "3.1"\nresponses:\n  utter_nobody_sends:\n    - text: "Không ai gửi."\n',
        encoding="utf-8",
    )
    passed, messages = _validate(tmp_path)
    assert not passed
    assert [m for m in messages if "not used" in m] == [
        "The utterance 'utter_nobody_sends' is not used in any story or rule, "
        "nor sent by an action or a form."
    ]
