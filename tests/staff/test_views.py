import base64
import re
import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cita.audit.models import AuditEvent
from cita.core import clock
from cita.core.middleware import SESSION_ACTING_FOR
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.selectors import signin_code_of
from cita.registrations.models import Applicant
from cita.staff.models import User
from tests.conftest import sign_in_staff
from tests.factories.registrations import ShelterFactory
from tests.factories.staff import PASSWORD, StaffFactory, resident

pytestmark = pytest.mark.django_db


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"


def test_staff_sign_in_takes_a_password_and_then_a_totp_code():
    user = StaffFactory.create(role="planner")
    client = Client()
    response = client.post(
        "/staff/signin", {"username": user.username, "password": PASSWORD, "next": "/staff/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/mfa")
    # Password alone opens nothing.
    assert client.get("/staff/")["Location"].startswith("/staff/mfa")
    response = client.post("/staff/mfa", {"code": current_code(user), "next": "/staff/"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="staff.signed_in", object_id=str(user.pk)).exists()


def test_a_wrong_password_says_nothing_about_which_part_was_wrong():
    user = StaffFactory.create()
    response = Client().post("/staff/signin", {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert b"Wrong username or password." in response.content
    unknown = Client().post("/staff/signin", {"username": "nobody", "password": "nope"})
    assert b"Wrong username or password." in unknown.content


def test_five_wrong_codes_lock_the_account():
    user = StaffFactory.create()
    client = Client()
    client.post("/staff/signin", {"username": user.username, "password": PASSWORD})
    for _ in range(5):
        TOTPDevice.objects.filter(user=user).update(  # past django-otp's wait after a wrong code
            throttling_failure_timestamp=None, throttling_failure_count=0
        )
        client.post("/staff/mfa", {"code": "000000" if current_code(user) != "000000" else "111111"})
    user.refresh_from_db()
    assert user.locked_until is not None
    assert user.locked_until > clock.now()
    response = client.post("/staff/mfa", {"code": current_code(user)})
    assert response.status_code == 200
    assert b"locked" in response.content
    assert AuditEvent.objects.filter(action="staff.locked").count() == 1


def test_a_try_during_the_wait_after_a_wrong_code_is_not_counted_as_wrong():
    user = StaffFactory.create()
    client = Client()
    client.post("/staff/signin", {"username": user.username, "password": PASSWORD})
    wrong = "000000" if current_code(user) != "000000" else "111111"
    client.post("/staff/mfa", {"code": wrong})
    throttled = client.post("/staff/mfa", {"code": wrong}).content.decode()
    assert "Too many tries at once: wait" in throttled
    user.refresh_from_db()
    assert user.failed_logins == 1
    assert AuditEvent.objects.filter(action="staff.signin_failed", data__step="otp").count() == 1


# -- enrolment, recovery codes, idle timeout ---------------------------------------------------------------


def code_of(device: TOTPDevice, ahead: int = 0) -> str:
    device.refresh_from_db()
    # The real time, as the phone app and django-otp's check both read it (not cita's clock).
    now = int((time.time() - device.t0) // device.step)
    drift = max(ahead, device.last_t + 1 - now)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def test_a_first_sign_in_without_an_app_goes_to_enrolment_and_ends_with_recovery_codes():
    user = StaffFactory.create(role="auditor", totp=False)
    client = Client()
    client.post("/staff/signin", {"username": user.username, "password": PASSWORD, "next": "/audit/"})
    response = client.get("/staff/mfa?next=/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/mfa/enrol?next=%2Faudit%2F"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "<svg" in html
    assert 'class="qrcode"' in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    # Nothing else opens before the app is confirmed.
    assert client.get("/audit/")["Location"].startswith("/staff/mfa")
    wrong = client.post("/staff/mfa/enrol", {"code": "12", "next": "/audit/"})
    assert b"There is a problem" in wrong.content
    throttled = client.post("/staff/mfa/enrol", {"code": code_of(device)}).content.decode()
    assert "Too many tries at once: wait 1 second," in throttled
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0
    )
    done = client.post("/staff/mfa/enrol", {"code": code_of(device), "next": "/audit/"})
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"]
    assert done.content.decode().count("<li>") >= 10
    assert client.get("/audit/").status_code == 200
    # Once enrolled, the enrolment page sends to the normal second step.
    assert client.get("/staff/mfa/enrol")["Location"].startswith("/staff/mfa?")


def test_signing_in_with_a_recovery_code_uses_it_up_and_warns_when_few_are_left():
    user = StaffFactory.create()
    client = Client()
    sign_in_staff(client, user)
    codes_page = client.post("/staff/me/recovery-codes", {"codes-code": current_code(user)})
    codes = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", codes_page.content.decode())
    assert len(codes) == 10
    for code in codes[:8]:
        fresh = Client()
        fresh.post("/staff/signin", {"username": user.username, "password": PASSWORD})
        response = fresh.post("/staff/mfa", {"code": code, "next": "/staff/"})
        assert response.status_code == 302, code
    page = fresh.get("/staff/")
    assert b"You have 2 recovery codes left" in page.content
    # One more: the singular (issue 15, item 10).
    last = Client()
    last.post("/staff/signin", {"username": user.username, "password": PASSWORD})
    assert last.post("/staff/mfa", {"code": codes[8], "next": "/staff/"}).status_code == 302
    assert b"You have 1 recovery code left." in last.get("/staff/").content
    again = Client()
    again.post("/staff/signin", {"username": user.username, "password": PASSWORD})
    assert again.post("/staff/mfa", {"code": codes[0]}).status_code == 200  # used up


def test_an_idle_staff_session_ends_and_the_next_request_goes_to_sign_in(frozen_clock, settings):
    settings.CITA_STAFF_IDLE_SECONDS = 30 * 60
    user = StaffFactory.create()
    client = Client()
    sign_in_staff(client, user)
    assert client.get("/staff/").status_code == 200
    for _ in range(3):  # activity keeps the session alive past 30 minutes in total
        frozen_clock.advance(minutes=20)
        assert client.get("/staff/").status_code == 200
    frozen_clock.advance(minutes=31)
    response = client.get("/staff/me")
    assert response.status_code == 302
    assert response["Location"] == "/staff/signin?next=%2Fstaff%2Fme"
    assert b"signed out after 30 minutes without activity" in client.get(response["Location"]).content
    assert AuditEvent.objects.filter(action="staff.session_expired", object_id=str(user.pk)).count() == 1
    assert client.get("/staff/")["Location"].startswith("/staff/signin")


def test_staff_pages_are_in_english_whatever_the_browser_asks_for():
    user = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    sign_in_staff(client, user)
    response = client.post("/staff/ngo/register", {"phone": "12"})
    assert response["Content-Language"] == "en"
    assert b"This field is required." in response.content
    assert b'<html lang="en">' in response.content


def test_my_account_changes_the_password_and_keeps_this_session():
    user = StaffFactory.create()
    client = Client()
    sign_in_staff(client, user)
    other = Client()
    sign_in_staff(other, user)
    bad = client.post(
        "/staff/me/password",
        {"password-old_password": "nope", "password-new_password1": "x", "password-new_password2": "y"},
    )
    assert b"The two new passwords are not the same." in bad.content
    new = "a much longer passphrase 2026"
    ok = client.post(
        "/staff/me/password",
        {"password-old_password": PASSWORD, "password-new_password1": new, "password-new_password2": new},
    )
    assert ok.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert other.get("/staff/")["Location"].startswith("/staff/signin")
    user.refresh_from_db()
    assert user.check_password(new)


# -- admin: staff accounts ---------------------------------------------------------------------------------


def signed_in(user: User) -> Client:
    client = Client()
    sign_in_staff(client, user)
    return client


def test_an_admin_opens_an_account_and_sees_its_password_once():
    admin = signed_in(StaffFactory.create(role="admin"))
    shelter = ShelterFactory.create(name="Casa Esperanza")
    response = admin.post(
        "/staff/accounts/new",
        {"username": "lucia", "email": "lucia@ngo.test", "role": "ngo", "shelter": shelter.pk},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    user = User.objects.get(username="lucia")
    password = re.search(r'aria-label="Initial password">([^<]+)<', response.content.decode())
    assert password is not None
    assert user.check_password(password.group(1))
    assert user.shelter == shelter
    listing = admin.get("/staff/accounts/?role=ngo").content.decode()
    assert "lucia" in listing
    assert password.group(1) not in listing


def test_an_officer_without_a_port_is_refused_on_the_form():
    admin = signed_in(StaffFactory.create(role="admin"))
    target = StaffFactory.create(role="planner")
    response = admin.post(f"/staff/accounts/{target.pk}/role", {"role": "officer"})
    assert response.status_code == 200
    assert b"An officer works at one port: choose it." in response.content
    assert b'aria-invalid="true"' in response.content
    target.refresh_from_db()
    assert target.role == "planner"


def test_an_admin_deactivates_an_account_and_its_open_session_ends():
    admin = signed_in(StaffFactory.create(role="admin"))
    target = StaffFactory.create(role="auditor")
    victim = signed_in(target)
    assert victim.get("/audit/").status_code == 200
    response = admin.post(f"/staff/accounts/{target.pk}/deactivate")
    assert response.status_code == 302
    assert victim.get("/audit/")["Location"].startswith("/staff/signin")
    assert b"Deactivated" in admin.get(f"/staff/accounts/{target.pk}/").content


# -- NGO console -------------------------------------------------------------------------------------------


REGISTRATION = {
    "phone": "+52 664 555 0199",
    "email": "",
    "language": "es",
    "given_names": "Rosa",
    "family_names": "Martínez",
    "date_of_birth": "1988-03-02",
    "nationality": "HN",
    "document_type": "passport",
    "document_number": "H1234567",
    "consent": "on",
}


def test_an_ngo_worker_registers_a_resident_through_the_form():
    shelter = ShelterFactory.create()
    client = signed_in(StaffFactory.create(role="ngo", shelter=shelter))
    refused = client.post("/staff/ngo/register", {**REGISTRATION, "consent": ""})
    assert b"You must agree before we can save your data." in refused.content
    response = client.post("/staff/ngo/register", REGISTRATION)
    assert response.status_code == 302
    applicant = Applicant.objects.get(shelter=shelter)
    # The phone is attached once the resident reads out the code sent to it (issue 14, item 5).
    assert response["Location"] == f"/staff/ngo/residents/{applicant.pk}/contact"
    assert "+52 ••• 0199" in client.get(response["Location"]).content.decode()
    notice = Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id")
    proven = client.post(response["Location"], {"field": "phone", "code": signin_code_of(notice=notice)})
    assert proven.status_code == 302
    assert client.get(proven["Location"])["Location"] == f"/staff/ngo/residents/{applicant.pk}/"
    page = client.get(f"/staff/ngo/residents/{applicant.pk}/").content.decode()
    assert "Rosa Martínez" in page
    assert "+526645550199" in page
    assert "Rosa" in client.get("/staff/ngo/?q=rosa").content.decode()
    assert "Rosa" not in client.get("/staff/ngo/?q=pedro").content.decode()


def test_an_ngo_worker_never_sees_residents_of_another_shelter():
    mine, theirs = ShelterFactory.create(), ShelterFactory.create()
    stranger = resident(shelter=theirs, given_names="Hidden", family_names="Person")
    client = signed_in(StaffFactory.create(role="ngo", shelter=mine))
    assert client.get(f"/staff/ngo/residents/{stranger.pk}/").status_code == 404
    assert client.post(f"/staff/ngo/residents/{stranger.pk}/act").status_code == 404
    assert client.post(f"/staff/ngo/residents/{stranger.pk}/members/new", {}).status_code == 404
    assert b"Hidden" not in client.get("/staff/ngo/").content


def test_acting_for_a_resident_sets_the_applicant_of_the_session_until_stopped():
    shelter = ShelterFactory.create()
    worker = StaffFactory.create(role="ngo", shelter=shelter)
    person = resident(shelter=shelter, worker=worker, given_names="Ana", family_names="Ruiz")
    client = signed_in(worker)
    response = client.post(f"/staff/ngo/residents/{person.pk}/act")
    assert response.status_code == 302
    assert client.session[SESSION_ACTING_FOR] == person.pk
    page = client.get("/staff/")
    assert page.context["actor"].applicant_id == person.pk
    assert page.context["acting_for"]["name"] == "Ana Ruiz"
    assert b"You are acting for <strong>Ana Ruiz</strong>" in page.content
    stop = client.post("/staff/ngo/acting/stop")
    assert stop["Location"] == f"/staff/ngo/residents/{person.pk}/"
    assert SESSION_ACTING_FOR not in client.session
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="ngo.acting")] == [
        "ngo.acting_started",
        "ngo.acting_stopped",
    ]


def test_an_ngo_worker_adds_a_family_member():
    shelter = ShelterFactory.create()
    worker = StaffFactory.create(role="ngo", shelter=shelter)
    person = resident(shelter=shelter, worker=worker)
    client = signed_in(worker)
    response = client.post(
        f"/staff/ngo/residents/{person.pk}/members/new",
        {
            "relationship": "child",
            "given_names": "Luis",
            "family_names": "Pérez",
            "date_of_birth": "2019-07-01",
            "nationality": "VE",
        },
    )
    assert response.status_code == 302
    assert person.members.count() == 2
    assert AuditEvent.objects.filter(action="member.added").last().actor == f"ngo:{worker.pk}"  # type: ignore[union-attr]


def test_occupancy_goes_from_the_ngo_form_to_the_planners_table():
    shelter = ShelterFactory.create(name="Casa Norte", capacity=80)
    ngo = signed_in(StaffFactory.create(role="ngo", shelter=shelter))
    assert b"There is a problem" in ngo.post("/staff/ngo/occupancy", {"occupancy": "-3"}).content
    assert ngo.post("/staff/ngo/occupancy", {"occupancy": "100"}).status_code == 302
    planner = signed_in(StaffFactory.create(role="planner"))
    page = planner.get("/staff/shelters").content.decode()
    assert "Casa Norte" in page
    assert "125 % (over)" in page


def proven_resident(shelter, worker=None) -> Applicant:
    """A resident whose phone a worker typed in, proven since by a sign-in code."""
    from cita.registrations.signin import contact_parse, signin_code_send, signin_code_verify
    from tests.registrations.test_signin import code_of

    person = resident(shelter=shelter, worker=worker)
    assert person.phone
    sent = signin_code_send(contact=contact_parse(person.phone), language="es", client="p", ip="10.0.0.7")
    return signin_code_verify(token=sent.token, code=code_of(sent))


def test_an_ngo_worker_reads_the_text_messages_of_a_resident_of_their_shelter_only(frozen_clock):
    from django.db import connection

    from cita.conversations.services import message_receive
    from cita.core.errors import NotFound
    from cita.staff.selectors import resident_messages_for_actor
    from tests.factories.staff import actor_of

    mine, theirs = ShelterFactory.create(), ShelterFactory.create()
    worker = StaffFactory.create(role="ngo", shelter=mine)
    other_worker = StaffFactory.create(role="ngo", shelter=theirs)
    person = proven_resident(mine, worker)
    assert person.phone
    message_receive(provider="sms", message_id="SM-ngo-1", phone=person.phone, text="estado por favor")
    page = signed_in(worker).get(f"/staff/ngo/residents/{person.pk}/").content.decode()
    assert "estado por favor" in page
    assert "no tiene ninguna solicitud" in page, "cita's reply is in the history too"

    with connection.cursor() as cursor:
        cursor.execute("SELECT text::text, reply::text FROM conversations_inboundmessage")
        (row,) = cursor.fetchall()
    assert "estado" not in row[0], "sealed at rest"
    assert "solicitud" not in row[1], "sealed at rest"

    other = signed_in(other_worker)
    assert other.get(f"/staff/ngo/residents/{person.pk}/").status_code == 404
    with pytest.raises(NotFound):
        resident_messages_for_actor(actor=actor_of(other_worker), applicant_id=person.pk)
