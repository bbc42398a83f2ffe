from __future__ import annotations

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice
from factory.django import DjangoModelFactory

from cita.staff.models import User

PASSWORD = "correct horse battery staple"


class StaffFactory(DjangoModelFactory[User]):
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
            TOTPDevice.objects.create(user=obj, name="test", confirmed=True)
