"""Procedure search: a ranked, accent-insensitive index over the catalog.

``search_procedures(session, question)`` is what the API and the Rasa actions call;
``get_index`` caches one ``ProcedureIndex`` per database and rebuilds it when the catalog
changes; ``refresh_procedures(session, codes)`` swaps in a new index at once after an edit.
Scores fuse BM25 with sentence-embedding cosines (``knowledge.search.semantic``) when
settings ``semantic_search`` is on. Nothing is built at import time.
"""

from knowledge.search.documents import SearchDocument, documents_from_session
from knowledge.search.index import ProcedureIndex, Weights
from knowledge.search.service import get_index, refresh_procedures, search_procedures

__all__ = [
    "ProcedureIndex",
    "SearchDocument",
    "Weights",
    "documents_from_session",
    "get_index",
    "refresh_procedures",
    "search_procedures",
]
