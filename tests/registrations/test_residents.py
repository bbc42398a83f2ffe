"""NGO work for a shelter's residents (cita.registrations.residents): registering them with consent,
acting for them, the shelter's occupancy."""

import pytest

from cita.audit.models import AuditEvent
from cita.core.actors import Actor, Role
from cita.core.errors import PermissionDenied
from cita.notifications.models import Notice, NoticeKind
from cita.notifications.selectors import signin_code_of
from cita.registrations.errors import CodeExpired, ContactInUse, InvalidOccupancy, ResidentExists
from cita.registrations.models import Applicant, Consent
from cita.registrations.residents import (
    acting_start,
    resident_contact_prove,
    resident_register,
    shelter_occupancy_set,
)
from tests.factories.registrations import ShelterFactory, member_input, registered_group
from tests.factories.staff import StaffFactory, actor_of, resident

pytestmark = pytest.mark.django_db


def test_an_ngo_worker_registers_a_resident_of_their_shelter_with_consent():
    shelter = ShelterFactory.create()
    worker = StaffFactory.create(role="ngo", shelter=shelter)
    applicant = resident_register(
        actor=actor_of(worker),
        phone="+52 664 555 0101",
        email="",
        language="ht",
        principal=member_input(given_names="Jean", family_names="Baptiste", nationality="HT"),
        consent_given=True,
        client="test",
        ip="127.0.0.1",
    ).applicant
    applicant.refresh_from_db()
    assert applicant.shelter == shelter
    assert applicant.language == "ht"
    assert applicant.members.get().full_name == "Jean Baptiste"
    assert applicant.phone is None, "a phone a worker typed is attached only once its code comes back"
    consent = Consent.objects.get(applicant=applicant)
    assert consent.recorded_by == f"ngo:{worker.pk}"
    assert consent.language == "ht"
    event = AuditEvent.objects.get(action="resident.registered")
    assert event.actor == f"ngo:{worker.pk}"
    assert "Jean" not in str(event.data)
    assert "664" not in str(event.data)


def test_registration_without_consent_saves_nothing():
    worker = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    with pytest.raises(Exception, match="agree"):
        resident_register(
            actor=actor_of(worker),
            phone="+52 664 555 0102",
            email=None,
            language="es",
            principal=member_input(),
            consent_given=False,
            client="test",
            ip="127.0.0.1",
        )
    assert not Applicant.objects.exists()


def code_to(phone: str) -> str:
    """The code the latest sign-in-code notice carries, checked to be addressed to `phone`."""
    notice = Notice.objects.filter(kind=NoticeKind.SIGNIN_CODE).latest("id")
    assert notice.address == phone
    code = signin_code_of(notice=notice)
    assert code is not None
    return code


def test_an_ngo_worker_cannot_take_over_someone_elses_account_by_its_phone():
    worker = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    stranger = registered_group()
    registered = resident_register(
        actor=actor_of(worker),
        phone=stranger.phone,
        email=None,
        language="es",
        principal=member_input(),
        consent_given=True,
        client="test",
        ip="127.0.0.1",
    )
    token = registered.codes[0].token
    with pytest.raises(ContactInUse):
        resident_contact_prove(
            actor=actor_of(worker), applicant=registered.applicant, token=token, code=code_to(stranger.phone)
        )
    stranger.refresh_from_db()
    assert stranger.shelter is None
    assert stranger.members.count() == 1
    assert Applicant.objects.get(pk=registered.applicant.pk).phone is None


def test_only_the_code_of_this_resident_attaches_a_contact():
    shelter = ShelterFactory.create()
    worker = StaffFactory.create(role="ngo", shelter=shelter)
    registered = resident_register(
        actor=actor_of(worker),
        phone="+52 664 555 0104",
        email=None,
        language="es",
        principal=member_input(),
        consent_given=True,
        client="test",
        ip="127.0.0.1",
    )
    other = resident(shelter=shelter, worker=worker)
    # Another resident cannot take this code, and a worker of another shelter cannot use it.
    with pytest.raises(CodeExpired):
        resident_contact_prove(
            actor=actor_of(worker),
            applicant=other,
            token=registered.codes[0].token,
            code=code_to("+526645550104"),
        )
    stranger = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    with pytest.raises(PermissionDenied):
        resident_contact_prove(
            actor=actor_of(stranger),
            applicant=registered.applicant,
            token=registered.codes[0].token,
            code=code_to("+526645550104"),
        )
    proven = resident_contact_prove(
        actor=actor_of(worker),
        applicant=registered.applicant,
        token=registered.codes[0].token,
        code=code_to("+526645550104"),
    )
    assert proven.phone == "+526645550104"
    assert proven.phone_verified_at is not None


def test_registering_a_resident_twice_points_to_the_first_registration():
    shelter = ShelterFactory.create()
    worker = StaffFactory.create(role="ngo", shelter=shelter)
    first = resident(shelter=shelter, worker=worker)
    with pytest.raises(ResidentExists) as exists:
        resident_register(
            actor=actor_of(worker),
            phone=first.phone,
            email=None,
            language="es",
            principal=member_input(),
            consent_given=True,
            client="test",
            ip="127.0.0.1",
        )
    assert exists.value.objects["applicant"] == first


@pytest.mark.parametrize("role", [Role.PLANNER, Role.ADMIN, Role.OFFICER])
def test_only_ngo_workers_register_residents(role):
    with pytest.raises(PermissionDenied):
        resident_register(
            actor=Actor(role=role, user_id=1),
            phone="+52 664 555 0103",
            email=None,
            language="es",
            principal=member_input(),
            consent_given=True,
            client="test",
            ip="127.0.0.1",
        )


def test_acting_for_a_resident_of_another_shelter_is_refused():
    other = resident(shelter=ShelterFactory.create())
    worker = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    with pytest.raises(PermissionDenied):
        acting_start(actor=actor_of(worker), applicant=other)
    assert not AuditEvent.objects.filter(action="ngo.acting_started").exists()


def test_occupancy_is_set_by_the_shelters_own_workers_and_audited(frozen_clock):
    shelter = ShelterFactory.create(capacity=100)
    worker = StaffFactory.create(role="ngo", shelter=shelter)
    shelter_occupancy_set(actor=actor_of(worker), shelter=shelter, occupancy=130)
    shelter.refresh_from_db()
    assert (shelter.occupancy, shelter.occupancy_updated_at) == (130, frozen_clock.now())
    event = AuditEvent.objects.get(action="shelter.occupancy_set")
    assert event.data == {"occupancy": 130, "previous": 0, "capacity": 100}
    with pytest.raises(InvalidOccupancy):
        shelter_occupancy_set(actor=actor_of(worker), shelter=shelter, occupancy=-1)
    with pytest.raises(InvalidOccupancy):
        shelter_occupancy_set(actor=actor_of(worker), shelter=shelter, occupancy=100_000)
    outsider = StaffFactory.create(role="ngo", shelter=ShelterFactory.create())
    with pytest.raises(PermissionDenied):
        shelter_occupancy_set(actor=actor_of(outsider), shelter=shelter, occupancy=1)
