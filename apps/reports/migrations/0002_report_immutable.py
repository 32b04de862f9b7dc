"""A sent Meldung never changes: PostgreSQL refuses DELETE and any UPDATE other than re-encrypting ``data``.

Key rotation rewrites ``data`` under the newest key; the ciphertext is bound to the row's uuid, so it cannot be
swapped with another report's. Everything else about a report is fixed at sending.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION reports_report_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (OLD.uuid, OLD.meldung_id, OLD.institution_id, OLD.patient_id, OLD.tumor_id,
            OLD.report_type, OLD.meldeanlass, OLD.corrects_id, OLD.draft_uuid, OLD.sent_by_id, OLD.sent_at)
        IS DISTINCT FROM (NEW.uuid, NEW.meldung_id, NEW.institution_id, NEW.patient_id, NEW.tumor_id,
            NEW.report_type, NEW.meldeanlass, NEW.corrects_id, NEW.draft_uuid, NEW.sent_by_id, NEW.sent_at) THEN
        RAISE EXCEPTION 'reports_report is immutable: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER reports_report_immutable
    BEFORE UPDATE OR DELETE ON reports_report
    FOR EACH ROW EXECUTE FUNCTION reports_report_refuse_change();
"""

BACKWARD = """
DROP TRIGGER reports_report_immutable ON reports_report;
DROP FUNCTION reports_report_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
