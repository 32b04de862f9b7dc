"""The audit trail in plain German, for the Vertrauensstelle's pages: what each recorded action means, who a system
job is, and the one fact of an event worth a column (a reason, a package's outcome)."""

from __future__ import annotations

from apps.core.models import AuditEvent
from apps.institutions.models import UploadStatus
from apps.uploads.models import PackageState

ACTIONS = {
    "account.otp_locked": "Zugang gesperrt: zu viele falsche Codes",
    "audit.exported": "Protokoll heruntergeladen",
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

TARGETS = {
    "accounts.Device": "Authenticator-Gerät",
    "accounts.User": "Benutzer",
    "institutions.Institution": "Einrichtung",
    "patients.Patient": "Patient",
    "reports.Draft": "Entwurf",
    "reports.Report": "Meldung",
    "uploads.Package": "Meldungspaket",
}

DETAILS = {  # the facts events record (apps/*/actions.py and the jobs), in the order they are shown
    "grund": "Grund",
    "status": "Status",
    "von": "von",
    "bis": "bis",
    "wer": "Wer",
    "was": "Was",
    "betrifft": "Betrifft",
    "von_benutzer": "Von Benutzer",
    "rolle": "Rolle",
    "name": "Bezeichnung",
    "geraete": "Geräte",
    "fehlversuche": "Fehlversuche",
    "felder": "Felder",
    "paket": "Paket",
    "art": "Meldungsart",
    "meldung_id": "Meldung_ID",
    "korrektur": "Korrektur",
    "bytes": "Bytes",
    "duplikat": "Doppelt hochgeladen",
    "dateien": "Dateien",
    "patienten": "Patienten",
    "meldungen": "Meldungen",
    # here a package's Meldungen of each type ("art_Diagnose")
    "angenommen": "Meldungen angenommen",
    "abgelehnt": "Meldungen abgelehnt",
    "hinweise": "Hinweise",
    "stammdaten_aktualisiert": "Stammdaten aktualisiert",
    "stammdaten_aelter": "Stammdaten nicht übernommen",
    "fehler": "Fehler",
    "anzahl": "Anzahl",
    "tage": "Tage",
}


def event_note(event: AuditEvent) -> str:
    """The fact of ``event`` worth a column: a reason given, or the status a package or institution took."""
    details = event.details or {}
    if details.get("grund"):
        return str(details["grund"])
    status = str(details.get("status", ""))
    return _status(event, status)


def event_facts(event: AuditEvent) -> str:
    """Everything ``event`` recorded beside who, what and when, in German: "Grund: …; Status: …"."""
    facts = []
    for key, value in sorted((event.details or {}).items(), key=_detail_order):
        if isinstance(value, bool):
            shown = "ja" if value else "nein"
        elif key == "status":
            shown = _status(event, str(value))
        elif key == "was":  # the action a filter chose
            shown = action_label(str(value))
        else:
            shown = str(value)
        facts.append(f"{_detail_name(key)}: {shown}")
    return "; ".join(facts)


ORDER = {key: position for position, key in enumerate(DETAILS)}


def _detail_order(item: tuple[str, object]) -> tuple[float, str]:
    """PostgreSQL keeps a JSON object's keys in an order of its own; show them in the order of DETAILS, the types
    of Meldungen after their total, facts without a name last."""
    key = item[0]
    if key.startswith("art_"):
        return ORDER["meldungen"] + 0.5, key
    return ORDER.get(key, len(ORDER)), key


def _detail_name(key: str) -> str:
    if key.startswith("art_"):  # a package's Meldungen of one type
        return f"Meldungen {key.removeprefix('art_')}"
    return DETAILS.get(key, key)


def target_label(target_type: str) -> str:
    return TARGETS.get(target_type, target_type)


def _status(event: AuditEvent, status: str) -> str:
    return STATES.get(event.action.split(".")[0], {}).get(status, status)
