"""Dossiers (hồ sơ): the store, ingestion, status sources, and the citizen's verified lookup."""

from knowledge.dossiers.ingest import import_dossiers, parse_dossier
from knowledge.dossiers.lookup import lookup_dossier
from knowledge.dossiers.store import get_dossier, read_dossier_audited, upsert_dossier

__all__ = [
    "get_dossier",
    "import_dossiers",
    "lookup_dossier",
    "parse_dossier",
    "read_dossier_audited",
    "upsert_dossier",
]
