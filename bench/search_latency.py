"""Search cost: index build time and per-search latency, on the catalog and on a copy ×20.

The queries are the real FAQ questions (long, narrative) and their accentless forms. Figures
per catalog: the query embedding alone (accents restored, then the encoder); the fused
``ProcedureIndex.search`` (embedding included) and the lexical one without the encoder;
``search_procedures`` (what the API and the bot call: validation, the catalog fingerprint
query, then the search); and the index build. No query vector is cached while timing, so
every search pays its embedding. The ×20 catalog repeats every procedure twenty times under
new codes (their vectors repeated too), to show how cost grows with catalog size.

Usage (from the project root):
    .venv/bin/python -m bench.search_latency [--database-url URL] [--scale 20] [--queries 300]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import logging
import resource
import time
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np

from bench.output import write_figures
from bench.search_eval import catalog_database, load_catalog
from knowledge.config import FAQ_QUESTIONS_CSV, get_settings
from knowledge.search import ProcedureIndex, SearchDocument, get_index, search_procedures
from knowledge.search.semantic import SemanticScorer
from knowledge.text import fold_accents

logger = logging.getLogger(__name__)

WARMUP = 20
# (label, key) of the timed series printed per catalog.
SERIES = (("embed q", "query_embedding"), ("search", "search"), ("bm25", "search_bm25"))


def load_queries(count: int) -> list[str]:
    """The first ``count`` distinct FAQ questions, then the same without diacritics."""
    with FAQ_QUESTIONS_CSV.open(encoding="utf-8", newline="") as handle:
        questions = list(dict.fromkeys(row["question"].strip() for row in csv.DictReader(handle)))
    chosen = questions[: count // 2]
    return chosen + [fold_accents(q) for q in chosen]


def scaled(documents: Sequence[SearchDocument], factor: int) -> list[SearchDocument]:
    """``factor`` copies of every document, the copies under new codes ("1.001193~3")."""
    return [
        dataclasses.replace(d, code=f"{d.code}~{copy}") if copy else d
        for copy in range(factor)
        for d in documents
    ]


def timed(
    call: Callable[[str], object],
    queries: Sequence[str],
    after_warmup: Callable[[], object] | None = None,
) -> dict[str, float]:
    """p50, p95, p99 and mean of ``call`` over ``queries``, in milliseconds, after a warm-up.

    ``after_warmup`` runs between the warm-up and the measure (to empty a cache).
    """
    for query in queries[:WARMUP]:
        call(query)
    if after_warmup is not None:
        after_warmup()
    seconds = []
    for query in queries:
        started = time.perf_counter()
        call(query)
        seconds.append(time.perf_counter() - started)
    ms = np.array(seconds) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "mean_ms": round(float(ms.mean()), 2),
    }


def build(
    documents: Sequence[SearchDocument], semantic: SemanticScorer | None = None
) -> tuple[ProcedureIndex, float]:
    """An index of ``documents`` with the deployment's settings, and its build time in seconds."""
    settings = get_settings()
    started = time.perf_counter()
    index = ProcedureIndex.build(
        documents,
        preferred_levels=settings.deployment_levels,
        level_preference=settings.level_preference,
        semantic=semantic,
    )
    return index, time.perf_counter() - started


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(
    documents: Sequence[SearchDocument], queries: Sequence[str], semantic: SemanticScorer
) -> dict:
    """Build time and search latency for ``documents``; the indexes are dropped on return."""
    index, build_seconds = build(documents, semantic)
    lexical, _ = build(documents)
    return {
        "procedures": len(documents),
        "build_seconds": round(build_seconds, 2),
        "query_embedding": timed(lambda q: semantic.encoder.query(semantic.query_text(q)), queries),
        "search": timed(lambda q: index.search(q, 5), queries),
        "search_bm25": timed(lambda q: lexical.search(q, 5), queries),
    }


def run(database_url: str | None, factor: int, query_count: int) -> dict:
    """Measure everything and return the figures."""
    from knowledge.db import make_engine, session_scope

    queries = load_queries(query_count)
    with catalog_database(database_url) as url:
        documents = load_catalog(url).documents
        _, first_build = build(documents)  # pays the one-off imports (bm25s, scikit-learn)
        started = time.perf_counter()
        semantic = SemanticScorer.build(documents)  # from the cache, or embeds the catalog
        embed_seconds = time.perf_counter() - started
        uncached = semantic.with_vectors(semantic.vectors, query_cache=0)
        base = measure(documents, queries, uncached) | {
            "build_seconds_first": round(first_build, 2),
            "embeddings_seconds": round(embed_seconds, 2),
        }
        engine = make_engine(url)
        with session_scope(engine) as session:
            served = get_index(session)
            base["search_procedures"] = timed(
                lambda q: search_procedures(session, q, 5),
                queries,
                served.semantic._query.cache_clear if served.semantic else None,
            )
        engine.dispose()
    base["peak_memory_mb"] = peak_memory_mb()
    tiled = uncached.with_vectors(np.tile(semantic.vectors, (factor, 1)), query_cache=0)
    big = measure(scaled(documents, factor), queries, tiled) | {"peak_memory_mb": peak_memory_mb()}
    ratios = {
        "build": round(big["build_seconds"] / base["build_seconds"], 1),
        "search_p50": round(big["search"]["p50_ms"] / base["search"]["p50_ms"], 1),
        "search_p95": round(big["search"]["p95_ms"] / base["search"]["p95_ms"], 1),
    }
    return {
        "date": date.today().isoformat(),
        "queries": len(queries),
        "catalog": base,
        f"catalog_x{factor}": big,
        f"ratios_x{factor}": ratios,
    }


def print_figures(figures: dict, factor: int) -> None:
    """Print the figures as plain lines."""
    base, big = figures["catalog"], figures[f"catalog_x{factor}"]
    print(f"{figures['queries']} queries (FAQ questions, half of them without diacritics)")
    print(
        f"catalog     {base['procedures']:>6} procedures  build {base['build_seconds']:>6.2f} s"
        f" (first build with imports {base['build_seconds_first']:.2f} s;"
        f" embeddings {base['embeddings_seconds']:.2f} s)"
    )
    for label, key in SERIES + (("service", "search_procedures"),):
        m = base[key]
        print(
            f"  {label:<8} p50 {m['p50_ms']:>6.2f} ms  p95 {m['p95_ms']:>6.2f} ms"
            f"  p99 {m['p99_ms']:>6.2f} ms  mean {m['mean_ms']:>6.2f} ms"
        )
    print(
        f"catalog x{factor} {big['procedures']:>6} procedures  build {big['build_seconds']:>6.2f} s"
        f"  peak memory {big['peak_memory_mb']:.0f} MB"
    )
    for label, key in SERIES:
        m = big[key]
        print(
            f"  {label:<8} p50 {m['p50_ms']:>6.2f} ms  p95 {m['p95_ms']:>6.2f} ms"
            f"  p99 {m['p99_ms']:>6.2f} ms  mean {m['mean_ms']:>6.2f} ms"
        )
    ratios = figures[f"ratios_x{factor}"]
    print(
        f"ratios x{factor}: build ×{ratios['build']}, search p50 ×{ratios['search_p50']},"
        f" p95 ×{ratios['search_p95']}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a catalog database (default: import the real data)")
    parser.add_argument("--scale", type=int, default=20, help="copies in the scaled catalog")
    parser.add_argument("--queries", type=int, default=300, help="searches per measurement")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    figures = run(args.database_url, args.scale, args.queries)
    print_figures(figures, args.scale)
    write_figures("search-latency", figures)


if __name__ == "__main__":
    main()
