"""The access matrix for every URL of the portal: visitor, half-logged-in, reporter, Vertrauensstelle.

Every URL pattern must have a row here: a new page without one fails this test until its access is decided.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from apps.reports.actions import do_send_draft, do_start_draft
from apps.reports.models import Draft
from apps.uploads.actions import do_receive_package
from tests.personas import log_in, password_step
from tests.reports.examples import DIAGNOSE, draft_with

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # answers everybody
LOGIN = "login"  # visitors and half-logged-in users are sent to the login
STAFF = "staff"  # like LOGIN, and reporters get 403
HALF = "half"  # only during a half-login (else back to the login page)
REPORTER = "reporter"  # like LOGIN, and the Vertrauensstelle (no institution) gets 403

MATRIX = {
    "start": PUBLIC,
    "healthz": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:logout": PUBLIC,
    "accounts:enrol": HALF,
    "accounts:code": HALF,
    "accounts:account": LOGIN,
    "accounts:reauth": LOGIN,
    "accounts:password_change": LOGIN,
    "accounts:device_add": LOGIN,
    "accounts:device_confirm": LOGIN,
    "accounts:device_remove": LOGIN,
    "registry:home": STAFF,
    "registry:locked": STAFF,
    "registry:audit": STAFF,
    "registry:audit_csv": STAFF,
    "registry:institution_create": STAFF,
    "registry:institution": STAFF,
    "registry:user_create": STAFF,
    "registry:staff_create": STAFF,
    "registry:user": STAFF,
    "registry:user_action": STAFF,
    "patients:list": REPORTER,
    "patients:create": REPORTER,
    "patients:detail": REPORTER,
    "patients:edit": REPORTER,
    "reports:start": REPORTER,
    "reports:drafts": REPORTER,
    "reports:resume": REPORTER,
    "reports:check": REPORTER,
    "reports:delete": REPORTER,
    "reports:step": REPORTER,
    "reports:sent": REPORTER,
    "reports:sent_csv": REPORTER,
    "reports:report": REPORTER,
    "reports:correct": REPORTER,
    "reports:xml": REPORTER,
    "reports:codes": REPORTER,
    "uploads:list": REPORTER,
    "uploads:detail": REPORTER,
    "uploads:report_csv": REPORTER,
    "review:list": STAFF,
    "review:detail": STAFF,
    "review:original": STAFF,
}


def url_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """(name, path with sample arguments) for every named pattern; UUIDs are random, so nothing matches them."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += url_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            path = prefix + str(entry.pattern)
            path = path.replace("<uuid:", "<").replace("<slug:action>", "unlock").replace("<slug:step>", "meldung")
            path = path.replace("<slug:name>", "icd10")
            while "<" in path:
                start, end = path.index("<"), path.index(">")
                path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
            found.append((namespace + entry.name, "/" + path))
    return found


ALL = url_patterns()


def test_every_url_has_a_decided_access_rule():
    assert sorted(name for name, _ in ALL) == sorted(MATRIX)


def requests_for(client: Client, path: str) -> list[Any]:
    return [client.get(path), client.post(path, {})]


@pytest.mark.parametrize(("name", "path"), ALL)
def test_visitors_reach_only_public_pages(client, name, path):
    for response in requests_for(client, path):
        if MATRIX[name] in (LOGIN, STAFF, REPORTER):
            assert response.status_code == 302 and response["Location"].startswith("/anmelden/?next="), path
        elif MATRIX[name] == HALF:
            assert response["Location"] == "/anmelden/"
        else:
            assert response.status_code in (200, 302, 405)


@pytest.mark.parametrize(("name", "path"), ALL)
def test_a_half_login_reaches_only_the_code_pages(client, physician, name, path):
    password_step(client, physician.username)
    for response in requests_for(client, path):
        if MATRIX[name] in (LOGIN, STAFF, REPORTER):
            assert response.status_code == 302 and response["Location"].startswith("/anmelden/?next="), path
    client.post("/abmelden/")
    assert "pending_login" not in client.session


