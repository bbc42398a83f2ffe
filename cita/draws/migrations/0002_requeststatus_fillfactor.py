"""Request statuses leave half of each page free, so that the draw's bulk state changes are in-place (HOT).

A HOT update writes no index entries; it needs room on the row's own page and no indexed column changed
(the state columns are indexed nowhere). See docs/daily-cycle.md, "Performance".
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("draws", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE draws_requeststatus SET (fillfactor = 50)",
            reverse_sql="ALTER TABLE draws_requeststatus RESET (fillfactor)",
        )
    ]
