"""Retention: the personal data of a closed case is purged CITA_RETENTION_DAYS after the case closed, and
nothing else: open cases and younger ones are kept, counts and published tickets stay, re-runs do nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from procrastinate.contrib.django import app as procrastinate_app

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.services import appointment_check_in, appointment_complete
from cita.audit.models import AuditEvent
from cita.audit.selectors import audit_chain_verify
from cita.core.actors import Actor, Role, system
from cita.core.errors import PermissionDenied
from cita.core.fields import EncryptedTextField
from cita.draws.models import Draw, DrawFile, Request
from cita.draws.services import draw_close, priority_flag, request_submit
from cita.registrations.errors import DuplicatePerson
from cita.registrations.models import Applicant, Member
from cita.registrations.retention import (
    PURGED_PREFIX,
    CaseOpen,
    applicant_is_purged,
    applicant_purge,
    cases_closed,
    retention_purge_due,
)
from cita.registrations.signin import contact_parse, signin_code_send
from tests.conftest import sign_in_applicant
from tests.factories.draws import (
    APPOINTMENT_DAY,
    JOB,
    WINDOW_CLOSES,
    appointments_made,
    open_draw,
    port_with_slots,
    submitted,
)
from tests.factories.registrations import ShelterFactory, actor_for, registered_group

pytestmark = pytest.mark.django_db

JOB_ACTOR = system("test.retention")
# 2026-12-15 10:00 at the port (UTC-8): the appointment day.
ON_THE_DAY = dt.datetime(2026, 12, 15, 18, 0, tzinfo=dt.UTC)


def completed_case(frozen_clock, *, size: int = 2) -> Appointment:
    """A group that asked, was drawn, confirmed, came and was processed: closed when completed."""
    (appointment,) = appointments_made(frozen_clock, size=size)
    frozen_clock.set(ON_THE_DAY)
    officer = Actor(role=Role.OFFICER, user_id=1, port_id=appointment.port_id)
    appointment_check_in(appointment=appointment, actor=officer)
    return appointment_complete(appointment=appointment, actor=officer)


def ended(appointment: Appointment) -> dt.datetime:
    """When the appointment ended (the case's last activity in these tests)."""
    assert appointment.ended_at is not None
    return appointment.ended_at


def sealed_values_of(applicant_id: int) -> dict[str, int]:
    """Raw SQL: for every table with sealed columns whose rows belong to the applicant (or are the
    applicant), how many sealed values are left. Covers columns added later without changing this test."""
    left: dict[str, int] = {}
    for model in apps.get_models():
        sealed = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if not sealed:
            continue
        if model is Applicant:
            link = "id"
        else:
            links = [
                f.column
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is Applicant
            ]
            if not links:
                continue
            link = links[0]
        where = " OR ".join(f'"{c}" IS NOT NULL' for c in sealed)
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT count(*) FROM "{model._meta.db_table}" WHERE "{link}" = %s AND ({where})',
                [applicant_id],
            )
            left[model._meta.db_table] = cursor.fetchone()[0]
    return left


