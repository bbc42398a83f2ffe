"""The draw part of the demo: one completed, published draw of several thousand synthetic requests whose
appointments are today (its offers partly confirmed, partly declined, its second chances run), and the
next request window open.

The finished draw lies in the past (opened HORIZON_DAYS ago), so it is made with a frozen clock moved
through its days: every step goes through the same services and `cita.lottery` code as a real day, up to
the appointment day, when the officers have groups to check in. Only the thousands of synthetic
groups and their requests are written in bulk (with their personal data sealed as usual, one audit event
for the lot, and no `request_received` notices, since nobody is there to read them).

"Today" is the day in the draw's reference time zone, at any hour (from 16:00 in Tijuana the UTC date is
already tomorrow). The whole past draw is one transaction: a load stopped midway (Ctrl-C) leaves nothing
of it, and the next run makes it whole. A run on a later day makes the draw of that day, with new groups.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from django.db import connection, transaction

from cita.appointments.services.offers import offer_confirm, offer_decline
from cita.audit.services import audit_record
from cita.core import clock
from cita.core.actors import system
from cita.core.crypto import blind_index
from cita.core.days import reference_time_zone, reference_today
from cita.demo.data import FAMILY, GIVEN, NATIONALITIES
from cita.draws.models import (
    Draw,
    DrawApplicant,
    DrawStatus,
    Offer,
    OfferState,
    Request,
    RequestPeople,
)
from cita.draws.services import (
    draw_close,
    draw_open,
    draw_open_due,
    draws_close_due,
    offers_expire_due,
    priority_flag,
)
from cita.draws.services.requests import ticket_new
from cita.policy.selectors import PolicyValues, policy_current
from cita.policy.services import policy_set
from cita.ports.models import Port
from cita.registrations.models import Applicant, Consent, Member, Relationship, Shelter

DEMO = system("demo")
GROUPS = 6_000
URGENT = 25
HORIZON_DAYS = 14
CONFIRM_SHARE, DECLINE_SHARE = 0.6, 0.1
# The demo's policy: a 24-hour window from noon to noon, so that a window is open whenever the demo runs.
WINDOW = dt.time(12, 0)
DEMO_POLICY = PolicyValues(
    window_opens=WINDOW,
    window_closes=WINDOW,
    horizon_days=HORIZON_DAYS,
    reserve_percent=10,
    confirm_hours=23,
    group_size_limit=8,
)


@contextmanager
def _clock_at(at: dt.datetime) -> Iterator[clock.FrozenClock]:
    frozen = clock.FrozenClock(at)
    previous = clock.install(frozen)
    try:
        yield frozen
    finally:
        clock.install(previous)


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=reference_time_zone()).astimezone(dt.UTC)


def draws_load(*, groups: int = GROUPS) -> str:
    """Load the draw whose appointments are today, once (a second run the same day finds it), and open
    the window due now; a one-line summary. `groups` is how many synthetic groups ask in it."""
    today = reference_today()
    done = Draw.objects.filter(round=1, appointment_date=today, status=DrawStatus.PUBLISHED).first()
    if done is None:
        done = _past_draw(today=today, groups=groups)
    opened = draw_open_due(actor=DEMO)
    current = Draw.objects.filter(round=1, status=DrawStatus.OPEN).order_by("-opens_at").first()
    return (
        f"draw {done.draw_id}: {done.entries_count} requests, {done.selected_count} selected, "
        f"{Offer.objects.filter(draw=done, state=OfferState.CONFIRMED).count()} confirmed; "
        f"open window: {current.draw_id if current else 'none'}{' (new)' if opened else ''}"
    )


@transaction.atomic
def _past_draw(*, today: dt.date, groups: int) -> Draw:
    """Run the draw whose appointments are `today` from start to finish, with the clock moved through its
    days: the window opened HORIZON_DAYS ago, the draw, confirmations and declines, the second chances.
    One transaction, so that an interrupted load leaves nothing half made."""
    day = today - dt.timedelta(days=HORIZON_DAYS)
    rng = random.Random(day.toordinal())
    with _clock_at(_local(day, dt.time(11, 0))) as frozen:
        _policy_ensure(at=frozen.now())
        frozen.set(_local(day, WINDOW))
        draw = draw_open(day=day, actor=DEMO)
        applicants = groups_load(rng, now=frozen.now(), count=groups)
        _requests_load(rng, draw=draw, applicants=applicants, now=frozen.now())
        _analyze()
        for applicant in rng.sample(applicants, min(URGENT, len(applicants) // 10)):
            priority_flag(applicant=applicant, reason="Demo: urgent medical need", actor=DEMO)
        frozen.set(_local(day + dt.timedelta(days=1), WINDOW) + dt.timedelta(minutes=1))
        draw = draw_close(draw=draw, actor=DEMO)
        _analyze()
        frozen.advance(hours=2)
        _offers_answer(rng, draw=draw)
        _second_chances(rng, first=draw, frozen=frozen, until=_local(today, dt.time(0)))
    return Draw.objects.get(pk=draw.pk)


def _policy_ensure(*, at: dt.datetime) -> None:
    """The demo's policy from `at` on, unless the one in force then has its values already (a run on a
    later day: the first run's policy covers it)."""
    current = policy_current(at=at)
    if current.policy is not None and replace(current, policy=None) == DEMO_POLICY:
        return
    wanted = DEMO_POLICY
    policy_set(
        effective_from=at,
        window_opens=wanted.window_opens,
        window_closes=wanted.window_closes,
        horizon_days=wanted.horizon_days,
        reserve_percent=wanted.reserve_percent,
        confirm_hours=wanted.confirm_hours,
        group_size_limit=wanted.group_size_limit,
        actor=DEMO,
    )


