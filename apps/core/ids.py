"""Random identifiers for things users quote (Patient_ID, Meldung_ID): short, unambiguous, nothing identifying."""

from __future__ import annotations

import secrets

# No look-alikes (0/O, 1/I): the ids are read out on the phone and typed from printouts.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def random_id(prefix: str, length: int = 9) -> str:
    """``prefix`` and ``length`` random characters; 9 characters give about 2^45 values."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))
