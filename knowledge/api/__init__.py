"""The HTTP API (FastAPI): catalog reads, dossier ingestion and agent lookups."""
