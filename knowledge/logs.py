"""Logging set-up shared by the CLI, the API and the action server: personal numbers masked."""

from __future__ import annotations

import logging

from knowledge.text.entities import PiiMaskingFilter


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr with phone and ID numbers masked in every record."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PiiMaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