def raw(sql: str, *params: Any) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_a_closed_case_older_than_the_period_is_purged_to_the_last_sealed_value(frozen_clock, settings):
    settings.CITA_RETENTION_DAYS = 365
    appointment = completed_case(frozen_clock)
    applicant = appointment.applicant
    applicant.shelter = ShelterFactory.create()
    applicant.save()
    request = Request.objects.get(applicant=applicant)
    documents = list(Member.objects.filter(applicant=applicant).values_list("document_index", flat=True))
    assert all(documents)
    assert raw("SELECT document_indexes FROM draws_requestpeople WHERE request_id = %s", request.pk)[0][0]
    assert sum(sealed_values_of(applicant.pk).values()) > 0
    files_before = {(f.name, f.sha256) for f in DrawFile.objects.all()}

    frozen_clock.set(ended(appointment) + dt.timedelta(days=365, seconds=1))
    report = retention_purge_due(actor=JOB_ACTOR)

    assert report.cases == 1
    assert report.people == 2
    assert sealed_values_of(applicant.pk) == dict.fromkeys(sealed_values_of(applicant.pk), 0)
    ((phone, phone_index, email, email_index, shelter),) = raw(
        "SELECT phone, phone_index, email, email_index, shelter_id FROM registrations_applicant "
        "WHERE id = %s",
        applicant.pk,
    )
    assert (phone, phone_index, email, shelter) == (None, None, None, None)
    assert email_index.startswith(PURGED_PREFIX)
    for table in ("registrations_member", "registrations_consent", "notifications_notice"):
        assert raw(f"SELECT count(*) FROM {table} WHERE applicant_id = %s", applicant.pk) == [(0,)]
    assert raw("SELECT count(*) FROM registrations_onetimecode WHERE applicant_id = %s", applicant.pk) == [
        (0,)
    ]
    assert raw(
        "SELECT members, document_indexes FROM draws_requestpeople WHERE request_id = %s", request.pk
    ) == [([], [])]
    assert raw(
        "SELECT members, document_indexes FROM appointments_appointment WHERE id = %s", appointment.pk
    ) == [([], [])]
    assert raw("SELECT count(*) FROM draws_drawapplicant WHERE applicant_id = %s", applicant.pk) == [(0,)]
    # No keyed hash of the documents is left anywhere, so the person may register again.
    for document in documents:
        assert raw("SELECT count(*) FROM registrations_member WHERE document_index = %s", document) == [(0,)]
        assert raw("SELECT count(*) FROM draws_requestpeople WHERE %s = ANY(document_indexes)", document) == [
            (0,)
        ]
        assert raw(
            "SELECT count(*) FROM appointments_appointment WHERE %s = ANY(document_indexes)", document
        ) == [(0,)]
    # Kept: the ticket (it is in the published files), the counts, the appointment's outcome, the files.
    kept = Request.objects.get(pk=request.pk)
    assert (kept.ticket, kept.group_size) == (request.ticket, 2)
    assert Appointment.objects.get(pk=appointment.pk).state == AppointmentState.COMPLETED
    assert {(f.name, f.sha256) for f in DrawFile.objects.all()} == files_before
    assert applicant_is_purged(applicant=Applicant.objects.get(pk=applicant.pk))


def test_the_purge_is_audited_with_counts_only_and_the_chain_still_verifies(frozen_clock):
    appointment = completed_case(frozen_clock)
    frozen_clock.set(ended(appointment) + dt.timedelta(days=366))
    retention_purge_due(actor=JOB_ACTOR)
    event = AuditEvent.objects.get(action="applicant.purged")
    assert event.object_id == str(appointment.applicant_id)
    assert event.actor == "system:test.retention"
    assert event.data["members"] == 2
    assert event.data["appointments_unlinked"] == 1
    assert all(isinstance(value, int) for value in event.data.values())
    run = AuditEvent.objects.get(action="retention.purged")
    assert run.data["cases"] == 1
    assert run.data["retention_days"] == 365
    assert audit_chain_verify().ok


