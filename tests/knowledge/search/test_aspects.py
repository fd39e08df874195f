"""Which aspect a question asks: explicit phrases over the NLU intent, the overview when unsure."""

from __future__ import annotations

import pytest

from knowledge.answers.render import ASPECTS
from knowledge.search.aspects import (
    ASPECT_CUES_FILE,
    asked_aspect,
    asking_sentences,
    aspect_cues,
    cued_aspects,
    reads_as_question,
)
from knowledge.search.resolve import procedure_words


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        ("mất bằng lái xe làm lại cần gì", ["documents"]),
        ("mat bang lai xe lam lai can gi", ["documents"]),
        ("làm bằng lái quốc tế cần giấy tờ gì", ["documents"]),
        ("hồ sơ gồm những gì", ["documents"]),
        ("dang ky ket hon mat bao lau", ["processing_time"]),  # a time, not a loss
        ("cấp lại thẻ căn cước mất mấy ngày", ["processing_time"]),
        ("mất căn cước làm lại bao nhiêu tiền", ["fee"]),
        ("khai tu co mat phi khong", ["fee"]),
        ("đăng kí kết hôn ở đâu", ["agency"]),
        ("làm định danh điện tử mức 2 như thế nào", ["steps"]),
        ("thông báo lưu trú làm online được không", ["channels"]),
        ("đăng ký khai sinh xong được nhận giấy gì", ["result"]),
        ("lệ phí và thời gian làm hộ chiếu", ["fee", "processing_time"]),
        # How long the paper received stays valid is the result, not the processing time.
        ("thẻ căn cước có giá trị bao lâu", ["result"]),
        ("ho chieu co gia tri trong bao lau", ["result"]),
        ("giấy xác nhận tình trạng hôn nhân có hiệu lực bao lâu", ["result"]),
        ("bằng lái xe hạng B mấy năm phải đổi", ["result"]),
        ("làm hộ chiếu mất bao lâu", ["processing_time"]),
        # Names of procedures and things that only look like cues are none.
        ("đăng ký khai sinh", []),
        ("chuyển mục đích sử dụng đất phi nông nghiệp", []),  # "phi" is not "phí"
        ("", []),
    ],
)
def test_the_aspects_a_question_names_outright(question: str, aspects: list[str]) -> None:
    """Longest cue first, with or without diacritics; each aspect once, in order."""
    assert cued_aspects(question) == aspects


@pytest.mark.parametrize(
    ("question", "intent", "answered"),
    [
        # One cued aspect decides over the intent (NLU often reads "… cần gì" as an overview).
        ("mất bằng lái xe làm lại cần gì", "procedure", "documents"),
        ("đăng ký thường trú lệ phí bao nhiêu", "documents", "fee"),
        # Several: the intent when it is one of them, else the overview with its buttons.
        ("lệ phí và thời gian làm hộ chiếu", "processing_time", "processing_time"),
        ("lệ phí và thời gian làm hộ chiếu", "agency", "procedure"),
        # No cue: the intent, as before (a follow-up, a name alone).
        ("đăng ký khai sinh", "fee", "fee"),
        ("còn cái kia", "documents", "documents"),
        # A story before the question: the sentence that asks decides (its "online" is not asked).
        (
            "Tôi đang kinh doanh mỹ phẩm online được hai năm. Nay tôi muốn thành lập công ty"
            " TNHH một thành viên. Hồ sơ đăng ký gồm những gì?",
            "procedure",
            "documents",
        ),
        ("Tôi mất ví hôm qua. Làm lại căn cước hết bao nhiêu tiền?", "documents", "fee"),
        # The sentence that asks names no aspect: the story's cues count, as before.
        ("Làm hộ chiếu mất bao lâu. Tôi phải làm thủ tục gì?", "procedure", "processing_time"),
        # A button's payload is the citizen's explicit choice.
        ('/ask_documents{"procedure_code":"1.001193"}', "documents", "documents"),
    ],
)
def test_the_asked_aspect_weighs_phrases_and_intent(
    question: str, intent: str, answered: str
) -> None:
    """A wrong aspect answered directly is worse than an overview with the aspect buttons."""
    assert asked_aspect(question, intent) == answered


def test_every_cue_is_a_question_word_not_a_procedure_word() -> None:
    """A cue must never be read as part of a procedure's name by the resolution."""
    table, longest = aspect_cues(ASPECT_CUES_FILE)
    assert longest >= 3
    for variants in table.values():
        for phrase, aspect in variants:
            assert aspect in ASPECTS and aspect != "procedure"
            text = " ".join(phrase)
            assert procedure_words(text) == [], f"'{text}' ({aspect}) would name a procedure"


def test_every_aspect_has_cues() -> None:
    """An aspect added to the answers without cue phrases is only ever reached by its intent."""
    table, _ = aspect_cues(ASPECT_CUES_FILE)
    cued = {aspect for variants in table.values() for _, aspect in variants}
    assert cued == set(ASPECTS) - {"procedure"}


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Công chứng viên trả lời như vậy có đúng không.", True),
        ("Cơ quan nào xem xét hồ sơ?", True),
        ("thu tuc nay lam o dau", True),
        ("làm hộ chiếu mất bao lâu", True),
        ("đăng ký kết hôn như thế nào", True),
        ("cán bộ hẹn đi hẹn lại nhiều lần", False),
        ("bot trả lời sai rồi", False),
        ("thủ tục đăng ký khai sinh", False),
        ("", False),
    ],
)
def test_a_message_reads_as_a_question_by_its_mark_or_last_words(text: str, asks: bool) -> None:
    """A question mark, or a question word at the end, with or without diacritics."""
    assert reads_as_question(text) is asks


@pytest.mark.parametrize(
    ("text", "asking"),
    [
        ("Tôi mất ví. Làm lại căn cước thế nào?", ["Làm lại căn cước thế nào?"]),
        ("Con 10 tuổi. Hộ chiếu ở đâu? Bao lâu?", ["Hộ chiếu ở đâu?", "Bao lâu?"]),
        ("Tôi muốn làm hộ chiếu. Xin cảm ơn.", ["Tôi muốn làm hộ chiếu.", "Xin cảm ơn."]),
        ("thủ tục 1.001193 lệ phí bao nhiêu", ["thủ tục 1.001193 lệ phí bao nhiêu"]),
        ("", []),
    ],
)
def test_the_sentences_that_ask(text: str, asking: list[str]) -> None:
    """Those that read as a question; every sentence when none does; a code is no full stop."""
    assert asking_sentences(text) == asking
