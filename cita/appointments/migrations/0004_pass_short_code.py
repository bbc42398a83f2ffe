"""The pass's short code, stored so that the public check finds a pass by it (issue 14's "Is this
appointment real?" page takes the code typed by hand as well as the whole pass)."""

from django.db import migrations, models

from cita.appointments.passes import pass_short_code


def backfill(apps, schema_editor):
    Appointment = apps.get_model("appointments", "Appointment")
    rows = Appointment.objects.exclude(pass_payload="").only("pk", "pass_payload")
    batch = []
    for row in rows.iterator(chunk_size=2000):
        row.short_code = pass_short_code(row.pass_payload)
        batch.append(row)
        if len(batch) == 2000:
            Appointment.objects.bulk_update(batch, ["short_code"])
            batch = []
    Appointment.objects.bulk_update(batch, ["short_code"])


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0003_sec_appointment_identities"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="short_code",
            field=models.CharField(blank=True, db_index=True, max_length=10),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
