import base64
import secrets

import pytest

from apps.core.keyring import KeyConfigError, KeyRing, ensure_separate, new_key_entry, parse_key_ring


def entry(key_id: str, key: bytes) -> str:
    return f"{key_id}:{base64.b64encode(key).decode()}"


def test_the_first_key_encrypts_and_all_decrypt():
    first, second = secrets.token_bytes(32), secrets.token_bytes(32)
    ring = parse_key_ring("fields", f"{entry('neu', first)}, {entry('alt', second)}", "FIELD_ENCRYPTION_KEYS")
    assert ring.active_id == "neu"
    assert ring.get("alt") == second
    assert ring.get("fehlt") is None


def test_a_key_file_may_hold_one_key_per_line_with_comments():
    text = f"# rotiert 2026-11\n{new_key_entry('k2')}\n\n{new_key_entry('k1')}  # alt\n"
    assert [key_id for key_id, _ in parse_key_ring("files", text, "FILE_ENCRYPTION_KEYS_FILE").keys] == [
        "k2",
        "k1",
    ]


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "no key found"),
        ("   # nur ein Kommentar", "no key found"),
        ("ohne-doppelpunkt", "must look like"),
        ("bad id!:AAAA", "must look like"),
        ("k1:nicht*base64", "not valid base64"),
        (entry("k1", secrets.token_bytes(16)), "has 16 bytes"),
        (entry("k1", b"\x00" * 32), "is weak"),
        (entry("k1", bytes(range(8)) * 4), "is weak"),
        (f"{entry('k1', secrets.token_bytes(32))},{entry('k1', secrets.token_bytes(32))}", "appears twice"),
    ],
)
def test_bad_key_rings_are_refused_with_the_setting_named(text, complaint):
    with pytest.raises(KeyConfigError, match=complaint) as raised:
        parse_key_ring("fields", text, "FIELD_ENCRYPTION_KEYS")
    assert str(raised.value).startswith("FIELD_ENCRYPTION_KEYS")


def test_one_key_cannot_serve_two_purposes():
    key = secrets.token_bytes(32)
    rings = {"fields": KeyRing("fields", (("a", key),)), "files": KeyRing("files", (("b", key),))}
    with pytest.raises(KeyConfigError, match="fields and files"):
        ensure_separate(rings)


def test_a_key_ring_never_shows_its_keys():
    key = secrets.token_bytes(32)
    ring = KeyRing("fields", (("k1", key),))
    assert key.hex() not in repr(ring)
    assert str(key) not in repr(ring)
    assert "k1" in repr(ring)
