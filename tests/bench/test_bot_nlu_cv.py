"""Cross-validation folds keep near-duplicate examples together."""

from __future__ import annotations

from bench.bot_nlu_cv import near_duplicate_groups


def test_accent_variants_and_close_rewordings_share_a_group() -> None:
    texts = [
        "lệ phí làm hộ chiếu là bao nhiêu",
        "le phi lam ho chieu la bao nhieu",
        "lệ phí làm hộ chiếu là bao nhiêu vậy",
        "tổng đài gọi mãi không ai nghe máy",
        "cho tôi gặp cán bộ hỗ trợ",
        "đăng ký kết hôn ở đâu",
    ]
    groups = near_duplicate_groups(texts)
    assert groups[0] == groups[1] == groups[2]
    assert len(set(groups[2:])) == 4


def test_every_text_gets_a_group_and_only_near_duplicates_share_one() -> None:
    """One group per text; a group per distinct question (``range(n)`` would fail here)."""
    texts = ["đăng ký kết hôn", "thủ tục ly hôn ở tòa", "dang ky ket hon", "gặp tổng đài viên"]
    groups = near_duplicate_groups(texts)
    assert len(groups) == len(texts)
    assert groups[0] == groups[2]
    assert len({groups[0], groups[1], groups[3]}) == 3
