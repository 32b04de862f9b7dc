"""Key rings: named 256-bit keys, one ring per purpose, read from the environment or key files.

This module imports nothing from Django, so settings.py can use it to validate keys at start-up.
Format of a ring (environment variable or file): entries ``<key id>:<base64 of 32 bytes>``, separated by
commas or new lines, ``#`` starts a comment. The first entry is the active key (it encrypts); every entry
decrypts. Rotation: put a new key first, run ``manage.py rotate_encryption_keys``, then drop the old one.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import sys
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# One key per purpose (BSI TR-03161 O.Cryp_4): a leaked blind-index key must not decrypt fields, and so on.
PURPOSES = ("fields", "blind_index", "files", "otp")
KEY_BYTES = 32
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
# A random 32-byte key has about 31 distinct byte values; fewer than 16 means a hand-made or padded key.
MIN_DISTINCT_BYTES = 16


class KeyConfigError(ValueError):
    """A key ring is missing, malformed or weak; the message names the setting, never the key."""


@dataclass(frozen=True)
class KeyRing:
    """The keys of one purpose, newest first, each with its ready AES-GCM cipher."""

    purpose: str
    keys: tuple[tuple[str, bytes], ...]
    ciphers: dict[str, AESGCM] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Built once: creating an AESGCM object costs more than encrypting a short value.
        object.__setattr__(self, "ciphers", {key_id: AESGCM(key) for key_id, key in self.keys})

    @property
    def active_id(self) -> str:
        return self.keys[0][0]

    @property
    def active_key(self) -> bytes:
        return self.keys[0][1]

    def get(self, key_id: str) -> bytes | None:
        for candidate_id, key in self.keys:
            if candidate_id == key_id:
                return key
        return None

    def __repr__(self) -> str:  # never print key material, e.g. in a debug page or a log
        return f"KeyRing({self.purpose!r}, ids={[key_id for key_id, _ in self.keys]})"


def parse_key_ring(purpose: str, text: str, source: str) -> KeyRing:
    entries = [
        entry.strip() for line in text.splitlines() for entry in line.split("#", 1)[0].split(",") if entry.strip()
    ]
    if not entries:
        raise KeyConfigError(f"{source}: no key found (expected '<id>:<base64 of 32 bytes>')")
    keys: list[tuple[str, bytes]] = []
    for entry in entries:
        key_id, separator, encoded = entry.partition(":")
        if not separator or not KEY_ID.fullmatch(key_id):
            raise KeyConfigError(f"{source}: each key must look like '<id>:<base64>', id of 1–16 letters/digits")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyConfigError(f"{source}: key {key_id!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise KeyConfigError(f"{source}: key {key_id!r} has {len(key)} bytes, 32 are required (AES-256)")
        if len(set(key)) < MIN_DISTINCT_BYTES:
            raise KeyConfigError(
                f"{source}: key {key_id!r} is weak; generate one with 'python -m apps.core.keyring <id>'"
            )
        if any(key_id == known for known, _ in keys):
            raise KeyConfigError(f"{source}: key id {key_id!r} appears twice")
        keys.append((key_id, key))
    return KeyRing(purpose, tuple(keys))


def ensure_separate(rings: dict[str, KeyRing]) -> None:
    """Refuse a key that serves two purposes."""
    owner: dict[bytes, str] = {}
    for purpose, ring in rings.items():
        for _, key in ring.keys:
            if key in owner and owner[key] != purpose:
                raise KeyConfigError(f"the same key is configured for {owner[key]} and {purpose}")
            owner[key] = purpose


def new_key_entry(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


if __name__ == "__main__":
    # python -m apps.core.keyring <id>: prints a new key entry; works before any setting exists.
    if len(sys.argv) != 2 or not KEY_ID.fullmatch(sys.argv[1]):
        sys.exit("usage: python -m apps.core.keyring <key id of 1–16 letters, digits, - or _>")
    print(new_key_entry(sys.argv[1]))
