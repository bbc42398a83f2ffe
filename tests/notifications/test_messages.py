"""Every kind of message, in every language: rendered, dated in the reader's words and the port's time
zone, and short enough for one or two SMS segments with the longest values the contract allows."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cita.notifications.gsm import gsm_fold, is_gsm, segments, septets, sms_prepare
from cita.notifications.models import NoticeKind
from cita.notifications.rendering import LANGUAGES, date_format, moment_format, render, time_format
from tests.factories.notifications import LONG_ADDRESS, LONG_PORT, LONG_URL, context_for

CASES = [
    (kind, placed)
    for kind in NoticeKind.values
    for placed in ((True, False) if kind == "rebooked" else (True,))
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("kind", "placed"), CASES)
def test_every_sms_fits_two_segments_with_the_longest_values(kind, placed, language):
    text = render(kind=kind, context=context_for(kind, longest=True, placed=placed), language=language).sms
    assert segments(text) <= 2, f"{kind}/{language}: {segments(text)} segments, {len(text)} chars: {text}"
    encoding = "GSM-7" if is_gsm(text) else "UCS-2"
    print(f"{kind:18} {language} {encoding} {len(text):3} chars {segments(text)} seg")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("kind", "placed"), CASES)
def test_every_message_renders_with_no_placeholder_left(kind, placed, language):
    context = context_for(kind, longest=True, placed=placed)
    text = render(kind=kind, context=context, language=language)
    for part in (text.subject, text.body, text.sms):
        assert "%(" not in part
        assert "{" not in part
    assert "\n" not in text.subject
    for key in ("port_name", "ticket", "pass_url", "port_address", "old_port_name"):
        if key in context:
            assert context[key] in text.body, f"{key} missing from the {kind} email in {language}"
    if language != "en":
        english = render(kind=kind, context=context, language="en")
        assert text.subject != english.subject
        assert text.body != english.body


def test_dates_and_times_are_in_the_readers_language():
    day = dt.date(2026, 9, 30)
    assert date_format(day, "en") == "Wednesday, September 30, 2026"
    assert date_format(day, "es") == "miércoles 30 de septiembre de 2026"
    assert date_format(day, "ht") == "mèkredi 30 septanm 2026"
    assert date_format(day, "fr") == "mercredi 30 septembre 2026"
    assert date_format(day, "pt") == "30 de setembro de 2026 (quarta-feira)"
    assert time_format(dt.time(15, 5), "en") == "3:05 PM"
    assert time_format(dt.time(15, 5), "es") == "15:05"


def test_the_deadline_is_shown_in_the_ports_time_zone():
    deadline = dt.datetime(2026, 12, 2, 19, 0, tzinfo=dt.UTC)
    assert moment_format(deadline, "America/Los_Angeles", "en") == "Wednesday, December 2 at 11:00 AM (PST)"
    assert moment_format(deadline, "America/Chicago", "es") == "miércoles 2 de diciembre a las 13:00 (CST)"
    text = render(kind=NoticeKind.SELECTED, context=context_for(NoticeKind.SELECTED), language="fr")
    # 18:30 UTC on 16 September is 11:30 in Los Angeles (summer time).
    assert "mercredi 16 septembre à 11:30 (PDT)" in text.sms


def test_a_sign_in_sms_ends_with_the_line_phones_use_to_offer_the_code():
    text = render(kind=NoticeKind.SIGNIN_CODE, context=context_for(NoticeKind.SIGNIN_CODE), language="es")
    assert text.sms.endswith("\n\n@testserver #482913")
    assert "482913" in text.subject + text.body


def test_a_cancellation_says_why_in_the_readers_language():
    context = {**context_for(NoticeKind.CANCELLED), "reason": "port_closed"}
    assert "El puerto está cerrado ese día." in render(kind="cancelled", context=context, language="es").body


def test_gsm_segments_are_counted_as_phones_count_them():
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2
    assert segments("a" * 307) == 3
    assert septets("€[]") == 6
    assert segments("€" * 80) == 1
    assert segments("€" * 81) == 2
    assert segments("á" * 70) == 1
    assert segments("á" * 71) == 2
    assert segments("á" * 134) == 2
    assert segments("á" * 135) == 3


def test_letters_outside_gsm_are_folded_only_when_that_saves_a_segment():
    short = "cita: você não está só"
    assert sms_prepare(short) == short  # 1 segment either way: the accents stay
    long = "ção " * 30
    assert segments(long) == 2
    assert segments(gsm_fold(long)) == 1
    assert sms_prepare(long) == gsm_fold(long) == "cao " * 30
    assert gsm_fold("Kòd: è, à, ñ, “quoted” — ok") == 'Kòd: è, à, ñ, "quoted" - ok'


def test_the_longest_values_are_as_long_as_the_contract_allows():
    from cita.notifications.contract import MAX_PORT_ADDRESS, MAX_PORT_NAME, MAX_URL

    assert (len(LONG_PORT), len(LONG_ADDRESS), len(LONG_URL)) == (MAX_PORT_NAME, MAX_PORT_ADDRESS, MAX_URL)
    assert re.match(r"^https://", LONG_URL)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_changed_appointment_has_its_own_words_and_its_sms_fits_two_segments(language):
    # cita.appointments.services.swap: the group moved its appointment to another port or day.
    context = {**context_for(NoticeKind.CONFIRMED, longest=True), "changed": True}
    text = render(kind=NoticeKind.CONFIRMED, context=context, language=language)
    confirmed = render(
        kind=NoticeKind.CONFIRMED, context=context_for(NoticeKind.CONFIRMED, longest=True), language=language
    )
    assert text.subject != confirmed.subject
    assert text.sms != confirmed.sms
    assert segments(text.sms) <= 2, f"{language}: {segments(text.sms)} segments: {text.sms}"
    for part in (text.subject, text.body, text.sms):
        assert "%(" not in part
    for key in ("port_name", "pass_url", "port_address"):
        assert context[key] in text.body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("choice", [True, False])
def test_a_moved_offer_says_where_from_and_the_choice_and_its_sms_fits_two_segments(language, choice):
    # A closure moved an open offer (cita.appointments.services.rebooking); away from the group's first
    # port, the group may wait for it instead (issue 15).
    context = context_for("offer_moved", longest=True)
    if not choice:
        context = {k: v for k, v in context.items() if k not in ("first_port_name", "wait_from")}
    text = render(kind=NoticeKind.DEADLINE_REMINDER, context=context, language=language)
    reminder = render(
        kind=NoticeKind.DEADLINE_REMINDER,
        context=context_for(NoticeKind.DEADLINE_REMINDER, longest=True),
        language=language,
    )
    assert text.subject != reminder.subject
    assert segments(text.sms) <= 2, f"{language}: {segments(text.sms)} segments, {len(text.sms)}: {text.sms}"
    for part in (text.subject, text.body, text.sms):
        assert "%(" not in part
    assert context["url"] in text.body
    assert context["url"] in text.sms
    assert context["old_port_name"] in text.body
    if language != "en":
        assert text.body != render(kind=NoticeKind.DEADLINE_REMINDER, context=context, language="en").body