@pytest.mark.parametrize(("name", "path"), [(n, p) for n, p in ALL if MATRIX[n] == STAFF])
def test_reporters_get_no_access_to_the_vertrauensstelle(client, physician, clock, name, path):
    log_in(client, physician)
    for response in requests_for(client, path):
        assert response.status_code == 403, path
        assert "Kein Zugriff" in response.content.decode()


@pytest.mark.parametrize(("name", "path"), [(n, p) for n, p in ALL if MATRIX[n] == STAFF])
def test_the_vertrauensstelle_reaches_its_pages_and_unknown_ids_are_404(client, clerk, clock, name, path):
    log_in(client, clerk)
    response = client.get(path)
    takes_an_id = any(part.count("-") == 4 for part in path.split("/"))
    if takes_an_id:
        assert response.status_code in (404, 405), path  # 405: the action URLs take POST only
    else:
        assert response.status_code == 200, path


@pytest.mark.parametrize(("name", "path"), [(n, p) for n, p in ALL if MATRIX[n] == REPORTER])
def test_the_vertrauensstelle_sees_no_patient_pages(client, clerk, clock, name, path):
    log_in(client, clerk)
    for response in requests_for(client, path):
        assert response.status_code == 403, path


# --- reporter pages with real objects: own institution yes, another institution 404, Erfassung does not send ---


@pytest.fixture
def praxis_objects(erika, physician, clock):
    """A patient, a draft and a sent report of the praxis: the ids the reporter URLs take."""
    report = do_send_draft(draft_with(erika, physician, DIAGNOSE).uuid, acting_user=physician)
    draft = do_start_draft(patient=erika, tumor=report.tumor, report_type="Verlauf", acting_user=physician)
    upload = SimpleUploadedFile("paket.xml", b"<kein-obds/>")
    package = do_receive_package(upload, institution=erika.institution, acting_user=physician)
    ids = {"patient_uuid": erika.uuid, "draft_uuid": draft.uuid, "report_uuid": report.uuid}
    return {**ids, "package_uuid": package.uuid}


def object_paths(ids: dict[str, Any]) -> list[tuple[str, str]]:
    """Every reporter URL that takes an id, with the praxis's ids filled in."""
    paths = []
    for name, pattern in url_patterns_raw():
        if MATRIX[name] != REPORTER or "<uuid:" not in pattern:
            continue
        for key, value in ids.items():
            pattern = pattern.replace(f"<uuid:{key}>", str(value))
        paths.append((name, "/" + pattern.replace("<slug:step>", "meldung")))
    return paths


def url_patterns_raw(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> list[tuple[str, str]]:
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += url_patterns_raw(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((namespace + entry.name, prefix + str(entry.pattern)))
    return found


def test_another_institution_gets_404_for_every_patient_draft_and_report(client, outsider, praxis_objects):
    log_in(client, outsider)
    for name, path in object_paths(praxis_objects):
        for response in requests_for(client, path):
            assert response.status_code in (404, 405), (name, path, response.status_code)


@pytest.mark.parametrize("persona", ["physician", "colleague"])
def test_the_own_institution_reaches_every_reporter_page(client, request, persona, praxis_objects):
    user = request.getfixturevalue(persona)
    log_in(client, user)
    for name, path in object_paths(praxis_objects):
        response = client.get(path)
        assert response.status_code in (200, 302, 405), (name, path, response.status_code)


def test_erfassung_cannot_send_but_meldende_can(client, colleague, physician, praxis_objects, clock):
    draft = Draft.objects.get(uuid=praxis_objects["draft_uuid"])
    log_in(client, colleague)
    assert client.post(f"/entwuerfe/{draft.uuid}/pruefen/").status_code == 403
    client.post("/abmelden/")
    clock.shift(30)  # a fresh code for the next login
    log_in(client, physician)
    response = client.post(f"/entwuerfe/{draft.uuid}/pruefen/")
    assert response.status_code == 302 and response["Location"] == f"/entwuerfe/{draft.uuid}/meldung/"  # incomplete
