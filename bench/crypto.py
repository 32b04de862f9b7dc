"""Field encryption cost: the model field layer against raw AES-256-GCM, on the same values in one run.

Run: make bench   (or: python -m meldeportal.localdb .venv/bin/python bench/crypto.py)
Goal (issue 2): the field layer costs at most 3× raw AESGCM per value.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldeportal.settings")

import django

django.setup()

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

from apps.core.fields import EncryptedTextField, Sealed

COUNT = 100_000
ROUNDS = 7


class BenchRecord(models.Model):
    """A table-less model: only the field layer is measured, not the database."""

    uuid = models.UUIDField(default=uuid.uuid4)
    name = EncryptedTextField()

    class Meta:
        app_label = "core"
        managed = False

    def __str__(self) -> str:
        return "bench"


def values() -> list[str]:
    return [f"Mustermann-{n:06d}, Erika Maria" for n in range(COUNT)]


def timed(run: Callable[[], None]) -> float:
    """Seconds for one run with the garbage collector paused, as timeit does."""
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        run()
        return time.perf_counter() - started
    finally:
        gc.enable()


def field_layer(names: list[str]) -> dict[str, Callable[[], None]]:
    """Encrypt: the field's pre_save (what Model.save runs). Decrypt: reading the attribute of a loaded row."""
    field = BenchRecord._meta.get_field("name")
    assert isinstance(field, EncryptedTextField)
    records = [BenchRecord(name=name) for name in names]
    tokens: list[Sealed] = []

    def encrypt() -> None:
        tokens.clear()
        for record in records:
            tokens.append(field.pre_save(record, add=True))

    def load() -> None:  # what from_db_value leaves on a loaded instance (not timed)
        for record, token in zip(records, tokens, strict=True):
            record.__dict__["name"] = token

    def decrypt() -> None:
        for record in records:
            _ = record.name

    return {"encrypt": encrypt, "load": load, "decrypt": decrypt}


def raw_aesgcm(names: list[str]) -> dict[str, Callable[[], None]]:
    cipher = AESGCM(settings.ENCRYPTION_KEYS["fields"].active_key)
    associated = [b"core_benchrecord.name:" + uuid.uuid4().bytes for _ in names]
    plain = [name.encode() for name in names]
    sealed: list[tuple[bytes, bytes]] = []

    def encrypt() -> None:
        sealed.clear()
        for data, aad in zip(plain, associated, strict=True):
            nonce = os.urandom(12)
            sealed.append((nonce, cipher.encrypt(nonce, data, aad)))

    def decrypt() -> None:
        for (nonce, data), aad in zip(sealed, associated, strict=True):
            cipher.decrypt(nonce, data, aad)

    return {"encrypt": encrypt, "load": lambda: None, "decrypt": decrypt}


def main() -> None:
    names = values()
    contenders = {"model field layer": field_layer(names), "raw AESGCM": raw_aesgcm(names)}
    best: dict[tuple[str, str], float] = {}
    for _ in range(ROUNDS):  # alternate the contenders so that machine noise hits both alike
        for label, steps in contenders.items():
            for step in ("encrypt", "decrypt"):
                if step == "decrypt":
                    steps["load"]()
                seconds = timed(steps[step])
                best[label, step] = min(seconds, best.get((label, step), seconds))
    print(f"{COUNT} values, best of {ROUNDS} alternating rounds")
    print(f"{'':22}{'encrypt/s':>12}{'decrypt/s':>12}{'µs/value (enc+dec)':>22}")
    for label in contenders:
        encrypt, decrypt = best[label, "encrypt"], best[label, "decrypt"]
        per_value = (encrypt + decrypt) / COUNT * 1e6
        print(f"{label:22}{COUNT / encrypt:>12,.0f}{COUNT / decrypt:>12,.0f}{per_value:>22.2f}")
    field_total = best["model field layer", "encrypt"] + best["model field layer", "decrypt"]
    raw_total = best["raw AESGCM", "encrypt"] + best["raw AESGCM", "decrypt"]
    print(f"ratio field layer / raw: {field_total / raw_total:.2f}× (goal ≤ 3×)")


if __name__ == "__main__":
    main()
