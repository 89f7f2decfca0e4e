"""Language stage: one ISO 639-1 code per text (`ru`, `uk`, `fa`, `en`), `other`, or `und` for no text.

This first detector reads the script and a few telltale letters and words; it is fast and good on the
four supported languages. A language given in the input (`language` column) is kept, not re-detected.
"""

from __future__ import annotations

import re

import pandas as pd

SUPPORTED = ("ru", "uk", "fa", "en")

_ARABIC = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)
_UK_LETTERS = re.compile(r"[іїєґ]", re.IGNORECASE)
_RU_LETTERS = re.compile(r"[ыэъё]", re.IGNORECASE)
_UK_WORDS = re.compile(r"\b(?:що|це|як|вже|дуже|мені|але|або|навіть|та|тому|зараз|ще|щоб|коли|вони)\b", re.IGNORECASE)
_RU_WORDS = re.compile(r"\b(?:что|это|как|уже|очень|мне|но|или|даже|сейчас|еще|чтобы|когда|они)\b", re.IGNORECASE)
# Arabic letters Persian does not use, and Persian letters Arabic does not use
_PERSIAN_LETTERS = re.compile(r"[پچژگی]")
_EN_WORDS = re.compile(r"\b(?:the|and|is|was|to|my|i|it|not|of|for|you|your|with|this|that|have|app|please)\b",
                       re.IGNORECASE)


def detect_language(text: str) -> str:
    """Return the language code of a cleaned text, by its dominant script and marker letters or words."""
    letters = {name: len(rx.findall(text)) for name, rx in
               (("arabic", _ARABIC), ("cyrillic", _CYRILLIC), ("latin", _LATIN))}
    if not any(letters.values()):
        return "und"
    script = max(letters, key=letters.get)
    if script == "arabic":
        return "fa" if _PERSIAN_LETTERS.search(text) or letters["arabic"] < 40 else "other"
    if script == "cyrillic":
        return _ru_or_uk(text)
    return "en" if _EN_WORDS.search(text) else "other"


def _ru_or_uk(text: str) -> str:
    uk = 2 * len(_UK_LETTERS.findall(text)) + len(_UK_WORDS.findall(text))
    ru = 2 * len(_RU_LETTERS.findall(text)) + len(_RU_WORDS.findall(text))
    if uk == ru == 0:
        return "ru"
    return "uk" if uk > ru else "ru"


def detect(frame: pd.DataFrame, text_col: str = "clean_text") -> pd.DataFrame:
    """Add `language`: a given supported code is kept, otherwise detected from `text_col`."""
    detected = frame[text_col].map(detect_language)
    given = frame["language"].fillna("").astype(str).str.strip().str.lower() if "language" in frame else ""
    keep = given.isin(SUPPORTED + ("other",)) & (frame[text_col] != "") if "language" in frame else False
    return frame.assign(language=detected.where(~keep, given) if "language" in frame else detected)
