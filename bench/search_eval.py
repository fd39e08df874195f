"""Search quality on real citizen questions: hit@1, hit@5 and MRR@10, with and without accents.

The questions are the dichvucong.gov.vn FAQ (dvc-faq-questions-hust), each with the codes of
its related procedures; a question counts when any of its codes is in the catalog, and a
search hits when any of them is in the top k. Rows are split by their position in that
filtered list: even rows are for tuning, odd rows are the reported result. ``search`` is the
project's search as served (BM25 fused with sentence-embedding cosines), ``search bm25`` the
same without the encoder. The baseline is plain scikit-learn TF-IDF (cosine) over names,
fields and steps, and the same over names only. The catalog's vectors come from the
embedding cache (``var/embeddings``); the first run on a new catalog embeds it. The
questions' vectors are stored on disk too (``StoredQueryEncoder``, keyed by model version
and exact text): encoding about 500 long questions was 97 % of a run's time, and a stored
vector is the one the encoder gives, so the figures do not change. ``--rows even`` scores
the tuning rows only, ``--systems`` a subset of the systems.

Usage (from the project root):
    .venv/bin/python -m bench.search_eval [--database-url URL] [--rows even] [--systems search]
"""

from __future__ import annotations

import argparse
import ast
import csv
import logging
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.output import write_figures
from knowledge.config import FAQ_QUESTIONS_CSV, NATIONAL_CATALOG_DIR, get_settings
from knowledge.search import ProcedureIndex, SearchDocument, documents_from_session
from knowledge.search.embeddings import EmbeddingCache, Encoder, StoredQueryEncoder
from knowledge.search.semantic import SemanticScorer
from knowledge.text import fold_accents

logger = logging.getLogger(__name__)

CODE_RE = re.compile(r"ma_thu_tuc=([\d.]+)")
DEPTH = 10  # ranks looked at: MRR@10

Ranker = Callable[[str], list[str]]  # question → codes, best first
SYSTEMS = ("search", "search bm25", "tfidf n+f+steps", "tfidf names")
ROWS = {"odd": "odd (report)", "even": "even (tuning)"}


@dataclass(frozen=True)
class Question:
    """A citizen's question and the codes of the procedures it is about."""

    text: str
    codes: frozenset[str]


@dataclass(frozen=True)
class Catalog:
    """The search documents of a catalog, and each procedure's steps for the baseline."""

    documents: list[SearchDocument]
    steps: dict[str, str]


@contextmanager
def catalog_database(database_url: str | None = None) -> Iterator[str]:
    """A database URL holding the catalog: ``database_url``, or a temporary import of real data."""
    if database_url:
        yield database_url
        return
    from knowledge.catalog.importer import import_json_catalog
    from knowledge.db import make_engine, migrate, session_scope

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'catalog.db'}"
        migrate(url)
        engine = make_engine(url)
        started = time.perf_counter()
        with session_scope(engine) as session:
            report = import_json_catalog(session, NATIONAL_CATALOG_DIR)
        engine.dispose()
        logger.info(
            "imported %d procedures in %.0f s", report.imported, time.perf_counter() - started
        )
        yield url


def load_catalog(database_url: str) -> Catalog:
    """The search documents and steps of the catalog at ``database_url``."""
    from sqlalchemy import select

    from knowledge.db import make_engine, session_scope
    from knowledge.models import Procedure

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        documents = documents_from_session(session)
        steps = dict(session.execute(select(Procedure.code, Procedure.steps)).all())
    engine.dispose()
    return Catalog(documents, {code: text or "" for code, text in steps.items()})


def load_questions(path: Path, known_codes: set[str]) -> list[Question]:
    """FAQ rows with at least one related code in the catalog, in file order."""
    questions = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            links = ast.literal_eval(row["related_links"] or "[]")
            codes = {m.group(1) for link in links if (m := CODE_RE.search(link))}
            if codes & known_codes:
                questions.append(Question(row["question"].strip(), frozenset(codes)))
    return questions


def split(questions: Sequence[Question]) -> tuple[list[Question], list[Question]]:
    """(tuning rows, report rows): even and odd positions of the filtered list."""
    return list(questions[0::2]), list(questions[1::2])


def evaluate(
    rank: Ranker, questions: Sequence[Question], *, fold: bool = False
) -> dict[str, float]:
    """hit@1, hit@5 and MRR@10 of ``rank`` over ``questions`` (accents stripped if ``fold``)."""
    hits1 = hits5 = reciprocal = 0.0
    for question in questions:
        codes = rank(fold_accents(question.text) if fold else question.text)[:DEPTH]
        first = next((i for i, code in enumerate(codes) if code in question.codes), None)
        if first is not None:
            hits1 += first == 0
            hits5 += first < 5
            reciprocal += 1 / (first + 1)
    n = len(questions) or 1
    return {"hit@1": hits1 / n, "hit@5": hits5 / n, "mrr@10": reciprocal / n}


def search_ranker(index: ProcedureIndex) -> Ranker:
    """Rank with the project's search."""
    return lambda question: [hit.code for hit in index.search(question, DEPTH)]


