"""Which procedure a long, story-like question names, when its words cover no name well.

A citizen's long question tells a story before it asks ("Tôi có vợ và hai con. … sinh được bé
trai. Vậy, nay tôi muốn nhận con tôi thì …?"): most of its words are the story, so no name
covers a fair share of them (``knowledge.search.resolve.coverage``), and NLU may take it for
small talk. Its topic still shows from the other side: the search's first hit is named by
the question, in the catalog's words or in a citizen's ("nhận con" → "nhận cha, mẹ, con",
``data/lexicon.yml``). Such hits are offered for confirmation rather than declining.

A story's words dilute how well any name fits it, so a long question NLU understood is often
confirmed ("Ý bạn là …?") though its question names the procedure outright ("Tôi muốn làm
lại bằng lái thì hết bao nhiêu tiền?"): when the sentences that ask name the first
candidate strongly on their own, it is answered, the other candidates under it
(``answered_where_asked``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from knowledge.errors import InvalidInputError
from knowledge.schemas import SearchHit
from knowledge.search.accents import guiding_accents
from knowledge.search.aspects import asking_sentences, sentences
from knowledge.search.resolve import (
    CONFIRM_CANDIDATES,
    LONG_QUESTION,
    RELATED_MAX,
    STRONG_COVERAGE,
    Resolution,
    catalog_word_weights,
    coverage,
    procedure_words,
    related_buttons,
    weighing_words,
)
from knowledge.search.service import get_index, search_procedures
from knowledge.text import fold_accents, get_lexicon, has_diacritics, normalize
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


def asked_names(text: str, hit: SearchHit) -> bool:
    """Whether ``text`` is a long question whose sentences that ask, read alone, fit ``hit``
    strongly (``coverage`` at least ``STRONG_COVERAGE``; inside ``weighing_words``, as the
    resolution weighs them).

    Not for a short question, one that asks in every sentence, or one whose asking sentences
    name nothing ("Cần những giấy tờ gì?": only the story names the procedure).
    """
    asking = asking_sentences(text)
    spell_out = get_abbreviations().spell_out
    if len(asking) == len(sentences(text)):
        return False
    if len(procedure_words(spell_out(text))) <= LONG_QUESTION:
        return False
    asked = procedure_words(spell_out(" ".join(asking)))
    return bool(asked) and coverage(asked, hit) >= STRONG_COVERAGE


def answered_where_asked(session: Session, text: str, resolution: Resolution) -> Resolution:
    """``resolution`` answered instead of confirmed when the sentences of ``text`` that ask
    name its first candidate (``asked_names``) and the search over the whole text ranks it
    first too: the question and the story agree. Its other candidates become related
    buttons under the answer. Unchanged for any other outcome."""
    if resolution.outcome != "confirm" or not resolution.hits:
        return resolution
    first, *others = resolution.hits
    index = get_index(session)
    restorer = index.semantic.restorer if index.semantic is not None else None
    guide = None if has_diacritics(text) else restorer
    with weighing_words(catalog_word_weights(session, index)), guiding_accents(guide):
        if not asked_names(text, first):
            return resolution
    if not _ranked_first(session, text, first):
        return resolution
    return Resolution(
        "answer",
        first.code,
        hits=resolution.hits,
        notice=resolution.notice,
        related=related_buttons(others[:RELATED_MAX]),
    )


def _ranked_first(session: Session, text: str, hit: SearchHit) -> bool:
    """Whether the search over the whole of ``text`` (as a long question is searched, with
    its story) ranks ``hit`` first: in the tuning half of the long questions, the one
    candidate confirmed first that the search did not rank first was the wrong one."""
    try:
        hits = search_procedures(session, get_abbreviations().spell_out(text), limit=1)
    except InvalidInputError:
        return False
    return bool(hits) and hits[0].code == hit.code