def _analyze() -> None:
    """Refresh the planner's statistics of the tables just filled in bulk, as one does after a bulk load.

    Without it the rounds below may be planned on statistics taken while the tables were empty (by
    autovacuum, moments earlier), and every confirmation's check of the group's people against thousands
    of requests turns into nested loops: seconds each instead of milliseconds. ANALYZE inside the loading
    transaction sees its rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE registrations_applicant, registrations_member, draws_drawapplicant, draws_request, "
            "draws_requestpeople, draws_offer, appointments_appointment"
        )


def _offers_answer(rng: random.Random, *, draw: Draw) -> None:
    """Confirm a share of the round's offers and decline another; the rest are left to lapse."""
    offers = list(Offer.objects.filter(draw=draw).select_related("applicant").order_by("order"))
    rng.shuffle(offers)
    confirm = int(len(offers) * CONFIRM_SHARE)
    decline = int(len(offers) * DECLINE_SHARE)
    for offer in offers[:confirm]:
        offer_confirm(offer=offer, actor=DEMO)
    for offer in offers[confirm : confirm + decline]:
        offer_decline(offer=offer, actor=DEMO)


def _second_chances(
    rng: random.Random, *, first: Draw, frozen: clock.FrozenClock, until: dt.datetime
) -> None:
    """Each round's deadline in turn, as the periodic jobs meet it: the lapsed offers expire, the next
    round is drawn over the seats given back, and a share of its offers is answered; until no round is
    left before `until` (no round is committed whose offers could not be confirmed before the day)."""
    while True:
        due = (
            Draw.objects.filter(first=first, status__in=(DrawStatus.OPEN, DrawStatus.FROZEN))
            .order_by("closes_at")
            .first()
        )
        if due is None or due.closes_at >= until:
            return
        frozen.set(due.closes_at + dt.timedelta(minutes=1))
        offers_expire_due(actor=DEMO)
        draws_close_due(actor=DEMO)
        frozen.advance(hours=2)
        _offers_answer(rng, draw=due)


def _phones_new(rng: random.Random, count: int) -> dict[str, str]:
    """`count` synthetic Mexican mobile numbers no applicant has yet, each with its keyed hash."""
    candidates = {
        phone: blind_index(phone, purpose="phone")
        for phone in (f"+5266{rng.randrange(10**8):08d}" for _ in range(count * 2))
    }
    taken = set(
        Applicant.objects.filter(phone_index__in=list(candidates.values())).values_list(
            "phone_index", flat=True
        )
    )
    return dict([(p, i) for p, i in candidates.items() if i not in taken][:count])


