"""The registry's whole audit trail as the Vertrauensstelle reads it: each event with what it concerns, named and
linked where the Vertrauensstelle has a page for it (a user, an institution, a package), and as CSV rows."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.core.models import AuditEvent
from apps.core.spreadsheet import in_batches
from apps.institutions.models import Institution
from apps.registry.audit_labels import action_label, actor_label, event_facts, target_label
from apps.uploads.models import Package

# the targets the Vertrauensstelle has a page for: model, the field that names one, its kind, its page
LINKED: list[tuple[type[Model], str, str, str]] = [
    (User, "username", "Benutzer", "registry:user"),
    (Institution, "name", "Einrichtung", "registry:institution"),
    (Package, "filename", "Paket", "review:detail"),
]
CSV_BATCH = 2000  # events read from the database at a time while a download streams


@dataclass(frozen=True)
class Target:
    """What an event concerns: "Benutzer m.mueller" with a link, or only its kind ("Patient", "Meldung")."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    target: Target
    actor_url: str = ""  # the acting user's page; a system job has none


def rows(events: Iterable[AuditEvent]) -> list[Row]:
    """The events with their targets, named with one query per kind of target among them, and one for the
    pages of the users who acted."""
    events = list(events)
    named = _named_targets(events)
    actors = {event.actor_id for event in events if event.actor_id is not None}
    users = User.objects.filter(pk__in=actors).values_list("pk", "uuid")
    pages: dict[int | None, str] = {pk: reverse("registry:user", args=[user_uuid]) for pk, user_uuid in users}
    return [Row(event, _target(event, named), pages.get(event.actor_id, "")) for event in events]


def csv_rows(events: Iterable[AuditEvent]) -> Iterator[list[object]]:
    """The heading, then one row per event, read in batches so that a long trail streams."""
    yield ["Zeitpunkt", "Wer", "Was", "Betrifft", "Angaben", "IP-Adresse"]
    for batch in in_batches(events, CSV_BATCH):
        yield from _csv_batch(batch)


def _csv_batch(batch: list[AuditEvent]) -> Iterator[list[object]]:
    for row in rows(batch):
        event = row.event
        when = f"{timezone.localtime(event.created_at):%d.%m.%Y %H:%M:%S}"
        yield [when, actor_label(event.actor_label), action_label(event.action), row.target.text,
               event_facts(event), event.ip_address or ""]  # fmt: skip


def named_target(target_uuid: uuid.UUID) -> Target:
    """A target the Vertrauensstelle has a page for, by its uuid alone; else nothing but the uuid."""
    named = _names({model._meta.label: {target_uuid} for model, *_ in LINKED})
    return named.get(target_uuid) or Target(str(target_uuid))


def _named_targets(events: list[AuditEvent]) -> dict[uuid.UUID, Target]:
    wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
    for event in events:
        if event.target_uuid is not None:
            wanted[event.target_type].add(event.target_uuid)
    return _names(wanted)


def _names(wanted: dict[str, set[uuid.UUID]]) -> dict[uuid.UUID, Target]:
    """The targets among ``wanted`` (uuids by model label) that have a page: one query per model asked for."""
    named: dict[uuid.UUID, Target] = {}
    for model, field, noun, view in LINKED:
        uuids = wanted.get(model._meta.label)
        if not uuids:
            continue
        for target_uuid, name in model._default_manager.filter(uuid__in=uuids).values_list("uuid", field):
            named[target_uuid] = Target(f"{noun} {name}", reverse(view, args=[target_uuid]))
    return named


def _target(event: AuditEvent, named: dict[uuid.UUID, Target]) -> Target:
    if event.target_uuid is None:
        return Target("")
    return named.get(event.target_uuid) or Target(target_label(event.target_type))
