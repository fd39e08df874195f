r"""Rule-based spans: dossier codes, phone and ID numbers (regex), catalog terms (spaCy).

The patterns are written once here and used for three things: the NLU entity extractor
(dossier codes), the masking of personal data in logs, and catalog-term spans.

The patterns run on every chat message inside Rasa's single event loop, so they are linear
in the message length: each separator allows a bounded number of spaces (a pattern like
``\s*[.\s]\s*`` splits a run of n spaces in n² ways and took 21.7 s on 40 KB of
"000" and spaces). spaCy is imported only when ``find_entities`` first runs: importing it
costs every process 3–4 s at start, and masking or extracting codes never needs it.

Example:
    >>> [(e.label, e.value) for e in find_entities("hồ sơ 000.00.12.h48 - 251120 - 0001 nhé")]
    [('dossier_code', '000.00.12.H48-251120-0001')]
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from knowledge.text.normalize import fold_accents

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import EntityRuler
    from spacy.tokens import Doc, Span

DOSSIER_CODE = "dossier_code"
PHONE = "phone"
ID_NUMBER = "id_number"
CATALOG_TERM = "catalog_term"

# At most 3 spaces around a dot or a dash, or 1–3 spaces alone: bounded, so linear overall.
_SEP = r"(?:[ \t]{0,3}\.[ \t]{0,3}|[ \t]{1,3})"
_DASH = r"(?:[ \t]{0,3}[-–][ \t]{0,3}|[ \t]{1,3})"
# iGate-style code: agency identifier (000.00.12.H48), received date (yymmdd), sequence.
DOSSIER_CODE_RE = re.compile(
    rf"(?<![\w.])(\d{{3}}){_SEP}(\d{{2}}){_SEP}(\d{{2}}){_SEP}([a-zA-Z]\d{{2}}){_DASH}(\d{{6}}){_DASH}(\d{{4}})(?![\w])"
)
# Vietnamese mobile and landline numbers: 0 or +84, then nine digits, spaces/dots allowed.
PHONE_RE = re.compile(r"(?<![\w+])(?:\+84|84|0)(?:[\s.\-]?\d){9}(?!\d)")
# Citizen ID (12 digits) or old identity card (9 digits).
ID_NUMBER_RE = re.compile(r"(?<![\w.\-])(?:\d{12}|\d{9})(?![\w\-])")

_PATTERNS = ((DOSSIER_CODE, DOSSIER_CODE_RE), (PHONE, PHONE_RE), (ID_NUMBER, ID_NUMBER_RE))


@dataclass(frozen=True)
class Entity:
    """A span found in a text: its label, the text as written, offsets, and a canonical value."""

    label: str
    text: str
    start: int
    end: int
    value: str


def canonical_dossier_code(text: str) -> str | None:
    """The dossier code written in ``text`` in canonical form, or None.

    Example:
        >>> canonical_dossier_code("ma ho so 000 00 12 h48 251120 0001")
        '000.00.12.H48-251120-0001'
    """
    match = DOSSIER_CODE_RE.search(text)
    if not match:
        return None
    agency_a, agency_b, agency_c, province, day, sequence = match.groups()
    return f"{agency_a}.{agency_b}.{agency_c}.{province.upper()}-{day}-{sequence}"


def _regex_spans(doc: Doc) -> Doc:
    """Mark codes, phones and ID numbers found by regex as entities of ``doc``."""
    from spacy.util import filter_spans

    spans: list[Span] = []
    for label, pattern in _PATTERNS:
        for match in pattern.finditer(doc.text):
            span = doc.char_span(match.start(), match.end(), label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
    doc.set_ents(filter_spans(list(doc.ents) + spans), default="outside")  # = doc.ents = …
    return doc


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """A blank multilingual spaCy pipeline: regex spans, then an EntityRuler of catalog terms."""
    import spacy
    from spacy.language import Language

    from knowledge.text.lexicon import get_lexicon

    if not Language.has_factory("tthc_regex_spans"):
        Language.component("tthc_regex_spans")(_regex_spans)
    nlp = spacy.blank("xx")
    nlp.add_pipe("tthc_regex_spans")
    ruler = cast(
        "EntityRuler", nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    )
    patterns: list[dict[str, Any]] = []
    for entry in get_lexicon().entries:
        for term in {*entry.citizen, *entry.catalog}:
            for form in {term.lower(), fold_accents(term.lower())}:
                patterns.append({"label": CATALOG_TERM, "pattern": form, "id": entry.catalog[0]})
    ruler.add_patterns(patterns)
    return nlp


def find_entities(text: str) -> list[Entity]:
    """Every rule-based span in ``text``, in order."""
    entities = []
    for span in get_nlp()(text).ents:
        if span.label_ == DOSSIER_CODE:
            value = canonical_dossier_code(span.text) or span.text
        elif span.label_ == CATALOG_TERM:
            value = span.ent_id_ or span.text
        else:
            value = re.sub(r"\D", "", span.text)
        entities.append(Entity(span.label_, span.text, span.start_char, span.end_char, value))
    return entities


# A citizen introducing themself ("tôi là", "tên tôi là", "họ tên:", "người nộp là" …); the
# capitalised words that follow are their name. Spaces are bounded (linear time, see above).
_NAME_INTRO_RE = re.compile(
    r"\b(?:(?:tôi|em|mình|tớ|tui|cháu|con|anh|chị|ông|bà)\s{1,3}(?:tên\s{1,3})?là"
    r"|(?:tôi|em|mình|cháu|con)\s{1,3}tên"
    r"|tên\s{1,3}(?:của\s{1,3})?(?:tôi|em|mình|cháu|con)(?:\s{1,3}là)?"
    r"|tên\s{1,3}là|họ\s{1,3}(?:và\s{1,3})?tên(?:\s{1,3}là)?|người\s{1,3}nộp(?:\s{1,3}là)?)"
    r"[ \t]{0,3}[:：]?[ \t]{0,3}",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W\d_]+")


def mask_names(text: str) -> str:
    """Reduce the name a citizen introduces themself with to initials.

    Only capitalised words right after an introduction count, two to six of them (a
    Vietnamese full name); "tôi là người dân" is left alone.

    Example:
        >>> mask_names("Chào chị, tôi tên là Lâm Gia Hưng, CCCD của tôi …")
        'Chào chị, tôi tên là L. G. H., CCCD của tôi …'
        >>> mask_names("họ tên: Đặng Quốc Bảo. Tôi là người dân")
        'họ tên: Đ. Q. B.. Tôi là người dân'
    """
    out: list[str] = []
    position = 0
    for intro in _NAME_INTRO_RE.finditer(text):
        if intro.start() < position:
            continue
        words: list[re.Match[str]] = []
        cursor = intro.end()
        while len(words) < 6:
            word = _WORD_RE.match(text, cursor)
            if word is None or not word.group()[0].isupper():
                break
            words.append(word)
            cursor = word.end()
            gap = re.match(r"[ \t]{1,3}", text[cursor : cursor + 4])
            if gap is None:
                break
            cursor += gap.end()
        if len(words) < 2:
            continue
        out.append(text[position : words[0].start()])
        out.append(" ".join(f"{w.group()[0]}." for w in words))
        position = words[-1].end()
    out.append(text[position:])
    return "".join(out)


def mask_pii(text: str) -> str:
    """Hide phone and ID numbers, keeping their last two digits, and introduced names.

    Example:
        >>> mask_pii("SĐT 0912 345 678, CCCD 051234567890")
        'SĐT ********78, CCCD **********90'
        >>> mask_pii("Tôi là Võ Thị Ngọc Hân, sđt 0978246135")
        'Tôi là V. T. N. H., sđt ********35'
    """
    for label, pattern in _PATTERNS:
        if label == DOSSIER_CODE:
            continue
        text = pattern.sub(lambda m: _mask_digits(m.group()), text)
    return mask_names(text)


def _mask_digits(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return "*" * (len(digits) - 2) + digits[-2:]


class PiiMaskingFilter(logging.Filter):
    """A logging filter that masks phone and ID numbers in every record it passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with personal numbers masked."""
        record.msg = mask_pii(record.getMessage())
        record.args = None
        return True
