"""The registry's rule for new uploaders: a test package of at least 10 Meldungen of 5 patients, covering
the report types the institution declared, is reviewed by the Vertrauensstelle before anything is imported.
"""

from __future__ import annotations

import logging
import smtplib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Role, User
from apps.core.audit import record_event
from apps.reports.models import ReportType
from apps.uploads.models import Package, PackageState

if TYPE_CHECKING:
    from apps.uploads.processing import Outcome

logger = logging.getLogger(__name__)
MIN_MELDUNGEN = 10
MIN_PATIENTS = 5
NOT_ENABLED = (
    "Ihre Einrichtung ist für den WebUpload noch nicht freigeschaltet. Bitte wenden Sie sich an die Vertrauensstelle."
)


def shortfalls(counts: dict[str, Any], declared: list[str]) -> list[str]:
    """Why a valid package cannot serve as the test package; empty when it can."""
    reasons = []
    meldungen = sum(value for key, value in counts.items() if key.startswith("art_"))
    patients = counts.get("patienten", 0)
    if meldungen < MIN_MELDUNGEN or patients < MIN_PATIENTS:
        reasons.append(
            f"Ein Testpaket braucht mindestens {MIN_MELDUNGEN} Meldungen von mindestens {MIN_PATIENTS} Patienten; "
            f"dieses enthält {meldungen} Meldungen von {patients} Patienten."
        )
    missing = [ReportType(kind).label for kind in declared if not counts.get(f"art_{kind}")]
    if missing:
        reasons.append(
            "Das Testpaket soll jede angekündigte Meldungsart enthalten. Es fehlen: " + ", ".join(missing) + "."
        )
    return reasons


def judged(package: Package, outcome: Outcome) -> Outcome:
    """A validated test package: waits for the Vertrauensstelle, or is refused with the reasons."""
    if outcome.format != "oBDS":
        reasons = ["Das Testpaket muss im Format oBDS 3 sein."]
    elif outcome.state == PackageState.ABGELEHNT and not outcome.counts.get("angenommen"):
        return outcome
    else:
        reasons = shortfalls(outcome.counts, package.institution.declared_types)
    if reasons:
        outcome.state = PackageState.ABGELEHNT
        outcome.problems[:0] = [{"art": "Fehler", "meldung": reason, "pfad": "Testphase"} for reason in reasons]
    else:
        outcome.state = PackageState.WARTET
    return outcome


def recipients() -> list[str]:
    if settings.REGISTRY_NOTIFY_EMAIL:
        return list(settings.REGISTRY_NOTIFY_EMAIL)
    staff = User.objects.filter(role=Role.VERTRAUENSSTELLE, is_active=True).exclude(email="")
    return list(staff.values_list("email", flat=True))


def notify_registry(package: Package) -> None:
    """Tell the Vertrauensstelle a test package waits: the institution and a link, no patient data."""
    link = settings.PORTAL_URL + reverse("review:detail", kwargs={"package_uuid": package.uuid})
    institution = package.institution
    body = (
        f"Die Einrichtung {institution.name} (Melder-ID {institution.melder_id}) hat ein Testpaket hochgeladen.\n"
        f"Es wartet auf Ihre Prüfung und Freigabe:\n{link}\n"
    )
    _send(package, f"Testpaket wartet auf Freigabe: {institution.melder_id}", body, recipients(), "system:worker")


def notify_uploader(package: Package, *, released: bool) -> None:
    """Tell whoever uploaded the test package what the Vertrauensstelle decided, with a link to the package. The
    mail names neither the file (its name could name a patient) nor the correction requests: they stay behind the
    portal's login."""
    uploader = package.uploaded_by
    if not uploader.is_active or not uploader.email:
        return
    link = settings.PORTAL_URL + reverse("uploads:detail", kwargs={"package_uuid": package.uuid})
    uploaded = f"{timezone.localtime(package.created_at):%d.%m.%Y, %H:%M} Uhr"
    if released:
        subject = "Ihr Testpaket wurde freigegeben"
        decided = (
            "freigegeben. Ihre Einrichtung lädt Pakete von jetzt an ohne Prüfung durch die Vertrauensstelle hoch; "
            "die Meldungen dieses Pakets werden jetzt übernommen"
        )
    else:
        subject = "Ihr Testpaket wurde zurückgegeben"
        decided = "zurückgegeben. Ihre Korrekturwünsche stehen beim Paket im Meldeportal"
    body = f"Die Vertrauensstelle hat Ihr Testpaket vom {uploaded} {decided}:\n{link}\n"
    _send(package, subject, body, [uploader.email], "system:portal")


def _send(package: Package, subject: str, body: str, addresses: list[str], sender: str) -> None:
    if not addresses:
        return
    try:
        send_mail(subject, body, None, addresses)
    except (smtplib.SMTPException, OSError) as error:
        # The decision stands all the same and the package's page shows it; the failure is recorded where the
        # registry looks (audit log, server log), without the mail's content.
        logger.warning("Mail about the test package %s failed: %s", package.uuid, type(error).__name__)
        record_event(
            "package.notification_failed",
            actor=None,
            actor_label=sender,
            target=package,
            details={"fehler": type(error).__name__},
        )
