"""The languages cita speaks: the one list the settings, the models, the forms and the outbox read."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_noop


class Language(models.TextChoices):
    """Each language, named in its own words (what a language switch shows)."""

    EN = "en", "English"
    ES = "es", "Español"
    HT = "ht", "Kreyòl ayisyen"
    FR = "fr", "Français"
    PT = "pt", "Português"


# The same languages named in English, for Django's own list (`settings.LANGUAGES` translates them).
ENGLISH_NAMES: dict[str, str] = {
    Language.EN.value: gettext_noop("English"),
    Language.ES.value: gettext_noop("Spanish"),
    Language.HT.value: gettext_noop("Haitian Creole"),
    Language.FR.value: gettext_noop("French"),
    Language.PT.value: gettext_noop("Portuguese"),
}
LANGUAGE_CODES = frozenset(Language.values)
