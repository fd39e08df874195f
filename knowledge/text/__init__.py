"""Vietnamese text processing shared by search and the NLU pipeline.

``normalize`` and ``fold_accents`` give canonical and accentless forms, ``segment`` splits
words (with or without diacritics), ``get_lexicon`` maps citizen words to catalog words,
and ``entities`` finds dossier codes, phone and ID numbers.
"""

from knowledge.text.lexicon import Lexicon, get_lexicon
from knowledge.text.normalize import Span, fold_accents, has_diacritics, normalize, syllables
from knowledge.text.segment import Word, segment

__all__ = [
    "Lexicon",
    "Span",
    "Word",
    "fold_accents",
    "get_lexicon",
    "has_diacritics",
    "normalize",
    "segment",
    "syllables",
]