def tfidf_ranker(catalog: Catalog, *, names_only: bool = False) -> Ranker:
    """Baseline: scikit-learn TF-IDF, default settings, over names, fields and steps (or names)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform(
        [
            d.name if names_only else f"{d.name}\n{d.field}\n{catalog.steps[d.code]}"
            for d in catalog.documents
        ]
    )
    codes = [d.code for d in catalog.documents]

    def rank(question: str) -> list[str]:
        scores = (matrix @ vectorizer.transform([question]).T).toarray().ravel()
        return [codes[i] for i in np.argsort(-scores, kind="stable")[:DEPTH] if scores[i] > 0]

    return rank


def run(
    database_url: str | None = None,
    questions_csv: Path = FAQ_QUESTIONS_CSV,
    *,
    rows: Sequence[str] = tuple(ROWS),
    systems: Sequence[str] = SYSTEMS,
    store_queries: bool = True,
) -> dict:
    """Run the evaluation and return its figures.

    Args:
        database_url: the catalog; a temporary import of the real data when None.
        questions_csv: the FAQ questions.
        rows: which halves to score ("odd" = report, "even" = tuning).
        systems: which of ``SYSTEMS`` to score.
        store_queries: keep question vectors on disk between runs (``StoredQueryEncoder``).
    """
    with catalog_database(database_url) as url:
        catalog = load_catalog(url)
    documents = catalog.documents
    questions = load_questions(questions_csv, {d.code for d in documents})
    tuning, report = split(questions)
    halves = {"odd": report, "even": tuning}
    settings = get_settings()
    encoder = StoredQueryEncoder() if store_queries else Encoder()
    started = time.perf_counter()
    semantic = SemanticScorer.build(documents, cache=EmbeddingCache(encoder=encoder))
    embed_seconds = time.perf_counter() - started
    started = time.perf_counter()
    index = ProcedureIndex.build(
        documents,
        preferred_levels=settings.deployment_levels,
        level_preference=settings.level_preference,
        semantic=semantic,
    )
    build_seconds = time.perf_counter() - started
    makers: dict[str, Callable[[], Ranker]] = {
        "search": lambda: search_ranker(index),
        "search bm25": lambda: search_ranker(
            ProcedureIndex.build(
                documents,
                preferred_levels=settings.deployment_levels,
                level_preference=settings.level_preference,
            )
        ),
        "tfidf n+f+steps": lambda: tfidf_ranker(catalog),
        "tfidf names": lambda: tfidf_ranker(catalog, names_only=True),
    }
    results = []
    started = time.perf_counter()
    for system in systems:
        rank = makers[system]()
        for half in rows:
            for typing, fold in (("accented", False), ("accentless", True)):
                metrics = evaluate(rank, halves[half], fold=fold)
                results.append(
                    {"system": system, "rows": ROWS[half], "typing": typing}
                    | {"n": len(halves[half])}
                    | {k: round(v, 4) for k, v in metrics.items()}
                )
    search_seconds = time.perf_counter() - started
    return {
        "date": date.today().isoformat(),
        "procedures": len(documents),
        "questions": len(questions),
        "index_build_seconds": round(build_seconds, 2),
        "embeddings_seconds": round(embed_seconds, 2),
        "search_seconds": round(search_seconds, 2),
        "encoder": semantic.encoder.version,
        "stored_question_vectors": (
            {"reused": encoder.hits, "encoded": encoder.misses}
            if isinstance(encoder, StoredQueryEncoder)
            else None
        ),
        "weights": vars(index.weights),
        "preferred_levels": list(index.preferred_levels),
        "level_preference": index.level_preference,
        "results": results,
    }


def print_table(figures: dict) -> None:
    """Print the figures as a plain table."""
    print(
        f"{figures['procedures']} procedures, {figures['questions']} questions "
        f"(index built in {figures['index_build_seconds']} s, embeddings loaded or computed"
        f" in {figures['embeddings_seconds']} s, searches in {figures['search_seconds']} s)"
    )
    if figures["stored_question_vectors"]:
        stored = figures["stored_question_vectors"]
        print(f"question vectors: {stored['reused']} from disk, {stored['encoded']} encoded")
    header = (
        f"{'system':<16}{'rows':<15}{'typing':<12}{'n':>5}" f"{'hit@1':>8}{'hit@5':>8}{'mrr@10':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in figures["results"]:
        print(
            f"{row['system']:<16}{row['rows']:<15}{row['typing']:<12}{row['n']:>5}"
            f"{row['hit@1']:>8.3f}{row['hit@5']:>8.3f}{row['mrr@10']:>8.3f}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a catalog database (default: import the real data)")
    parser.add_argument("--questions", type=Path, default=FAQ_QUESTIONS_CSV)
    parser.add_argument(
        "--rows", choices=[*ROWS, "both"], default="both", help="odd = report, even = tuning"
    )
    parser.add_argument(
        "--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS), metavar="SYSTEM"
    )
    parser.add_argument(
        "--no-stored-queries",
        action="store_true",
        help="encode every question afresh instead of reusing vectors stored on disk",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    figures = run(
        args.database_url,
        args.questions,
        rows=tuple(ROWS) if args.rows == "both" else (args.rows,),
        systems=args.systems,
        store_queries=not args.no_stored_queries,
    )
    print_table(figures)
    write_figures("search-eval", figures)


if __name__ == "__main__":
    main()
