import datetime as dt

import pytest

from cita.notifications.models import Notice
from cita.notifications.selectors import signin_code_of
from cita.registrations.errors import CodeExpired, CodeWrong, InvalidContact, TooManyCodes
from cita.registrations.models import Applicant, OneTimeCode
from cita.registrations.services import applicant_contact_set, applicant_get_or_create
from cita.registrations.signin import (
    contact_change_confirm,
    contact_change_prove,
    contact_change_start,
    contact_parse,
    one_time_code_purge,
    signin_code_resend,
    signin_code_send,
    signin_code_verify,
)
from tests.factories.registrations import actor_for, applicant

pytestmark = pytest.mark.django_db


def send(raw="+52 664 111 2222", *, client="browser-1", ip="10.0.0.1", language="es"):
    return signin_code_send(contact=contact_parse(raw), language=language, client=client, ip=ip)


def code_of(sent) -> str:
    row = OneTimeCode.objects.get(token=sent.token)
    code = signin_code_of(notice=Notice.objects.get(dedup_key=f"code:{row.pk}"))
    assert code is not None
    return code


def test_a_code_is_six_digits_and_only_its_keyed_hash_is_stored(frozen_clock):
    sent = send()
    code = code_of(sent)
    row = OneTimeCode.objects.get(token=sent.token)
    assert len(code) == 6
    assert code.isdigit()
    assert code not in row.code_hash
    assert row.expires_at == frozen_clock.now() + dt.timedelta(minutes=10)


def test_the_right_code_signs_a_new_contact_up_and_a_known_one_in(frozen_clock):
    sent = send()
    assert not Applicant.objects.exists()
    created = signin_code_verify(token=sent.token, code=code_of(sent))
    assert created.phone == "+526641112222"
    assert created.language == "es"
    frozen_clock.advance(minutes=20)
    again = send("+526641112222", language="ht")
    assert signin_code_verify(token=again.token, code=code_of(again)).pk == created.pk


def test_the_outbox_notice_for_a_known_contact_belongs_to_the_applicant(frozen_clock):
    known = applicant(phone="+526641112222")
    sent = send()
    notice = Notice.objects.get(dedup_key=f"code:{OneTimeCode.objects.get(token=sent.token).pk}")
    assert notice.applicant_id == known.pk
    assert notice.address is None
    assert (notice.address_kind, notice.language, notice.context["minutes"]) == ("sms", "es", 10)


def test_the_outbox_notice_for_an_unknown_contact_carries_the_address(frozen_clock):
    sent = send("Ana@Example.org")
    notice = Notice.objects.get(dedup_key=f"code:{OneTimeCode.objects.get(token=sent.token).pk}")
    assert notice.applicant is None
    assert (notice.address, notice.address_kind) == ("ana@example.org", "email")
    assert sent.masked == "an•••@example.org"


def test_a_known_and_an_unknown_contact_get_the_same_answer(frozen_clock):
    applicant(phone="+526641112222")
    known = send("+526641112222", client="a", ip="1.1.1.1")
    unknown = send("+526641113333", client="b", ip="2.2.2.2")
    assert type(known) is type(unknown)
    assert known.expires_at == unknown.expires_at
    assert len(known.token) == len(unknown.token)


def test_a_wrong_code_says_how_many_tries_are_left_and_the_sixth_try_is_refused(frozen_clock):
    sent = send()
    right = code_of(sent)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(CodeWrong, match=f"{left} more"):
            signin_code_verify(token=sent.token, code=wrong)
    with pytest.raises(CodeExpired):
        signin_code_verify(token=sent.token, code=wrong)
    # Out of tries: even the right code no longer opens anything.
    with pytest.raises(CodeExpired):
        signin_code_verify(token=sent.token, code=right)
    assert OneTimeCode.objects.get(token=sent.token).attempts == 5
    assert not Applicant.objects.exists()


def test_a_code_expires_after_ten_minutes(frozen_clock):
    sent = send()
    frozen_clock.advance(minutes=10, seconds=1)
    with pytest.raises(CodeExpired):
        signin_code_verify(token=sent.token, code=code_of(sent))


def test_a_code_works_only_once(frozen_clock):
    sent = send()
    signin_code_verify(token=sent.token, code=code_of(sent))
    with pytest.raises(CodeExpired):
        signin_code_verify(token=sent.token, code=code_of(sent))


def test_a_new_code_replaces_the_old_one(frozen_clock):
    first = send()
    second = signin_code_resend(token=first.token, client="browser-1", ip="10.0.0.1")
    with pytest.raises(CodeExpired):
        signin_code_verify(token=first.token, code=code_of(first))
    assert signin_code_verify(token=second.token, code=code_of(second)).phone == "+526641112222"


def test_a_contact_gets_at_most_three_codes_in_fifteen_minutes(frozen_clock):
    for i in range(3):
        send(client=f"c{i}", ip=f"10.0.0.{i}")
    with pytest.raises(TooManyCodes, match="15 minutes"):
        send(client="c9", ip="10.0.0.9")
    frozen_clock.advance(minutes=15, seconds=1)
    send(client="c9", ip="10.0.0.9")


