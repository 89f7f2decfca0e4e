"""Ukrainian: pymorphy3 with its Ukrainian dictionary; the apostrophe stays inside words (`кур'єр`)."""

from feedback_mining.lang import Language
from feedback_mining.lang.ru import morph_analyzer


def lemma(word: str) -> str:
    """`чекали` -> `чекати`, `черзі` -> `черга`, `кур'єра` -> `кур'єр`."""
    if not word.replace("'", "").isalpha() or word.isascii():
        return word
    return morph_analyzer("uk").parse(word)[0].normal_form


LANGUAGE = Language("uk", frozenset({"не", "ні", "без"}), lemma)
