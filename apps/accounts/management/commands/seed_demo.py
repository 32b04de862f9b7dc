from __future__ import annotations

import json
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.actions import do_create_user
from apps.accounts.models import User
from apps.accounts.passwords import generate_initial_password
from apps.institutions.actions import do_create_institution
from apps.institutions.models import Institution

DEMO_MELDER_ID = "DEMO0001"
DEMO_USERS = [
    ("demo.aerztin", "Meldende Ärztin der Demo-Praxis", False),
    ("demo.doku", "Tumordokumentation der Demo-Praxis", False),
    ("demo.vertrauensstelle", "Vertrauensstelle (Registerpersonal)", True),
]
SEED_LABEL = "system:seed_demo"


class Command(BaseCommand):
    help = (
        "Creates the demo institution and demo logins for a local trial (run by `make run`). Idempotent: "
        "existing demo users keep their passwords, which are kept in var/demo-logins.json. Refused in production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo-Daten werden in Produktion nicht angelegt.")
        institution = Institution.objects.filter(melder_id=DEMO_MELDER_ID).first() or do_create_institution(
            name="Demo-Praxis Dr. Beispiel",
            melder_id=DEMO_MELDER_ID,
            acting_user=None,
            actor_label=SEED_LABEL,
        )
        logins_path = settings.VAR_DIR / "demo-logins.json"
        logins: dict[str, str] = json.loads(logins_path.read_text()) if logins_path.exists() else {}
        for username, _, staff in DEMO_USERS:
            if User.objects.filter(username=username).exists() and username in logins:
                continue
            password = generate_initial_password()
            user = User.objects.filter(username=username).first()
            if user is None:
                do_create_user(
                    username=username,
                    password=password,
                    institution=None if staff else institution,
                    is_staff=staff,
                    acting_user=None,
                    actor_label=SEED_LABEL,
                )
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            logins[username] = password
        descriptor = os.open(logins_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(logins, handle)
        self.stdout.write("Demo-Zugänge (nur für diese lokale Installation):")
        for username, role, _ in DEMO_USERS:
            self.stdout.write(f"  {role:40} Benutzername: {username:24} Passwort: {logins[username]}")
