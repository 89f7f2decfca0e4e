"""Analyse stage: tokens, lemmas and negation-marked features for each text.

Lemmas come from each language's resources (`feedback_mining.lang`): pymorphy3's most probable parse for
Russian and Ukrainian, spaCy's lookup table for English, normalised and lightly stemmed words for Persian.
Analyses are cached per (language, word form), so a week of texts costs one dictionary look-up per
distinct word. Negation is attached to the next word in `features` ("не удобно" -> "не_удобно") for the
classifiers; `lemmas` carries no negation marks. A chunk is analysed one language at a time, its texts joined
into one string (`analyse_batch`), so the per-text Python is a split at the end; for the languages whose words
are `\\w` runs the words are split and looked up in Arrow instead (`_lemmas_in_arrow`). `analyse_text` is the
text-by-text reference the batch paths are tested against.

Tokens are runs of word characters (with the apostrophe inside Ukrainian words and the ZWNJ inside
Persian ones): for the words the classifiers use this agrees with spaCy's blank tokenizers and is an
order of magnitude faster (see `benchmarks/text_throughput.py`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from feedback_mining.gc_pause import without_gc
from feedback_mining.lang import Language, get_language
from feedback_mining.tokens import ArrowKeys
from feedback_mining.word_caches import trim

_WORD = re.compile(r"\w+")
_TOKEN_PATTERNS = {"uk": re.compile(r"\w+(?:'\w+)*"), "fa": re.compile(r"\w+(?:\u200c\w+)*")}
_APOSTROPHES = ("’", "ʼ", "`")  # Ukrainian apostrophe look-alikes, made "'" (str.replace beats str.translate)
_EN_CONTRACTION = re.compile(r"n['’]t\b")  # didn't -> did not, can't -> ca not (the lemma table has "ca")


def tokenize(text: str, lang: str = "other", keep: str = "") -> list[str]:
    """Lower-cased words: `Не УДОБНО, didn't work!` -> `['не', 'удобно', 'did', 'not', 'work']`; `keep`, a
    character, is a token too (the batch separator)."""
    text = text.lower().replace("ё", "е")
    if "n't" in text or "n’t" in text:
        text = _EN_CONTRACTION.sub(" not", text)
    if lang == "uk":
        for apostrophe in _APOSTROPHES:
            text = text.replace(apostrophe, "'")
    pattern = _TOKEN_PATTERNS.get(lang, _WORD)
    return (_with_separator(pattern, keep) if keep else pattern).findall(text)


@lru_cache(maxsize=None)
def _with_separator(pattern: re.Pattern, keep: str) -> re.Pattern:
    return re.compile(f"{pattern.pattern}|{re.escape(keep)}")


class Lemmatizer:
    """Word form -> lemma for one language, cached; picklable from its constructor argument. The cache is
    mirrored in two Arrow arrays (forms, lemmas) so that `joined` looks a batch's tokens up in C++."""

    def __init__(self, lang: str):
        self.lang = lang
        self.language: Language = get_language(lang)
        self.cache_: dict[str, str] = {}
        self._forms = self._lemmas = None  # the mirror: cache_'s keys and values in order, None when stale

    def __reduce__(self):
        return (Lemmatizer, (self.lang,))

    def __call__(self, word: str) -> str:
        lemma = self.cache_.get(word)
        if lemma is None:
            lemma = self.cache_[word] = self.language.lemma(word)
            self._forms = None
        return lemma

    def lemmas(self, words: list[str]) -> list[str]:
        dropped = trim(self.cache_)  # before the look-ups, which then find every word
        new = set(words).difference(self.cache_)  # one pass in C, then one look-up a token
        if new:
            lemma = self.language.lemma
            self.cache_.update({word: lemma(word) for word in new})
        if dropped or new:
            self._forms = None
        return list(map(self.cache_.__getitem__, words))

    def joined(self, words: list[str]) -> str:
        """`" ".join(self.lemmas(words))`, the tokens looked up in Arrow (a dictionary look-up a token in Python
        costs more than lemmatising a batch's new forms once the cache is warm)."""
        try:
            tokens = pa.array(words, pa.large_string())
        except (pa.ArrowException, UnicodeError):  # a lone surrogate: Arrow holds UTF-8 only
            return " ".join(self.lemmas(words))
        whole = pa.LargeListArray.from_arrays(pa.array([0, len(tokens)], pa.int64()), self.lemmas_of(tokens))
        return pc.binary_join(whole, _SPACE)[0].as_py()

    def lemmas_of(self, tokens: pa.Array) -> pa.Array:
        """The lemma of each token of an Arrow string array, as one (found with `index_in` against the cache's
        mirror; new forms lemmatised once and added to both)."""
        if trim(self.cache_):
            self._forms = None
        forms, lemmas = self._mirror()
        at = forms.positions(tokens)
        if (at < 0).any():
            new = pc.unique(tokens.filter(pa.array(at < 0))).to_pylist()
            lemma = self.language.lemma
            found = [lemma(word) for word in new]
            self.cache_.update(zip(new, found))
            forms.add(new)
            lemmas.add(found)
            at = forms.positions(tokens)
        return lemmas.array.take(pa.array(at))

    def _mirror(self) -> tuple[ArrowKeys, ArrowKeys]:
        """`cache_`'s forms and lemmas in order in Arrow, made again after any change made elsewhere."""
        if self._forms is None:
            for word in [word for word in self.cache_ if not _utf8(word)]:  # a lone surrogate the list path
                del self.cache_[word]                                       # cached: not kept, Arrow has no room
            self._forms, self._lemmas = ArrowKeys(self.cache_), ArrowKeys(self.cache_.values())
        return self._forms, self._lemmas


