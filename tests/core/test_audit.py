import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from apps.core.audit import record_event
from apps.core.models import AuditEvent
from apps.institutions.models import Institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(django_user_model):
    clerk = django_user_model.objects.create(username="vst.meier", role="vertrauensstelle")
    praxis = Institution.objects.create(name="Praxis Dr. Beispiel", melder_id="M0001")
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.10")
    return record_event("institution.created", actor=clerk, target=praxis, request=request, details={"grund": "Test"})


def test_an_event_records_who_did_what_to_which_object_from_where(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_label == "vst.meier"
    assert stored.action == "institution.created"
    assert stored.target_type == "institutions.Institution"
    assert stored.target_uuid == Institution.objects.get().uuid
    assert stored.ip_address == "192.0.2.10"
    assert stored.details == {"grund": "Test"}
    assert stored.created_at is not None


def test_system_jobs_are_named_as_actor():
    stored = record_event("demo.seeded", actor=None, actor_label="system:seed_demo")
    assert (stored.actor, stored.actor_label) == (None, "system:seed_demo")


def test_the_database_refuses_to_change_an_event(event):
    event.action = "etwas anderes"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "institution.created"


def test_the_database_refuses_to_delete_an_event(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_cannot_change_the_trail_either(event):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_auditevent SET actor_label = 'niemand'")
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "vst.meier"


def test_an_actor_with_events_cannot_be_deleted(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        event.actor.delete()
