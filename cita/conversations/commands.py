"""Reading a text message: the words people really type, in en, es, ht, fr and pt, accents optional.

Pure Python. `parse` lowers the text, drops accents and punctuation, and reads the first word (or menu
number) as the command and the rest as its arguments: `SÍ 4821` → confirm with `4821`, `Pedir 2 1` → ask
for ports 2 then 1, `2` → ask. Which language a word belongs to is kept as a hint for numbers no account
has yet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Each command's words per language, written without accents (the text is folded before it is compared).
WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "help": {
        "en": ("help", "menu", "hi", "hello", "info"),
        "es": ("ayuda", "hola", "opciones", "inicio", "buenas", "buenos"),
        "ht": ("ed", "ede", "meni", "bonjou", "bonswa", "alo"),
        "fr": ("aide", "bonjour", "salut", "bonsoir", "aidez"),
        "pt": ("ajuda", "ola", "oi", "opcoes", "inicio"),
    },
    "status": {
        "en": ("status", "check", "state", "where"),
        "es": ("estado", "consulta", "consultar", "ver", "como", "resultado"),
        "ht": ("eta", "kijan", "sitiyasyon", "rezilta", "tcheke"),
        "fr": ("statut", "etat", "situation", "resultat", "ou"),
        "pt": ("situacao", "estado", "consultar", "status", "resultado"),
    },
    "ask": {
        "en": ("ask", "request", "apply", "appointment", "book"),
        "es": ("pedir", "solicitar", "solicitud", "quiero", "turno", "pido"),
        "ht": ("mande", "demann", "randevou", "mandem"),
        "fr": ("demander", "demande", "rdv", "rendez-vous", "rendezvous"),
        "pt": ("pedir", "solicitar", "agendar", "pedido", "quero", "marcar"),
    },
    "confirm": {
        "en": ("yes", "y", "ok", "okay", "confirm", "accept"),
        "es": ("si", "confirmar", "confirmo", "acepto", "aceptar", "claro"),
        "ht": ("wi", "konfime", "dakò", "dako", "wil"),
        "fr": ("oui", "confirmer", "confirme", "accepter", "j'accepte"),
        "pt": ("sim", "confirmar", "confirmo", "aceito", "aceitar"),
    },
    "decline": {
        "en": ("no", "n", "decline", "refuse", "reject"),
        "es": ("no", "rechazar", "rechazo", "declinar"),
        "ht": ("non", "refize", "pa vle"),
        "fr": ("non", "refuser", "refuse", "decliner"),
        "pt": ("nao", "recusar", "recuso", "rejeitar"),
    },
    "cancel": {
        "en": ("cancel", "cancell", "delete"),
        "es": ("cancelar", "anular", "cancela", "cancelo"),
        "ht": ("anile", "anule", "kanse", "kansele"),
        "fr": ("annuler", "annule", "annulation"),
        "pt": ("cancelar", "anular", "cancela", "cancelo"),
    },
    "language": {
        "en": ("language", "lang"),
        "es": ("idioma", "lengua", "lenguaje"),
        "ht": ("lang", "langaj", "lang la"),
        "fr": ("langue",),
        "pt": ("idioma", "lingua"),
    },
    "stop": {
        "en": ("stop", "unsubscribe", "quit", "end", "stopall"),
        "es": ("alto", "parar", "baja", "detener"),
        "ht": ("kanpe", "sispann", "rete"),
        "fr": ("arret", "arreter", "desabonner"),
        "pt": ("parar", "sair", "pare"),
    },
    "start": {
        "en": ("start", "unstop", "resume", "subscribe"),
        "es": ("reanudar", "alta", "continuar"),
        "ht": ("rekomanse", "kontinye", "reprann"),
        "fr": ("reprendre", "demarrer", "reabonner"),
        "pt": ("voltar", "retomar", "continuar"),
    },
}

# Names of the languages as people write them, in any of the five (for "IDIOMA kreyol", or just "francais").
LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("english", "ingles", "anglais", "angle", "angles", "en"),
    "es": ("espanol", "spanish", "espagnol", "panyol", "espanhol", "castellano", "es"),
    "ht": ("kreyol", "creole", "creol", "haitian", "haitien", "crioulo", "kreol", "ht"),
    "fr": ("francais", "french", "frances", "franse", "fransè", "frances", "fr"),
    "pt": ("portugues", "portuguese", "portugais", "potige", "portuges", "pt"),
}
# The order of the language menu: 1 English … 5 Português.
LANGUAGE_MENU = ("en", "es", "ht", "fr", "pt")

# The main menu's numbers.
MENU = {"1": "status", "2": "ask", "3": "cancel", "4": "language", "0": "help"}

_NOISE = re.compile(r"[^a-z0-9' -]+")


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation, spaces collapsed: `¡Sí, 4821!` → `si 4821`."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return " ".join(_NOISE.sub(" ", plain.replace(",", " ")).split())


def _index() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Word → (command, the languages it belongs to); numbers and language names are read apart."""
    found: dict[str, tuple[str, list[str]]] = {}
    for command, by_language in WORDS.items():
        for language, words in by_language.items():
            for word in words:
                key = fold(word)
                if key in found and found[key][0] != command:
                    continue  # the first command listed keeps an ambiguous word ("info": help)
                found.setdefault(key, (command, []))[1].append(language)
    return {word: (command, tuple(languages)) for word, (command, languages) in found.items()}


INDEX = _index()
LANGUAGE_INDEX = {fold(name): code for code, names in LANGUAGE_NAMES.items() for name in names}


@dataclass(frozen=True)
class Parsed:
    """A message as understood: the command (`""` when not understood), its arguments (the words after the
    command), and the languages its command word belongs to (empty for numbers)."""

    command: str
    args: tuple[str, ...] = ()
    languages: tuple[str, ...] = field(default=())
    text: str = ""

    @property
    def numbers(self) -> list[int]:
        """The arguments that are numbers, in order (`2 1 3`, `2,1,3` and `2-1-3` alike)."""
        return [int(part) for arg in self.args for part in arg.split("-") if part.isdigit()]


def parse(text: str) -> Parsed:
    """Read one message (see the module's docstring)."""
    folded = fold(text)
    words = tuple(folded.split())
    if not words:
        return Parsed("help" if "?" in text else "", (), (), folded)
    # Two-word phrases first ("pa vle", "lang la").
    if len(words) >= 2 and " ".join(words[:2]) in INDEX:
        command, languages = INDEX[" ".join(words[:2])]
        return Parsed(command, words[2:], languages, folded)
    head = words[0]
    if head in INDEX:
        command, languages = INDEX[head]
        return Parsed(command, words[1:], languages, folded)
    if head in LANGUAGE_INDEX:
        return Parsed("language", words, (), folded)
    if head.isdigit() or re.fullmatch(r"[0-9][0-9 -]*", folded):
        return Parsed("number", tuple(folded.replace("-", " ").split()), (), folded)
    return Parsed("", words, (), folded)


def language_named(args: tuple[str, ...]) -> str | None:
    """The language an argument names (`kreyol`, `Français`) or numbers in the language menu (`3`)."""
    for arg in args:
        if arg in LANGUAGE_INDEX:
            return LANGUAGE_INDEX[arg]
        if arg.isdigit() and 1 <= int(arg) <= len(LANGUAGE_MENU):
            return LANGUAGE_MENU[int(arg) - 1]
    return None
