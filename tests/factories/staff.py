from __future__ import annotations

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice
from factory.django import DjangoModelFactory

from cita.core.actors import Actor, Role
from cita.registrations.models import Applicant, Shelter
from cita.staff.models import User
from tests.factories.registrations import member_input

PASSWORD = "correct horse battery staple"


class StaffFactory(DjangoModelFactory[User]):
    """A staff member with a confirmed authenticator app (`totp=False`: none yet, as a new account)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@staff.test")
    role = "planner"
    # Admins hold every permission of the Django admin; no other role enters it.
    is_staff = factory.LazyAttribute(lambda o: o.role == "admin")
    is_superuser = factory.LazyAttribute(lambda o: o.role == "admin")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def totp(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()
            if extracted is not False:
                TOTPDevice.objects.create(user=obj, name="test", confirmed=True)


def actor_of(user: User) -> Actor:
    """The actor of a signed-in (MFA verified) staff member."""
    return Actor(
        role=Role(user.role),
        user_id=user.pk,
        port_id=user.port_id,
        shelter_id=user.shelter_id,
        name=user.username,
    )


_phones = iter(range(7_100_000, 8_000_000))


def resident(
    *, shelter: Shelter, worker: User | None = None, phone_proven: bool = True, **principal: object
) -> Applicant:
    """A resident of `shelter`, registered by one of its NGO workers (made if not given), with the phone
    they proved by reading out its code (attached as `resident_contact_prove` does, without the text).
    `phone_proven=False`: a phone a worker typed and nobody proved (registrations before issue 14, item 5)."""
    from cita.registrations.residents import resident_register
    from cita.registrations.services import applicant_contact_set

    worker = worker or StaffFactory.create(role="ngo", shelter=shelter)
    registered = resident_register(
        actor=actor_of(worker),
        phone=None,
        email=None,
        language="es",
        principal=member_input(**principal),
        consent_given=True,
        client="factory",
        ip="127.0.0.1",
    )
    return applicant_contact_set(
        actor=actor_of(worker),
        applicant=registered.applicant,
        phone=f"+52664{next(_phones):07d}",
        email=None,
        phone_proven=phone_proven,
    )
