"""``rasa data validate`` that knows which responses the custom actions and forms send.

Rasa's validator counts a response as used only when a rule or story names it, so every
response an action sends (``dispatcher.utter_message(response="utter_…")``) and every form
question (``utter_ask_<slot>``) is reported as "not used in any story or rule", and
``--fail-on-warnings`` does not fail on an unused response at all (RasaHQ/rasa#11843: the
flag's logic is inverted there). Here those responses count as used, so what is still
reported is a response nobody sends, and with ``--fail-on-warnings`` it fails the run.
Everything else is Rasa's own validation, step for step (``rasa.cli.utils.validate_files``).

Run as ``python -m bot.validate --config bot/config.yml --domain bot/domain --data data/nlu
data/stories data/rules --fail-on-warnings`` (``make validate``).
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterable, Sequence
from pathlib import Path

from rasa.validator import Validator

ACTIONS_DIR = Path(__file__).resolve().parent.parent / "actions"
# The key under which Rasa notes which response a message came from: not a response.
_NOT_RESPONSES = frozenset({"utter_action"})


def responses_named_in_actions(folder: Path = ACTIONS_DIR) -> frozenset[str]:
    """Every ``"utter_…"`` string in the action modules: a response sent directly or by name.

    Example:
        >>> "utter_service_unavailable" in responses_named_in_actions()
        True
    """
    named: set[str] = set()
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.startswith("utter_"):
                    named.add(node.value)
    return frozenset(named - _NOT_RESPONSES)


def form_questions(forms: dict[str, dict[str, list[str]]]) -> frozenset[str]:
    """The responses Rasa's forms send to ask their slots (``utter_ask_<form>_<slot>`` or
    ``utter_ask_<slot>``).

    Example:
        >>> sorted(form_questions({"feedback_form": {"required_slots": ["feedback_text"]}}))
        ['utter_ask_feedback_form_feedback_text', 'utter_ask_feedback_text']
    """
    return frozenset(
        question
        for form, spec in forms.items()
        for slot in spec.get("required_slots", [])
        for question in (f"utter_ask_{form}_{slot}", f"utter_ask_{slot}")
    )


class ProjectValidator(Validator):
    """Rasa's validator, with the responses sent by actions and forms counted as used."""

    sent_elsewhere: frozenset[str] = frozenset()

    def verify_utterances_in_stories(self, ignore_warnings: bool = True) -> bool:
        """Rasa's check of the responses in stories and rules, minus the false "not used".

        A story that names an action which is not a response, or a response that no story,
        rule, action or form sends, is reported; either fails unless ``ignore_warnings``.
        """
        import rasa.shared.utils.io
        from rasa.shared.core.events import ActionExecuted

        responses = self._gather_utterance_actions()
        in_stories: set[str] = set()
        everything_is_alright = True
        for story in self.story_graph.story_steps:
            for event in story.events:
                name = event.action_name if isinstance(event, ActionExecuted) else None
                if not name or not name.startswith("utter_") or name in in_stories:
                    continue
                if name not in responses:
                    rasa.shared.utils.io.raise_warning(
                        f"The action '{name}' is used in the stories, but is not a valid "
                        f"utterance action. Please make sure the action is listed in your "
                        f"domain and there is a template defined with its name."
                    )
                    everything_is_alright = ignore_warnings
                in_stories.add(name)
        for name in sorted(responses - in_stories - self.sent_elsewhere):
            rasa.shared.utils.io.raise_warning(
                f"The utterance '{name}' is not used in any story or rule, "
                f"nor sent by an action or a form."
            )
            everything_is_alright = ignore_warnings and everything_is_alright
        return everything_is_alright


def validate(config: str, domain: str, data: Iterable[str], *, fail_on_warnings: bool) -> bool:
    """Validate the bot as ``rasa data validate`` does, with :class:`ProjectValidator`."""
    from rasa.cli.utils import _validate_domain, _validate_nlu, _validate_story_structure
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        config_path=config, domain_path=domain, training_data_paths=list(data)
    )
    validator = ProjectValidator.from_importer(importer)
    validator.sent_elsewhere = responses_named_in_actions() | form_questions(validator.domain.forms)
    all_good = (
        _validate_domain(validator)
        & _validate_nlu(validator, fail_on_warnings)
        & _validate_story_structure(validator, None, fail_on_warnings)
    )
    validator.warn_if_config_mandatory_keys_are_not_set()
    return all_good


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: the arguments of ``rasa data validate`` that this project uses."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--domain", required=True)
    parser.add_argument("--data", nargs="+", required=True)
    parser.add_argument("--fail-on-warnings", action="store_true")
    args = parser.parse_args(argv)
    from rasa.utils.common import configure_logging_and_warnings

    configure_logging_and_warnings(warn_only_once=True, filter_repeated_logs=True)  # as `rasa`
    if not validate(args.config, args.domain, args.data, fail_on_warnings=args.fail_on_warnings):
        raise SystemExit("Project validation completed with errors.")
    print("Project validation passed.")


if __name__ == "__main__":
    main()
