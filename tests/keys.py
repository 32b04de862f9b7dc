"""Key rings for tests, made the way an operator would."""

import secrets

from apps.core.keyring import KeyRing


def with_key_first(ring: KeyRing, key_id: str) -> KeyRing:
    """The ring as an operator prepares a rotation: a new key first, the old ones behind it."""
    return KeyRing(ring.purpose, ((key_id, secrets.token_bytes(32)), *ring.keys))


def only_active(ring: KeyRing) -> KeyRing:
    """The ring after the operator removed every key but the active one."""
    return KeyRing(ring.purpose, ring.keys[:1])


def fresh_ring(purpose: str, key_id: str) -> KeyRing:
    return KeyRing(purpose, ((key_id, secrets.token_bytes(32)),))
