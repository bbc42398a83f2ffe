"""Every applicant-facing string exists, translated and not fuzzy, in every language of cita."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

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


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> Path:
    """The catalogues as makemessages would make them now from the source, in a copy of the source tree
    (makemessages writes next to the sources it reads, so it must never run on the real tree here)."""
    copy = tmp_path_factory.mktemp("src") / "cita"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    previous, cwd = settings.LOCALE_PATHS, Path.cwd()
    settings.LOCALE_PATHS = [copy / "locale"]
    try:
        os.chdir(copy)
        call_command(
            "makemessages",
            locale=LANGUAGES,
            ignore_patterns=NOT_APPLICANT_FACING,
            no_location=True,
            verbosity=0,
        )
    finally:
        os.chdir(cwd)
        settings.LOCALE_PATHS = previous
    return copy / "locale"


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
