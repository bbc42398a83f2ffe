# The draw policy left the draws app with its table (draws_drawpolicy): this migration only tells Django's
# state where the model lives now; the database already has the table, made by draws 0001.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('draws', '0004_requeststatus_view'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DrawPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('effective_from', models.DateTimeField(unique=True)),
                        ('window_opens', models.TimeField()),
                        ('window_closes', models.TimeField()),
                        ('horizon_days', models.PositiveSmallIntegerField(help_text='Appointment day = window day + this.')),
                        ('reserve_percent', models.PositiveSmallIntegerField()),
                        ('confirm_hours', models.PositiveSmallIntegerField(help_text='Hours a selected group has to confirm.')),
                        ('group_size_limit', models.PositiveSmallIntegerField()),
                        ('created_at', models.DateTimeField()),
                        ('created_by', models.CharField(max_length=80)),
                    ],
                    options={
                        'verbose_name_plural': 'draw policies',
                        'db_table': 'draws_drawpolicy',
                        'ordering': ['-effective_from'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('horizon_days__gte', 1), ('horizon_days__lte', 90)), name='policy_horizon'), models.CheckConstraint(condition=models.Q(('reserve_percent__lte', 100)), name='policy_reserve_percent'), models.CheckConstraint(condition=models.Q(('confirm_hours__gte', 1), ('confirm_hours__lte', 168)), name='policy_confirm'), models.CheckConstraint(condition=models.Q(('group_size_limit__gte', 1), ('group_size_limit__lte', 30)), name='policy_group_size')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
