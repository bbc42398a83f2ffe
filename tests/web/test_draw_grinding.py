"""Draw grinding (issue 14, item 7): the ticket of a (group, draw) never changes once issued, so an
insider who knows the seed cannot withdraw and ask again until the ticket draws well. Through the full
middleware (CSRF checks on)."""

from __future__ import annotations

import pytest
from django.test import Client

from cita.draws.models import Request
from tests.conftest import csrf_post, sign_in_applicant
from tests.factories.draws import open_draw, san_ysidro_and_el_paso
from tests.factories.registrations import registered_group

pytestmark = pytest.mark.django_db


def test_withdrawing_and_asking_again_in_the_same_window_keeps_the_ticket(frozen_clock):
    san_ysidro_and_el_paso(seats=3)
    open_draw(frozen_clock)
    group = registered_group(size=2, language="en")
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    sign_in_applicant(client, group)
    tickets = []
    for ports in (["SYS"], ["ELP", "SYS"], ["ELP"]):
        data = {f"port_{n}": code for n, code in enumerate(ports, start=1)}
        assert csrf_post(client, "/draw/ask", data).status_code == 302
        live = Request.objects.get(applicant=group, withdrawn_at__isnull=True)
        assert live.ports == ports
        tickets.append(live.ticket)
        assert csrf_post(client, "/draw/withdraw").status_code == 302
    assert Request.objects.filter(applicant=group).count() == 3
    assert len(set(tickets)) == 1, tickets
    # Another group still gets a ticket of its own.
    other = registered_group(size=1, language="en")
    other_client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    sign_in_applicant(other_client, other)
    assert csrf_post(other_client, "/draw/ask", {"port_1": "SYS"}).status_code == 302
    assert Request.objects.get(applicant=other).ticket != tickets[0]
