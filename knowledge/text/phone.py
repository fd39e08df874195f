"""Vietnamese phone numbers in one canonical form."""

from __future__ import annotations

import re


def normalize_phone(value: str) -> str:
    """A Vietnamese phone number as digits starting with 0 ("+84 912 345 678" → "0912345678")."""
    digits = re.sub(r"\D", "", value)
    if value.strip().startswith("+84") or (digits.startswith("84") and len(digits) in (11, 12)):
        digits = "0" + digits[2:]
    return digits
