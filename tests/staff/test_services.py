import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cita.audit.models import AuditEvent
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.staff.errors import AccountLocked, AlreadyEnrolled, InvalidAccount, SignInFailed
from cita.staff.models import User
from cita.staff.selectors import recovery_codes_left, staff_has_mfa
from cita.staff.services import (
    recovery_codes_regenerate,
    staff_activate,
    staff_create,
    staff_deactivate,
    staff_mfa_reset,
    staff_password_reset,
    staff_role_set,
    staff_second_factor_check,
    totp_enrolment_confirm,
    totp_enrolment_start,
)
from tests.conftest import sign_in_staff
from tests.factories.ports import PortFactory
from tests.factories.registrations import ShelterFactory
from tests.factories.staff import StaffFactory, actor_of

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, ahead: int = 0) -> str:
    """The code the app shows now (or `ahead` steps later), as a phone would compute it."""
    device.refresh_from_db()
    # The real time, as the phone app and django-otp's check both read it (not cita's clock).
    now = int((time.time() - device.t0) // device.step)
    drift = max(ahead, device.last_t + 1 - now)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{code:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, ahead) for ahead in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def admin_actor() -> Actor:
    return actor_of(StaffFactory.create(role="admin"))


# -- enrolment and recovery codes --------------------------------------------------------------------------


def test_enrolment_keeps_one_pending_authenticator_until_it_is_confirmed():
    user = StaffFactory.create(totp=False)
    first = totp_enrolment_start(user=user)
    assert not first.confirmed
    assert totp_enrolment_start(user=user).pk == first.pk
    assert not staff_has_mfa(user=user)


def test_a_right_code_confirms_the_app_and_gives_ten_single_use_recovery_codes():
    user = StaffFactory.create(totp=False)
    device = totp_enrolment_start(user=user)
    confirmed, codes = totp_enrolment_confirm(user=user, token=code_for(device))
    assert confirmed.confirmed
    assert staff_has_mfa(user=user)
    assert len(codes) == len(set(codes)) == 10
    assert recovery_codes_left(user=user) == 10
    assert AuditEvent.objects.filter(action="staff.mfa_enrolled", object_id=str(user.pk)).exists()
    # A recovery code signs in once, then it is gone.
    staff_second_factor_check(user=user, token=f"{codes[0][:4]}-{codes[0][4:]}".upper())
    assert recovery_codes_left(user=user) == 9
    with pytest.raises(SignInFailed):
        staff_second_factor_check(user=user, token=codes[0])
    signed_in = AuditEvent.objects.filter(action="staff.signed_in", object_id=str(user.pk)).get()
    assert signed_in.data == {"factor": "recovery_code", "recovery_codes_left": 9}


def test_enrolment_is_refused_once_an_app_is_confirmed():
    user = StaffFactory.create()
    with pytest.raises(AlreadyEnrolled):
        totp_enrolment_start(user=user)
    with pytest.raises(AlreadyEnrolled):
        totp_enrolment_confirm(user=user, token="123456")
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_wrong_codes_at_enrolment_count_towards_the_lockout_and_are_audited():
    user = StaffFactory.create(totp=False)
    device = totp_enrolment_start(user=user)
    bad = wrong_code(device)
    for _ in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # skip django-otp's delay
        with pytest.raises(SignInFailed):
            totp_enrolment_confirm(user=user, token=bad)
    user.refresh_from_db()
    assert user.locked_until is not None
    with pytest.raises(AccountLocked):
        totp_enrolment_confirm(user=user, token=code_for(device))
    failures = AuditEvent.objects.filter(
        object_id=str(user.pk), action__in=["staff.signin_failed", "staff.locked"]
    )
    assert [e.data["step"] for e in failures] == ["enrol"] * 5
    assert failures.last().action == "staff.locked"  # type: ignore[union-attr]
    assert not staff_has_mfa(user=user)


def test_new_recovery_codes_need_a_current_app_code_and_replace_the_old_ones():
    user = StaffFactory.create()
    device = TOTPDevice.objects.get(user=user)
    with pytest.raises(SignInFailed):
        recovery_codes_regenerate(user=user, token=wrong_code(device))
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    first = recovery_codes_regenerate(user=user, token=code_for(device))
    second = recovery_codes_regenerate(user=user, token=code_for(device, ahead=1))
    assert not set(first) & set(second)
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == second
    with pytest.raises(SignInFailed):
        staff_second_factor_check(user=user, token=first[0])


# -- accounts ----------------------------------------------------------------------------------------------


def test_an_admin_opens_an_account_with_its_binding_and_the_audit_holds_no_personal_data():
    port = PortFactory.create(code="SYS")
    user, password = staff_create(
        actor=admin_actor(),
        username="maria.officer",
        email="Maria@Example.org",
        first_name="María",
        last_name="Gómez",
        role="officer",
        port=port,
        shelter=ShelterFactory.create(),  # dropped: officers have no shelter
    )
    assert (user.role, user.port, user.shelter, user.is_staff, user.is_superuser) == (
        "officer",
        port,
        None,
        False,
        False,
    )
    assert user.check_password(password)
    assert len(password) >= 20
    assert not staff_has_mfa(user=user)
    event = AuditEvent.objects.get(action="staff.account_created")
    assert event.data == {"username": "maria.officer", "role": "officer", "port": "SYS", "shelter": None}
    assert "María" not in str(event.data)
    assert "example" not in str(event.data).lower()


def test_the_admin_flags_follow_the_role():
    user, _ = staff_create(
        actor=admin_actor(), username="boss", email="b@x.org", first_name="", last_name="", role="admin"
    )
    assert user.is_staff
    assert user.is_superuser
    staff_role_set(actor=admin_actor(), user=user, role="planner")
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.is_superuser


@pytest.mark.parametrize(
    ("role", "field"),
    [("officer", "port"), ("ngo", "shelter"), ("wizard", "role")],
    ids=["officer", "ngo", "unknown"],
)
def test_a_role_without_its_port_or_shelter_is_refused(role, field):
    with pytest.raises(InvalidAccount) as refused:
        staff_create(
            actor=admin_actor(), username="x", email="x@x.org", first_name="", last_name="", role=role
        )
    assert refused.value.field == field
    assert not User.objects.filter(username="x").exists()


def test_usernames_are_unique_whatever_their_case():
    StaffFactory.create(username="ana")
    with pytest.raises(InvalidAccount, match="taken"):
        staff_create(
            actor=admin_actor(), username="ANA", email="a@x.org", first_name="", last_name="", role="planner"
        )


@pytest.mark.parametrize("role", [Role.PLANNER, Role.AUDITOR, Role.NGO, Role.OFFICER, Role.APPLICANT])
def test_only_admins_manage_accounts(role):
    target = StaffFactory.create()
    actor = Actor(role=role, user_id=999)
    with pytest.raises(PermissionDenied):
        staff_create(actor=actor, username="y", email="y@x.org", first_name="", last_name="", role="planner")
    for service in (staff_deactivate, staff_mfa_reset, staff_password_reset):
        with pytest.raises(PermissionDenied):
            service(actor=actor, user=target)
    with pytest.raises(PermissionDenied):
        staff_role_set(actor=actor, user=target, role="admin")
    target.refresh_from_db()
    assert target.is_active
    assert target.role == "planner"


def test_an_admin_cannot_lock_themselves_out():
    me = StaffFactory.create(role="admin")
    actor = actor_of(me)
    for action in (staff_deactivate, staff_mfa_reset):
        with pytest.raises(InvalidAccount, match="your own account"):
            action(actor=actor, user=me)
    with pytest.raises(InvalidAccount):
        staff_role_set(actor=actor, user=me, role="planner")


def signed_in_client(user: User) -> Client:
    client = Client()
    sign_in_staff(client, user)
    assert client.get("/staff/").status_code == 200
    return client


@pytest.mark.parametrize(
    "change",
    [
        lambda actor, user: staff_deactivate(actor=actor, user=user),
        lambda actor, user: staff_mfa_reset(actor=actor, user=user),
        lambda actor, user: staff_role_set(actor=actor, user=user, role="auditor"),
        lambda actor, user: staff_password_reset(actor=actor, user=user),
    ],
    ids=["deactivate", "mfa_reset", "role_change", "password_reset"],
)
def test_taking_access_away_ends_the_accounts_sessions_at_once(change):
    user = StaffFactory.create(role="planner")
    client = signed_in_client(user)
    change(admin_actor(), user)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/signin")


def test_a_deactivated_account_cannot_sign_in_and_an_activated_one_can():
    user = StaffFactory.create()
    admin = admin_actor()
    staff_deactivate(actor=admin, user=user)
    from tests.factories.staff import PASSWORD

    refused = Client().post("/staff/signin", {"username": user.username, "password": PASSWORD})
    assert b"Wrong username or password." in refused.content
    staff_activate(actor=admin, user=user)
    accepted = Client().post("/staff/signin", {"username": user.username, "password": PASSWORD})
    assert accepted.status_code == 302


def test_an_mfa_reset_removes_the_app_and_the_recovery_codes():
    user = StaffFactory.create()
    recovery_codes_regenerate(user=user, token=code_for(TOTPDevice.objects.get(user=user)))
    staff_mfa_reset(actor=admin_actor(), user=user)
    assert not staff_has_mfa(user=user)
    assert recovery_codes_left(user=user) == 0
    assert totp_enrolment_start(user=user) is not None
