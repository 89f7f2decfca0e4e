"""Sentiment evidence that means the same in every domain: strong valence words, emoticons, the sentiment terms.

A learned model of our own texts knows feedback vocabulary; on a sentence about anything else it has little to
go on, and what it has (function words, the training mix's class balance) says nothing about sentiment. The
evidence here does not depend on the domain: words whose valence a lexicon states, negated or not, and emoticons.
`SentimentModel` and `EffortModel` lean on it where a text's words are unfamiliar (`models.DomainGate`).

Lexicons (`resources/valence_<lang>.tsv`, lemma -> valence in [-1, 1], strong entries only) are derived data,
rebuilt by `models/training/build_valence.py`: Russian spread from our seed words over navec embeddings, English
from the VADER lexicon (MIT). Ukrainian and Persian have none yet: their evidence is the sentiment terms and
emoticons alone.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import repeat
from importlib import resources

import numpy as np
import pandas as pd

from feedback_mining.lang import SUPPORTED, get_language
from feedback_mining.tokens import Tokens, as_strings

EVIDENCE_COLUMNS = ("valence_positive", "valence_negative", "strong_positive", "strong_negative", "valence_mixed",
                    "valence_compound", "emoticon_positive", "emoticon_negative", "terms_positive", "terms_negative",
                    "terms_pain_points")
NEGATED = -0.5  # a negated word counts for the other side, half as strong ("не плохо" is mildly positive)
STRONG = 0.8  # a strong word: "ужасный", "terrible" (VADER 2.4 of 4 and above)
# ":)", ":-)", ";)", ":D", "))" (Russian chat smiles), "=)" ; ":(", ":'(", "((" ; the sentiment file has emoji
_SMILE = re.compile(r"[:;=]-?\)+|:-?d\b|(?<![:;=(\d])\){2,}")
_FROWN = re.compile(r"[:;=]'?-?\(+|(?<![:;=)\d])\({2,}")
_EMOTICON_STARTS = np.array([ord(c) for c in ":;=()"], dtype=np.uint32)  # the first characters of their matches


LEXICON_LANGUAGES = ("ru", "en")  # the languages with a valence lexicon (resources/valence_<lang>.tsv)


@lru_cache(maxsize=None)
def lexicon(lang: str) -> dict[str, float]:
    """Lemma -> valence of a language, with negated forms (`не_плохой` -> +0.5); empty for a language without a
    lexicon (`LEXICON_LANGUAGES`). A missing file of one that has one is an error, not a silently weaker model."""
    if lang not in LEXICON_LANGUAGES:
        return {}
    try:
        text = resources.files("feedback_mining").joinpath(f"resources/valence_{lang}.tsv").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuntimeError(f"feedback_mining/resources/valence_{lang}.tsv is missing from the installation: "
                           "reinstall the package (pip install .)") from None
    words = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            lemma, value = line.split("\t")
            words[lemma] = float(value)
    negated = {f"{n}_{lemma}": NEGATED * v for lemma, v in words.items() for n in get_language(lang).negators}
    return {**negated, **words}


def valence_stats(features: list[str], lang: str) -> np.ndarray:
    """(texts, 6): log1p of positive and negative valence sums and of strong-word counts, their product, and a
    VADER-style compound `s / sqrt(s^2 + 15)` of `s = 3 * sum`, from negation-marked lemmas (`features`)."""
    out = np.zeros((len(features), 6), dtype=np.float32)
    words = lexicon(lang)
    if not words or not len(features):
        return out
    values, starts = batch_lookup(features, words, 0.0, 0.0)
    for j, part in enumerate((np.maximum(values, 0), np.maximum(-values, 0), values >= STRONG, values <= -STRONG)):
        out[:, j] = np.add.reduceat(part.astype(np.float64), starts)
    out[np.diff(np.r_[starts, len(values) - 1]) == 0] = 0.0  # empty texts (reduceat gave them a neighbour's value)
    total = 3.0 * (out[:, 0] - out[:, 1])
    out[:, 5] = total / np.sqrt(total * total + 15.0)
    out[:, :4] = np.log1p(out[:, :4])
    out[:, 4] = out[:, 0] * out[:, 1]
    return out


def batch_lookup(texts, table: dict, default, pad) -> tuple[np.ndarray, np.ndarray]:
    """`table.get(token, default)` for every token of every space-joined text, in one C-level pass over the
    batch, then `pad` (a value that adds nothing); and where each text's tokens start, for `np.add.reduceat` (an
    empty text's segment is the next text's first value or the pad: callers mask empty texts). `texts` may be
    a `tokens.Tokens` (the batch already split): then each distinct token is looked up once."""
    if isinstance(texts, Tokens):
        return np.append(texts.lookup(table, default, float), pad), texts.starts[:-1]
    texts = [t if isinstance(t, str) else str(t) for t in texts]
    lengths = np.fromiter(map(len, map(str.split, texts)), dtype=np.int64, count=len(texts))
    tokens = " ".join(texts).split()
    values = np.fromiter(map(table.get, tokens, repeat(default)), dtype=float, count=len(tokens))
    return np.append(values, pad), np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64) if len(texts) else \
        np.zeros(0, np.int64)


def evidence(frame: pd.DataFrame, tokens: Tokens | None = None) -> np.ndarray:
    """The evidence features (`EVIDENCE_COLUMNS`) of a text frame with `features`, `clean_text`, `language` and
    the term counts `hits_positive`, `hits_negative` and `hits_<pain point>` (absent: 0). A described pain point
    ("waited 40 minutes") is a complaint in any domain, which is why its count is evidence too. `tokens`: the
    `features` already split (`tokens.Tokens`), if the caller has them."""
    language = np.array(as_strings(frame["language"].fillna("other")), dtype=object) if "language" in frame \
        else np.full(len(frame), "other", dtype=object)
    out = np.zeros((len(frame), len(EVIDENCE_COLUMNS)), dtype=np.float32)
    if tokens is None:
        features = np.array(as_strings(frame["features"]), dtype=object)
    for lang in set(language) & set(SUPPORTED):
        rows = np.flatnonzero(language == lang)
        out[rows, :6] = valence_stats(features[rows].tolist() if tokens is None else tokens.take(rows), lang)
    smiles, frowns = emoticon_counts(as_strings(frame["clean_text"]))
    for j, counts in ((6, smiles), (7, frowns)):
        for row in np.flatnonzero(counts).tolist():
            out[row, j] = np.log1p(int(counts[row]))
    for j, column in ((8, "hits_positive"), (9, "hits_negative")):
        if column in frame:
            out[:, j] = np.log1p(_count(frame[column]))
    pains = [c for c in frame.columns if c.startswith("hits_") and c not in ("hits_positive", "hits_negative")]
    out[:, 10] = np.log1p(sum((_count(frame[c]) for c in pains), np.zeros(len(frame))))
    return out


def emoticon_counts(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """How many `_SMILE` and `_FROWN` matches (`findall` on the lower-cased text) each text with a parenthesis
    has (others: none), in one pass over the batch: the texts joined by line breaks, which no emoticon holds or
    looks behind for, and a match tried only where one of `_EMOTICON_STARTS` is."""
    lowered = [text.lower() for text in texts]
    joined = "\n".join(lowered)
    ends = np.cumsum(np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered)) + 1)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    parens = np.zeros(len(texts), dtype=bool)
    parens[np.searchsorted(ends, np.flatnonzero((points == ord("(")) | (points == ord(")"))), side="right")] = True
    tried = np.flatnonzero(np.isin(points, _EMOTICON_STARTS))
    tried = tried[parens[np.searchsorted(ends, tried, side="right")]].tolist()
    texts_of = (np.searchsorted(ends, _match_starts(pattern, joined, tried), side="right") for pattern in (_SMILE, _FROWN))
    return tuple(np.bincount(found.astype(np.int64), minlength=len(texts)) for found in texts_of)


def _match_starts(pattern: re.Pattern, text: str, tried: list[int]) -> list[int]:
    """Where `pattern.finditer(text)` matches start, given every position where one may (in order)."""
    found, end, match = [], 0, pattern.match
    for at in tried:
        if at >= end and (m := match(text, at)):  # findall's matches do not overlap
            found.append(at)
            end = m.end()
    return found


def _count(column: pd.Series) -> np.ndarray:
    return np.clip(pd.to_numeric(column, errors="coerce").fillna(0).to_numpy(dtype=float), 0, None)