@transaction.atomic
def groups_load(rng: random.Random, *, now: dt.datetime, count: int) -> list[Applicant]:
    """`count` synthetic travel groups of 1 to 6 people, written in bulk with their data sealed (the
    demo's groups; bench/http.py adds those that submit requests)."""
    shelters = list(Shelter.objects.all())
    rows = []
    for phone, index in _phones_new(rng, count).items():
        language = rng.choice(["es", "es", "es", "ht", "ht", "fr", "pt", "en"])  # drawn in this order
        shelter = rng.choice(shelters) if shelters and rng.random() < 0.4 else None
        created = now - dt.timedelta(days=rng.randrange(1, 200))
        rows.append(
            Applicant(
                language=language,
                phone=phone,
                phone_index=index,
                # Groups that signed up themselves proved their phone with a code; a phone a shelter's
                # worker typed in is unproven until its owner signs in with it once.
                phone_verified_at=None if shelter else created,
                shelter=shelter,
                created_at=created,
            )
        )
    applicants = Applicant.objects.bulk_create(rows, batch_size=1000)
    members: list[Member] = []
    for applicant in applicants:
        family = rng.choice(FAMILY)
        size = rng.choices([1, 2, 3, 4, 5, 6], weights=[30, 25, 20, 13, 8, 4])[0]
        for position in range(size):
            adult = position < 2
            number = f"D{secrets.token_hex(6).upper()}" if adult or rng.random() < 0.5 else None
            members.append(
                Member(
                    applicant=applicant,
                    relationship=Relationship.SELF
                    if position == 0
                    else (Relationship.PARTNER if adult else Relationship.CHILD),
                    given_names=rng.choice(GIVEN),
                    family_names=family,
                    date_of_birth=dt.date(  # sealed as its ISO text
                        rng.randrange(1960, 2003) if adult else rng.randrange(2008, 2025),
                        rng.randrange(1, 13),
                        rng.randrange(1, 29),
                    ).isoformat(),
                    nationality=rng.choice(NATIONALITIES),
                    document_type="passport" if number else "",
                    document_number=number,
                    document_index=blind_index(number, purpose="document") if number else None,
                    created_at=applicant.created_at,
                )
            )
    Member.objects.bulk_create(members, batch_size=2000)
    Consent.objects.bulk_create(
        [
            Consent(
                applicant=a, text_version="2026-11", language=a.language, recorded_by="demo", at=a.created_at
            )
            for a in applicants
        ],
        batch_size=2000,
    )
    audit_record(
        actor=DEMO, action="demo.groups_loaded", data={"groups": len(applicants), "members": len(members)}
    )
    return applicants


@transaction.atomic
def _requests_load(rng: random.Random, *, draw: Draw, applicants: list[Applicant], now: dt.datetime) -> None:
    """One request per synthetic group in `draw`, ports ranked at random (San Ysidro the most wanted)."""
    ports = list(Port.objects.filter(active=True).values_list("code", flat=True))
    weights = [5 if code == "SYS" else 2 if code in ("ELP", "HID") else 1 for code in ports]
    members: dict[int, list[tuple[int, str | None]]] = {}
    for applicant_id, member_id, document in Member.objects.filter(applicant__in=applicants).values_list(
        "applicant_id", "id", "document_index"
    ):
        members.setdefault(applicant_id, []).append((member_id, document))
    records, requests, tickets = [], [], set()
    for applicant in applicants:
        waiting = (
            now
            - dt.timedelta(
                days=rng.choices([0, rng.randrange(1, 30), rng.randrange(30, 180)], [60, 30, 10])[0]
            )
        ).date()
        records.append(DrawApplicant(applicant=applicant, waiting_since=waiting, first_request_at=now))
        ranked: list[str] = []
        for _ in range(rng.randint(1, min(4, len(ports)))):
            choice = rng.choices(ports, weights)[0]
            if choice not in ranked:
                ranked.append(choice)
        ticket = ticket_new()
        while ticket in tickets:
            ticket = ticket_new()
        tickets.add(ticket)
        people = members[applicant.pk]
        requests.append(
            Request(
                draw=draw,
                applicant=applicant,
                ticket=ticket,
                ports=ranked,
                group_size=len(people),
                waiting_since=waiting,
                created_at=now + dt.timedelta(seconds=rng.randrange(0, 20 * 3600)),
                created_by=f"applicant:{applicant.pk}",
            )
        )
    DrawApplicant.objects.bulk_create(records, batch_size=2000)
    Request.objects.bulk_create(requests, batch_size=2000)
    RequestPeople.objects.bulk_create(
        [
            RequestPeople(
                request=request,
                members=[member for member, _ in members[request.applicant_id]],
                document_indexes=sorted(doc for _, doc in members[request.applicant_id] if doc),
            )
            for request in requests
        ],
        batch_size=2000,
    )
    audit_record(
        actor=DEMO,
        action="demo.requests_loaded",
        object_type="draw",
        object_id=draw.draw_id,
        data={"requests": len(requests)},
    )
