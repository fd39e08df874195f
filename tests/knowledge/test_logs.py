"""Log masking installed before any handler: phones, IDs, names, dossier sequences, questions."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from knowledge.logs import install_masking, mask_text


@pytest.mark.parametrize(
    ("raw", "hidden", "kept"),
    [
        ("SĐT 0912 345 678", "0912 345 678", "78"),
        ("CCCD 051090001234", "051090001234", "34"),
        ('"applicant_name": "Nguyễn Văn An"', "Nguyễn Văn An", "N. V. A."),
        ("applicant_name='Lê Thị Hoa'", "Lê Thị Hoa", "L. T. H."),
        ("GET /api/procedures/search?q=lam%20cccd&limit=5", "lam%20cccd", "limit=5"),
        ("hồ sơ 000.00.12.H48-251120-0001", "251120-0001", "000.00.12.H48-251120-****"),
        (
            '"GET /api/chat/ws?session_id=abc123&token=s3cr3t-Tok_en HTTP/1.1" 101',
            "s3cr3t-Tok_en",
            "session_id=abc123&token=*** HTTP/1.1",
        ),
        ("WebSocket /api/agent/ws?token=eyJhbGciOi.eyJzdWIi.sig", "eyJhbGciOi", "ws?token=***"),
    ],
)
def test_mask_text(raw: str, hidden: str, kept: str) -> None:
    masked = mask_text(raw)
    assert hidden not in masked and kept in masked


def test_every_handler_sees_masked_records_even_one_added_later() -> None:
    """A handler of any library (added after the set-up) writes masked text, tracebacks too."""
    script = """
import logging, sys
from knowledge.logs import install_masking
install_masking()
handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
log = logging.getLogger("uvicorn.access")
log.addHandler(handler); log.setLevel(logging.INFO); log.propagate = False
path = "/api/procedures/search?q=0912345678"
log.info('%s - "%s %s HTTP/%s" %d', "1.2.3.4", "GET", path, "1.1", 200)
try:
    raise ValueError("applicant_name=Trần Thị Bình, phone 0987654321")
except ValueError:
    log.exception("failed for %s", "CCCD 051090001234")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for secret in ("0912345678", "0987654321", "051090001234", "Trần Thị Bình"):
        assert secret not in out
    assert "q=***" in out and "T. T. B." in out and '"GET' in out


def test_install_is_idempotent(caplog: pytest.LogCaptureFixture) -> None:
    install_masking()
    install_masking()
    with caplog.at_level(logging.INFO):
        logging.getLogger("tthc.test").info("gọi 0912345678")
    assert caplog.records[-1].getMessage() == "gọi ********78"
