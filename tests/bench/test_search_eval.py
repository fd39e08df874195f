"""The search benchmark: halves, systems, and question vectors stored between runs."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from bench import search_eval
from knowledge.config import get_settings
from knowledge.search.embeddings import DIMENSIONS, Encoder

QUESTIONS = [  # (question, related procedure code), in the CSV's order: even, odd, even…
    ("Tôi muốn làm hộ chiếu lần đầu thì nộp ở đâu?", "1.001456"),
    ("Đăng ký tạm trú cần giấy tờ gì?", "1.004194"),
    ("Thủ tục đăng ký thường trú cho con", "1.004222"),
    ("Cấp đổi thẻ căn cước hết bao lâu?", "1.014063"),
    ("Câu hỏi về một thủ tục không có trong danh mục", "9.999999"),  # left out
]


def _unit(text: str) -> np.ndarray:
    seed = int(hashlib.sha256(text.encode()).hexdigest()[:16], 16)
    vector = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture()
def encoded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The texts the encoder is asked for (a hash stand-in: what is stored, not what it means)."""
    monkeypatch.setenv("TTHC_EMBEDDINGS_DIR", str(tmp_path / "embeddings"))
    get_settings.cache_clear()
    texts: list[str] = []

    def query(self: Encoder, text: str) -> np.ndarray:
        texts.append(text)
        return _unit(text)

    def passages(self: Encoder, batch: Sequence[str], progress: object = None) -> np.ndarray:
        return np.asarray([_unit(t) for t in batch], dtype=np.float32).reshape(-1, DIMENSIONS)

    monkeypatch.setattr(Encoder, "query", query)
    monkeypatch.setattr(Encoder, "passages", passages)
    yield texts
    get_settings.cache_clear()


def _questions_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["question", "related_links"])
        writer.writeheader()
        for text, code in QUESTIONS:
            link = f"https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc={code}"
            writer.writerow({"question": text, "related_links": repr([link])})
    return path


def test_even_rows_only_and_question_vectors_reused_on_the_next_run(
    database_url: str,
    load_sample_catalog: Callable[[str], None],
    encoded: list[str],
    tmp_path: Path,
) -> None:
    load_sample_catalog(database_url)
    questions = _questions_csv(tmp_path / "questions.csv")
    first = search_eval.run(database_url, questions, rows=("even",), systems=("search",))
    assert first["questions"] == 4
    assert {(r["system"], r["rows"], r["n"]) for r in first["results"]} == {
        ("search", "even (tuning)", 2)
    }
    assert {r["typing"] for r in first["results"]} == {"accented", "accentless"}
    # Two even questions, each as typed and as restored from its accentless form (which
    # may come back exactly as typed: then one vector serves both).
    distinct = len(set(encoded))
    assert 2 <= distinct <= 4 and len(encoded) == distinct
    assert first["stored_question_vectors"] == {"reused": 0, "encoded": distinct}

    again = search_eval.run(database_url, questions, rows=("even",), systems=("search",))
    assert again["stored_question_vectors"] == {"reused": distinct, "encoded": 0}
    assert len(encoded) == distinct  # the encoder was not asked again
    assert again["results"] == first["results"]  # a stored vector measures the same

    fresh = search_eval.run(
        database_url, questions, rows=("even",), systems=("search",), store_queries=False
    )
    assert fresh["stored_question_vectors"] is None
    assert fresh["results"] == first["results"]


def test_odd_rows_are_the_report_half(
    database_url: str,
    load_sample_catalog: Callable[[str], None],
    encoded: list[str],
    tmp_path: Path,
) -> None:
    load_sample_catalog(database_url)
    questions = search_eval.load_questions(
        _questions_csv(tmp_path / "questions.csv"), {code for _, code in QUESTIONS[:4]}
    )
    tuning, report = search_eval.split(questions)
    assert [q.text for q in report] == [QUESTIONS[1][0], QUESTIONS[3][0]]
    figures = search_eval.run(
        database_url,
        tmp_path / "questions.csv",
        rows=("odd",),
        systems=("search bm25", "tfidf names"),
    )
    assert {(r["system"], r["rows"]) for r in figures["results"]} == {
        ("search bm25", "odd (report)"),
        ("tfidf names", "odd (report)"),
    }
    bm25 = [r for r in figures["results"] if r["system"] == "search bm25"]
    assert all(r["hit@5"] == 1.0 for r in bm25)  # both report questions name their procedure
