"""The learned models: scikit-learn estimators over the frames the text stages produce.

`X` is a DataFrame with `clean_text`, `features` (negation-marked lemmas), `language` and the lexicon columns
`hits_<id>` (taxonomy term hits per pain point) and `hits_positive`/`hits_negative` (sentiment terms) that
`classify.lexicon_hits` adds. `TextFeatures` turns it into one sparse matrix: character n-grams of the clean
text (char_wb 2-5: robust to typos and morphology, and the only features a language without training data
still shares with the rest), word lemmas and bigrams with negation marks ("не_удобно", "не_прийтись ждать"),
and the lexicon counts, so editing the taxonomy file moves the predictions. Three models wrap it:
`SentimentModel` (calibrated probabilities), `PainPointModel` (one probability per pain point) and
`EffortModel` (a number in [0, 1]). Each is a single estimator: `fit(X, y)`, `predict`, `predict_proba`,
cloneable and grid-searchable (`features__char_min_df`, `estimator__C`).

What a text's words say is only as good as the model's acquaintance with them. `DomainGate` measures it (the
share of a text's content words the model learned from) and `SentimentModel` and `EffortModel` blend their
word-based part with one that does not depend on the domain: the sentiment evidence of `feedback_mining.learning.valence`
(strong valence words, emoticons, sentiment terms), and for effort the predicted sentiment and pain points. On
feedback like the training texts the word-based part decides; on a sentence about anything else the evidence
does, so a text without evidence is neutral and costs little effort, whatever the training mix's balance.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from feedback_mining.learning.valence import batch_lookup, evidence
from feedback_mining.tokens import ArrowKeys, Tokens, as_strings
from feedback_mining.word_caches import over_limit

SENTIMENT_LABELS = ("negative", "neutral", "positive")
PAIN_POINT_IDS = ("waiting", "repeat_contact", "transfer", "channel_switch", "repeat_info", "process_complexity",
                  "information", "technical", "unresolved", "staff", "delivery", "billing")
SENTIMENT_HITS = ("hits_positive", "hits_negative")
LOW_CONFIDENCE = 0.5  # a sentiment below this confidence is flagged (`sentiment_low_confidence`)


def char_wb_ngrams(word: str, low: int, high: int) -> list[str]:
    """scikit-learn's `char_wb` n-grams of one word: `ok` -> `[' o', 'ok', 'k ', ' ok', 'ok ', ' ok ']` (2-4)."""
    padded = f" {word} "
    size = len(padded)
    if size < low:  # a short word counts once, whatever n
        return [padded]
    return [padded[i:i + n] for n in range(low, min(high, size) + 1) for i in range(size - n + 1)]


def word_ngrams(features: str) -> list[str]:
    """Unigrams and bigrams of a space-joined token string: `a b c` -> `[a, b, c, 'a b', 'b c']`."""
    tokens = features.split()
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def _tfidf(rows: list[list[int]], indptr: list[int], n_columns: int, idf: np.ndarray):
    """Sublinear tf * idf, rows l2-normalised, from the column indices of each row (repeats are counts)."""
    indices = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32, count=indptr[-1])
    matrix = sparse.csr_matrix((np.ones(len(indices), np.float32), indices, np.asarray(indptr, np.int64)),
                               shape=(len(indptr) - 1, n_columns))
    matrix.sum_duplicates()
    return _weigh(matrix, idf)


