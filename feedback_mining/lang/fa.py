"""Persian: letter and digit normalisation, ZWNJ spacing, a light suffix stemmer and verbal negation.

The rules are few and conservative: a suffix is stripped only where a ZWNJ marks it off (`کتاب‌ها`), so a
word that merely ends in the same letters (`تنها`, "alone") is left alone.
"""

import re

from feedback_mining.lang import Language

_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ۀ": "ه", "ة": "ه", "ؤ": "و", "إ": "ا", "أ": "ا",
                          **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
                          **{chr(0x0660 + i): str(i) for i in range(10)}})  # Arabic-Indic digits
_ARABIC_FORMS = re.compile("[" + "".join(map(chr, _LETTERS)) + "]")  # str.translate is slow: use it only if needed
_DIACRITICS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alef, tatweel
_ZWNJ = "\u200c"
_PREFIX_SPACE = re.compile(r"(?<![^\s\u200c])(ن?می)\s+(?=[\u0600-\u06ff])")  # می خواهم -> می‌خواهم
_SUFFIX_SPACE = re.compile(r"(?<=[\u0600-\u06ff])\s+(ها|های|هایی|هایم|هایت|هایش|ترین|تر)(?![\u0600-\u06ff])")
_ZWNJ_REPEATS = re.compile("\u200c{2,}")
_ZWNJ_LOOSE = re.compile(r"\u200c(?=\s|$)|(?<=\s)\u200c|^\u200c")
SUFFIXES = ("هایشان", "هایتان", "هایمان", "هایی", "هایم", "هایت", "هایش", "های", "ها", "ترین", "تر")
# verb stems that take the negative prefix ن: نکرد، نشد، نداد، نرسید، نیومد... (short, ambiguous ones left out)
_NEGATED_STEMS = ("کرد", "شد", "داد", "داش", "دار", "رسید", "اومد", "آمد", "یومد", "گرفت", "خواست", "تونست",
                  "توان", "بود", "گذاشت", "فرستاد", "دید", "گفت", "کن", "ده", "ذار", "زنگ", "جواب")


def normalise(text: str) -> str:
    """`كتاب ها` -> `کتاب‌ها`, `مي خواهم` -> `می‌خواهم`, `۰۹۱۲` -> `0912`, diacritics dropped."""
    text = _DIACRITICS.sub("", text.translate(_LETTERS) if _ARABIC_FORMS.search(text) else text)
    if "می" in text:
        text = _PREFIX_SPACE.sub(r"\1" + _ZWNJ, text)
    if "ها" in text or "تر" in text:
        text = _SUFFIX_SPACE.sub(_ZWNJ + r"\1", text)
    return _ZWNJ_LOOSE.sub("", _ZWNJ_REPEATS.sub(_ZWNJ, text)) if _ZWNJ in text else text


def lemma(word: str) -> str:
    """`کتاب‌های` -> `کتاب`, `می‌خواهم` -> `میخواهم`: ZWNJ-marked plural/superlative suffixes off, ZWNJ out."""
    word = normalise(word)
    if _ZWNJ in word:
        head, _, tail = word.rpartition(_ZWNJ)
        if tail in SUFFIXES and len(head.replace(_ZWNJ, "")) >= 2:
            word = head
    return word.replace(_ZWNJ, "")


def negated_form(word: str) -> str | None:
    """`نمیشه` -> `میشه`, `نرسید` -> `رسید`, `نکردم` -> `کردم`; None when the word is not a negated verb."""
    if word.startswith("نمی") and len(word) > 4:
        return word[1:]
    if word.startswith("ن") and len(word) >= 3 and word[1:].startswith(_NEGATED_STEMS):
        return word[1:]
    return None


LANGUAGE = Language("fa", frozenset({"نه"}), lemma, normalise, negated_form,
                    post_negators=frozenset({"نیست", "نیستم", "نیستیم", "نیستند", "نیستن", "نبود", "نبودم"}),
                    inner_negation=True)
