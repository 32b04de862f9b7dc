from django.db import migrations

from apps.core.uncompressed import stored_uncompressed


class Migration(migrations.Migration):
    dependencies = [("uploads", "0004_package_order_stable")]

    operations = [stored_uncompressed("uploads_package", "problems")]
