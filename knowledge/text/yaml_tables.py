"""Reading the project's YAML word tables (lexicon, abbreviations) with a clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import InvalidInputError


def read_yaml_table(path: Path, what: str) -> dict[str, Any]:
    """The YAML mapping in ``path``; InvalidInputError naming ``what`` when it cannot be read.

    Example: ``read_yaml_table(LEXICON_FILE, "từ điển")`` → ``{"entries": [...]}``.
    """
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInputError(f"Không đọc được {what} {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidInputError(f"{path}: {what} phải là một bảng YAML (khóa: giá trị)")
    return document
