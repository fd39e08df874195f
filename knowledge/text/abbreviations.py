"""Abbreviations (``data/abbreviations.yml``): "BHYT" ↔ "bảo hiểm y tế", on folded syllables."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from knowledge.config import ABBREVIATIONS_FILE
from knowledge.errors import InvalidInputError
from knowledge.text.normalize import fold_accents, normalize
from knowledge.text.yaml_tables import read_yaml_table


class Abbreviations:
    """Replaces abbreviated syllables by the folded syllables of their full wording."""

    def __init__(self, table: dict[str, str]) -> None:
        self._written = {
            fold_accents(normalize(short)): normalize(full) for short, full in table.items()
        }
        self._full = {
            short: tuple(fold_accents(full).split()) for short, full in self._written.items()
        }

    @classmethod
    def from_file(cls, path: Path) -> Abbreviations:
        """Load an abbreviation file; a malformed one raises InvalidInputError."""
        document = read_yaml_table(path, "bảng viết tắt")
        table = document.get("abbreviations") or {}
        if not isinstance(table, dict):
            raise InvalidInputError(f"{path}: 'abbreviations' phải là một bảng (viết tắt: nghĩa)")
        bad = [str(k) for k, v in table.items() if not isinstance(v, str) or not v.strip()]
        if bad:
            raise InvalidInputError(f"{path}: thiếu nghĩa đầy đủ cho {', '.join(bad)}")
        return cls({str(k): v for k, v in table.items()})

    def expand(self, folded: Sequence[str]) -> list[str]:
        """``folded`` syllables with each abbreviation replaced by its full wording.

        Example:
            >>> get_abbreviations().expand(["the", "bhyt"])
            ['the', 'bao', 'hiem', 'y', 'te']
        """
        expanded: list[str] = []
        for syllable in folded:
            expanded.extend(self._full.get(syllable, (syllable,)))
        return expanded

    def spell_out(self, text: str) -> str:
        """``text`` with each abbreviation written in full, with its diacritics.

        Example:
            >>> get_abbreviations().spell_out("Cấp lại thẻ BHYT")
            'Cấp lại thẻ bảo hiểm y tế'
        """
        return _WORD_RE.sub(
            lambda m: self._written.get(fold_accents(m.group().lower()), m.group()), text
        )


_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def get_abbreviations() -> Abbreviations:
    """The project's abbreviation table, loaded once."""
    return Abbreviations.from_file(ABBREVIATIONS_FILE)
