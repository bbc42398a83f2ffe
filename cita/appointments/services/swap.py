"""Changing the port or day of a confirmed appointment without losing the seat (issue 15, "Add").

The group moves into a free place of a published draw at a port it ranked (`swap_places`), until
`CITA_SWAP_CLOSES_HOURS` before its appointment. The appointment keeps its id, its people and its place in
any later rebooking; its port, day and slot change, its pass is signed again (the old pass then answers
"superseded", as after a person leaves the group), the seats move with `capacity_take` and
`capacity_release`, the change is audited and the group is told.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from cita.appointments.errors import AppointmentStateError, PlaceTaken
from cita.appointments.models import Appointment
from cita.appointments.selectors import swap_open, swap_places
from cita.appointments.services import _place, pass_issue, pass_url
from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.notifications.contract import MAX_PORT_ADDRESS
from cita.notifications.models import NoticeKind
from cita.notifications.services import notice_enqueue
from cita.ports.models import SlotCapacity
from cita.ports.services import capacity_release, capacity_take


@transaction.atomic
def appointment_swap(*, appointment: Appointment, place: str, actor: Actor) -> Appointment:
    """Move the group's scheduled appointment to `place` ("SYS|2026-12-16|08:00", one of `swap_places`):
    never oversells (a guarded UPDATE takes the new seats), and the old seats go back to their slot."""
    own = actor.role in (Role.APPLICANT, Role.NGO) and actor.applicant_id == appointment.applicant_id
    if not own or actor.mfa_pending:
        raise PermissionDenied(_("You cannot change this appointment."))
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("port", "applicant")
        .get(pk=appointment.pk)
    )
    now = clock.now()
    if not swap_open(appointment=appointment, now=now):
        raise AppointmentStateError(_("This appointment can no longer be changed."))
    chosen = next((p for p in swap_places(appointment=appointment, now=now) if p.key == place), None)
    if chosen is None:
        raise PlaceTaken(_("That place is no longer free. Choose another one."), appointment=appointment)
    old = {"port": appointment.port.code, "day": appointment.day, "slot": f"{appointment.slot:%H:%M}"}
    # Both slots locked first, in the order the rebooking job locks seats (rebooking_input): two groups
    # swapping into each other's slots, or a swap and a rebooking, wait for each other, never deadlock.
    list(
        SlotCapacity.objects.select_for_update(of=("self",))
        .filter(
            pk__in=[
                *SlotCapacity.objects.filter(
                    port_id=appointment.port_id, day=appointment.day, slot=appointment.slot
                ).values_list("pk", flat=True),
                *SlotCapacity.objects.filter(
                    port_id=chosen.port.pk, day=chosen.day, slot=chosen.slot
                ).values_list("pk", flat=True),
            ]
        )
        .order_by("day", "port__position", "port__code", "slot")
    )
    if not capacity_take(
        port_id=chosen.port.pk, day=chosen.day, slot=chosen.slot, seats=appointment.group_size
    ):
        raise PlaceTaken(_("That place is no longer free. Choose another one."), appointment=appointment)
    capacity_release(
        port_id=appointment.port_id, day=appointment.day, slot=appointment.slot, seats=appointment.group_size
    )
    appointment.port, appointment.day, appointment.slot = chosen.port, chosen.day, chosen.slot
    signed = pass_issue(appointment, issued_at=now)
    appointment.pass_issued_at = now
    appointment.day_before_sent_at = None  # the reminder belongs to the new day
    appointment.save(update_fields=["port", "day", "slot", *signed, "pass_issued_at", "day_before_sent_at"])
    audit_record(
        actor=actor,
        action="appointment.swapped",
        object_type="appointment",
        object_id=appointment.pk,
        data={
            "from": old,
            "to": {"port": chosen.port.code, "day": chosen.day, "slot": f"{chosen.slot:%H:%M}"},
            "group_size": appointment.group_size,
            "pass_kid": appointment.pass_kid,
        },
    )
    notice_enqueue(
        kind=NoticeKind.CONFIRMED,
        dedup_key=f"appointment:{appointment.pk}:swapped:{_stamp(now)}",
        applicant=appointment.applicant,
        context={
            "appointment_id": appointment.pk,
            "changed": True,
            **_place(appointment),
            "port_address": appointment.port.address[:MAX_PORT_ADDRESS],
            "pass_url": pass_url(appointment),
        },
    )
    return appointment


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
