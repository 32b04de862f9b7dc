from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.core.rotation import RotationCount, models_with_protected_fields, rotate_model


class Command(BaseCommand):
    help = (
        "Re-encrypts all encrypted fields, blind indexes and wrapped file keys under the first (active) key of "
        "each key ring. Run it after putting a new key first in a ring; remove the old key only after it "
        "finished. Batches commit one by one while the portal runs; an interrupted run resumes when started again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        def progress(count: RotationCount) -> None:
            self.stdout.write(f"  {count.model}: {count.rows} Zeilen geprüft, {count.changed} neu verschlüsselt")

        for model, encrypted, indexes in models_with_protected_fields():
            count = rotate_model(model, encrypted, indexes, batch_size, progress)
            self.stdout.write(self.style.SUCCESS(f"{count.model}: fertig ({count.changed} von {count.rows} Zeilen)"))
