"""AES-256-GCM sealing of small values: the one place that turns plaintext into stored tokens and back.

Token format: ``v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``. The associated data (AAD) names where a
value belongs (table, column, row UUID), so a token copied elsewhere fails to open. Failure always raises.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from apps.core.keyring import KeyRing

TOKEN_VERSION = "v1"  # noqa: S105 -- a format tag, not a secret
NONCE_BYTES = 12  # 96-bit random nonce: safe for 2^32 encryptions per key (NIST SP 800-38D §8.3)


class DecryptionError(Exception):
    """A stored value could not be decrypted: wrong or missing key, tampered or moved value."""


def key_ring(purpose: str) -> KeyRing:
    return settings.ENCRYPTION_KEYS[purpose]


@functools.lru_cache(maxsize=64)
def _cipher(key: bytes) -> AESGCM:
    return AESGCM(key)


def seal(purpose: str, plaintext: bytes, associated_data: bytes) -> str:
    ring = key_ring(purpose)
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(ring.active_key).encrypt(nonce, plaintext, associated_data)
    return f"{TOKEN_VERSION}:{ring.active_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def token_key_id(token: str) -> str:
    return _split(token)[1]


def open_sealed(purpose: str, token: str, associated_data: bytes) -> bytes:
    _, key_id, body = _split(token)
    key = key_ring(purpose).get(key_id)
    if key is None:
        raise DecryptionError(f"{purpose}: key id {key_id!r} is not configured")
    try:
        raw = base64.b64decode(body, validate=True)
        return _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data)
    except (InvalidTag, binascii.Error, ValueError):
        raise DecryptionError(f"{purpose}: value does not open with key {key_id!r} (tampered or moved)") from None


def reseal(purpose: str, token: str, associated_data: bytes) -> str:
    """The token under the active key; the same token when it already is (rotation resumes cheaply)."""
    if token_key_id(token) == key_ring(purpose).active_id:
        return token
    return seal(purpose, open_sealed(purpose, token, associated_data), associated_data)


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != TOKEN_VERSION:
        raise DecryptionError("stored value is not an encrypted token")
    return parts[0], parts[1], parts[2]
