"""Request states are derived, not stored: `draws_requeststatus` becomes a view.

A draw moves every request at once (entered at its freeze, not selected at its publication); storing that
per request cost a million row updates in the draw's transaction, more than the whole draw otherwise
(docs/daily-cycle.md, "Performance"). The state now follows from what is stored anyway: the request's
`withdrawn_at`, its offer (one per selected request) and its draw's status. The old table held nothing
else: every row it had is what the view gives (submitted/entered/not_selected from the draw's status,
selected with its offer, withdrawn with `withdrawn_at`); the migration checks that before dropping it.
"""

from django.db import migrations, models

STATE = """
    (CASE
        WHEN r.withdrawn_at IS NOT NULL THEN 'withdrawn'
        WHEN o.id IS NOT NULL THEN 'selected'
        WHEN d.status = 'open' THEN 'submitted'
        WHEN d.status IN ('frozen', 'beacon_wait') THEN 'entered'
        ELSE 'not_selected'
    END)::varchar(12)
"""
DECIDED_AT = """
    CASE
        WHEN r.withdrawn_at IS NOT NULL THEN NULL
        WHEN o.id IS NOT NULL THEN o.created_at
        WHEN d.status IN ('published', 'skipped') THEN d.published_at
    END
"""
SOURCE = """
    FROM draws_request r
    JOIN draws_draw d ON d.id = r.draw_id
    LEFT JOIN draws_offer o ON o.request_id = r.id
"""

FORWARD = [
    # Refuse to drop a table that says anything the view would not (it never should).
    f"""DO $$
    DECLARE differing bigint;
    BEGIN
        SELECT count(*) INTO differing FROM draws_requeststatus s
        JOIN (SELECT r.id, {STATE} AS state {SOURCE}) v ON v.id = s.request_id
        WHERE v.state <> s.state;
        IF differing > 0 THEN
            RAISE EXCEPTION '% stored request states differ from their draw, offer and withdrawal', differing;
        END IF;
    END $$""",
    "DROP TABLE draws_requeststatus",
    f"""CREATE VIEW draws_requeststatus AS
        SELECT r.id AS request_id, r.draw_id, {STATE} AS state, {DECIDED_AT} AS decided_at {SOURCE}""",
]

# Back to the table of 0001–0002, filled with what the view says.
BACKWARD = [
    "DROP VIEW draws_requeststatus",
    f"""CREATE TABLE draws_requeststatus WITH (fillfactor = 50) AS
        SELECT r.id AS request_id, r.draw_id, {STATE} AS state, {DECIDED_AT} AS decided_at {SOURCE}""",
    "ALTER TABLE draws_requeststatus ALTER COLUMN request_id SET NOT NULL, "
    "ALTER COLUMN draw_id SET NOT NULL, ALTER COLUMN state SET NOT NULL, ADD PRIMARY KEY (request_id)",
    'ALTER TABLE draws_requeststatus ADD CONSTRAINT "draws_requeststatus_request_id_bb835fc9_fk_draws_request_id" '
    'FOREIGN KEY (request_id) REFERENCES draws_request (id) DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE draws_requeststatus ADD CONSTRAINT "draws_requeststatus_draw_id_59e8af86_fk_draws_draw_id" '
    "FOREIGN KEY (draw_id) REFERENCES draws_draw (id) DEFERRABLE INITIALLY DEFERRED",
    'CREATE INDEX "draws_requeststatus_draw_id_59e8af86" ON draws_requeststatus (draw_id)',
    "ALTER TABLE draws_requeststatus ADD CONSTRAINT request_state_known "
    "CHECK (state IN ('submitted', 'withdrawn', 'entered', 'selected', 'not_selected'))",
    "ALTER TABLE draws_requeststatus ADD CONSTRAINT request_decided_at CHECK "
    "((state IN ('selected', 'not_selected')) = (decided_at IS NOT NULL))",
]


class Migration(migrations.Migration):
    dependencies = [("draws", "0003_drawfile_storage")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, reverse_sql=BACKWARD)],
            state_operations=[
                migrations.RemoveConstraint(model_name="requeststatus", name="request_state_known"),
                migrations.RemoveConstraint(model_name="requeststatus", name="request_decided_at"),
                migrations.AlterField(
                    model_name="requeststatus",
                    name="request",
                    field=models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="status",
                        serialize=False,
                        to="draws.request",
                    ),
                ),
                migrations.AlterField(
                    model_name="requeststatus",
                    name="draw",
                    field=models.ForeignKey(
                        db_constraint=False,
                        help_text="The request's draw.",
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="draws.draw",
                    ),
                ),
                migrations.AlterField(
                    model_name="requeststatus",
                    name="state",
                    field=models.CharField(
                        choices=[
                            ("submitted", "Submitted"),
                            ("withdrawn", "Withdrawn"),
                            ("entered", "Entered in the draw"),
                            ("selected", "Selected"),
                            ("not_selected", "Not selected"),
                        ],
                        max_length=12,
                    ),
                ),
                migrations.AlterModelOptions(
                    name="requeststatus",
                    options={"managed": False, "verbose_name_plural": "request statuses"},
                ),
            ],
        ),
        migrations.AlterField(
            model_name="request",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, help_text="Set when withdrawn (state `withdrawn`).", null=True),
        ),
    ]
