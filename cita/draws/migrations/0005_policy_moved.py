# The draw policy moved to its own app (cita.policy), keeping its table: state only, no data moves.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('draws', '0004_requeststatus_view'),
        ('policy', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='draw',
                    name='policy',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='policy.drawpolicy'),
                ),
                migrations.DeleteModel(
                    name='DrawPolicy',
                ),
            ],
            database_operations=[],
        ),
    ]
