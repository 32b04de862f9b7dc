"""Blind indexes: HMAC-SHA256 over normalised values, for exact lookups on encrypted data.

Value format ``b1:<key id>:<hex>``. During a key rotation a value may sit under any configured key, so a
lookup asks for every candidate (``candidates``); ``manage.py rotate_encryption_keys`` moves them all to the
active key. Never index a low-entropy value alone (birth date, sex, postcode): combine it with another.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import unicodedata
from collections.abc import Sequence

from apps.core.crypto import key_ring

INDEX_VERSION = "b1"
Part = str | datetime.date | int | None


def normalise(part: Part) -> str | None:
    """NFKC, case-folded, whitespace collapsed: 'Müller ' and 'MÜLLER' index alike; dates as ISO 8601."""
    if part is None:
        return None
    if isinstance(part, datetime.date):
        return part.isoformat()
    text = " ".join(unicodedata.normalize("NFKC", str(part)).casefold().split())
    return text or None


def _digest(key: bytes, label: str, parts: Sequence[str]) -> str:
    # The label keeps two indexes over equal values apart; 0x1f separates parts so ("ab","c") ≠ ("a","bc").
    message = "\x1f".join((INDEX_VERSION, label, *parts)).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _normalised(parts: Sequence[Part]) -> list[str] | None:
    normalised = [normalise(part) for part in parts]
    if any(part is None for part in normalised):
        return None
    return [part for part in normalised if part is not None]


def compute(label: str, parts: Sequence[Part]) -> str | None:
    """The index under the active key; None when any part is empty (nothing to look up by)."""
    normalised = _normalised(parts)
    if normalised is None:
        return None
    ring = key_ring("blind_index")
    return f"{INDEX_VERSION}:{ring.active_id}:{_digest(ring.active_key, label, normalised)}"


def candidates(label: str, parts: Sequence[Part]) -> list[str]:
    """Every value the index may hold for these parts, one per configured key."""
    normalised = _normalised(parts)
    if normalised is None:
        return []
    return [
        f"{INDEX_VERSION}:{key_id}:{_digest(key, label, normalised)}" for key_id, key in key_ring("blind_index").keys
    ]
