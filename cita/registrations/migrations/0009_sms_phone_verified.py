"""Applicant.phone_verified_at: when a code sent to the phone came back.

Existing accounts: a phone on an account that no shelter registered came in through a sign-in code (the only
other way a phone gets on an account), so it is proven as of the account's creation. A shelter resident's
phone may have been typed by a worker: it stays unproven until its owner signs in with it once.
"""

from django.db import migrations, models
from django.db.models import F


def proven_by_sign_in(apps, schema_editor):
    Applicant = apps.get_model("registrations", "Applicant")
    Applicant.objects.filter(phone_index__isnull=False, shelter__isnull=True).update(
        phone_verified_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0008_ops_reindex_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="applicant",
            name="phone_verified_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(proven_by_sign_in, migrations.RunPython.noop),
    ]
