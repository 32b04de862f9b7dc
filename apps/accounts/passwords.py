"""Initial passwords issued by the Vertrauensstelle: random, readable on a printed letter."""

from __future__ import annotations

import secrets
import string

# Without look-alikes (0/O/o, 1/l/I, 5/S, 2/Z, 8/B) and characters that are hard to type on German keyboards.
DIGITS = "34679"
UPPER = "".join(c for c in string.ascii_uppercase if c not in "OIZSB")
LOWER = "".join(c for c in string.ascii_lowercase if c not in "ol")
SPECIAL = "!#$%&*+-=?@"
LENGTH = 16  # ≥ 14 required by the registry; 16 from ~75 symbols gives about 99 bits


def generate_initial_password(length: int = LENGTH) -> str:
    alphabet = DIGITS + UPPER + LOWER + SPECIAL
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in group for c in candidate) for group in (DIGITS, UPPER, LOWER, SPECIAL)):
            return candidate
