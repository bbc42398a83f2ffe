"""An open offer (selected, not confirmed yet) that a closure moved away from the group's first port has
the same choice as a rebooked appointment: "I prefer to wait for my first port", from the offer page, with
the same effect (tier 0 in the draws after the port reopens, waiting_since kept, audited, seats back)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cita.audit.models import AuditEvent
from cita.draws.models import DrawApplicant, Offer, OfferState, PriorityFlag
from cita.notifications.models import Notice
from cita.notifications.rendering import render
from cita.ports.models import SlotCapacity
from tests.conftest import csrf_post, sign_in_applicant
from tests.factories.closures import offer_moved_away_from_first_port
from tests.factories.draws import staff_actor
from tests.factories.staff import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(frozen_clock) -> tuple[Offer, Client]:
    planner = staff_actor(StaffFactory.create(role="planner"))
    offer, _ = offer_moved_away_from_first_port(frozen_clock, planner=planner, language="es")
    assert (offer.state, offer.port.code, offer.day) == (OfferState.OPEN, "OTM", dt.date(2026, 12, 16))
    browser = Client(enforce_csrf_checks=True)
    sign_in_applicant(browser, offer.applicant)
    return offer, browser


def otm_left() -> int:
    return SlotCapacity.objects.get(port__code="OTM", day=dt.date(2026, 12, 16)).left


def test_the_moved_offer_links_to_the_choice_and_the_page_explains_both_ways(moved):
    offer, browser = moved
    page = browser.get(f"/draw/offers/{offer.pk}").content.decode()
    assert f'href="/draw/offers/{offer.pk}/wait"' in page
    assert "Puede esperar a San Ysidro" in page
    response = browser.get(f"/draw/offers/{offer.pk}/wait")
    text = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in text
    assert "¿Confirmar el nuevo lugar o esperar a su primer puerto?" in text
    assert "El puerto San Ysidro cerró" in text
    assert "Otay Mesa" in text
    assert "miércoles, 16 de diciembre de 2026" in text  # the new place
    assert "jueves, 17 de diciembre de 2026" in text  # first in line from the day after the closure
    assert "Usted conserva su lugar" in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert "Prefiero esperar a San Ysidro" in text
    # The notice of the move links to the offer page, where the choice is.
    notice = Notice.objects.get(applicant=offer.applicant, dedup_key__endswith=f"offer:{offer.pk}:moved")
    assert notice.context["url"] == f"http://testserver/draw/offers/{offer.pk}"
    assert notice.context["first_port_name"] == "San Ysidro"
    text = render(kind=notice.kind, context=notice.context, language="es")
    assert "El puerto San Ysidro está cerrado" in text.body
    assert "O puede esperar a su primer puerto, San Ysidro." in text.body
    assert "jueves 17 de diciembre de 2026" in text.body


def test_choosing_to_wait_gives_the_offer_back_and_sets_the_priority(moved):
    offer, browser = moved
    waiting_since = DrawApplicant.objects.get(applicant=offer.applicant).waiting_since
    assert otm_left() == 2

    response = csrf_post(browser, f"/draw/offers/{offer.pk}/wait")

    assert response.status_code == 302
    assert response["Location"] == "/draw/"
    offer.refresh_from_db()
    assert (offer.state, offer.settled_reason) == (OfferState.DECLINED, "waits_for_first_port")
    assert otm_left() == 4
    flag = PriorityFlag.objects.get(applicant=offer.applicant, ended_at__isnull=True)
    assert flag.from_day == dt.date(2026, 12, 17)
    assert DrawApplicant.objects.get(applicant=offer.applicant).waiting_since == waiting_since
    event = AuditEvent.objects.get(action="offer.waits_for_first_port", object_id=str(offer.pk))
    assert event.data["first_port"] == "SYS"
    assert "Listo: usted espera a San Ysidro." in browser.get("/draw/").content.decode()
    # Made once: the page now goes back to the offer, which no longer offers the choice.
    assert browser.get(f"/draw/offers/{offer.pk}/wait")["Location"] == f"/draw/offers/{offer.pk}"
    assert f"/draw/offers/{offer.pk}/wait" not in browser.get(f"/draw/offers/{offer.pk}").content.decode()


def test_after_the_deadline_there_is_no_choice(moved, frozen_clock):
    offer, browser = moved
    frozen_clock.set(offer.deadline)
    assert browser.get(f"/draw/offers/{offer.pk}/wait")["Location"] == f"/draw/offers/{offer.pk}"
    csrf_post(browser, f"/draw/offers/{offer.pk}/wait", page=f"/draw/offers/{offer.pk}")
    assert not PriorityFlag.objects.filter(applicant=offer.applicant, from_day__isnull=False).exists()


def test_an_offer_no_closure_moved_has_no_choice(frozen_clock):
    from tests.factories.closures import Ask, booked
    from tests.factories.draws import port_with_slots

    port_with_slots("SYS", slots=[("08:00", 4)], position=1)
    port_with_slots("OTM", slots=[], position=2)  # full: the draw gives the group its second port
    (offer,) = booked(frozen_clock, [Ask(size=2, ports=["OTM", "SYS"])], confirm=False)
    assert offer.port.code == "SYS"
    browser = Client(enforce_csrf_checks=True)
    sign_in_applicant(browser, offer.applicant)
    assert "/wait" not in browser.get(f"/draw/offers/{offer.pk}").content.decode()
    assert browser.get(f"/draw/offers/{offer.pk}/wait")["Location"] == f"/draw/offers/{offer.pk}"
    csrf_post(browser, f"/draw/offers/{offer.pk}/wait", page=f"/draw/offers/{offer.pk}")
    offer.refresh_from_db()
    assert offer.state == OfferState.OPEN
