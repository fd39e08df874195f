"""Search as a service: one cached index per database, rebuilt when the catalog changes."""

from __future__ import annotations

import logging
import threading
import weakref

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from knowledge.config import get_settings
from knowledge.errors import InvalidInputError
from knowledge.schemas import SearchHit
from knowledge.search.documents import catalog_fingerprint, documents_from_session
from knowledge.search.index import ProcedureIndex

logger = logging.getLogger(__name__)

MAX_LIMIT = 50

_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Engine, tuple[tuple[object, ...], ProcedureIndex]] = (
    weakref.WeakKeyDictionary()
)


def get_index(session: Session) -> ProcedureIndex:
    """The index of the catalog ``session`` reads, built on first use and cached.

    A cheap fingerprint query (count, newest update, sum of ids) runs on every call; the
    index is rebuilt when it differs from the one the cached index was built from.
    """
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    fingerprint = catalog_fingerprint(session)
    with _lock:
        cached = _cache.get(engine)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        settings = get_settings()
        index = ProcedureIndex.build(
            documents_from_session(session),
            preferred_levels=settings.deployment_levels,
            level_preference=settings.level_preference,
        )
        _cache[engine] = (fingerprint, index)
        logger.info("search index (re)built for %d procedures", len(index.documents))
        return index


def search_procedures(session: Session, question: str, limit: int = 5) -> list[SearchHit]:
    """The procedures ``question`` is most likely about, best first.

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
    return get_index(session).search(question, limit)
