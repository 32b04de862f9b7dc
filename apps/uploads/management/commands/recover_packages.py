"""Queue again the packages whose worker died mid-validation (run at worker start and every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.uploads.recovery import requeue_orphans


class Command(BaseCommand):
    help = (
        "Stellt Pakete erneut in die Warteschlange, deren Prüfung abgebrochen ist (z. B. weil der Worker beendet "
        "wurde). Beim Start des Workers und alle paar Minuten ausführen; doppelt ausgeführt schadet es nicht."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        queued = requeue_orphans()
        self.stdout.write(f"{len(queued)} Pakete erneut eingereiht.")