def test_one_browser_gets_at_most_five_codes_in_fifteen_minutes(frozen_clock):
    for i in range(5):
        send(f"+5266411100{i:02d}", client="same")
    with pytest.raises(TooManyCodes):
        send("+526641110099", client="same")


def test_one_network_address_is_limited_too(frozen_clock, settings):
    settings.CITA_SIGNIN_IP_LIMIT = 2
    send("+526641110001", client="a")
    send("+526641110002", client="b")
    with pytest.raises(TooManyCodes):
        send("+526641110003", client="c")


def test_a_contact_that_is_neither_phone_nor_email_is_refused_on_the_contact_field():
    with pytest.raises(InvalidContact) as raised:
        contact_parse("664 123")
    assert raised.value.field == "contact"
    with pytest.raises(InvalidContact):
        contact_parse("ana@")


def test_a_new_phone_becomes_the_applicants_only_after_its_code_comes_back(frozen_clock):
    row = applicant(phone="+526641112222")
    sent = contact_change_start(
        actor=actor_for(row),
        applicant=row,
        contact=contact_parse("+50937001122"),
        language="ht",
        client="x",
        ip="1.1.1.1",
    )
    assert sent.new is not None
    assert sent.current is not None
    assert Applicant.objects.get(pk=row.pk).phone == "+526641112222"
    notice = Notice.objects.get(dedup_key=f"code:{OneTimeCode.objects.get(token=sent.new.token).pk}")
    assert notice.address == "+50937001122"
    # The new phone's code alone is not enough: the current phone must prove it is the owner.
    with pytest.raises(CodeExpired):
        contact_change_confirm(
            actor=actor_for(row),
            applicant=row,
            token=sent.new.token,
            code=code_of(sent.new),
            current_token=sent.current.token,
        )
    contact_change_prove(
        actor=actor_for(row), applicant=row, token=sent.current.token, code=code_of(sent.current)
    )
    contact_change_confirm(
        actor=actor_for(row),
        applicant=row,
        token=sent.new.token,
        code=code_of(sent.new),
        current_token=sent.current.token,
    )
    assert Applicant.objects.get(pk=row.pk).phone == "+50937001122"
    assert Applicant.objects.get(pk=row.pk).phone_verified_at == frozen_clock.now()


def test_another_applicant_cannot_confirm_a_contact_change_code(frozen_clock):
    row, other = applicant(), applicant()
    sent = contact_change_start(
        actor=actor_for(row),
        applicant=row,
        contact=contact_parse("new@example.org"),
        language="es",
        client="x",
        ip="1.1.1.1",
    )
    assert sent.new is not None
    assert sent.current is not None
    with pytest.raises(CodeExpired):
        contact_change_prove(
            actor=actor_for(other), applicant=other, token=sent.current.token, code=code_of(sent.current)
        )
    with pytest.raises(CodeExpired):
        contact_change_confirm(
            actor=actor_for(other),
            applicant=other,
            token=sent.new.token,
            code=code_of(sent.new),
            current_token=sent.current.token,
        )
    assert Applicant.objects.get(pk=other.pk).email is None


def test_old_codes_are_purged(frozen_clock):
    send()
    frozen_clock.advance(days=2)
    assert one_time_code_purge() == 1
    assert not OneTimeCode.objects.exists()


def test_the_purge_job_is_known_to_the_worker_under_its_name(frozen_clock):
    from procrastinate.contrib.django import app

    from cita.registrations.tasks import one_time_code_purge_job

    send()
    frozen_clock.advance(days=2)
    assert app.tasks["registrations.one_time_code_purge"] is one_time_code_purge_job
    one_time_code_purge_job(timestamp=0)
    one_time_code_purge_job(timestamp=0)
    assert not OneTimeCode.objects.exists()


def test_a_phone_is_proven_by_its_sign_in_code_and_not_by_being_typed(frozen_clock):
    typed = applicant_get_or_create(phone="+526641112222", language="es")
    assert typed.phone_verified_at is None
    by_email = signin_code_verify(token=(sent := send("ana@example.org")).token, code=code_of(sent))
    assert by_email.phone_verified_at is None
    frozen_clock.advance(minutes=1)
    sent = send("+526641112222")
    proven = signin_code_verify(token=sent.token, code=code_of(sent))
    assert proven.pk == typed.pk
    assert Applicant.objects.get(pk=typed.pk).phone_verified_at == frozen_clock.now()


def test_a_phone_changed_without_its_code_is_not_proven(frozen_clock):
    row = applicant(phone="+526641112222")
    assert row.phone_verified_at is not None
    applicant_contact_set(actor=actor_for(row), applicant=row, phone="+526641112222", email="a@example.org")
    assert Applicant.objects.get(pk=row.pk).phone_verified_at is not None, "the same phone stays proven"
    applicant_contact_set(actor=actor_for(row), applicant=row, phone="+526641113333", email="a@example.org")
    assert Applicant.objects.get(pk=row.pk).phone_verified_at is None
