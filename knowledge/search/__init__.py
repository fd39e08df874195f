"""Procedure search: a ranked, accent-insensitive index over the catalog.

``search_procedures(session, question)`` is what the API and the Rasa actions call;
``get_index`` caches one ``ProcedureIndex`` per database and rebuilds it when the catalog
changes. Nothing is built at import time.
"""

from knowledge.search.documents import SearchDocument, documents_from_session
from knowledge.search.index import ProcedureIndex, Weights
from knowledge.search.service import get_index, search_procedures

__all__ = [
    "ProcedureIndex",
    "SearchDocument",
    "Weights",
    "documents_from_session",
    "get_index",
    "search_procedures",
]
