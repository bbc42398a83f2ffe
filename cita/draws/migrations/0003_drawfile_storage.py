"""Bundle files are stored uncompressed (TOAST storage EXTERNAL).

pglz compression of a day's 35 MB entries.csv takes about a second inside the draw's transaction, three
times the cost of writing the bytes raw; lz4 would be cheap but not every PostgreSQL build has it. The
price is disk: some 40 MB a day instead of 20.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("draws", "0002_requeststatus_fillfactor")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE draws_drawfile ALTER COLUMN content SET STORAGE EXTERNAL",
            reverse_sql="ALTER TABLE draws_drawfile ALTER COLUMN content SET STORAGE EXTENDED",
        )
    ]
