"""The lexicon of citizen words (``data/lexicon.yml``): "sổ đỏ" → "giấy chứng nhận quyền sử dụng…".

Matching is on folded syllables, so "so do", "Sổ Đỏ" and "sổ đỏ" all match.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.config import LEXICON_FILE
from knowledge.errors import InvalidInputError
from knowledge.text.normalize import fold_accents, normalize
from knowledge.text.yaml_tables import read_yaml_table


@dataclass(frozen=True)
class LexiconEntry:
    """One concept: the catalog's wordings and the words citizens use for it."""

    catalog: tuple[str, ...]
    citizen: tuple[str, ...]


class Lexicon:
    """Finds citizen terms in a question and gives the catalog wordings to add to it."""

    def __init__(self, entries: list[LexiconEntry]) -> None:
        self.entries = entries
        self._by_term: dict[tuple[str, ...], list[LexiconEntry]] = {}
        for entry in entries:
            for term in entry.citizen:
                key = tuple(fold_accents(normalize(term)).split())
                if key:
                    self._by_term.setdefault(key, []).append(entry)
        self._longest = max((len(k) for k in self._by_term), default=0)

    @classmethod
    def from_file(cls, path: Path) -> Lexicon:
        """Load a lexicon file; a malformed one raises InvalidInputError naming the entry."""
        document = read_yaml_table(path, "từ điển")
        entries = []
        for number, item in enumerate(document.get("entries") or [], start=1):
            catalog, citizen = item.get("catalog"), item.get("citizen")
            if not catalog or not citizen:
                raise InvalidInputError(f"{path}: mục {number} thiếu 'catalog' hoặc 'citizen'")
            entries.append(LexiconEntry(tuple(_as_list(catalog)), tuple(_as_list(citizen))))
        return cls(entries)

    def matches(self, text: str) -> list[tuple[str, LexiconEntry]]:
        """Citizen terms found in ``text`` (longest first at each position), with their entry."""
        folded = fold_accents(normalize(text)).split()
        found: list[tuple[str, LexiconEntry]] = []
        i = 0
        while i < len(folded):
            for size in range(min(self._longest, len(folded) - i), 0, -1):
                key = tuple(folded[i : i + size])
                if key in self._by_term:
                    found.extend((" ".join(key), entry) for entry in self._by_term[key])
                    i += size
                    break
            else:
                i += 1
        return found

    def expand(self, text: str) -> list[str]:
        """Catalog wordings for the citizen terms in ``text``, without repeats.

        Example:
            >>> get_lexicon().expand("lam so do het bao nhieu tien")
            ['giấy chứng nhận quyền sử dụng đất', 'quyền sử dụng đất']
        """
        wordings: list[str] = []
        for _, entry in self.matches(text):
            wordings.extend(w for w in entry.catalog if w not in wordings)
        return wordings


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@lru_cache(maxsize=1)
def get_lexicon() -> Lexicon:
    """The project's lexicon, loaded once."""
    return Lexicon.from_file(LEXICON_FILE)
