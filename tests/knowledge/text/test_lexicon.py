"""The lexicon of citizen words."""

from pathlib import Path

import pytest

from knowledge.errors import InvalidInputError
from knowledge.text import Lexicon, get_lexicon
from knowledge.text.lexicon import LexiconEntry


@pytest.fixture()
def lexicon() -> Lexicon:
    return Lexicon(
        [
            LexiconEntry(("giấy chứng nhận quyền sử dụng đất",), ("sổ đỏ", "sổ hồng", "bìa đỏ")),
            LexiconEntry(("giấy phép lái xe",), ("bằng lái", "gplx", "bằng lái xe")),
            LexiconEntry(("căn cước",), ("cccd", "căn cước công dân")),
        ]
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("làm sổ đỏ hết bao nhiêu tiền", ["giấy chứng nhận quyền sử dụng đất"]),
        ("lam so do het bao nhieu tien", ["giấy chứng nhận quyền sử dụng đất"]),
        ("Đổi BẰNG LÁI XE ở đâu?", ["giấy phép lái xe"]),
        ("cap lai cccd va gplx", ["căn cước", "giấy phép lái xe"]),
        ("đăng ký khai sinh", []),
    ],
)
def test_expand_finds_citizen_terms_with_or_without_accents(lexicon, question, expected) -> None:
    assert lexicon.expand(question) == expected


def test_longest_term_wins(lexicon) -> None:
    matches = lexicon.matches("đổi bằng lái xe")
    assert [term for term, _ in matches] == ["bang lai xe"]


def test_project_lexicon_covers_the_common_slang() -> None:
    lexicon = get_lexicon()
    assert len(lexicon.entries) >= 60
    for slang, wording in [
        ("cccd", "căn cước"),
        ("bằng lái", "giấy phép lái xe"),
        ("sổ đỏ", "quyền sử dụng đất"),
        ("hộ khẩu", "thường trú"),
        ("giấy chứng tử", "khai tử"),
        ("passport", "hộ chiếu"),
    ]:
        assert any(wording in w for w in lexicon.expand(slang)), slang


@pytest.mark.parametrize(
    ("question", "wording"),
    [
        ("xin phep sua nha", "giấy phép xây dựng sửa chữa, cải tạo"),
        ("cải tạo nhà có cần xin phép không", "giấy phép xây dựng sửa chữa, cải tạo"),
        ("xe mới mua đăng ký ở đâu", "đăng ký xe lần đầu"),
        ("ông nội mất rồi làm giấy gì", "khai tử"),
        ("xin giay xac nhan cho o", "xác nhận thông tin về cư trú"),
        ("ký giấy ủy quyền ở phường", "chứng thực chữ ký"),
        ("sao y bằng cấp", "bản chính giấy tờ, văn bản"),
        ("tiền hưu tháng này", "lương hưu"),
        ("lương hưu của bố còn chưa lĩnh", "truy lĩnh lương hưu"),
    ],
)
def test_project_lexicon_knows_everyday_words(question: str, wording: str) -> None:
    assert wording in get_lexicon().expand(question)


def test_malformed_lexicon_file_is_refused_with_the_entry_number(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yml"
    path.write_text("entries:\n  - catalog: [căn cước]\n  - citizen: [x]\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="mục 1"):
        Lexicon.from_file(path)