def test_the_purge_deletes_the_text_messages_of_the_phone_and_its_conversation(frozen_clock, settings):
    from cita.conversations.models import Conversation, InboundMessage
    from cita.conversations.services import message_receive
    from cita.notifications.delivery import deliveries_send_due
    from cita.notifications.models import Notice, NoticeKind
    from cita.notifications.sinks import SmsSink

    appointment = completed_case(frozen_clock)
    phone = appointment.applicant.phone
    assert phone
    sink = SmsSink(token="retention").start()
    settings.CITA_SMS_URL, settings.CITA_SMS_TOKEN, settings.CITA_SMS_TIMEOUT = sink.url, "retention", 2
    try:
        message_receive(provider="sms", message_id="SM-retention-1", phone=phone, text="estado")
        deliveries_send_due()
    finally:
        sink.stop()
    assert {m.to for m in sink.messages} == {phone}, "the reply and the case's own notices, sent"
    assert InboundMessage.objects.filter(applicant_id=appointment.applicant_id).count() == 1
    other = message_receive(provider="sms", message_id="SM-retention-2", phone="+526649998877", text="hola")
    assert other is not None
    assert Notice.objects.filter(kind=NoticeKind.REPLY).count() == 2
    frozen_clock.set(frozen_clock.now() + dt.timedelta(days=366))
    retention_purge_due(actor=JOB_ACTOR)
    assert list(InboundMessage.objects.values_list("message_id", flat=True)) == ["SM-retention-2"]
    assert Conversation.objects.count() == 1, "only the other number's"
    assert Notice.objects.filter(kind=NoticeKind.REPLY).count() == 1, "the reply to the phone went too"
    counts = AuditEvent.objects.get(action="applicant.purged").data
    assert (counts["text_messages"], counts["replies"]) == (1, 1)


def test_the_same_person_may_register_again_after_the_purge(frozen_clock):
    appointment = completed_case(frozen_clock, size=1)
    number = Member.objects.get(applicant=appointment.applicant).document_number
    assert number
    with pytest.raises(DuplicatePerson):
        registered_group(document_number=number)
    frozen_clock.set(ended(appointment) + dt.timedelta(days=400))
    retention_purge_due(actor=JOB_ACTOR)
    again = registered_group(document_number=number)
    assert Member.objects.get(applicant=again).document_number == number
    # Nothing of the old case holds the person: they may ask in a draw again.
    draw = open_draw(frozen_clock, day=frozen_clock.now().date())
    made = request_submit(applicant=again, ports=[appointment.port.code], actor=actor_for(again), draw=draw)
    assert made.group_size == 1


def test_a_younger_closed_case_and_an_open_one_are_kept(frozen_clock):
    young = completed_case(frozen_clock)
    flagged = registered_group()
    priority_flag(applicant=flagged, reason="Needs medical care", actor=JOB)
    frozen_clock.set(ended(young) + dt.timedelta(days=364))
    old_flag = flagged  # its flag is a year old but still in force
    report = retention_purge_due(actor=JOB_ACTOR)
    assert report.cases == 0
    for applicant in (young.applicant, old_flag):
        assert not applicant_is_purged(applicant=Applicant.objects.get(pk=applicant.pk))
        assert Member.objects.filter(applicant=applicant).exists()
    frozen_clock.set(ended(young) + dt.timedelta(days=366))
    report = retention_purge_due(actor=JOB_ACTOR)
    assert report.cases == 1
    assert applicant_is_purged(applicant=Applicant.objects.get(pk=young.applicant_id))
    assert not applicant_is_purged(applicant=Applicant.objects.get(pk=flagged.pk))


def test_a_scheduled_appointment_keeps_a_case_open_however_old(frozen_clock):
    (appointment,) = appointments_made(frozen_clock)
    frozen_clock.set(ON_THE_DAY + dt.timedelta(days=800))  # the no-show job never ran
    assert retention_purge_due(actor=JOB_ACTOR).cases == 0
    with pytest.raises(CaseOpen):
        applicant_purge(applicant=appointment.applicant, actor=JOB_ACTOR)
    assert Member.objects.filter(applicant=appointment.applicant).exists()


def test_a_group_not_selected_stays_open_while_a_second_chance_may_still_draw_it(frozen_clock, settings):
    settings.CITA_RETENTION_DAYS = 1
    port_with_slots("SYS", slots=[("08:00", 1)])
    draw = open_draw(frozen_clock)
    first = submitted(ports=["SYS"], draw=draw)
    second = submitted(ports=["SYS"], draw=draw)
    frozen_clock.set(WINDOW_CLOSES)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    losing = next(r for r in (first, second) if Request.objects.get(pk=r.pk).state == "not_selected")
    frozen_clock.set(WINDOW_CLOSES + dt.timedelta(days=3))
    closed = set(cases_closed(now=frozen_clock.now()).values_list("pk", flat=True))
    assert losing.applicant_id not in closed
    frozen_clock.set(dt.datetime.combine(APPOINTMENT_DAY, dt.time(12), tzinfo=dt.UTC) + dt.timedelta(days=2))
    retention_purge_due(actor=JOB_ACTOR)
    assert applicant_is_purged(applicant=Applicant.objects.get(pk=losing.applicant_id))


