"""Load the demo data once; a second run finds it there and only refreshes the staff recovery codes."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cita.appointments.models import Appointment, AppointmentState
from cita.core.actors import system
from cita.core.days import reference_today, today_in
from cita.core.files import file_write_private
from cita.db import cita_home
from cita.demo.data import PORTS, SHELTERS, SLOTS, WORKDAYS
from cita.ports.models import Port
from cita.ports.services import capacity_template_apply, capacity_template_set
from cita.registrations.models import Applicant, Shelter
from cita.staff.models import StaffRole, User

DEMO = system("demo")
HORIZON_DAYS = 21
LOGINS_FILE = "demo-logins.json"


def _slot_seats(total: int) -> dict[dt.time, int]:
    base, extra = divmod(total, len(SLOTS))
    return {dt.time.fromisoformat(s): base + (1 if i < extra else 0) for i, s in enumerate(SLOTS)}


@transaction.atomic
def ports_load() -> int:
    """The eight ports with their weekly templates and capacity from today (the day of the demo's draw, in
    the reference zone) for the coming weeks; returns ports added."""
    added = 0
    today = reference_today()
    for position, (code, name, city, address, tz, seats) in enumerate(PORTS):
        port, created = Port.objects.get_or_create(
            code=code,
            defaults={"name": name, "city": city, "address": address, "time_zone": tz, "position": position},
        )
        added += created
        if created:
            for weekday in WORKDAYS:
                capacity_template_set(port=port, weekday=weekday, slots=_slot_seats(seats), actor=DEMO)
        capacity_template_apply(
            port=port, start=today, end=today + dt.timedelta(days=HORIZON_DAYS), actor=DEMO
        )
    return added


@transaction.atomic
def shelters_load() -> int:
    """The demo shelters; returns shelters added."""
    added = 0
    for name, city, capacity, phone in SHELTERS:
        _, created = Shelter.objects.get_or_create(
            name=name,
            city=city,
            defaults={"capacity": capacity, "occupancy": capacity * 3 // 4, "phone": phone},
        )
        added += created
    return added


def _logins_path() -> Path:
    return cita_home() / LOGINS_FILE


def _passwords() -> dict[str, str]:
    path = _logins_path()
    if path.exists():
        return dict(json.loads(path.read_text()))
    return {}


@transaction.atomic
def staff_load() -> int:
    """One demo account per role (officer at San Ysidro, NGO worker at the first shelter); returns added."""
    passwords = _passwords()
    sys_port = Port.objects.get(code="SYS")
    shelter = Shelter.objects.order_by("id").first()
    accounts: list[tuple[str, StaffRole, dict[str, Any]]] = [
        ("admin", StaffRole.ADMIN, {}),
        ("planner", StaffRole.PLANNER, {}),
        ("officer.sys", StaffRole.OFFICER, {"port": sys_port}),
        ("ngo.tijuana", StaffRole.NGO, {"shelter": shelter}),
        ("auditor", StaffRole.AUDITOR, {}),
    ]
    added = 0
    for username, role, extra in accounts:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = passwords.get(username) or secrets.token_urlsafe(12)
            passwords[username] = password
            user = User.objects.create_user(
                username=username,
                email=f"{username}@staff.cita.invalid",
                password=password,
                role=role,
                is_staff=role == StaffRole.ADMIN,
                is_superuser=role == StaffRole.ADMIN,
                first_name=username.split(".")[0].capitalize(),
                **extra,
            )
            TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True)
            added += 1
    file_write_private(_logins_path(), json.dumps(passwords, indent=1))
    return added


@transaction.atomic
def demo_logins() -> list[tuple[str, str, str]]:
    """(role, username, how to sign in) for every demo account, with fresh recovery codes."""
    passwords = _passwords()
    rows = []
    for user in User.objects.filter(username__in=passwords).order_by("id"):
        device, _ = StaticDevice.objects.get_or_create(user=user, name="demo recovery codes")
        device.token_set.all().delete()
        code = StaticToken.random_token()
        device.token_set.create(token=code)
        totp = TOTPDevice.objects.filter(user=user).first()
        secret = base64.b32encode(bytes.fromhex(totp.key)).decode() if totp else "-"
        rows.append(
            (user.role, user.username, f"password {passwords[user.username]}  code {code}  (TOTP {secret})")
        )
    holder = _pass_holder()
    if holder is not None and holder.phone:
        rows.append(
            (
                "applicant",
                holder.phone,
                f"at /signin; the one-time code arrives in {cita_home() / 'sms.log'} (a pass for today)",
            )
        )
    return rows


def _pass_holder() -> Applicant | None:
    """A synthetic Spanish-speaking group holding a pass for today at its port (late in the evening in
    Tijuana, the ports further east are in tomorrow already), to sign in as."""
    today_at_port = Q()
    for port in Port.objects.all():
        today_at_port |= Q(port=port, day=today_in(port.tz))
    appointment = (
        Appointment.objects.filter(
            today_at_port,
            state=AppointmentState.SCHEDULED,
            applicant__language="es",
            applicant__phone_index__isnull=False,
            applicant__phone_verified_at__isnull=False,  # so that `cita demo-sms` acts for it too
        )
        .select_related("applicant")
        .order_by("id")
        .first()
    )
    return appointment.applicant if appointment else None


def demo_load(*, groups: int | None = None) -> str:
    """Load everything the demo needs that is not there yet; returns a one-line summary. Each step is
    idempotent or one transaction, so a load stopped anywhere is completed by the next run. `groups`
    overrides how many synthetic groups ask in the demo's draw (tests use fewer)."""
    ports = ports_load()
    shelters = shelters_load()
    staff = staff_load()
    from cita.demo.draws import GROUPS, draws_load

    draws = draws_load(groups=GROUPS if groups is None else groups)
    return (
        f"{Port.objects.count()} ports ({ports} new), {Shelter.objects.count()} shelters ({shelters} new), "
        f"{User.objects.count()} staff ({staff} new); {draws}"
    )
