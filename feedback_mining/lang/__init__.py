"""Language resources behind one registry keyed by ISO 639-1 code.

A language is a small module with its negators, a text normaliser and a word -> lemma function; adding a
language is adding a module and a line in `_MODULES`. `other` and `und` texts get the generic resources
(lower-cased words, every language's negators), so they still yield language-independent features.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

SUPPORTED = ("ru", "uk", "fa", "en")
_MODULES = {"ru": "ru", "uk": "uk", "fa": "fa", "en": "en"}


def IDENTITY(text: str) -> str:  # noqa: N802 - a constant: the normaliser of languages without one
    return text


@dataclass(frozen=True)
class Language:
    """What the text stages need to know about one language."""

    code: str
    negators: frozenset[str]  # words that negate the next word: "не удобно" -> "не_удобно"
    lemma: Callable[[str], str]  # lower-cased word form -> lemma (uncached; callers cache)
    normalise: Callable[[str], str] = IDENTITY  # clean text -> normalised text (e.g. Persian letters)
    negated_form: Callable[[str], str | None] = lambda word: None  # "نمیشه" -> "میشه" (negation inside a word)
    post_negators: frozenset[str] = field(default_factory=frozenset)  # negate the previous word: "راضی نیستم"
    inner_negation: bool = False  # whether `negated_form` can fire, so every word must be looked at


@lru_cache(maxsize=None)
def get_language(code: str) -> Language:
    """The resources of a language code; unknown codes, `other` and `und` get the generic ones."""
    if code in _MODULES:
        return importlib.import_module(f"feedback_mining.lang.{_MODULES[code]}").LANGUAGE
    return generic_language()


@lru_cache(maxsize=None)
def generic_language() -> Language:
    negators = frozenset().union(*(get_language(code).negators for code in SUPPORTED))
    return Language("other", negators, lambda word: word)
