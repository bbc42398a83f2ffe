"""Rotating the index key: a real ring of two keys, `cita manage reindex` in batches, resumed after a stop."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from cita.appointments.models import Appointment
from cita.core import crypto
from cita.core.crypto import blind_index, blind_indexes, new_key_ring_entry
from cita.draws.errors import MemberBusy
from cita.draws.models import RequestPeople
from cita.registrations import reindex
from cita.registrations.errors import DuplicatePerson, InvalidContact
from cita.registrations.models import Applicant, Member, OneTimeCode, ReindexProgress
from cita.registrations.services import (
    applicant_contact_set,
    applicant_get_or_create,
    group_register,
    member_add,
    member_remove,
)
from cita.registrations.signin import contact_parse, signin_code_send, signin_code_verify
from tests.draws.test_requests import ask
from tests.factories.draws import open_draw, port_with_slots
from tests.factories.registrations import actor_for, applicant, member_input, registered_group
from tests.registrations.test_signin import code_of

pytestmark = pytest.mark.django_db

NEW = new_key_ring_entry("i2")


def ring(settings: object, text: str) -> None:
    settings.CITA_INDEX_KEY = text  # type: ignore[attr-defined]
    crypto.reset_key_cache()


@pytest.fixture
def old_key(settings: object) -> Iterator[str]:
    """The test ring's key (`ti1`), restored after the test."""
    old = settings.CITA_INDEX_KEY  # type: ignore[attr-defined]
    ring(settings, old)
    yield old
    ring(settings, old)


def groups(count: int) -> list[Applicant]:
    return [registered_group(document_number=f"DOC{i:04d}") for i in range(count)]


def under_new_key(row: Applicant) -> bool:
    fresh = Applicant.objects.get(pk=row.pk)
    return fresh.phone_index == blind_index(fresh.phone or "", purpose="phone", kid="i2")


def test_rows_under_the_old_key_are_found_while_the_new_key_is_first(settings, old_key, frozen_clock):
    known = applicant(phone="+526641112222")
    other = applicant(phone="+526641113333")
    registered_group(document_number="HT998877")
    earlier = signin_code_send(
        contact=contact_parse("+526641112222"), language="es", client="b", ip="1.1.1.1"
    )
    ring(settings, f"{NEW},{old_key}")
    assert blind_indexes("x", purpose="phone")[0] == blind_index("x", purpose="phone", kid="i2")

    # Sign-in: the code sent before the rotation still works, a new one finds the same account.
    assert signin_code_verify(token=earlier.token, code=code_of(earlier)).pk == known.pk
    sent = signin_code_send(contact=contact_parse("+526641112222"), language="es", client="b", ip="1.1.1.1")
    assert signin_code_verify(token=sent.token, code=code_of(sent)).pk == known.pk
    assert applicant_get_or_create(phone="+52 664 111 2222", language="es").pk == known.pk
    assert Applicant.objects.count() == 3
    # Duplicate checks: a document or a contact under the old key is still taken.
    with pytest.raises(DuplicatePerson):
        group_register(
            actor=actor_for(other),
            applicant=other,
            principal=member_input(document_number="HT998877"),
            consent_given=True,
            consent_language="es",
        )
    with pytest.raises(InvalidContact):
        applicant_contact_set(actor=actor_for(other), applicant=other, phone="+526641112222", email=None)


def test_reindex_moves_every_row_to_the_new_key_in_batches(settings, old_key, frozen_clock):
    rows = groups(5)
    email_only = applicant(email="Ana@Example.org")
    signin_code_send(contact=contact_parse("ana@example.org"), language="es", client="b", ip="1.1.1.1")
    ring(settings, f"{NEW},{old_key}")
    out = io.StringIO()
    call_command("reindex", batch_size=2, stdout=out)
    assert "registrations_applicant.phone_index: 5 rows walked, 5 moved to key 'i2'" in out.getvalue()
    assert all(under_new_key(row) for row in rows)
    fresh = Applicant.objects.get(pk=email_only.pk)
    assert fresh.email_index == blind_index("ana@example.org", purpose="email", kid="i2")
    for member in Member.objects.all():
        assert member.document_index == blind_index(
            member.document_number or "", purpose="document", kid="i2"
        )
    code = OneTimeCode.objects.get()
    assert code.contact_index == blind_index("ana@example.org", purpose="email", kid="i2")
    last = ReindexProgress.objects.get(key_id="i2", column="registrations_applicant.phone_index").last_id
    assert last == max(Applicant.objects.filter(phone__isnull=False).values_list("pk", flat=True))
    # A second run has nothing left to move.
    again = io.StringIO()
    call_command("reindex", batch_size=2, stdout=again)
    assert "0 rows walked, 0 moved" in again.getvalue()


