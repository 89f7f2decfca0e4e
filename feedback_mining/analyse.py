"""Analyse stage: tokens, lemmas and negation-marked features for each text.

Lemmas are pymorphy3's most probable parse for Russian and Ukrainian, the lower-cased word for English,
and the normalised word for Persian. Analyses are cached per (language, word form), so a week of texts
costs one dictionary look-up per distinct word. Negation is attached to the next word in `features`
("не удобно" -> "не_удобно") for the classifiers; `lemmas` carries no negation marks.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

_WORD = re.compile(r"\w+")
_EN_CONTRACTION = re.compile(r"n[’']t\b", re.IGNORECASE)  # didn't -> did not

NEGATORS = {
    "ru": {"не", "ни"},
    "uk": {"не", "ні"},
    "en": {"not", "never", "cannot"},
    "fa": {"نه"},
}
ALL_NEGATORS = set().union(*NEGATORS.values())

_FA_TABLE = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "\u200c": None,
                           **{chr(0x06F0 + i): str(i) for i in range(10)},
                           **{chr(0x0660 + i): str(i) for i in range(10)}})
_FA_DIACRITICS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alef, tatweel


def normalise_persian(word: str) -> str:
    """`كتاب‌هاي` -> `کتابهای`: Persian yeh/kaf, ASCII digits, no diacritics, no ZWNJ."""
    return _FA_DIACRITICS.sub("", word.translate(_FA_TABLE))


@lru_cache(maxsize=None)
def morph_analyzer(lang: str):
    """The pymorphy3 analyser for `ru` or `uk`, built once per process."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


class Lemmatizer:
    """Word form -> lemma for one language, cached; picklable from its constructor argument."""

    def __init__(self, lang: str):
        self.lang = lang
        self.cache_: dict[str, str] = {}

    def __reduce__(self):
        return (Lemmatizer, (self.lang,))

    def __call__(self, word: str) -> str:
        lemma = self.cache_.get(word)
        if lemma is None:
            lemma = self.cache_[word] = self._lemma(word)
        return lemma

    def _lemma(self, word: str) -> str:
        if self.lang in ("ru", "uk") and not word.isdigit():
            return morph_analyzer(self.lang).parse(word)[0].normal_form.replace("ё", "е")
        if self.lang == "fa":
            return normalise_persian(word)
        return word


_LEMMATIZERS: dict[str, Lemmatizer] = {}


def lemmatizer(lang: str) -> Lemmatizer:
    """The shared, cached lemmatizer for a language (`other` and `und` use the lower-cased word)."""
    key = lang if lang in ("ru", "uk", "fa") else "en"
    if key not in _LEMMATIZERS:
        _LEMMATIZERS[key] = Lemmatizer(key)
    return _LEMMATIZERS[key]


def tokenize(text: str) -> list[str]:
    """Lower-cased words: `Не УДОБНО, didn't work!` -> `['не', 'удобно', 'did', 'not', 'work']`."""
    text = _EN_CONTRACTION.sub(" not", text.lower().replace("ё", "е").replace("\u200c", ""))  # ZWNJ joins a word
    return _WORD.findall(text)


def mark_negation(lemmas: list[str]) -> list[str]:
    """Attach a negator to the next word: `['не', 'удобно']` -> `['не_удобно']`; Persian `نمی...` too."""
    out, pending = [], None
    for lemma in lemmas:
        if lemma in ALL_NEGATORS:
            pending = lemma
            continue
        if lemma.startswith("نمی") and len(lemma) > 4:  # نمیشه -> نه_میشه (verbal negation prefix)
            lemma, pending = lemma[1:], "نه"
        out.append(f"{pending}_{lemma}" if pending else lemma)
        pending = None
    return out


def analyse_text(text: str, lang: str) -> tuple[str, str]:
    """Return (`lemmas`, `features`) of one text, both space-joined."""
    lemmatize = lemmatizer(lang)
    lemmas = [lemmatize(token) for token in tokenize(text)]
    return " ".join(lemmas), " ".join(mark_negation(lemmas))


def analyse(frame: pd.DataFrame, text_col: str = "clean_text") -> pd.DataFrame:
    """Add `lemmas` and `features` from `text_col` and `language`."""
    pairs = [analyse_text(t, lang) for t, lang in zip(frame[text_col], frame["language"])]
    lemmas, features = zip(*pairs) if pairs else ((), ())
    return frame.assign(lemmas=list(lemmas), features=list(features))
