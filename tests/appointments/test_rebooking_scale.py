"""A port holding 300 booked groups closes: every group is rebooked or escalated, none is lost, no slot is
oversold, the allocation order is kept, and each group is told once, in its language. The notices then
go out through real local SMTP and SMS servers."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter

import pytest
from django.db.models import Sum
from django.utils import translation
from procrastinate.contrib.django import app

from cita.appointments.models import Appointment, AppointmentState, Rebooking
from cita.appointments.rebook_plan import snapshot_from_json
from cita.appointments.services.rebooking import rebooking_replay
from cita.audit.selectors import audit_chain_verify
from cita.draws.models import Offer, OfferState, PriorityFlag
from cita.notifications.delivery import deliveries_send_due
from cita.notifications.models import Delivery, DeliveryStatus, Notice, NoticeKind
from cita.notifications.sinks import MailSink, SmsSink
from cita.ports.models import SlotCapacity
from tests.appointments.test_rebooking import naive_plan
from tests.factories.closures import Ask, booked, closed, confirm_all_but, slots
from tests.factories.draws import APPOINTMENT_DAY as D
from tests.factories.draws import port_with_slots, staff_actor
from tests.factories.staff import StaffFactory

GROUPS = 300
OPEN_OFFERS = 12  # selected groups that have not confirmed yet: their offers are at the closed port too
LANGUAGES = ("es", "ht", "fr", "pt", "en")
OTHERS = ("TIJ", "OTM", "NOG", "SLU")


@pytest.mark.slow
@pytest.mark.django_db
def test_closing_a_port_with_300_groups_rebooks_or_escalates_every_one_in_order(frozen_clock, settings):
    rng = random.Random(7)
    sys_ = port_with_slots(
        "SYS", slots=[(f"{h:02d}:00", 220) for h in (8, 9, 10, 11)], position=1, name="San Ysidro"
    )
    others = [port_with_slots(code, slots=[], position=n + 2) for n, code in enumerate(OTHERS)]
    for n, port in enumerate(others):
        for days in range(1, 6):
            slots(port, day=D + dt.timedelta(days=days), seats=[("08:00", 12 + 3 * n), ("13:00", 9 + days)])
    asks = [
        Ask(
            size=rng.choice((1, 1, 2, 2, 3, 4)),
            ports=["SYS", *rng.sample(OTHERS, rng.choice((0, 1, 2, 3)))],
            language=LANGUAGES[i % len(LANGUAGES)],
            email=i % 5 == 0,
        )
        for i in range(GROUPS)
    ]
    offers = booked(frozen_clock, asks, confirm=False)
    assert len(offers) == GROUPS  # SYS had room for everyone on D: all selected there
    confirm_all_but(offers, keep_open=OPEN_OFFERS)
    Delivery.objects.all().delete()  # the notices of the draw itself are not what this test sends
    before = {o.pk: o.applicant_id for o in offers}
    appointments = {a.offer_id: a for a in Appointment.objects.filter(offer__in=offers)}
    assert len(appointments) == GROUPS - OPEN_OFFERS

    closure = closed(sys_, start=D, horizon_days=5, actor=staff_actor(StaffFactory.create(role="planner")))
    started = time.perf_counter()
    app.tasks["appointments.rebook"](closure_id=closure.pk)  # the job's own entry point
    seconds = time.perf_counter() - started
    rebooking = Rebooking.objects.get(closure=closure)

    # None lost: every group is placed (a new appointment, or its offer moved) or escalated (a flag).
    placed = escalated = 0
    for offer in offers:
        offer.refresh_from_db()
        flagged = PriorityFlag.objects.filter(
            applicant_id=offer.applicant_id, kind="displaced", ended_at=None
        )
        new: Appointment | Offer | None
        if offer.pk in appointments:
            old = Appointment.objects.get(pk=appointments[offer.pk].pk)
            assert old.state == AppointmentState.REBOOKED
            new = Appointment.objects.filter(rebooked_from=old, state=AppointmentState.SCHEDULED).first()
        else:
            new = offer if offer.state == OfferState.OPEN else None
            assert new is not None or offer.state == OfferState.DECLINED
        if new is not None:
            assert new.port.code != "SYS" or new.day > D
            assert not flagged.exists()
            placed += 1
        else:
            assert flagged.count() == 1
            escalated += 1
    assert placed + escalated == GROUPS
    assert (rebooking.groups, rebooking.placed, rebooking.escalated) == (GROUPS, placed, escalated)
    assert placed > 100
    assert escalated > 10

    # No slot oversold: every slot's booked seats are exactly its appointments and open offers.
    for row in SlotCapacity.objects.all():
        held = (
            Appointment.objects.filter(
                port=row.port, day=row.day, slot=row.slot, state="scheduled"
            ).aggregate(n=Sum("group_size"))["n"]
            or 0
        ) + (
            Offer.objects.filter(port=row.port, day=row.day, slot=row.slot, state="open").aggregate(
                n=Sum("group_size")
            )["n"]
            or 0
        )
        assert row.seats - row.left == held, row
        assert 0 <= row.left <= row.seats
    assert not SlotCapacity.objects.filter(port=sys_, day=D).exists()

    # Order kept: the groups were taken in the draw's order, and each got what the rule gives it then.
    snapshot = snapshot_from_json(rebooking.snapshot)
    draw_order = [
        f"offer:{o.pk}" if o.pk not in appointments else f"appointment:{appointments[o.pk].pk}"
        for o in offers
    ]
    assert [g.ref for g in snapshot.groups] == draw_order
    actual = {}
    for ref in draw_order:
        kind, _, number = ref.partition(":")
        new = None
        if kind == "appointment":
            new = Appointment.objects.filter(rebooked_from_id=int(number)).first()
        else:
            moved = Offer.objects.get(pk=int(number))
            new = moved if moved.state == OfferState.OPEN else None
        actual[ref] = (new.port.code, new.day.isoformat(), f"{new.slot:%H:%M}") if new else None
    assert actual == naive_plan(snapshot)
    assert rebooking_replay(rebooking=rebooking).same

    # One notice each, in the group's language.
    told = Notice.objects.filter(dedup_key__startswith=f"closure:{closure.pk}:")
    assert told.count() == GROUPS
    assert Counter(told.values_list("applicant_id", flat=True)) == Counter(before.values())
    for notice in told.select_related("applicant"):
        assert notice.applicant is not None
        assert notice.language == notice.applicant.language
        assert notice.kind in (NoticeKind.REBOOKED, NoticeKind.DEADLINE_REMINDER)
    assert Counter(told.values_list("language", flat=True)) == Counter(a.language for a in asks)
    assert audit_chain_verify().ok

    # Delivery through real local servers: every email and SMS goes out, each in its language.
    mail, sms = MailSink().start(), SmsSink(token="t").start()
    try:
        settings.EMAIL_HOST, settings.EMAIL_PORT = mail.host, mail.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.CITA_SMS_URL, settings.CITA_SMS_TOKEN = sms.url, "t"
        sent = deliveries_send_due(max_seconds=120, batch_size=500)
    finally:
        mail.stop()
        sms.stop()
    assert sent.sent == GROUPS
    assert Delivery.objects.exclude(status=DeliveryStatus.SENT).count() == 0
    emails = {m.rcpt_tos[0]: m.message for m in mail.messages}
    assert len(emails) == sum(1 for a in asks if a.email)
    for notice in told.select_related("applicant").filter(applicant__email_index__isnull=False):
        assert notice.applicant is not None
        message = emails[str(notice.applicant.email)]
        assert message["Content-Language"] == notice.language
        if notice.kind == NoticeKind.REBOOKED:
            with translation.override(notice.language):
                if not notice.context["placed"]:
                    expected = translation.gettext("Your appointment was cancelled: the port is closed")
                elif "wait_url" in notice.context:  # moved away from its first port: it may wait for it
                    expected = translation.gettext("Your appointment was moved: you can keep it or wait")
                else:
                    expected = translation.gettext("Your appointment was moved")
            assert message["Subject"] == expected
    assert len(sms.messages) == sum(1 for a in asks if not a.email)
    print(
        f"\nclosure of SYS with {GROUPS} groups ({OPEN_OFFERS} open offers): {placed} placed, "
        f"{escalated} escalated; rebooking job {seconds:.2f} s; {len(mail.messages)} emails and "
        f"{len(sms.messages)} SMS delivered"
    )
