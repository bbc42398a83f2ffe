import datetime as dt
import pytest
from cita.draws.models import Draw, Request, Offer
from cita.draws.services import draw_close, draw_notify, offer_confirm
from cita.lottery import bundle_verify
from tests.factories.draws import JOB, WINDOW_CLOSES, open_draw, port_with_slots, submitted
from tests.factories.registrations import actor_for


@pytest.mark.django_db
def test_smoke(frozen_clock, tmp_path):
    port_with_slots("SYS", slots=[("08:00", 3), ("09:00", 2)])
    port_with_slots("ELP", slots=[("08:00", 2)], position=1)
    draw = open_draw(frozen_clock)
    reqs = [submitted(ports=["SYS", "ELP"], size=1 + i % 2) for i in range(10)]
    frozen_clock.set(WINDOW_CLOSES)
    draw = draw_close(draw=Draw.objects.get(pk=draw.pk), actor=JOB)
    print(draw.status, draw.selected_count, draw.entries_count)
    for f in draw.files.all():
        (tmp_path / f.name).write_bytes(bytes(f.content))
    print(bundle_verify(tmp_path))
    draw_notify(draw=draw, actor=JOB)
    offer = Offer.objects.first()
    appt = offer_confirm(offer=offer, actor=actor_for(offer.applicant))
    print(appt.pass_payload, len(appt.pass_payload))
    print(Draw.objects.all())
