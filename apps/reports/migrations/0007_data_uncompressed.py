from django.db import migrations

from apps.core.uncompressed import stored_uncompressed


class Migration(migrations.Migration):
    dependencies = [("reports", "0006_id_search")]

    operations = [stored_uncompressed("reports_report", "data"), stored_uncompressed("reports_draft", "data")]
