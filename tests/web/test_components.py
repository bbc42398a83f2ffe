"""The building blocks later applicant pages reuse: next step with its deadline, timeline, field errors."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from cita.web.components import NextStep, StepState, TimelineStep
from cita.web.dates import date_words, until_words
from cita.web.forms import MemberForm


def render(source: str, **context: object) -> str:
    request = RequestFactory().get("/")
    return Template("{% load cita_web %}" + source).render(Context({"request": request, **context}))


def test_the_next_step_shows_its_deadline_in_the_ports_time_zone_and_language():
    step = NextStep(
        title="Confirme su cita",
        deadline=dt.datetime(2026, 12, 2, 18, 30, tzinfo=dt.UTC),
        tz="America/Tijuana",
        url="/offers/1/confirm",
        action="Confirmar",
        method="post",
        tone="warn",
    )
    with translation.override("es"):
        html = render("{% next_step step %}", step=step, csrf_token="t0k3n")
    assert 'class="next warn"' in html
    assert "Siguiente paso" in html
    assert "Fecha límite:" in html
    assert (
        '<time datetime="2026-12-02T10:30-08:00">miércoles, 2 de diciembre de 2026 a las 10:30</time>' in html
    )
    assert '<form method="post" action="/offers/1/confirm">' in html
    assert 'value="t0k3n"' in html


def test_a_next_step_without_a_deadline_or_action_is_just_the_message():
    with translation.override("ht"):
        html = render("{% next_step step %}", step=NextStep(title="Tann", text="N ap voye yon mesaj."))
    assert "Pwochen etap" in html
    assert "<time" not in html
    assert "<form" not in html
    assert render("{% next_step None %}").strip() == ""


def test_the_timeline_marks_each_step_for_screen_readers():
    steps = [
        TimelineStep("Registered", StepState.DONE, at=dt.date(2026, 11, 20)),
        TimelineStep("Not selected", StepState.FAILED),
        TimelineStep("Ask again", StepState.CURRENT, detail="Today before 11:00"),
        TimelineStep("Draw"),
    ]
    with translation.override("fr"):
        html = render("{% timeline steps %}", steps=steps)
    assert html.count("<li") == 4
    assert 'aria-current="step"' in html
    for word in ("Fait", "N'a pas eu lieu", "Maintenant", "Plus tard"):
        assert word in html.replace("&#x27;", "'")
    assert '<time datetime="2026-11-20">20 novembre 2026</time>' in html


def test_a_field_with_an_error_points_at_it_and_the_summary_links_to_it():
    with translation.override("es"):
        form = MemberForm({"given_names": ""})
        form.is_valid()
        field_html = render("{% field form.given_names %}", form=form)
        summary = Template('{% include "web/_errors.html" %}').render(Context({"form": form}))
    assert '<p class="field-error" id="id_given_names_error">' in field_html
    assert 'aria-invalid="true"' in field_html
    assert 'aria-describedby="id_given_names_helptext id_given_names_error"' in field_html
    assert '<a href="#id_given_names">Escriba los nombres.</a>' in summary
    assert "autofocus" in summary
    # The three parts of the date of birth share one message in the summary.
    assert summary.count("Escriba el día, el mes y el año de nacimiento.") == 1


def test_the_deadline_says_how_long_is_left_and_whose_clock_it_is(frozen_clock):
    step = NextStep(
        title="Konfime",
        deadline=dt.datetime(2026, 12, 2, 18, 30, tzinfo=dt.UTC),
        deadline_label="Konfime anvan",
        tz="America/Denver",
        zone="El Paso",
    )
    with translation.override("ht"):
        html = render("{% next_step step %}", step=step)
    assert "Konfime anvan" in html
    assert "Dat limit" not in html
    assert '<time datetime="2026-12-02T11:30-07:00">mèkredi, 2 desanm 2026, 11:30</time>' in html
    assert "(lè El Paso)" in html
    assert "Nan 30 èdtan" in html  # from 2026-12-01 12:00 UTC


@pytest.mark.parametrize(
    ("minutes", "english"),
    [
        (0, "the time is over"),
        (-5, "the time is over"),
        (1, "in 1 minute"),
        (59, "in 59 minutes"),
        (60, "in 1 hour"),
        (61, "in 1 hour and 1 minute"),
        (125, "in 2 hours and 5 minutes"),
        (600, "in 10 hours"),
        (605, "in 10 hours"),
        (47 * 60 + 59, "in 47 hours"),
        (48 * 60, "in 2 days"),
        (24 * 60 * 9, "in 9 days"),
    ],
)
def test_time_left_is_said_in_words(minutes, english):
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    with translation.override("en"):
        assert until_words(now + dt.timedelta(minutes=minutes), now=now) == english


def test_time_left_is_said_in_every_language():
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    later = now + dt.timedelta(minutes=125)
    said = {}
    for language in ("es", "ht", "fr", "pt"):
        with translation.override(language):
            said[language] = until_words(later, now=now)
    assert said == {
        "es": "en 2 horas y 5 minutos",
        "ht": "nan 2 èdtan ak 5 minit",
        "fr": "dans 2 heures et 5 min",
        "pt": "em 2 horas e 5 minutos",
    }


def test_dates_are_written_with_their_weekday_in_the_readers_language():
    day = dt.date(2026, 12, 15)
    written = {}
    for language in ("en", "es", "ht", "fr", "pt"):
        with translation.override(language):
            written[language] = date_words(day)
    assert written == {
        "en": "Tuesday, Dec. 15, 2026",
        "es": "martes, 15 de diciembre de 2026",
        "ht": "madi, 15 desanm 2026",
        "fr": "mardi 15 décembre 2026",
        "pt": "terça-feira, 15 de dezembro de 2026",
    }
