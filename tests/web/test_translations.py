"""Every applicant-facing string exists, translated and not fuzzy, in every language of cita."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

import cita

SOURCE = Path(cita.__file__).parent
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]
# Staff consoles are in English; demo data is not shown as interface text.
NOT_APPLICANT_FACING = ["staff/*", "demo/*", "cli/*"]


def entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry but the header."""
    result = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        if "msgid" not in block:
            continue
        fuzzy = "#, fuzzy" in block or bool(re.search(r"^#,.*fuzzy", block, re.M))
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgstr")[0].split("msgid", 1)[1]))
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1]))
        if msgid:
            result.append((msgid, msgstr, fuzzy))
    return result


def catalogues_made_now(source: Path, into: Path, *, tree_locale: bool, ignore: Sequence[str] = ()) -> Path:
    """The catalogues as makemessages would make them now from `source`, in a copy of it under `into`
    (makemessages writes next to the sources it reads, so it must never run on the real tree here).
    `tree_locale`: the copy's own locale/ is the project's LOCALE_PATHS (the whole package); otherwise an
    app's catalogue, which makemessages finds next to the app's sources."""
    copy = into / source.name
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    previous, cwd = settings.LOCALE_PATHS, Path.cwd()
    settings.LOCALE_PATHS = [copy / "locale"] if tree_locale else []
    try:
        os.chdir(copy)
        call_command(
            "makemessages", locale=LANGUAGES, ignore_patterns=list(ignore), no_location=True, verbosity=0
        )
    finally:
        os.chdir(cwd)
        settings.LOCALE_PATHS = previous
    return copy / "locale"


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> Path:
    return catalogues_made_now(
        SOURCE, tmp_path_factory.mktemp("src"), tree_locale=True, ignore=NOT_APPLICANT_FACING
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_applicant_string_is_translated(fresh_catalogues, language):
    po = fresh_catalogues / language / "LC_MESSAGES" / "django.po"
    problems = [
        f"{'fuzzy' if fuzzy else 'missing'}: {msgid!r}"
        for msgid, msgstr, fuzzy in entries(po)
        if fuzzy or not msgstr
    ]
    assert not problems, f"{language}: {len(problems)} untranslated strings:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_are_not_english_copies(language):
    po = SOURCE / "locale" / language / "LC_MESSAGES" / "django.po"
    # Short words that are the same in several languages are allowed.
    copies = [msgid for msgid, msgstr, _ in entries(po) if msgstr == msgid and len(msgid.split()) > 2]
    assert not copies, f"{language}: left in English: {copies}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    po = SOURCE / "locale" / language / "LC_MESSAGES" / "django.po"
    pattern = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    broken = [
        msgid
        for msgid, msgstr, _ in entries(po)
        if sorted(pattern.findall(msgid)) != sorted(pattern.findall(msgstr))
    ]
    assert not broken, f"{language}: placeholders differ in {broken}"


class DjangoFieldsProbe(forms.Form):
    """Fields whose error messages come from Django itself (Django has no Haitian Creole catalogue)."""

    name = forms.CharField(max_length=3)
    email = forms.EmailField()
    day = forms.DateField()
    count = forms.IntegerField(max_value=5, min_value=1)
    kind = forms.ChoiceField(choices=[("a", "A")])


PROBES = [
    {},
    {"name": "toolong", "email": "nope", "day": "31/02/2020", "count": "x", "kind": "b"},
    {"count": "9"},
    {"count": "0"},
]


def errors_of(form_class: type[forms.Form], data: dict[str, str], language: str) -> list[str]:
    with translation.override(language):
        form = form_class(data)
        form.is_valid()
        return [str(message) for messages in form.errors.values() for message in messages]


@pytest.mark.parametrize("language", LANGUAGES)
def test_django_form_errors_are_in_the_readers_language(language):
    for data in PROBES:
        english = errors_of(DjangoFieldsProbe, data, "en")
        translated = errors_of(DjangoFieldsProbe, data, language)
        assert len(english) == len(translated)
        same = [e for e, t in zip(english, translated, strict=True) if e == t]
        assert not same, f"{language}: Django messages left in English: {same}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_applicant_form_errors_are_in_the_readers_language(language):
    from cita.web.forms import CodeForm, ContactForm, MemberForm, RegisterForm

    cases: list[tuple[type[forms.Form], dict[str, str]]] = [
        (ContactForm, {}),
        (CodeForm, {"code": "12ab"}),
        (CodeForm, {}),
        (MemberForm, {}),
        (MemberForm, {"dob_day": "x", "dob_year": "19", "relationship": "boss", "given_names": "a" * 120}),
        (MemberForm, {"dob_day": "31", "dob_month": "2", "dob_year": "2001"}),
        (RegisterForm, {}),
    ]
    for form_class, data in cases:
        english = errors_of(form_class, data, "en")
        translated = errors_of(form_class, data, language)
        assert english
        same = [e for e, t in zip(english, translated, strict=True) if e == t]
        assert not same, f"{language}: {form_class.__name__} errors left in English: {same}"


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en", "March 17, 2026"),
        ("es", "17 de marzo de 2026"),
        ("ht", "17 mas 2026"),
        ("fr", "17 mars 2026"),
        ("pt", "17 de março de 2026"),
    ],
)
def test_dates_are_written_in_the_readers_language(language, written):
    from cita.web.templatetags.cita_web import when

    with translation.override(language):
        assert when(dt.date(2026, 3, 17)) == f'<time datetime="2026-03-17">{written}</time>'
        moment = when(dt.datetime(2026, 3, 17, 15, 5, tzinfo=dt.UTC), "America/Tijuana")
    assert 'datetime="2026-03-17T08:05-07:00"' in moment
    assert "08:05" in moment or "8:05" in moment