def _weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Counts to sublinear tf * idf, rows l2-normalised (scikit-learn's `TfidfVectorizer(sublinear_tf=True)`)."""
    data, indices = counts.data, counts.indices  # in place, a piece at a time: a batch's character block is large
    for start in range(0, len(data), _PIECE):
        piece = data[start:start + _PIECE]
        np.log(piece, out=piece)
        piece += 1.0
        piece *= idf[indices[start:start + _PIECE]]
    return normalize(counts, copy=False)


_PIECE = 1 << 18


def _scaled(block: sparse.csr_matrix, weight: float) -> sparse.csr_matrix:
    """`block * weight`, without a copy of a large block when the weight is 1."""
    return block if weight == 1 else block * weight


def pack_terms(terms):
    """A `{term: column}` vocabulary as its terms in column order, a set as its sorted terms: one NumPy string
    array, which skops saves as one block instead of one JSON node per term (a 150,000-term vocabulary loads in
    a fraction of a second, not in seconds). Unchanged when the array would not keep every term exactly (NumPy
    drops trailing NULs)."""
    ordered = sorted(terms, key=terms.__getitem__) if isinstance(terms, dict) else sorted(terms)
    if isinstance(terms, dict) and [terms[t] for t in ordered] != list(range(len(ordered))):
        return terms
    packed = np.array(ordered, dtype=str)
    return packed if packed.tolist() == ordered else terms


def unpack_vocabulary(terms) -> dict:
    """`pack_terms`'s array back to `{term: column}` (a dict passes through: older files)."""
    return terms if isinstance(terms, dict) else {t: i for i, t in enumerate(terms.tolist())}


def unpack_set(terms) -> frozenset:
    """`pack_terms`'s array back to a frozenset (a set passes through: older files)."""
    return frozenset(terms.tolist()) if isinstance(terms, np.ndarray) else terms


_VOCABULARIES = ("char_vocabulary_", "word_vocabulary_")
_CACHES = ("char_grams_", "bigrams_", "word_names_", "word_grams_")  # built on first use; `classify` adds word names
_WORD_SETS = ("vocabulary_", "stop_words_")


class TextFeatures(TransformerMixin, BaseEstimator):
    """Character n-grams, negation-marked word n-grams and lexicon counts of a text frame, as one sparse matrix.

    Fitting learns the vocabularies and idf weights with scikit-learn's `TfidfVectorizer` (sublinear tf, l2
    rows); `transform` gives the same numbers (tested) but caches each word's character n-gram columns, so a
    chunk costs a dictionary look-up per word and a few vectorised sparse operations.

    Parameters
    ----------
    char_ngram_range, char_min_df, char_max_features : character n-grams (`char_wb`) of the lower-cased text.
    word_min_df, word_max_features : unigrams and bigrams of the `features` column.
    char_weight, word_weight, lexicon_weight : block weights (each text block is l2-normalised first).

    Examples
    --------
    >>> X = pd.DataFrame({"clean_text": ["долго ждал", "all good"], "features": ["долго ждать", "all good"],
    ...                   "hits_waiting": [2, 0]})
    >>> TextFeatures(char_min_df=1, word_min_df=1).fit_transform(X).shape[0]
    2
    """

    def __init__(self, char_ngram_range=(2, 5), char_min_df=2, char_max_features=150_000, word_min_df=2,
                 word_max_features=50_000, char_weight=1.0, word_weight=1.0, lexicon_weight=0.5):
        self.char_ngram_range = char_ngram_range
        self.char_min_df = char_min_df
        self.char_max_features = char_max_features
        self.word_min_df = word_min_df
        self.word_max_features = word_max_features
        self.char_weight = char_weight
        self.word_weight = word_weight
        self.lexicon_weight = lexicon_weight

    def fit(self, X: pd.DataFrame, y=None):
        for table in _CACHES:  # built from the vocabularies fitted before
            self.__dict__.pop(table, None)
        low, high = self.char_ngram_range
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(low, high), min_df=self.char_min_df,
                                max_features=self.char_max_features, sublinear_tf=True, dtype=np.float32)
        chars.fit(_texts(X))
        words = TfidfVectorizer(analyzer=word_ngrams, min_df=self.word_min_df, max_features=self.word_max_features,
                                sublinear_tf=True, dtype=np.float32)
        words.fit(X["features"].fillna("").astype(str))
        self.char_vocabulary_ = {g: int(i) for g, i in chars.vocabulary_.items()}
        self.char_idf_ = chars.idf_.astype(np.float32)
        self.word_vocabulary_ = {g: int(i) for g, i in words.vocabulary_.items()}
        self.word_idf_ = words.idf_.astype(np.float32)
        self.lexicon_columns_ = [c for c in X.columns if c.startswith("hits_")]
        self.fingerprint_ = hashlib.sha256(repr((sorted(self.char_vocabulary_.items()), self.char_idf_.tobytes(),
                                                 sorted(self.word_vocabulary_.items()), self.lexicon_columns_,
                                                 self.get_params())).encode()).hexdigest()[:16]
        self.n_features_out_ = len(self.char_vocabulary_) + len(self.word_vocabulary_) + len(self.lexicon_columns_)
        return self

    def __getstate__(self):  # caches are rebuilt, not saved; vocabularies as arrays (fast in skops)
        state = {k: v for k, v in super().__getstate__().items() if k not in _CACHES}
        return {**state, **{k: pack_terms(state[k]) for k in _VOCABULARIES if k in state}}

    def __setstate__(self, state):
        super().__setstate__({**state, **{k: unpack_vocabulary(state[k]) for k in _VOCABULARIES if k in state}})

    def transform(self, X: pd.DataFrame, tokens: Tokens | None = None) -> sparse.csr_matrix:
        """The feature matrix of `X`; `tokens` is `X["features"]` already split (`Tokens`), if the caller has it."""
        return stack_blocks(self.transform_blocks(X, tokens))

    def transform_blocks(self, X: pd.DataFrame, tokens: Tokens | None = None) -> list[sparse.csr_matrix]:
        """The three weighted blocks of `transform` (characters, words, lexicon), before `stack_blocks` joins them."""
        check_is_fitted(self, "char_vocabulary_")
        return [_scaled(self._chars(X["clean_text"].fillna("").astype(str)), self.char_weight),
                _scaled(self._words(X["features"], tokens), self.word_weight),
                sparse.csr_matrix(self.lexicon(X) * self.lexicon_weight)]

    def lexicon(self, X: pd.DataFrame) -> np.ndarray:
        """log(1 + hits) per lexicon column seen in fit (0 where the frame lacks it), shape (n, columns)."""
        out = np.zeros((len(X), len(self.lexicon_columns_)), dtype=np.float32)
        for j, column in enumerate(self.lexicon_columns_):
            if column in X.columns:
                out[:, j] = np.log1p(np.clip(pd.to_numeric(X[column], errors="coerce").fillna(0).to_numpy(), 0, None))
        return out

    def _chars(self, texts: pd.Series) -> sparse.csr_matrix:
        """Character n-gram tf-idf rows: each distinct word normalised (`_normalise`) and cut into n-grams once
        (`WordGrams` keeps them for later batches), and the texts' counts as one sparse product
        (texts x words) @ (words x n-grams)."""
        split = Tokens(texts)
        kept, dtype = self.__dict__.setdefault("word_grams_", {}), str(texts.dtype)  # pandas lower-cases by dtype
        known = kept.get(dtype) or kept.setdefault(dtype, WordGrams(len(self.char_vocabulary_)))
        words = split.__dict__.get("arrow_forms", split.forms)
        by_word = known.rows(words, lambda new: self.char_columns(_normalise_words(new, texts.dtype)))
        by_text = sparse.csr_matrix((np.ones(len(split.codes), np.float32), split.codes, split.starts),
                                    shape=(len(texts), split.n_forms))
        return _weigh((by_text @ by_word).tocsr(), self.char_idf_)

    def char_columns(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The vocabulary columns of each word's `char_wb` n-grams, in `char_wb_ngrams` order (n-grams not in
        the vocabulary left out), concatenated, and how many each word has."""
        grams = self.__dict__.get("char_grams_")
        if grams is None:
            grams = self.__dict__["char_grams_"] = CharGrams(self.char_vocabulary_, *self.char_ngram_range)
        return grams.columns(words)

    def _words(self, features: pd.Series, tokens: Tokens | None = None) -> sparse.csr_matrix:
        """Word unigram and bigram tf-idf rows, looked up once per distinct lemma and per known pair."""
        bigrams = self.__dict__.get("bigrams_")
        if bigrams is None:
            bigrams = self.__dict__["bigrams_"] = _bigram_index(self.word_vocabulary_)
        if not bigrams[0]:
            return self._words_each(as_strings(features))
        tokens = Tokens(as_strings(features)) if tokens is None else tokens
        n, size = len(tokens), len(self.word_vocabulary_)
        unigram, rows = tokens.lookup(self.word_vocabulary_, -1, np.int64), tokens.rows()
        known = unigram >= 0
        first = np.flatnonzero(known[:-1] & known[1:] & (rows[:-1] == rows[1:]))  # two known words of one text
        pair = unigram[first] * size + unigram[first + 1]
        _, keys, columns = bigrams
        at = np.minimum(np.searchsorted(keys, pair), max(len(keys) - 1, 0))
        found = keys[at] == pair if len(keys) else np.zeros(len(pair), dtype=bool)
        entries = (np.r_[rows[known], rows[first[found]]], np.r_[unigram[known], columns[at[found]]])  # (row, column)
        counts = sparse.csr_matrix((np.ones(len(entries[0]), np.float32), entries), shape=(n, size))
        counts.sum_duplicates()
        return _weigh(counts, self.word_idf_)

    def _words_each(self, features) -> sparse.csr_matrix:
        """`_words` text by text: the reference, and the way for a vocabulary that holds a bigram without both
        its words (a `word_max_features` that cut)."""
        get, rows, indptr = self.word_vocabulary_.get, [], [0]
        for text in features:
            row = [c for c in map(get, word_ngrams(text)) if c is not None]
            rows.append(row)
            indptr.append(indptr[-1] + len(row))
        return _tfidf(rows, indptr, len(self.word_vocabulary_), self.word_idf_)

    def feature_names(self) -> np.ndarray:
        """Column names: `c:<n-gram>`, `w:<lemma or bigram>`, then the lexicon columns."""
        names = np.empty(self.n_features_out_, dtype=object)
        for gram, i in self.char_vocabulary_.items():
            names[i] = f"c:{gram}"
        offset = len(self.char_vocabulary_)
        for gram, i in self.word_vocabulary_.items():
            names[offset + i] = f"w:{gram}"
        names[offset + len(self.word_vocabulary_):] = self.lexicon_columns_
        return names


def _texts(X: pd.DataFrame):
    """Lower-cased clean text with @mentions as `@user` and digits as `0`: "@FlyNorthAir 52 min" -> "@user 00 min",
    so neither a brand handle nor a number becomes a feature."""
    return _normalise(X["clean_text"].fillna("").astype(str))


def _normalise(text: pd.Series) -> pd.Series:
    """`_texts` of a string column. It changes no space and works within a word, so the words of a normalised
    text are its words normalised one by one."""
    return text.str.lower().str.replace(_MENTION, "@user", regex=True).str.replace(_DIGIT, "0", regex=True)


def _normalise_words(words: list[str], dtype) -> list[str]:
    """`_normalise` of words (no whitespace in them) of a column of `dtype`: lower-cased as pandas does for that
    dtype, then the two substitutions in one pass over the words joined by line breaks (no match holds one)."""
    joined = "\n".join(pd.Series(words, dtype=dtype).str.lower().tolist())
    return re.sub(_DIGIT, "0", re.sub(_MENTION, "@user", joined)).split("\n") if words else []


def stack_blocks(blocks: list[sparse.csr_matrix]) -> sparse.csr_matrix:
    """`TextFeatures.transform_blocks` side by side: the feature matrix."""
    return sparse.hstack(blocks, format="csr", dtype=np.float32)


def _bigram_index(vocabulary: dict[str, int]) -> tuple[bool, np.ndarray, np.ndarray]:
    """(usable, sorted keys, columns): each bigram `a b` of a word vocabulary keyed by its words' columns,
    `column(a) * size + column(b)`. Not usable when a bigram has a word the vocabulary lacks (then a pair of
    words must be looked up as a string)."""
    size, keys, columns = len(vocabulary), [], []
    for gram, column in vocabulary.items():
        if " " in gram:
            a, _, b = gram.partition(" ")
            if a not in vocabulary or b not in vocabulary:
                return False, np.zeros(0, np.int64), np.zeros(0, np.int64)
            keys.append(vocabulary[a] * size + vocabulary[b])
            columns.append(column)
    order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
    return True, np.asarray(keys, dtype=np.int64)[order], np.asarray(columns, dtype=np.int64)[order]


class WordGrams:
    """Words' character n-gram columns (a row each, as `CharGrams.columns` gives them), kept across batches so
    a word seen before is not normalised and cut again: real text brings a third of its words anew each batch,
    the rest are looked up (in Arrow, against the kept words in row order). Emptied once it holds
    `word_caches.LIMIT` words (bounded memory, same answers)."""

    def __init__(self, n_columns: int):
        self.n_columns = n_columns
        self.words = ArrowKeys()  # row i's word
        self.indices, self.indptr = np.zeros(0, np.int32), np.zeros(1, np.int64)

    def rows(self, words, columns_of) -> sparse.csr_matrix:
        """The (distinct) words' rows, as a (words x n-grams) matrix of ones; `words` a list or an Arrow string
        array; `columns_of(new words)` gives (columns, count per word) for the words not kept yet."""
        if over_limit(self.words):
            self.__init__(self.n_columns)
        words = words if isinstance(words, pa.Array) else pa.array(words, pa.large_string())
        rows = self.words.positions(words)
        missing = np.flatnonzero(rows < 0)
        if len(missing):
            new = words.take(pa.array(missing))
            columns, counts = columns_of(new.to_pylist())
            rows[missing] = np.arange(len(self.words), len(self.words) + len(new))
            self.words.add(new)
            self.indices = np.concatenate([self.indices, columns.astype(np.int32, copy=False)])
            self.indptr = np.concatenate([self.indptr, self.indptr[-1] + np.cumsum(counts)])
        starts, lengths = self.indptr[rows], self.indptr[rows + 1] - self.indptr[rows]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = self.indices[np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1])]  # rows' runs
        return sparse.csr_matrix((np.ones(len(indices), np.float32), indices, indptr),
                                 shape=(len(words), self.n_columns))


class CharGrams:
    """The vocabulary columns of words' `char_wb` n-grams, found with NumPy rather than string by string.

    Each character of the vocabulary gets a digit 1..k (0: a character no n-gram has), an n-gram the number its
    digits make in base k + 1, so a batch's words are cut into n-grams and looked up as integer arrays, by binary
    search among the vocabulary's sorted numbers. When every n-gram's two (n-1)-grams are in the vocabulary too
    (they occur wherever it does, so `min_df` keeps them unless `max_features` cut), an n-gram is looked up only
    where both are, and in a table: from its (n-1)-gram's position and its last character (`chain_`). The
    columns come out in `char_wb_ngrams` order, which the sparse product of `TextFeatures._chars` keeps. A
    vocabulary whose n-grams cannot be numbered in 63 bits is looked up string by string.
    """

    TABLE = 1 << 16  # the shortest n-grams are looked up in a table by number when there are fewer numbers

    def __init__(self, vocabulary: dict[str, int], low: int, high: int):
        self.vocabulary, self.low, self.high = vocabulary, low, high
        grams = list(vocabulary)
        points = _code_points("".join(grams))
        self.alphabet = np.unique(points)
        self.base = len(self.alphabet) + 1
        self.digit_table = np.zeros(1 << 16, dtype=np.int32)  # characters of the Basic Multilingual Plane
        bmp = self.alphabet[self.alphabet < 1 << 16]
        self.digit_table[bmp] = np.arange(1, len(bmp) + 1)
        self.usable = low <= 3 and (self.base ** high).bit_length() < 63  # " a " (3 characters) has one n-gram
        self.tables: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        self.nested = False
        if not self.usable:
            return
        lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        columns = np.fromiter(vocabulary.values(), dtype=np.int32, count=len(grams))
        digits, starts = self._digits(points), np.cumsum(lengths) - lengths
        keys = {n: self._keys(digits[starts[lengths == n][:, None] + np.arange(n)]) for n in range(low, high + 1)}
        self.nested = all(np.isin(keys[n] // self.base, keys[n - 1]).all()  # its first n - 1 characters, its last
                          and np.isin(keys[n] % self.base ** (n - 1), keys[n - 1]).all()
                          for n in range(low + 1, high + 1))
        self.chained = self.nested and self.base ** low <= self.TABLE
        for n, found in keys.items():
            order = np.argsort(found)
            self.tables[n] = (found[order], columns[lengths == n][order])  # numbers sorted, and their columns
        if self.chained:  # n-gram i of length n: chain_[n][i] (its number among them) from its (n - 1)-gram's
            self.chain_ = {low: self._chain(np.zeros(len(keys[low]), dtype=np.int64), self.tables[low][0], 0)}
            for n in range(low + 1, high + 1):
                prefix = np.searchsorted(self.tables[n - 1][0], self.tables[n][0] // self.base)
                self.chain_[n] = self._chain(prefix, self.tables[n][0], len(self.tables[n - 1][0]))

    def _chain(self, prefix: np.ndarray, keys: np.ndarray, prefixes: int) -> np.ndarray:
        """A table from (prefix number * base + last digit), or from the whole number when `prefixes` is 0, to
        an n-gram's position among the sorted ones (-1: not in the vocabulary)."""
        table = np.full(max(prefixes, 1) * self.base ** (1 if prefixes else self.low), -1, dtype=np.int32)
        table[prefix * self.base + keys % self.base if prefixes else keys] = np.arange(len(keys), dtype=np.int32)
        return table

    def _digits(self, points: np.ndarray) -> np.ndarray:
        digits = self.digit_table[np.minimum(points, (1 << 16) - 1)].astype(np.int64)
        beyond = np.flatnonzero(points >= 1 << 16)  # emoji, say: looked up in the alphabet
        if len(beyond):
            at = np.minimum(np.searchsorted(self.alphabet, points[beyond]), len(self.alphabet) - 1)
            digits[beyond] = np.where(self.alphabet[at] == points[beyond], at + 1, 0)
        return digits

    def _keys(self, digits: np.ndarray) -> np.ndarray:
        """The numbers of n-grams given as (n-grams, n) digits."""
        keys = np.zeros(len(digits), dtype=np.int64)
        for k in range(digits.shape[1]):
            keys = keys * self.base + digits[:, k]
        return keys

    def _lookup(self, n: int, keys: np.ndarray) -> np.ndarray:
        """The position of each n-gram number among the vocabulary's sorted ones, -1 where it lacks it."""
        table = self.tables[n][0]
        if not len(table):
            return np.full(len(keys), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
        return np.where(table[at] == keys, at, -1)

    def columns(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(columns, count per word): see `TextFeatures.char_columns`."""
        if not self.usable or not words or not len(self.alphabet):
            return self._each(words)
        sizes = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2  # padded: " word "
        digits = self._digits(_code_points(" " + "  ".join(words) + " "))
        starts = np.cumsum(sizes) - sizes
        word_of = np.repeat(np.arange(len(words)), sizes)
        room = (starts + sizes)[word_of] - np.arange(len(digits))  # characters left in the word from here
        totals = sum(np.maximum(sizes - n + 1, 0) for n in range(self.low, self.high + 1))  # n-grams per word
        out = np.full(int(totals.sum()), -1, dtype=np.int32)
        offsets = np.cumsum(totals) - totals
        keys, known, found = digits.copy(), digits != 0, None
        for n in range(1, self.high + 1):
            if n > 1:
                known = known[:-1] & (digits[n - 1:] != 0)
                if not self.chained or n <= self.low:
                    keys = keys[:-1] * self.base + digits[n - 1:]
            if n < self.low:
                continue
            maybe = known & (room[:len(known)] >= n)  # n-grams within one padded word, of known characters
            if self.nested and found is not None:
                maybe &= (found[:-1] >= 0) & (found[1:] >= 0)  # its two (n - 1)-grams are in the vocabulary
            at = np.flatnonzero(maybe)
            if self.chained:  # the number of the (n - 1)-gram here, then the last character
                where = self.chain_[n][keys[at] if n == self.low else found[at] * self.base + digits[at + n - 1]]
            else:
                where = self._lookup(n, keys[at])
            at, where = at[where >= 0], where[where >= 0]
            found = np.full(len(known), -1, dtype=np.int64)
            found[at] = where
            w = word_of[at]
            before = (n - self.low) * (sizes[w] + 1) - (n - 1 + self.low) * (n - self.low) // 2  # shorter n-grams
            out[offsets[w] + before + at - starts[w]] = self.tables[n][1][where]
        kept = out >= 0
        return out[kept], np.add.reduceat(kept.astype(np.int64), offsets)

    def _each(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        get, grams = self.vocabulary.get, []
        for word in words:
            grams.append([c for c in map(get, char_wb_ngrams(word, self.low, self.high)) if c is not None])
        counts = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        return np.fromiter(itertools.chain.from_iterable(grams), dtype=np.int32, count=int(counts.sum())), counts


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


_MENTION, _DIGIT = r"@\w+", r"\d"


class DomainGate(BaseEstimator):
    """How much of a text the word-based models know: 1 for texts like the training ones, near 0 for others.

    `coverage` is the share of a text's content words (negation-marked lemmas, without the `stop_words` most
    frequent training words, which every text shares) seen in at least `min_df` training texts; the gate is
    `1 / (1 + exp(-(coverage - center) / width))`. On our held-out texts coverage is about 0.9 (gate near 1), on
    news and general sentences 0.4-0.5 (gate near 0); `center` and `width` were chosen on the first half of
    `ru_opensentimentcorpus` and on our held-out split (the model cards give the figures).
    """

    def __init__(self, center=0.7, width=0.06, stop_words=150, min_df=2):
        self.center = center
        self.width = width
        self.stop_words = stop_words
        self.min_df = min_df

    def fit(self, features, y=None):
        counts = Counter(token for text in features for token in set(str(text).split()))
        self.stop_words_ = frozenset(w for w, _ in counts.most_common(self.stop_words))
        self.vocabulary_ = frozenset(w for w, n in counts.items() if n >= self.min_df) - self.stop_words_
        return self

    def coverage(self, features) -> np.ndarray:
        """The share of each text's content words in the vocabulary (0 for a text with none)."""
        status = self.__dict__.get("status_")
        if status is None:  # token -> 0 stop word, 1 known; built once, not saved
            status = {**dict.fromkeys(self.vocabulary_, 1), **dict.fromkeys(self.stop_words_, 0)}
            self.__dict__["status_"] = status
        marks, starts = batch_lookup(features, status, 2, 0)
        if not len(starts):
            return np.zeros(0)
        content = np.add.reduceat((marks != 0).astype(np.int64), starts)
        known = np.add.reduceat((marks == 1).astype(np.int64), starts)
        empty = np.diff(np.r_[starts, len(marks) - 1]) == 0  # reduceat gives an empty text the next value
        return np.where(empty | (content == 0), 0.0, known / np.maximum(content, 1))

    def __getstate__(self):  # the look-up table is rebuilt, not saved; word sets as arrays (fast in skops)
        state = {k: v for k, v in super().__getstate__().items() if k != "status_"}
        return {**state, **{k: pack_terms(state[k]) for k in _WORD_SETS if k in state}}

    def __setstate__(self, state):
        super().__setstate__({**state, **{k: unpack_set(state[k]) for k in _WORD_SETS if k in state}})

    def transform(self, features) -> np.ndarray:
        return expit((self.coverage(features) - self.center) / self.width)


# ---------------------------------------------------------------- the three models


class _TextModel(BaseEstimator):
    """Shared parts: a featuriser, an estimator on its output, lower confidence for unseen languages.

    Texts in a language with fewer than `min_language_rows` training rows get probabilities pulled towards the
    training prior, `p = w * p + (1 - w) * prior` with `w = unseen_language_weight`: they are predicted from
    the character n-grams they share with the training languages, with less certainty.
    """

    def __init__(self, features=None, estimator=None, unseen_language_weight=0.6, min_language_rows=20):
        self.features = features
        self.estimator = estimator
        self.unseen_language_weight = unseen_language_weight
        self.min_language_rows = min_language_rows

    def _count_languages(self, X):
        counts = X["language"].value_counts() if "language" in X else pd.Series(dtype=int)
        self.languages_ = {str(k): int(v) for k, v in counts.items()}

    def fit_transformed(self, X, Xt, y, sample_weight=None, **fit_params):
        """Fit on `Xt`, the output of `self.features` (already fitted) on `X`: one featuriser shared by
        several models, or a grid search over the estimator alone, transforms the texts once."""
        self.features_ = self.features
        self._count_languages(X)
        return self._fit_estimator(Xt, y, sample_weight, X, **fit_params)

    def fit(self, X: pd.DataFrame, y, sample_weight=None, **fit_params):
        self.features_ = clone(self.features if self.features is not None else TextFeatures()).fit(X)
        self._count_languages(X)
        return self._fit_estimator(self.features_.transform(X), y, sample_weight, X, **fit_params)

    def seen_language(self, X: pd.DataFrame) -> np.ndarray:
        """True where a row's language had at least `min_language_rows` training rows."""
        if "language" not in X or not self.languages_:
            return np.ones(len(X), dtype=bool)
        known = {k for k, v in self.languages_.items() if v >= self.min_language_rows}
        return X["language"].isin(known).to_numpy()

    def _shrink(self, proba: np.ndarray, X: pd.DataFrame) -> np.ndarray:
        unseen = ~self.seen_language(X)
        if unseen.any():
            w = self.unseen_language_weight
            proba = proba.copy()
            proba[unseen] = w * proba[unseen] + (1 - w) * self.prior_
        return proba

    def familiarity(self, X: pd.DataFrame, tokens: Tokens | None = None) -> np.ndarray:
        """The domain gate of each row: 1 where the word-based part decides, 0 where the evidence does (`tokens`:
        `X["features"]` already split, if the caller has it)."""
        gate = getattr(self, "gate_", None)
        if gate is None:
            return np.ones(len(X))
        return gate.transform(as_strings(X["features"]) if tokens is None else tokens)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.predict_proba_features(self.features_.transform(X), X)


def _sample_weight_kwargs(estimator, sample_weight):
    return {} if sample_weight is None else {"sample_weight": sample_weight}


def _rows(mask, n):
    return np.ones(n, dtype=bool) if mask is None else ~np.asarray(mask, dtype=bool)


class SentimentModel(ClassifierMixin, _TextModel):
    """negative / neutral / positive: a word-based part and an evidence part, blended by the domain gate.

    - words: a multinomial logistic regression over the featuriser;
    - evidence: a logistic regression over `valence.EVIDENCE_COLUMNS` (strong valence words, emoticons, the
      sentiment and pain-point terms), a few numbers that mean the same in any domain, so a text without any is
      neutral;
    - `log p = (g * log p_words + (1 - g) * log p_evidence) / T`, renormalised, with `g = gate(text)` and the
      temperature `T` fitted on out-of-fold predictions of the training rows (5 folds), so that the blend's
      confidence is calibrated, not just each part's.

    `fit(X, y, sample_weight, evidence_only=mask)`: rows in `mask` train the evidence part only (a source whose
    vocabulary should not teach the word part, e.g. general sentences). Weigh rows so that every source and
    class counts alike (`training_data.TaskData.weights`): the training mix's balance must not decide a week.
    """

    def __init__(self, features=None, estimator=None, unseen_language_weight=0.6, min_language_rows=20,
                 gate=None, evidence_C=1.0, calibration_folds=5):
        super().__init__(features, estimator, unseen_language_weight, min_language_rows)
        self.gate = gate
        self.evidence_C = evidence_C
        self.calibration_folds = calibration_folds

    def _fit_estimator(self, Xt, y, sample_weight=None, X=None, evidence_only=None):
        y = np.asarray(y, dtype=object)
        words = _rows(evidence_only, len(y))
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        base = self.estimator if self.estimator is not None else LogisticRegression(C=4.0, max_iter=2000)
        self.estimator_ = clone(base).fit(Xt[words], y[words], sample_weight=w[words])
        self.classes_ = np.asarray(self.estimator_.classes_, dtype=object)
        self.prior_ = pd.Series(y).value_counts(normalize=True).reindex(self.classes_).fillna(0).to_numpy(float)
        self.gate_ = self.evidence_ = None
        self.temperature_ = 1.0
        if X is not None:
            self.gate_ = clone(self.gate if self.gate is not None else DomainGate()).fit(
                X["features"].fillna("").astype(str).to_numpy()[words])
            E = evidence(X)
            self.evidence_ = LogisticRegression(C=self.evidence_C, max_iter=3000).fit(E, y, sample_weight=w)
            if list(self.evidence_.classes_) != list(self.classes_):
                raise ValueError(f"the word-based rows have labels {list(self.classes_)}, all rows "
                                 f"{list(self.evidence_.classes_)}: every label needs word-based rows")
            folds = int(min(self.calibration_folds, pd.Series(y[words]).value_counts().min()))
            if folds >= 2:
                self.temperature_ = self._fit_temperature(base, Xt, E, y, w, words, X, folds)
        return self

    def _fit_temperature(self, base, Xt, E, y, w, words, X, folds) -> float:
        """The temperature that makes the blend's out-of-fold probabilities fit the labels best (weighted log
        loss): each row is predicted by parts fitted without it (evidence-only rows by the whole word part,
        which never saw them)."""
        from scipy.optimize import minimize_scalar
        from sklearn.model_selection import StratifiedKFold

        p_words = np.zeros((len(y), len(self.classes_)))
        p_words[~words] = self.estimator_.predict_proba(Xt[~words]) if (~words).any() else 0
        p_evidence = np.zeros_like(p_words)
        word_rows = np.flatnonzero(words)
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(word_rows, y[words]):
            fitted = clone(base).fit(Xt[word_rows[train]], y[word_rows[train]], sample_weight=w[word_rows[train]])
            p_words[word_rows[test]] = fitted.predict_proba(Xt[word_rows[test]])
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(E, y):
            fitted = LogisticRegression(C=self.evidence_C, max_iter=3000).fit(E[train], y[train],
                                                                              sample_weight=w[train])
            p_evidence[test] = fitted.predict_proba(E[test])
        logits = self._blend(p_words, p_evidence, X)
        truth = (y[:, None] == self.classes_[None, :])

        def loss(log_t):
            proba = softmax(logits / np.exp(log_t), axis=1)
            return -np.sum(w * np.log(np.clip(proba[truth], 1e-12, 1))) / w.sum()

        return float(np.exp(minimize_scalar(loss, bounds=(-2.0, 2.0), method="bounded").x))

    def _blend(self, p_words, p_evidence, X, tokens=None) -> np.ndarray:
        g = self.familiarity(X, tokens)[:, None]
        return g * np.log(np.clip(p_words, 1e-9, 1)) + (1 - g) * np.log(np.clip(p_evidence, 1e-9, 1))

    def predict_proba_features(self, Xt, X, tokens: Tokens | None = None) -> np.ndarray:
        """Probabilities from `Xt` (`features_.transform(X)`); `tokens`: `X["features"]` already split, if known."""
        words = self.estimator_.predict_proba(Xt)
        if self.evidence_ is None:
            return self._shrink(words, X)
        logits = self._blend(words, self.evidence_.predict_proba(evidence(X, tokens)), X, tokens)
        return self._shrink(softmax(logits / self.temperature_, axis=1), X)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class PainPointModel(ClassifierMixin, _TextModel):
    """One probability per pain point (multi-label: one logistic regression per id, applied as one matrix
    product). `y` is a DataFrame of 0/1 columns named by pain-point id; ids with fewer than two positive rows
    get no regression (the taxonomy's terms still find them); `classes_` are the ids learned.

    `fit(..., known=K)`: a 0/1 frame like `y` saying which labels are known. A complaint filed under one issue
    (CFPB) may describe other pain points nobody labelled: such a row trains only the pain points it has, and is
    no evidence against the others."""

    def _fit_estimator(self, Xt, y, sample_weight=None, X=None, known=None):
        y = pd.DataFrame(y)
        base = self.estimator if self.estimator is not None \
            else LogisticRegression(C=8.0, class_weight="balanced", max_iter=3000)
        known = pd.DataFrame(True, index=y.index, columns=y.columns) if known is None \
            else pd.DataFrame(known).astype(bool)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        learnable = [c for c in y.columns if 2 <= int(y.loc[known[c], c].sum()) < int(known[c].sum())]
        fitted = [clone(base).fit(Xt[known[c].to_numpy()], y.loc[known[c], c].to_numpy(int),
                                  **_sample_weight_kwargs(base, w[known[c].to_numpy()])) for c in learnable]
        self.classes_ = np.asarray(learnable, dtype=object)
        self.coef_ = np.vstack([m.coef_ for m in fitted]).astype(np.float32) if fitted else np.zeros((0, Xt.shape[1]))
        self.intercept_ = np.array([m.intercept_[0] for m in fitted])
        self.prior_ = np.array([y.loc[known[c], c].mean() for c in learnable], dtype=float)
        return self

    def decision_function_features(self, Xt) -> np.ndarray:
        return np.asarray(Xt @ self.coef_.T) + self.intercept_

    def predict_proba_features(self, Xt, X, tokens: Tokens | None = None) -> np.ndarray:
        return self._shrink(expit(self.decision_function_features(Xt)), X)

    def predict(self, X):
        return (self.predict_proba(X) >= 0.5).astype(int)

    def contributions(self, Xt, rows: np.ndarray, column: int) -> sparse.csr_matrix:
        """Per-feature contributions (x * coefficient) to pain point `classes_[column]` of the given rows."""
        return Xt[rows].multiply(self.coef_[column]).tocsr()


class EffortModel(RegressorMixin, _TextModel):
    """The effort a text describes, in [0, 1]: a word-based ridge regression blended, by the domain gate, with
    the effort its sentiment and pain points imply.

    `fit(X, y, sample_weight, structure=S)`: `S` holds each training row's sentiment (`negative`, `neutral`,
    `positive` as 0/1) and pain points (0/1 per id); a second ridge regression learns effort from them, and at
    prediction it is fed the predicted sentiment probabilities and the detected pain points (`structure=` of
    `predict_features`; `ModelClassifier` passes them), i.e. the expected effort of a text with that sentiment
    and those pain points. A neutral text about anything else then costs
    what a neutral text costs in the training data, not the average effort. Without `structure` the word-based
    part alone predicts.
    """

    def __init__(self, features=None, estimator=None, unseen_language_weight=0.6, min_language_rows=20, gate=None):
        super().__init__(features, estimator, unseen_language_weight, min_language_rows)
        self.gate = gate

    def _fit_estimator(self, Xt, y, sample_weight=None, X=None, structure=None):
        y = np.asarray(y, dtype=float)
        base = self.estimator if self.estimator is not None else Ridge(alpha=1.0)
        self.estimator_ = clone(base).fit(Xt, y, **_sample_weight_kwargs(base, sample_weight))
        self.prior_ = np.array([float(np.mean(y))])
        self.gate_ = self.structure_ = None
        if structure is not None and X is not None:
            structure = pd.DataFrame(structure).reset_index(drop=True)
            self.structure_columns_ = [str(c) for c in structure.columns]
            self.structure_ = Ridge(alpha=1.0).fit(structure.to_numpy(float), y, sample_weight=sample_weight)
            self.gate_ = clone(self.gate if self.gate is not None else DomainGate()).fit(
                X["features"].fillna("").astype(str).to_numpy())
        return self

    def predict_features(self, Xt, X, structure=None, tokens: Tokens | None = None) -> np.ndarray:
        words = self.estimator_.predict(Xt)
        if self.structure_ is not None and structure is not None:
            implied = self.structure_.predict(pd.DataFrame(structure).reindex(
                columns=self.structure_columns_, fill_value=0.0).to_numpy(float))
            g = self.familiarity(X, tokens)
            words = g * words + (1 - g) * implied
        return np.clip(words, 0.0, 1.0)

    def predict(self, X, structure=None):
        return self.predict_features(self.features_.transform(X), X, structure)


MODEL_CLASSES = {"sentiment": SentimentModel, "pain_points": PainPointModel, "effort": EffortModel}