def _utf8(word: str) -> bool:
    try:
        word.encode()
    except UnicodeEncodeError:
        return False
    return True


_SPACE = pa.scalar(" ", pa.large_string())
_LEMMATIZERS: dict[str, Lemmatizer] = {}


def lemmatizer(lang: str) -> Lemmatizer:
    """The shared, cached lemmatizer of a language code (`other`/`und` share the generic one)."""
    key = lang if get_language(lang).code == lang else "other"
    if key not in _LEMMATIZERS:
        _LEMMATIZERS[key] = Lemmatizer(key)
    return _LEMMATIZERS[key]


def mark_negation(lemmas: list[str], lang: str = "other") -> list[str]:
    """Attach negation to the negated word: `['не', 'удобно']` -> `['не_удобно']`; Persian `نمیشه` ->
    `نه_میشه` (negation inside the verb) and `راضی نیستم` -> `نه_راضی` (negation after the word)."""
    language = get_language(lang)
    if not language.inner_negation and language.negators.isdisjoint(lemmas) and language.post_negators.isdisjoint(lemmas):
        return list(lemmas)  # nothing to mark: the common case
    out, pending = [], None
    for lemma in lemmas:
        if lemma in language.negators:
            pending = lemma
            continue
        if lemma in language.post_negators and out and "_" not in out[-1]:
            out[-1] = "نه_" + out[-1]
            continue
        inner = language.negated_form(lemma)
        if inner is not None:
            lemma, pending = inner, "نه"
        out.append(f"{pending}_{lemma}" if pending else lemma)
        pending = None
    return out


def analyse_text(text: str, lang: str) -> tuple[str, str]:
    """Return (`lemmas`, `features`) of one text, both space-joined."""
    lemmas = lemmatizer(lang).lemmas(tokenize(text, lang))
    return " ".join(lemmas), " ".join(mark_negation(lemmas, lang))


_SEP = "\x01"  # joins a batch's texts into one string; cleaning removes control characters like it


@lru_cache(maxsize=None)
def _negation_pattern(lang: str) -> re.Pattern:
    """`mark_negation` as one substitution over " " + space-joined lemmas: a run of negators attaches its last
    one to the next word, and is dropped before a text boundary or the end (for languages without inner
    negation). The leading space makes the regex engine jump from space to space."""
    negators = "|".join(map(re.escape, sorted(get_language(lang).negators, key=len, reverse=True)))
    return re.compile(rf" (?:(?:{negators}) )*({negators})(?: ([^ {_SEP}]+)|( )(?={_SEP})|$)")


def _attach(match: re.Match) -> str:
    return f" {match[1]}_{match[2]}" if match[2] is not None else match[3] or ""


