"""A rule-based entity extractor for dossier codes ("000.00.12.H48-251120-0001").

The pattern and the canonical form come from ``knowledge.text.entities``, the same code
that masks logs and that the dossier lookup uses, so "000 00 12 h48 251120 0001" typed in
the chat is looked up as ``000.00.12.H48-251120-0001``.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from knowledge.text.entities import DOSSIER_CODE, DOSSIER_CODE_RE, canonical_dossier_code


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DossierCodeExtractor(GraphComponent, EntityExtractorMixin):
    """Adds a ``dossier_code`` entity, with its canonical value, for each code in a message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DossierCodeExtractor:
        """A new extractor (it has nothing to train)."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Append the dossier codes found in each message's text to its entities."""
        for message in messages:
            found = self.extract(message.get(TEXT) or "")
            if found:
                message.set(
                    ENTITIES,
                    message.get(ENTITIES, []) + self.add_extractor_name(found),
                    add_to_output=True,
                )
        return messages

    @staticmethod
    def extract(text: str) -> list[dict[str, Any]]:
        """Dossier-code entities of ``text`` with offsets and canonical values."""
        entities = []
        for match in DOSSIER_CODE_RE.finditer(text):
            entities.append(
                {
                    ENTITY_ATTRIBUTE_TYPE: DOSSIER_CODE,
                    ENTITY_ATTRIBUTE_START: match.start(),
                    ENTITY_ATTRIBUTE_END: match.end(),
                    ENTITY_ATTRIBUTE_VALUE: canonical_dossier_code(match.group()),
                    ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
                }
            )
        return entities
