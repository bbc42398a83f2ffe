"""The server seed stays secret until the reveal: sealed at rest, in no page, file, log or audit event."""

from __future__ import annotations

import json
import logging

import pytest

from cita.appointments.services.run import cycle_run_due
from cita.audit.models import AuditEvent
from cita.core.crypto import unseal
from cita.draws.models import Draw, DrawStatus
from cita.draws.services.cycle import SEED_CONTEXT
from cita.lottery import commitment_compute
from tests.conftest import sign_in_staff
from tests.draws.conftest import Chain
from tests.factories.draws import JOB, WINDOW_CLOSES, WINDOW_OPENS, port_with_slots, submitted
from tests.factories.staff import StaffFactory


def everything_public(client) -> str:
    """Every public page and file of every draw, and the whole audit log, as one text."""
    parts = [
        client.get("/transparency/").content.decode(),
        client.get("/transparency/draws.json").content.decode(),
    ]
    for draw in client.get("/transparency/draws.json").json()["draws"]:
        for url in draw["files"].values():
            parts.append(client.get(url.removeprefix("http://testserver")).content.decode())
    parts += [json.dumps(e.data) for e in AuditEvent.objects.all()]
    return "\n".join(parts)


@pytest.mark.django_db
def test_the_seed_is_nowhere_before_the_reveal_and_everywhere_after(
    frozen_clock, client, chain: Chain, caplog
):
    port_with_slots("SYS", slots=[("08:00", 2)])
    frozen_clock.set(WINDOW_OPENS)
    with caplog.at_level(logging.DEBUG):
        cycle_run_due(actor=JOB)
        draw = Draw.objects.get()
        seed = unseal(draw.seed_sealed, context=SEED_CONTEXT)
        assert commitment_compute(seed) == draw.commitment
        assert seed not in draw.seed_sealed
        assert draw.server_seed is None
        for _ in range(3):
            submitted(ports=["SYS"])
        assert seed not in everything_public(client)
        # Frozen, waiting for the beacon: the manifest is public, the seed still is not.
        frozen_clock.set(WINDOW_CLOSES)
        cycle_run_due(actor=JOB)
        draw.refresh_from_db()
        assert draw.status == DrawStatus.FROZEN
        public = everything_public(client)
        assert '"server_seed": null' in public
        assert draw.commitment in public
        assert seed not in public
        # Staff see no more than the public.
        admin = StaffFactory.create(role="admin")
        sign_in_staff(client, admin)
        page = client.get(f"/admin/draws/draw/{draw.pk}/change/")
        assert page.status_code == 200
        assert seed not in page.content.decode()
        assert draw.seed_sealed not in page.content.decode()
        client.logout()
    assert all(
        seed not in record.getMessage() and seed not in str(record.__dict__) for record in caplog.records
    )
    # Revealed: now it is published, and matches the commitment published at the start.
    chain.publish(int(draw.beacon_round or 0))
    cycle_run_due(actor=JOB)
    draw.refresh_from_db()
    assert draw.server_seed == seed
    public = everything_public(client)
    assert f'"server_seed": "{seed}"' in public


@pytest.mark.django_db
def test_a_sealed_seed_does_not_open_as_another_column(frozen_clock):
    from cita.core.crypto import CryptoKeyError

    port_with_slots("SYS", slots=[("08:00", 2)])
    frozen_clock.set(WINDOW_OPENS)
    cycle_run_due(actor=JOB)
    draw = Draw.objects.get()
    with pytest.raises(CryptoKeyError):
        unseal(draw.seed_sealed, context="registrations.member.given_names")
