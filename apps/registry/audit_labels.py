"""The audit trail in plain German, for the Vertrauensstelle's pages: what each recorded action means, who a system
job is, and the one fact of an event worth a column (a reason, a package's outcome)."""

from __future__ import annotations

from apps.core.models import AuditEvent
from apps.institutions.models import UploadStatus
from apps.uploads.models import PackageState

ACTIONS = {
    "account.otp_locked": "Zugang gesperrt: zu viele falsche Codes",
    "device.added": "Authenticator-Gerät hinzugefügt",
    "device.confirmed": "Authenticator-Gerät eingerichtet",
    "device.removed": "Authenticator-Gerät entfernt",
    "draft.correction_started": "Korrektur einer Meldung begonnen",
    "draft.created": "Entwurf angelegt",
    "draft.deleted": "Entwurf gelöscht",
    "draft.pruned": "Alter Entwurf gelöscht",
    "institution.created": "Einrichtung angelegt",
    "institution.upload_status": "WebUpload-Status geändert",
    "login.otp_failed": "Anmeldung: falscher Code",
    "login.password_blocked": "Anmeldung abgewiesen: Zugang gesperrt",
    "login.password_failed": "Anmeldung: falsches Passwort",
    "login.password_locked": "Zugang gesperrt: zu viele falsche Passwörter",
    "login.succeeded": "Angemeldet",
    "logout": "Abgemeldet",
    "package.notification_failed": "E-Mail zum Paket nicht zugestellt",
    "package.original_downloaded": "Original heruntergeladen",
    "package.processed": "Paket geprüft",
    "package.received": "Paket hochgeladen",
    "package.released": "Freigabe erteilt",
    "package.returned": "Mit Korrekturwünschen zurückgegeben",
    "package.shredded": "Original gelöscht (Aufbewahrungsfrist)",
    "patient.changed": "Stammdaten geändert",
    "patient.created": "Patient angelegt",
    "report.sent": "Meldung gesendet",
    "user.created": "Benutzer angelegt",
    "user.deactivated": "Benutzer deaktiviert",
    "user.otp_reset": "Authenticator-Geräte zurückgesetzt",
    "user.password_changed": "Passwort geändert",
    "user.password_issued": "Neues Passwort ausgegeben",
    "user.reactivated": "Benutzer wieder aktiviert",
    "user.unlocked": "Zugang entsperrt",
}

SYSTEM_JOBS = {
    "system:portal": "System (Portal)",
    "system:prune_drafts": "System (Aufräumen alter Entwürfe)",
    "system:seed_demo": "System (Demodaten)",
    "system:shred_packages": "System (Aufbewahrungsfrist)",
    "system:worker": "System (Paketprüfung)",
}


def action_label(action: str) -> str:
    """The action in German; an action without a label shows as it is stored, so nothing is hidden."""
    return ACTIONS.get(action, action)


def actor_label(label: str) -> str:
    """A system job by what it does; a person by the username the trail stored."""
    return SYSTEM_JOBS.get(label, label) or "–"


STATES = {"package": dict(PackageState.choices), "institution": dict(UploadStatus.choices)}


def event_note(event: AuditEvent) -> str:
    """The fact of ``event`` worth a column: a reason given, or the status a package or institution took."""
    details = event.details or {}
    if details.get("grund"):
        return str(details["grund"])
    status = str(details.get("status", ""))
    return STATES.get(event.action.split(".")[0], {}).get(status, status)
