"""A Rasa tokenizer that splits Vietnamese into words with the knowledge layer's ``segment``.

Search and NLU share ``knowledge.text``, so they agree on what a word is: "đăng ký",
"dang ky" and "ĐĂNG KÝ" all become one token whose lemma is the folded key ``dang_ky``.
Token texts and offsets point into the message text exactly as the user typed it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from knowledge.text import segment


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Vietnamese word tokens (underthesea, or the folded word list for accentless text)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The base tokenizer keys; nothing of its own to configure."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> list[str] | None:
        """Vietnamese only."""
        return ["vi"]

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages the component imports."""
        return ["underthesea"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        """A tokenizer with ``config`` merged over the defaults."""
        return cls({**cls.get_default_config(), **config})

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Word tokens of ``attribute``: the text as typed, the folded key as lemma.

        Punctuation is dropped; a text with no word at all (" ?! ") keeps one token so
        featurizers never see an empty message.
        """
        text = message.get(attribute) or ""
        tokens = [
            Token(text[word.start : word.end], word.start, word.end, lemma=word.key)
            for word in segment(text)
        ]
        if not tokens and text.strip():
            stripped = text.strip()
            tokens = [Token(stripped, text.index(stripped))]
        return self._apply_token_pattern(tokens)