def test_a_run_stopped_after_one_batch_starts_again_where_it_stopped(settings, old_key, monkeypatch):
    rows = groups(5)
    ring(settings, f"{NEW},{old_key}")
    calls: list[str] = []

    def failing_after_one_batch(value: str, *, purpose: str) -> str:
        calls.append(value)
        if len(calls) > 2:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C during the second batch
        return blind_index(value, purpose=purpose)

    monkeypatch.setattr(reindex, "blind_index", failing_after_one_batch)
    with pytest.raises(KeyboardInterrupt):
        call_command("reindex", batch_size=2, stdout=io.StringIO())
    # The first batch is in, the second rolled back whole.
    assert [under_new_key(row) for row in rows] == [True, True, False, False, False]
    progress = ReindexProgress.objects.get(column="registrations_applicant.phone_index")
    assert (progress.key_id, progress.last_id) == ("i2", rows[1].pk)

    calls.clear()

    def counting(value: str, *, purpose: str) -> str:
        calls.append(value)
        return blind_index(value, purpose=purpose)

    monkeypatch.setattr(reindex, "blind_index", counting)
    call_command("reindex", batch_size=2, stdout=io.StringIO())
    phones = [Applicant.objects.get(pk=row.pk).phone for row in rows]
    assert calls[:3] == phones[2:]  # the phones of the two done rows are not hashed again
    assert all(under_new_key(row) for row in rows)


def test_after_the_old_key_is_dropped_lookups_use_the_new_key_only(settings, old_key, frozen_clock):
    known = applicant(phone="+526641112222")
    other = applicant(phone="+526641113333")
    registered_group(document_number="HT998877")
    ring(settings, f"{NEW},{old_key}")
    call_command("reindex", stdout=io.StringIO())
    ring(settings, NEW)
    assert blind_indexes("+526641112222", purpose="phone") == [blind_index("+526641112222", purpose="phone")]

    sent = signin_code_send(contact=contact_parse("+526641112222"), language="es", client="b", ip="1.1.1.1")
    assert signin_code_verify(token=sent.token, code=code_of(sent)).pk == known.pk
    with pytest.raises(DuplicatePerson):
        group_register(
            actor=actor_for(other),
            applicant=other,
            principal=member_input(document_number="HT998877"),
            consent_given=True,
            consent_language="es",
        )
    with pytest.raises(InvalidContact):
        applicant_contact_set(actor=actor_for(other), applicant=other, phone="+526641112222", email=None)
    # The unique indexes hold under the new key.
    with pytest.raises(IntegrityError), transaction.atomic():
        Applicant.objects.filter(pk=other.pk).update(
            phone_index=Applicant.objects.get(pk=known.pk).phone_index
        )


def test_one_person_one_request_holds_through_the_rotation(settings, old_key, frozen_clock):
    port_with_slots("SYS", slots=[("08:00", 10)])
    open_draw(frozen_clock)
    first, second, third = registered_group(), registered_group(), registered_group()
    moved_early, moved_late = (
        member_add(
            actor=actor_for(first),
            applicant=first,
            member=member_input(relationship="child", document_number=number),
        )
        for number in ("P7777777", "P8888888")
    )
    ask(first)  # its request keeps the old key's hashes of both children
    ring(settings, f"{NEW},{old_key}")
    member_remove(actor=actor_for(first), member=moved_early)
    member_add(
        actor=actor_for(second),
        applicant=second,
        member=member_input(relationship="child", document_number="P7777777"),
    )
    with pytest.raises(MemberBusy):  # during the rotation: found under the old key
        ask(second)

    call_command("reindex", stdout=io.StringIO())
    ring(settings, NEW)
    people = RequestPeople.objects.get(request__applicant=first)
    assert blind_index("P8888888", purpose="document") in people.document_indexes
    member_remove(actor=actor_for(first), member=moved_late)
    member_add(
        actor=actor_for(third),
        applicant=third,
        member=member_input(relationship="child", document_number="P8888888"),
    )
    with pytest.raises(MemberBusy):  # after it: the request's copy moved to the new key with the member
        ask(third)


def test_reindex_moves_the_document_copies_an_appointment_keeps(settings, old_key, frozen_clock):
    port = port_with_slots("SYS", slots=[("08:00", 10)])
    group = registered_group(document_number="P5555555")
    member = Member.objects.get(applicant=group)
    appointment = Appointment.objects.create(
        applicant=group,
        port=port,
        day=dt.date(2026, 12, 10),
        slot=dt.time(8),
        group_size=1,
        members=[member.pk],
        document_indexes=[member.document_index, "kept-as-it-is"],
        created_at=frozen_clock.now(),
        pass_payload="x",
        pass_kid="t",
        pass_issued_at=frozen_clock.now(),
    )
    ring(settings, f"{NEW},{old_key}")
    call_command("reindex", stdout=io.StringIO())
    appointment.refresh_from_db()
    assert appointment.document_indexes == [blind_index("P5555555", purpose="document"), "kept-as-it-is"]
