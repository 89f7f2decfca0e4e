"""Ukrainian: pymorphy3 with its Ukrainian dictionary; the apostrophe stays inside words (`кур'єр`)."""

from feedback_mining.lang import Language
from feedback_mining.lang.ru import top_normal_form


def lemma(word: str) -> str:
    """`чекали` -> `чекати`, `черзі` -> `черга`, `кур'єра` -> `кур'єр`."""
    if not word.replace("'", "").isalpha() or word.isascii():
        return word
    return top_normal_form(word, "uk")


LANGUAGE = Language("uk", frozenset({"не", "ні", "без"}), lemma)
