"""Large encrypted columns are stored without PostgreSQL's compression.

A value of more than about 2 kB (an uploaded Meldung's JSON, sealed, is about 6 kB) is moved out of its row, and
PostgreSQL first tries to compress it (pglz). Ciphertext does not compress, so that try is wasted: it was 5 % of
PostgreSQL's CPU while storing the reports of the 100 MB benchmark package. ``EXTERNAL`` storage moves such a
value out of its row without trying.
"""

from __future__ import annotations

from django.db import migrations


def stored_uncompressed(table: str, column: str) -> migrations.RunSQL:
    """A migration operation: ``table.column`` (an encrypted field's column) is no longer compressed."""
    return migrations.RunSQL(
        f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STORAGE EXTERNAL',
        reverse_sql=f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STORAGE EXTENDED',
    )