def test_an_account_with_no_case_is_purged_after_the_period_of_inactivity_and_a_sign_in_counts(frozen_clock):
    idle = registered_group()
    active = registered_group()
    frozen_clock.advance(days=300)
    contact = contact_parse(Applicant.objects.get(pk=active.pk).phone)
    signin_code_send(contact=contact, language="es", client="browser", ip="10.0.0.1")
    frozen_clock.advance(days=66)
    retention_purge_due(actor=JOB_ACTOR)
    assert applicant_is_purged(applicant=Applicant.objects.get(pk=idle.pk))
    assert not applicant_is_purged(applicant=Applicant.objects.get(pk=active.pk))


def test_sign_in_notices_to_unknown_addresses_are_deleted_a_day_after_they_expired(frozen_clock):
    from cita.notifications.models import Notice

    signin_code_send(contact=contact_parse("+526641112233"), language="es", client="b", ip="10.0.0.2")
    notice = Notice.objects.get(applicant__isnull=True)
    assert notice.address == "+526641112233"
    frozen_clock.advance(hours=12)
    assert retention_purge_due(actor=JOB_ACTOR).address_notices == 0
    frozen_clock.advance(days=1)
    assert retention_purge_due(actor=JOB_ACTOR).address_notices == 1
    assert not Notice.objects.filter(pk=notice.pk).exists()


def test_re_runs_purge_nothing_more(frozen_clock):
    appointment = completed_case(frozen_clock)
    frozen_clock.set(ended(appointment) + dt.timedelta(days=400))
    assert retention_purge_due(actor=JOB_ACTOR).cases == 1
    events = AuditEvent.objects.count()
    tombstone = raw(
        "SELECT email_index, session_epoch FROM registrations_applicant WHERE id = %s",
        appointment.applicant_id,
    )
    again = retention_purge_due(actor=JOB_ACTOR)
    assert (again.cases, again.address_notices, again.skipped) == (0, 0, 0)
    assert AuditEvent.objects.count() == events
    assert (
        raw(
            "SELECT email_index, session_epoch FROM registrations_applicant WHERE id = %s",
            appointment.applicant_id,
        )
        == tombstone
    )
    assert applicant_purge(applicant=appointment.applicant, actor=JOB_ACTOR) == {}


def test_a_dry_run_counts_and_changes_nothing(frozen_clock):
    appointment = completed_case(frozen_clock)
    frozen_clock.set(ended(appointment) + dt.timedelta(days=400))
    events = AuditEvent.objects.count()
    report = retention_purge_due(actor=JOB_ACTOR, dry_run=True)
    assert (report.cases, report.people, report.dry_run) == (1, 2, True)
    assert Member.objects.filter(applicant_id=appointment.applicant_id).count() == 2
    assert AuditEvent.objects.count() == events


def test_the_purged_applicant_is_signed_out_everywhere(frozen_clock):
    appointment = completed_case(frozen_clock)
    client = Client()
    sign_in_applicant(client, appointment.applicant)
    assert client.get("/api/v1/me/group").status_code == 200
    frozen_clock.set(ended(appointment) + dt.timedelta(days=400))
    retention_purge_due(actor=JOB_ACTOR)
    assert client.get("/api/v1/me/group").status_code == 401


