"""The rule-based dossier-code extractor: canonical values and offsets, other entities kept."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.dossier_code_extractor import DossierCodeExtractor


@pytest.fixture(scope="module")
def extractor() -> DossierCodeExtractor:
    """An extractor built the way Rasa builds it."""
    return DossierCodeExtractor.create({}, None, None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        ("mã hồ sơ 000.00.12.H48-251120-0001 ạ", "000.00.12.H48-251120-0001", (9, 34)),
        ("ho so 000 00 12 h48 251120 0001 toi dau roi", "000.00.12.H48-251120-0001", (6, 31)),
        ("000.30.15.h56 - 250903 - 0027", "000.30.15.H56-250903-0027", (0, 29)),
    ],
)
def test_codes_are_extracted_with_canonical_values(
    extractor: DossierCodeExtractor, text: str, value: str, span: tuple[int, int]
) -> None:
    """The code as typed is located; its value is the canonical form the lookup uses."""
    message = Message(data={TEXT: text})
    extractor.process([message])
    [entity] = message.get(ENTITIES)
    assert entity["entity"] == "dossier_code"
    assert entity["value"] == value
    assert (entity["start"], entity["end"]) == span
    assert entity["extractor"] == "DossierCodeExtractor"


@pytest.mark.parametrize(
    "text", ["tra cứu hồ sơ", "số điện thoại 0912345678", "thủ tục 1.001193", ""]
)
def test_no_code_no_entity(extractor: DossierCodeExtractor, text: str) -> None:
    """Phone numbers, procedure codes and plain questions are not dossier codes."""
    message = Message(data={TEXT: text})
    extractor.process([message])
    assert not message.get(ENTITIES)


def test_entities_of_other_extractors_are_kept(extractor: DossierCodeExtractor) -> None:
    """The extractor appends; it never drops what earlier components found."""
    earlier = {"entity": "procedure_code", "value": "1.001193", "start": 0, "end": 8}
    message = Message(data={TEXT: "1.001193 000.00.12.H48-251120-0001", ENTITIES: [earlier]})
    extractor.process([message])
    assert [e["entity"] for e in message.get(ENTITIES)] == ["procedure_code", "dossier_code"]
