"""The Vietnamese tokenizer: words, folded lemmas and offsets into the text as typed."""

from __future__ import annotations

import unicodedata

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.vietnamese_tokenizer import VietnameseTokenizer


@pytest.fixture(scope="module")
def tokenizer() -> VietnameseTokenizer:
    """A tokenizer built the way Rasa builds it."""
    return VietnameseTokenizer.create({}, None, None, None)  # type: ignore[arg-type]


def tokens_of(tokenizer: VietnameseTokenizer, text: str) -> list[tuple[str, str, int, int]]:
    """(text, lemma, start, end) of each token of ``text``."""
    return [
        (t.text, t.lemma, t.start, t.end)
        for t in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Thủ tục đăng ký khai sinh?",
            [
                ("Thủ tục", "thu_tuc", 0, 7),
                ("đăng ký", "dang_ky", 8, 15),
                ("khai sinh", "khai_sinh", 16, 25),
            ],
        ),
        (
            "thu tuc dang ky khai sinh",
            [
                ("thu tuc", "thu_tuc", 0, 7),
                ("dang ky", "dang_ky", 8, 15),
                ("khai sinh", "khai_sinh", 16, 25),
            ],
        ),
        (
            "Lệ phí làm Căn Cước là bao nhiêu?",
            [
                ("Lệ phí", "le_phi", 0, 6),
                ("làm", "lam", 7, 10),
                ("Căn Cước", "can_cuoc", 11, 19),
                ("là", "la", 20, 22),
                ("bao nhiêu", "bao_nhieu", 23, 32),
            ],
        ),
        (
            "le phi lam can cuoc la bao nhieu",
            [
                ("le phi", "le_phi", 0, 6),
                ("lam", "lam", 7, 10),
                ("can cuoc", "can_cuoc", 11, 19),
                ("la", "la", 20, 22),
                ("bao nhieu", "bao_nhieu", 23, 32),
            ],
        ),
        (
            "còn lệ phí thì sao?",
            [
                ("còn", "con", 0, 3),
                ("lệ phí", "le_phi", 4, 10),
                ("thì", "thi", 11, 14),
                ("sao", "sao", 15, 18),
            ],
        ),
        (
            "  ĐĂNG KÝ   kết hôn!! ",
            [("ĐĂNG KÝ", "dang_ky", 2, 9), ("kết hôn", "ket_hon", 12, 19)],
        ),
    ],
)
def test_words_lemmas_and_offsets(
    tokenizer: VietnameseTokenizer, text: str, expected: list[tuple[str, str, int, int]]
) -> None:
    """Multi-syllable words are one token; lemmas are folded; offsets slice the text."""
    tokens = tokens_of(tokenizer, text)
    assert tokens == expected
    assert all(text[start:end] == word for word, _, start, end in tokens)


@pytest.mark.parametrize(
    ("accented", "accentless"),
    [
        ("đăng ký thường trú ở đâu", "dang ky thuong tru o dau"),
        ("cấp đổi thẻ căn cước mất bao lâu", "cap doi the can cuoc mat bao lau"),
        ("hồ sơ đăng ký kết hôn gồm những gì", "ho so dang ky ket hon gom nhung gi"),
    ],
)
def test_accentless_text_gives_the_same_lemmas(
    tokenizer: VietnameseTokenizer, accented: str, accentless: str
) -> None:
    """Featurizers see the same lemmas whether or not the citizen typed diacritics."""
    assert [t[1] for t in tokens_of(tokenizer, accented)] == [
        t[1] for t in tokens_of(tokenizer, accentless)
    ]


def test_decomposed_unicode_keeps_offsets_into_the_original(tokenizer: VietnameseTokenizer) -> None:
    """NFD input (combining marks) gives the NFC lemmas, with offsets into the NFD string."""
    text = unicodedata.normalize("NFD", "Lệ phí đăng ký")
    tokens = tokens_of(tokenizer, text)
    assert [t[1] for t in tokens] == ["le_phi", "dang_ky"]
    assert [text[s:e] for _, _, s, e in tokens] == [t[0] for t in tokens]
    assert unicodedata.normalize("NFC", tokens[1][0]) == "đăng ký"


def test_message_text_is_never_rewritten(tokenizer: VietnameseTokenizer) -> None:
    """Processing sets tokens but leaves the text as the user typed it."""
    message = Message(data={TEXT: "Hồ sơ  GỒM những gì ???"})
    tokenizer.process([message])
    assert message.get(TEXT) == "Hồ sơ  GỒM những gì ???"
    assert [t.lemma for t in message.get(TOKENS_NAMES[TEXT])] == ["ho_so", "gom", "nhung", "gi"]


@pytest.mark.parametrize(
    ("text", "expected"), [("", []), ("?!", [("?!", "?!", 0, 2)]), ("🙂", [("🙂", "🙂", 0, 1)])]
)
def test_texts_without_words(
    tokenizer: VietnameseTokenizer, text: str, expected: list[tuple[str, str, int, int]]
) -> None:
    """Empty text has no token; punctuation or emoji alone stays one token for featurizers."""
    assert tokens_of(tokenizer, text) == expected


def test_training_data_is_tokenized(tokenizer: VietnameseTokenizer) -> None:
    """Training examples get tokens; intent names are kept whole."""
    example = Message(data={TEXT: "lệ phí đổi bằng lái", "intent": "ask_fee"})
    tokenizer.process_training_data(TrainingData([example]))
    assert [t.lemma for t in example.get(TOKENS_NAMES[TEXT])][:1] == ["le_phi"]
    assert [t.text for t in example.get(TOKENS_NAMES["intent"])] == ["ask_fee"]
