"""Reading text messages: the words people really type, accents and capitals optional."""

from __future__ import annotations

import pytest

from cita.conversations.commands import WORDS, fold, language_named, parse


@pytest.mark.parametrize(
    ("text", "command", "args"),
    [
        ("SÍ 4821", "confirm", ("4821",)),
        ("si, 4821!", "confirm", ("4821",)),
        ("Oui 4821", "confirm", ("4821",)),
        ("wi 4821", "confirm", ("4821",)),
        ("Sim 4821", "confirm", ("4821",)),
        ("yes", "confirm", ()),
        ("NÃO 4821", "decline", ("4821",)),
        ("nao 4821", "decline", ("4821",)),
        ("Pedir 2 1", "ask", ("2", "1")),
        ("mande 2,1", "ask", ("2", "1")),
        ("¿Estado?", "status", ()),
        ("?", "help", ()),
        ("Kijan", "status", ()),
        ("situação", "status", ()),
        ("Annuler", "cancel", ()),
        ("anile", "cancel", ()),
        ("Idioma kreyòl", "language", ("kreyol",)),
        ("français", "language", ("francais",)),
        ("Èd", "help", ()),
        ("2", "number", ("2",)),
        ("2 1 3", "number", ("2", "1", "3")),
        ("2-1", "number", ("2", "1")),
        ("the weather", "", ("the", "weather")),
        ("", "", ()),
    ],
)
def test_what_people_type_is_read_as_the_command(text, command, args):
    parsed = parse(text)
    assert (parsed.command, parsed.args) == (command, args)


def test_accents_capitals_and_punctuation_do_not_matter():
    assert fold("¡SÍ, Confirmó!") == "si confirmo"
    assert fold("  Français  ") == "francais"


def test_every_word_of_every_command_is_read_as_that_command():
    wrong = []
    for command, by_language in WORDS.items():
        for language, words in by_language.items():
            for word in words:
                parsed = parse(word.upper())
                if parsed.command != command:
                    wrong.append(f"{language} {word!r}: {parsed.command!r}")
    assert not wrong


def test_the_word_tells_the_language_when_only_one_language_uses_it():
    assert parse("estado").languages == ("es", "pt")
    assert parse("kijan").languages == ("ht",)
    assert parse("bonjour").languages == ("fr",)


def test_a_language_is_named_in_any_language_or_by_its_number_in_the_menu():
    assert language_named(("kreyol",)) == "ht"
    assert language_named(("creole",)) == "ht"
    assert language_named(("portugues",)) == "pt"
    assert language_named(("3",)) == "ht"
    assert language_named(("9",)) is None
