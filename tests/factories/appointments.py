"""Builders for appointments. `access_objects` gives the route × role matrix (tests/core/test_access.py)
a request, an offer, an appointment and a published draw file at fixed ids, so its hand-written paths
can name them."""

from __future__ import annotations

import datetime as dt

from cita.appointments.models import Appointment
from cita.appointments.services import pass_issue
from cita.core import clock
from cita.draws.models import Draw, DrawFile, Offer, Request, RequestPeople
from cita.lottery import seed_new
from cita.ports.models import Port
from cita.registrations.models import Applicant

ACCESS_OFFER_ID = 900_001
ACCESS_REQUEST_ID = 900_001
ACCESS_APPOINTMENT_ID = 900_001
ACCESS_DRAW_ID = "2026-12-01"


def access_objects(*, applicant: Applicant, port: Port) -> Appointment:
    """A frozen draw with its manifest file, a request and open offer, and a scheduled appointment of
    `applicant`, at the fixed ids above (no services: the matrix tests access, not the cycle)."""
    now = clock.now()
    _seed, commitment = seed_new()
    draw = Draw.objects.create(
        draw_id=ACCESS_DRAW_ID,
        appointment_date=dt.date(2026, 12, 15),
        status="frozen",
        reserve_percent=10,
        confirm_hours=23,
        group_size_limit=8,
        time_zone="America/Tijuana",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now - dt.timedelta(hours=1),
        commitment=commitment,
        seed_sealed="sealed",
        entries_sha256="0" * 64,
        frozen_at=now,
        created_at=now,
    )
    DrawFile.objects.create(
        draw=draw, name="manifest.json", content=b"{}\n", sha256="1" * 64, size=3, updated_at=now
    )
    request = Request.objects.create(
        pk=ACCESS_REQUEST_ID,
        draw=draw,
        applicant=applicant,
        ticket="ACCESS0001",
        ports=[port.code],
        group_size=1,
        waiting_since=now.date(),
        created_at=now,
        created_by="test",
    )
    principal = applicant.members.order_by("id").first()
    RequestPeople.objects.create(request=request, members=[principal.pk] if principal else [])
    Offer.objects.create(
        pk=ACCESS_OFFER_ID,
        request=request,
        draw=draw,
        applicant=applicant,
        port=port,
        day=draw.appointment_date,
        slot=dt.time(8),
        group_size=1,
        phase="lottery",
        order=1,
        deadline=now + dt.timedelta(days=3650),
        created_at=now,
    )
    appointment = Appointment.objects.create(
        pk=ACCESS_APPOINTMENT_ID,
        applicant=applicant,
        port=port,
        day=draw.appointment_date,
        slot=dt.time(9),
        group_size=1,
        members=[1],
        created_at=now,
        pass_payload="",
        pass_kid="",
        pass_issued_at=now,
    )
    pass_issue(appointment, issued_at=now)
    appointment.save()
    return appointment
