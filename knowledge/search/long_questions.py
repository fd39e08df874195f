"""Which procedure a long, story-like question names, when its words cover no name well.

A citizen's long question tells a story before it asks ("Tôi có vợ và hai con. … sinh được bé
trai. Vậy, nay tôi muốn nhận con tôi thì …?"): most of its words are the story, so no name
covers a fair share of them (``knowledge.search.resolve.coverage``), and NLU may take it for
small talk. Its topic still shows from the other side: the search's first hit is named by
the question, in the catalog's words or in a citizen's ("nhận con" → "nhận cha, mẹ, con",
``data/lexicon.yml``). Such hits are offered for confirmation rather than declining.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from knowledge.errors import InvalidInputError
from knowledge.schemas import SearchHit
from knowledge.search.resolve import (
    CONFIRM_CANDIDATES,
    LONG_QUESTION,
    STRONG_COVERAGE,
    procedure_words,
)
from knowledge.search.service import search_procedures
from knowledge.text import fold_accents, get_lexicon, normalize
from knowledge.text.abbreviations import get_abbreviations


def _folded_words(text: str) -> list[str]:
    return fold_accents(normalize(get_abbreviations().spell_out(text))).split()


def name_coverage(question: str, name: str) -> float:
    """Share of ``name``'s procedure words that ``question`` says, 0–1.

    A name word counts when the question says it next to its neighbour in the name (as a
    two-syllable word), or when the question uses a citizen term of the lexicon whose catalog
    wording the name holds ("nhận con" → "nhận cha, mẹ, con"). Both sides are compared
    without diacritics.

    Example:
        >>> name_coverage("Vậy nay tôi muốn nhận con thì cần gì?", "Đăng ký nhận cha, mẹ, con")
        0.67
        >>> name_coverage("thời tiết hôm nay thế nào?", "Đăng ký nhận cha, mẹ, con")
        0.0
    """
    name_words = [fold_accents(w) for w in procedure_words(get_abbreviations().spell_out(name))]
    if not name_words:
        return 0.0
    said = _folded_words(question)
    pairs = set(zip(said, said[1:], strict=False))
    covered: set[int] = set()
    for i in range(len(name_words) - 1):
        if (name_words[i], name_words[i + 1]) in pairs:
            covered.update((i, i + 1))
    for _, entry in get_lexicon().matches(" ".join(said)):
        for wording in entry.catalog:
            catalog = fold_accents(normalize(get_abbreviations().spell_out(wording))).split()
            for start in range(len(name_words) - len(catalog) + 1):
                if name_words[start : start + len(catalog)] == catalog:
                    covered.update(range(start, start + len(catalog)))
    return round(len(covered) / len(name_words), 2)


def named_in_long_question(session: Session, text: str) -> list[SearchHit]:
    """The search's first hits whose names a long question says (``name_coverage`` at least
    ``STRONG_COVERAGE``), the first hit among them; empty for a short question, or when the
    search's first hit is not named.
    """
    words = procedure_words(get_abbreviations().spell_out(text))
    if len(words) <= LONG_QUESTION:
        return []
    try:
        hits = search_procedures(session, " ".join(words), limit=CONFIRM_CANDIDATES)
    except InvalidInputError:
        return []
    named = [hit for hit in hits if name_coverage(text, hit.name) >= STRONG_COVERAGE]
    return named if named and named[0] == hits[0] else []
