"""Three indexes fewer on the outbox, each one a copy of part of another.

A draw owes a million notices at once (`notice_enqueue_many`), and every index is written for every row:
`notice.applicant_id` is the first column of (applicant, -created_at), `delivery.notice_id` the first of
the unique (notice, channel), and `unique=True` on `dedup_key` came with a second index for LIKE queries
that nothing runs. Measured on 300,000 notices: 28 % less WAL and a quarter less time
(docs/daily-cycle.md, "Performance").
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_delivery_preference_expiry"),
        ("registrations", "0002_one_time_code"),
    ]

    operations = [
        migrations.AlterField(
            model_name="delivery",
            name="notice",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="notifications.notice",
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="applicant",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notices",
                to="registrations.applicant",
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="dedup_key",
            field=models.CharField(max_length=200),
        ),
        migrations.AddConstraint(
            model_name="notice",
            constraint=models.UniqueConstraint(fields=("dedup_key",), name="notice_dedup_key_unique"),
        ),
    ]
