"""A whole journey by text message alone: ask → the draw runs → offer → confirm with the code → the pass
and the port's address by SMS → check-in by the officer with that pass. Every message in and out goes
through the signed webhook and the real SMS provider stand-in (an HTTP server)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest

from cita.appointments.models import Appointment, AppointmentState
from cita.appointments.services import appointments_remind_day_before
from cita.appointments.services.officer import appointment_scan
from cita.draws.models import Draw
from cita.draws.services import draw_close
from cita.notifications.delivery import deliveries_send_due
from cita.notifications.sinks import SmsSink
from cita.ports.models import Port
from tests.factories.conversations import sms_send
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw, san_ysidro_and_el_paso, staff_actor
from tests.factories.registrations import registered_group
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db

DAY_BEFORE = dt.datetime(2026, 12, 14, 18, 0, tzinfo=dt.UTC)
ON_THE_DAY = dt.datetime(2026, 12, 15, 16, 30, tzinfo=dt.UTC)  # 08:30 in San Diego


@pytest.fixture
def sms_sink(settings) -> Iterator[SmsSink]:
    sink = SmsSink(token="journey").start()
    settings.CITA_SMS_URL, settings.CITA_SMS_TOKEN, settings.CITA_SMS_TIMEOUT = sink.url, "journey", 2
    yield sink
    sink.stop()


WORDS = {
    "es": {"ask": "Pedir", "status": "estado", "yes": "Sí"},
    "ht": {"ask": "mande", "status": "kijan", "yes": "Wi"},
}


@pytest.mark.parametrize("language", ["es", "ht"])
def test_a_whole_journey_by_text_message_alone(client, frozen_clock, sms_sink, language):
    san_ysidro_and_el_paso()
    draw = open_draw(frozen_clock)
    group = registered_group(language=language)
    phone = group.phone
    assert phone
    transcript: list[str] = []

    def say(text: str) -> str:
        before = len(sms_sink.messages)
        assert sms_send(client, phone, text).status_code == 200
        deliveries_send_due()
        received = [m.text for m in sms_sink.messages[before:] if m.to == phone]
        transcript.extend([f"> {text}", *(f"< {line}" for line in received)])
        return received[-1]

    say(WORDS[language]["ask"])
    reply = say("1")
    ticket = re.search(r"[A-Z0-9]{10}", reply)
    assert ticket

    frozen_clock.set(WINDOW_CLOSES)
    before = len(sms_sink.messages)
    draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    deliveries_send_due()  # the draw's own notices, if it owes any by now
    transcript.extend(f"< {m.text}" for m in sms_sink.messages[before:] if m.to == phone)

    offer_reply = say(WORDS[language]["status"])
    code = re.search(r"\b(\d{4})\b", offer_reply)
    assert code
    confirmed = say(f"{WORDS[language]['yes']} {code.group(1)}")
    appointment = Appointment.objects.get(applicant=group)
    assert f"/appointments/{appointment.pk}/pass" in confirmed
    address = Port.objects.get(code="SYS").address
    assert address in confirmed, "the confirmation by SMS carries the port's address"

    frozen_clock.set(DAY_BEFORE)
    appointments_remind_day_before(actor=JOB)
    deliveries_send_due()
    reminders = [m.text for m in sms_sink.messages if m.to == phone and address in m.text]
    assert reminders, "the day-before SMS carries the port's address"
    transcript.extend(f"< {text}" for text in reminders)

    frozen_clock.set(ON_THE_DAY)
    officer = staff_actor(StaffFactory.create(role="officer", port=appointment.port))
    appointment_scan(payload=appointment.pass_payload, actor=officer)
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CHECKED_IN
    print(f"\n--- {language} ---\n" + "\n".join(transcript))