def analyse_batch(texts: list[str], lang: str) -> tuple[list[str], list[str]]:
    """`analyse_text` on many texts of one language at once, with the same result: the texts are joined, so
    tokenising, the lemma cache and negation each make one pass over the batch instead of one per text."""
    if not texts:
        return [], []
    lemma_list = _lemmas_in_arrow(texts, lang)
    if lemma_list is not None:
        lemma_text = f" {_SEP} ".join(lemma_list)
    else:
        joined = f" {_SEP} ".join(texts)
        if joined.count(_SEP) != len(texts) - 1:  # a text held the separator itself
            joined = f" {_SEP} ".join(text.replace(_SEP, " ") for text in texts)
        lemma_text = lemmatizer(lang).joined(tokenize(joined, lang, keep=_SEP))
        lemma_list = [part.strip() for part in lemma_text.split(_SEP)]
    if get_language(lang).inner_negation:  # Persian: negation inside and after words, text by text
        features = [" ".join(mark_negation(part.split(), lang)) if " ن" in f" {part}" else part
                    for part in lemma_list]  # only words starting with ن negate or are negated
    else:
        marked = _negation_pattern(lang).sub(_attach, " " + lemma_text)[1:]
        features = [part.strip() for part in marked.split(_SEP)]
    # a text with no negation has its lemmas as features: the same string, held (and pickled) once
    return lemma_list, [lemmas if found == lemmas else found for found, lemmas in zip(features, lemma_list)]


def _lemmas_in_arrow(texts: list[str], lang: str) -> list[str] | None:
    """Each text's space-joined lemmas, the words split and looked up in Arrow, for the languages whose words
    are `\\w+` runs: the texts lower-cased by Python, every character Python's `\\w` does not match made a space
    (`_word_bytes`), then split at spaces. None when `tokenize` must answer: other word patterns, `n't`
    (rewritten there), a lone surrogate."""
    if _TOKEN_PATTERNS.get(lang, _WORD) is not _WORD:
        return None
    lowered = [text.lower() for text in texts]
    if any("n't" in text or "n’t" in text for text in lowered):
        return None
    try:
        array = _word_bytes(lowered)
    except UnicodeEncodeError:
        return None
    lists = pc.ascii_split_whitespace(array)
    words = lists.flatten()
    kept = pc.not_equal(words, "").to_numpy(zero_copy_only=False)  # a text's ends split off empty words
    offsets = np.r_[0, np.cumsum(kept)][lists.offsets.to_numpy()]
    lemmas = lemmatizer(lang).lemmas_of(words.filter(pa.array(kept)))
    return pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), lemmas), _SPACE).to_pylist()


def _word_bytes(texts: list[str]) -> pa.Array:
    """The texts in Arrow with `ё` made `е` and each character that is no word character (`_is_word`) made
    a space, so that runs of spaces split them into the words `\\w+` finds. In numpy, a character a step:
    twice as fast as splitting with an RE2 pattern of the non-word characters."""
    joined = "".join(texts).replace("ё", "е")
    points = np.frombuffer(joined.encode("utf-32-le"), np.uint32)  # a lone surrogate raises UnicodeEncodeError
    width = 1 + (points >= 0x80).view(np.uint8) + (points >= 0x800) + (points >= 0x10000)  # its UTF-8 bytes
    data = np.frombuffer(joined.encode("utf-8"), np.uint8)
    spaced = np.where(np.repeat(_is_word()[points], width), data, np.uint8(32))
    characters = np.r_[0, np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)))]  # where each text ends
    ends = np.r_[0, np.cumsum(width, dtype=np.int64)][characters]  # the same, in bytes
    return pa.LargeStringArray.from_buffers(len(texts), pa.py_buffer(ends), pa.py_buffer(spaced))


@lru_cache(maxsize=1)
def _is_word() -> np.ndarray:
    """Whether Python's `\\w` matches each code point (a table of 0x110000), from `re` run over every code point
    (RE2's `\\w` is ASCII, its `\\pL` another Unicode version's)."""
    points = np.arange(0x110000, dtype=np.uint32)
    points = points[(points < 0xD800) | (points > 0xDFFF)]
    table = np.zeros(0x110000, dtype=bool)
    for match in _WORD.finditer(points.tobytes().decode("utf-32-le")):
        table[points[match.start()]:points[match.end() - 1] + 1] = True
    return table


@without_gc
def analyse(frame: pd.DataFrame, text_col: str = "clean_text") -> pd.DataFrame:
    """Add `lemmas` and `features` from `text_col` and `language`, one batch per language."""
    texts = frame[text_col].astype(object).to_numpy()
    lemmas, features = np.full(len(frame), "", dtype=object), np.full(len(frame), "", dtype=object)
    for lang, rows in frame.groupby(frame["language"].astype(object), sort=False).indices.items():
        lemmas[rows], features[rows] = analyse_batch(texts[rows].tolist(), lang)
    return frame.assign(lemmas=pd.Series(lemmas, index=frame.index, dtype=object),  # object: no Arrow round trip
                        features=pd.Series(features, index=frame.index, dtype=object))
