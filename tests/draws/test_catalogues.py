"""The catalogues of the daily-cycle apps (cita/draws, cita/appointments, cita/transparency): every
applicant-facing string translated, not fuzzy, not left in English, placeholders kept."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

import cita
from tests.web.test_translations import entries

APPS = ["draws", "appointments", "transparency"]
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """Copies of the apps with catalogues as makemessages makes them now from the source."""
    root = tmp_path_factory.mktemp("apps")
    for app in APPS:
        copy = root / app
        shutil.copytree(
            Path(cita.__file__).parent / app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
        )
        cwd = Path.cwd()
        try:
            os.chdir(copy)
            call_command("makemessages", locale=LANGUAGES, no_location=True, verbosity=0)
        finally:
            os.chdir(cwd)
    return root


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", APPS)
def test_every_string_of_the_app_is_translated(fresh, app, language):
    po = fresh / app / "locale" / language / "LC_MESSAGES" / "django.po"
    rows = entries(po)
    assert rows, f"{app} has no applicant-facing strings?"
    problems = [
        f"{'fuzzy' if fuzzy else 'missing'}: {msgid!r}"
        for msgid, msgstr, fuzzy in rows
        if fuzzy or not msgstr
    ]
    assert not problems, "\n".join(problems)
    copies = [msgid for msgid, msgstr, _ in rows if msgstr == msgid and len(msgid.split()) > 2]
    assert not copies, f"left in English: {copies}"
    broken = [m for m, s, _ in rows if sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(s))]
    assert not broken, f"placeholders differ: {broken}"
