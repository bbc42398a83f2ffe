"""The conversations catalogue (cita/conversations/locale) holds every reply in every language: nothing
missing or fuzzy, nothing left in English, every placeholder kept, and the command words a reply shows are
words cita reads in that language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

import cita.conversations
from cita.conversations import replies
from cita.conversations.commands import INDEX, fold
from tests.web.test_translations import catalogues_made_now, entries

APP = Path(cita.conversations.__file__).parent
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
# A command word in a reply: a run of capitals (SI, REANUDAR, SITUAÇÃO), not a code or a ticket.
SHOUTED = re.compile(r"\b[A-ZÀ-Ý]{2,}\b")


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> Path:
    """The catalogues as makemessages makes them now from the app's source, in a copy of the app."""
    return catalogues_made_now(APP, tmp_path_factory.mktemp("src"), tree_locale=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reply_is_translated(fresh_catalogues, language):
    found = entries(fresh_catalogues / language / "LC_MESSAGES" / "django.po")
    assert len(found) >= 20
    problems = [
        f"{'fuzzy' if fuzzy else 'missing'}: {msgid!r}"
        for msgid, msgstr, fuzzy in found
        if fuzzy or not msgstr
    ]
    assert not problems, f"{language}: {len(problems)} untranslated:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_replies_are_not_english_copies_and_keep_their_placeholders(language):
    po = APP / "locale" / language / "LC_MESSAGES" / "django.po"
    for msgid, msgstr, _ in entries(po):
        assert msgstr != msgid, f"{language}: left in English: {msgid!r}"
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_every_command_word_a_reply_shows_is_read_in_that_language(language):
    unread = []
    for name in dir(replies):
        text = getattr(replies, name)
        if not name.isupper() or name == "LANGUAGES":
            continue
        with translation.override(language):
            words = SHOUTED.findall(str(text))
        for word in words:
            key = fold(word)
            if key not in INDEX or language not in INDEX[key][1]:
                unread.append(f"{name}: {word}")
    assert not unread, f"{language}: {unread}"
