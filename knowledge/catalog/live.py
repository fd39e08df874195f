"""Changes that reach every process at once: the catalog version and admins' lexicon words.

Every admin change (an edit, an applied or rolled-back decision, a lexicon word) bumps one
number in the ``catalog_state`` table in the same transaction. Each process that answers
(API workers, the Rasa action server) reads that number before it searches, a one-row read,
and rebuilds its search index when it has moved: no restart, no retraining, no message bus,
and it works with any number of workers on SQLite or PostgreSQL.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from knowledge.clock import LocalTimeModel, local_now
from knowledge.errors import InvalidInputError, NotFoundError
from knowledge.models import CatalogState, LexiconWord, Procedure
from knowledge.text import Lexicon, fold_accents, get_lexicon, normalize
from knowledge.text.lexicon import LexiconEntry

logger = logging.getLogger(__name__)

STATE_ID = 1
MAX_TERM_CHARS = 100


def catalog_version(session: Session) -> int:
    """The catalog's version: 0 until the first admin change."""
    version = session.scalar(select(CatalogState.version).where(CatalogState.id == STATE_ID))
    return int(version or 0)


def bump_catalog_version(session: Session) -> int:
    """Move the catalog version on (in the caller's transaction) and return the new one."""
    now = local_now()
    moved = session.execute(
        update(CatalogState)
        .where(CatalogState.id == STATE_ID)
        .values(version=CatalogState.version + 1, changed_at=now)
    ).rowcount
    if not moved:
        session.add(CatalogState(id=STATE_ID, version=1, changed_at=now))
    session.flush()
    return catalog_version(session)


class LexiconWordInfo(LocalTimeModel):
    """A citizen word an admin added, with the procedure it points to."""

    id: int
    term: str
    procedure_code: str
    procedure_name: str
    created_by: str
    created_at: datetime


def add_lexicon_word(session: Session, term: str, procedure_code: str, actor: str) -> LexiconWord:
    """Tie a citizen word (``term``) to a procedure; search uses it from the next question.

    Raises:
        InvalidInputError: the word is empty, too long, or already tied to that procedure.
        NotFoundError: no procedure has that code.
    """
    from knowledge.audit import record_change
    from knowledge.procedures import find_procedure

    cleaned = " ".join(normalize(term or "").split())
    if not fold_accents(cleaned).strip():
        raise InvalidInputError("Từ ngữ của người dân không được để trống.")
    if len(cleaned) > MAX_TERM_CHARS:
        raise InvalidInputError(f"Từ ngữ quá dài: tối đa {MAX_TERM_CHARS} ký tự.")
    procedure = find_procedure(session, procedure_code)
    exists = session.scalar(
        select(LexiconWord.id).where(
            LexiconWord.term == cleaned, LexiconWord.procedure_code == procedure.code
        )
    )
    if exists:
        raise InvalidInputError(f"Từ «{cleaned}» đã gắn với thủ tục {procedure.code}.")
    word = LexiconWord(
        term=cleaned, procedure_code=procedure.code, created_by=actor, created_at=local_now()
    )
    session.add(word)
    record_change(
        session,
        actor=actor,
        action="lexicon",
        procedure_code=procedure.code,
        attribute="lexicon",
        before=None,
        after=cleaned,
    )
    bump_catalog_version(session)
    return word


def delete_lexicon_word(session: Session, word_id: int, actor: str) -> None:
    """Remove an admin's lexicon word (audited).

    Raises:
        NotFoundError: no word has that id.
    """
    from knowledge.audit import record_change

    word = session.get(LexiconWord, word_id)
    if word is None:
        raise NotFoundError(f"Không tìm thấy từ ngữ số {word_id}.")
    record_change(
        session,
        actor=actor,
        action="lexicon",
        procedure_code=word.procedure_code,
        attribute="lexicon",
        before=word.term,
        after=None,
    )
    session.delete(word)
    bump_catalog_version(session)


def list_lexicon_words(session: Session) -> list[LexiconWordInfo]:
    """The admins' lexicon words, newest first, with their procedure's name."""
    rows = session.execute(
        select(LexiconWord, Procedure.name)
        .outerjoin(Procedure, Procedure.code == LexiconWord.procedure_code)
        .order_by(LexiconWord.created_at.desc(), LexiconWord.id.desc())
    )
    return [
        LexiconWordInfo(
            id=word.id,
            term=word.term,
            procedure_code=word.procedure_code,
            procedure_name=name or "",
            created_by=word.created_by,
            created_at=word.created_at,
        )
        for word, name in rows
    ]


def lexicon_with_admin_words(session: Session) -> Lexicon:
    """The project's lexicon plus the admins' words, each pointing to its procedure's name."""
    rows = session.execute(
        select(LexiconWord.term, Procedure.name).join(
            Procedure, Procedure.code == LexiconWord.procedure_code
        )
    ).all()
    base = get_lexicon()
    if not rows:
        return base
    extra = [LexiconEntry(catalog=(name,), citizen=(term,)) for term, name in rows]
    return Lexicon([*base.entries, *extra])
