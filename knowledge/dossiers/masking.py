"""Masking of an applicant's personal data for citizen-facing answers."""

from __future__ import annotations

import re
import unicodedata


def mask_name(name: str) -> str:
    """A name reduced to initials: at most three stars per word, the last word an initial.

    Example:
        >>> mask_name("Nguyễn Văn An")
        'N*** V** A'
        >>> mask_name("  lê  thị hồng  ")
        'L* T** H'
    """
    words = unicodedata.normalize("NFC", name).split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0].upper() + "***"
    masked = [w[0].upper() + "*" * min(len(w) - 1, 3) for w in words[:-1]]
    return " ".join([*masked, words[-1][0].upper()])


def last_digits(phone: str, count: int = 4) -> str:
    """The last ``count`` digits of a phone number, or "" when it has fewer digits."""
    digits = re.sub(r"\D", "", phone)
    return digits[-count:] if len(digits) >= count else ""
