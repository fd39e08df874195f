"""Logging with personal data masked, installed in every process before any handler.

``install_masking()`` replaces the log-record factory, so every record of every logger is
masked when it is created, whatever handler (ours, uvicorn's, Rasa's, Sanic's) writes it
later: phone and ID numbers keep their last two digits, applicants' names (``applicant_name``
fields, "Họ tên: …") are reduced to initials, dossier codes lose their sequence digits, and
the ``q=`` of a search URL (a citizen's question) and the ``token=`` of a socket URL (a chat
session's or an agent's secret) are hidden. Tracebacks are formatted and
masked at once too. The CLI, the API (``create_app``), Rasa (``bot/channels.py``, loaded
from credentials.yml) and the action server (``actions/server.py``) call it first.

Example:
    >>> mask_text('GET /api/procedures/search?q=0912345678&limit=5 "applicant_name": "Lê Thị Hoa"')
    'GET /api/procedures/search?q=***&limit=5 "applicant_name": "L. T. H."'
"""

from __future__ import annotations

import logging
import re
from typing import Any

from knowledge.text.entities import DOSSIER_CODE_RE, mask_pii

_QUERY_RE = re.compile(r"([?&](?:q|query|text|message|token)=)[^&\s\"']*", re.IGNORECASE)
_NAME_RE = re.compile(
    r"""((?:applicant_name|full_name|ho_ten|họ tên|người nộp)["']?\s*[:=]\s*["']?)"""
    r"""([^"',;\n}]+)""",
    re.IGNORECASE,
)
_FORMATTER = logging.Formatter()
_installed = False


def _initials(match: re.Match[str]) -> str:
    words = match.group(2).split()
    return match.group(1) + " ".join(f"{w[0]}." for w in words if w)


def _mask_code(match: re.Match[str]) -> str:
    return match.group()[:-4] + "****"


def mask_text(text: str) -> str:
    """``text`` with phones, ID numbers, names, dossier sequences and search questions hidden."""
    text = _QUERY_RE.sub(r"\1***", text)
    text = _NAME_RE.sub(_initials, text)
    text = DOSSIER_CODE_RE.sub(_mask_code, text)
    return mask_pii(text)


def _mask_arg(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(value if isinstance(value, str) else str(value))


def install_masking() -> None:
    """Mask every log record at creation, in this process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            # Arguments are masked one by one, not merged into the message: some formatters
            # (uvicorn's access log) read ``record.args`` themselves.
            if isinstance(record.msg, str):
                record.msg = mask_text(record.msg)
            else:
                record.msg = mask_text(str(record.msg))
            if isinstance(record.args, tuple):
                record.args = tuple(_mask_arg(a) for a in record.args)
            elif isinstance(record.args, dict):
                record.args = {k: _mask_arg(v) for k, v in record.args.items()}
            if record.exc_info and record.exc_info[0] is not None:
                record.exc_text = mask_text(_FORMATTER.formatException(record.exc_info))
            if record.stack_info:
                record.stack_info = mask_text(record.stack_info)
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is kept as is
            pass
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr, every record masked (see ``install_masking``)."""
    install_masking()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
