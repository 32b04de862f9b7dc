"""AES-256-GCM sealing of small values: the one place that turns plaintext into stored tokens and back.

Token format: ``v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``. The associated data (AAD) names where a
value belongs (table, column, row UUID), so a token copied elsewhere fails to open. Failure always raises.
"""

from __future__ import annotations

import binascii
import os

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from apps.core.keyring import KeyRing

TOKEN_VERSION = "v1"  # noqa: S105 -- a format tag, not a secret
NONCE_BYTES = 12  # 96-bit random nonce: safe for 2^32 encryptions per key (NIST SP 800-38D §8.3)


class DecryptionError(Exception):
    """A stored value could not be decrypted: wrong or missing key, tampered or moved value."""


_rings: dict[str, KeyRing] | None = None  # settings.ENCRYPTION_KEYS, cached: read for every value


def key_ring(purpose: str) -> KeyRing:
    global _rings
    if _rings is None:
        _rings = settings.ENCRYPTION_KEYS
    return _rings[purpose]


@receiver(setting_changed)
def _forget_rings(*, setting: str, **kwargs: object) -> None:
    global _rings
    if setting == "ENCRYPTION_KEYS":
        _rings = None


def seal(purpose: str, plaintext: bytes, associated_data: bytes) -> str:
    ring = key_ring(purpose)
    key_id = ring.keys[0][0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[key_id].encrypt(nonce, plaintext, associated_data)
    return f"{TOKEN_VERSION}:{key_id}:{binascii.b2a_base64(nonce + sealed, newline=False).decode('ascii')}"


def _split(token: str) -> list[str]:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != TOKEN_VERSION:
        raise DecryptionError("stored value is not an encrypted token")
    return parts


def token_key_id(token: str) -> str:
    return _split(token)[1]


def open_sealed(purpose: str, token: str, associated_data: bytes) -> bytes:
    parts = _split(token)
    cipher = key_ring(purpose).ciphers.get(parts[1])
    if cipher is None:
        raise DecryptionError(f"{purpose}: key id {parts[1]!r} is not configured")
    try:
        # Lenient base64 is safe here: any change to the decoded bytes fails the GCM tag check.
        raw = binascii.a2b_base64(parts[2])
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data)
    except (InvalidTag, binascii.Error, ValueError):
        raise DecryptionError(f"{purpose}: value does not open with key {parts[1]!r} (tampered or moved)") from None


def reseal(purpose: str, token: str, associated_data: bytes) -> str:
    """The token under the active key; the same token when it already is (rotation resumes cheaply)."""
    if token_key_id(token) == key_ring(purpose).active_id:
        return token
    return seal(purpose, open_sealed(purpose, token, associated_data), associated_data)
