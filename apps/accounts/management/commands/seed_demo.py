from __future__ import annotations

import json
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.actions import do_create_user, do_issue_password
from apps.accounts.models import Role, User
from apps.institutions.actions import do_create_institution
from apps.institutions.models import Institution, UploadStatus
from apps.reports.demo import seed_demo_patient

DEMO_MELDER_ID = "DEMO0001"
DEMO_USERS: list[tuple[str, str, str]] = [
    ("demo.aerztin", "Meldende Ärztin der Demo-Praxis", Role.MELDEND),
    ("demo.erfassung", "Praxispersonal (Erfassung)", Role.ERFASSUNG),
    ("demo.doku", "Tumordokumentation der Demo-Praxis", Role.DOKUMENTATION),
    ("demo.vertrauensstelle", "Vertrauensstelle (Registerpersonal)", Role.VERTRAUENSSTELLE),
]
SEED_LABEL = "system:seed_demo"


class Command(BaseCommand):
    help = (
        "Creates the demo institution, demo logins and a demo patient with one report for a local trial "
        "(run by `make run`). Idempotent: "
        "existing demo users keep their passwords, which are kept in var/demo-logins.json. Refused in production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo-Daten werden in Produktion nicht angelegt.")
        institution = Institution.objects.filter(melder_id=DEMO_MELDER_ID).first() or do_create_institution(
            name="Demo-Praxis Dr. Beispiel",
            melder_id=DEMO_MELDER_ID,
            upload_status=UploadStatus.FREIGEGEBEN,  # so a trial upload is imported; switch to Testphase to try it
            acting_user=None,
            actor_label=SEED_LABEL,
        )
        logins_path = settings.VAR_DIR / "demo-logins.json"
        logins: dict[str, str] = json.loads(logins_path.read_text()) if logins_path.exists() else {}
        for username, _, role in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is not None and username in logins:
                continue
            if user is None:
                _, logins[username] = do_create_user(
                    username=username, role=role, institution=institution, acting_user=None, actor_label=SEED_LABEL
                )
            else:  # the password file was lost: issue a new password
                logins[username] = do_issue_password(
                    user, reason="Demo-Zugang neu ausgegeben", acting_user=None, actor_label=SEED_LABEL
                )
        descriptor = os.open(logins_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(logins, handle)
        seed_demo_patient(institution, User.objects.get(username="demo.aerztin"))
        self.stdout.write("Demo-Zugänge (nur für diese lokale Installation):")
        for username, role, _ in DEMO_USERS:
            self.stdout.write(f"  {role:40} Benutzername: {username:24} Passwort: {logins[username]}")