def test_only_the_job_and_admins_purge(frozen_clock):
    appointment = completed_case(frozen_clock)
    frozen_clock.set(ended(appointment) + dt.timedelta(days=400))
    for actor in (actor_for(appointment.applicant), Actor(role=Role.PLANNER, user_id=3)):
        with pytest.raises(PermissionDenied):
            applicant_purge(applicant=appointment.applicant, actor=actor)
    assert (
        applicant_purge(applicant=appointment.applicant, actor=Actor(role=Role.ADMIN, user_id=4))["members"]
        == 2
    )


def test_the_command_reports_a_dry_run_and_a_run_in_one_line(frozen_clock, settings):
    appointment = completed_case(frozen_clock)
    frozen_clock.set(ended(appointment) + dt.timedelta(days=400))
    out = io.StringIO()
    call_command("purge_closed_cases", "--dry-run", stdout=out)
    assert out.getvalue().startswith("would purge 1 closed case(s) (2 people)")
    assert "CITA_RETENTION_DAYS=365" in out.getvalue()
    assert Member.objects.filter(applicant_id=appointment.applicant_id).exists()
    out = io.StringIO()
    call_command("purge_closed_cases", stdout=out)
    assert out.getvalue().startswith("purged 1 closed case(s) (2 people)")
    with pytest.raises(CommandError, match="--limit must be at least 1"):
        call_command("purge_closed_cases", "--limit", "0")
    settings.CITA_RETENTION_DAYS = 0
    with pytest.raises(CommandError, match="CITA_RETENTION_DAYS must be at least 1"):
        call_command("purge_closed_cases")


def test_the_daily_job_is_registered_and_runs(frozen_clock):
    procrastinate_app.perform_import_paths()
    periodic = {t.task.name: t.cron for t in procrastinate_app.periodic_registry.periodic_tasks.values()}
    assert periodic["registrations.retention_purge"] == "23 3 * * *"
    appointment = completed_case(frozen_clock)
    frozen_clock.set(ended(appointment) + dt.timedelta(days=400))
    procrastinate_app.tasks["registrations.retention_purge"](timestamp=int(frozen_clock.now().timestamp()))
    assert applicant_is_purged(applicant=Applicant.objects.get(pk=appointment.applicant_id))
    assert AuditEvent.objects.get(action="applicant.purged").actor == "system:registrations.retention_purge"


def test_a_group_that_asks_again_is_open_and_not_purged(frozen_clock):
    appointment = completed_case(frozen_clock)
    frozen_clock.set(ended(appointment) + dt.timedelta(days=400))
    draw = open_draw(frozen_clock, day=frozen_clock.now().date())
    applicant = appointment.applicant
    request_submit(applicant=applicant, ports=[appointment.port.code], actor=actor_for(applicant), draw=draw)
    assert retention_purge_due(actor=JOB_ACTOR).cases == 0
    assert not applicant_is_purged(applicant=Applicant.objects.get(pk=applicant.pk))


# What the purge does to each table that points at an applicant (docs/privacy-retention.md). A new table
# that points at applicants fails the test below until its rule is decided, written here and in the doc.
RETENTION_OF = {
    "registrations.member": "deleted",
    "registrations.consent": "deleted",
    "registrations.onetimecode": "deleted",
    "draws.drawapplicant": "deleted",
    "draws.priorityflag": "deleted",
    "draws.request": "kept (ticket, ports, group size, dates); its people in draws.requestpeople emptied",
    "draws.offer": "kept (port, day, slot, group size, state)",
    "appointments.appointment": "kept (port, day, slot, group size, outcome); its people emptied",
    "notifications.notice": "deleted, with its deliveries",
    "notifications.preference": "deleted",
    "conversations.inboundmessage": "deleted, with every message and the conversation state of their phone",
}


def test_every_table_that_points_at_an_applicant_has_a_retention_rule():
    pointing = {
        model._meta.label_lower
        for model in apps.get_models()
        if any(f.is_relation and f.related_model is Applicant for f in model._meta.concrete_fields)
    }
    assert pointing == set(RETENTION_OF)
