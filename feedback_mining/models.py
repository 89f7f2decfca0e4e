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
"""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

SENTIMENT_LABELS = ("negative", "neutral", "positive")
PAIN_POINT_IDS = ("waiting", "repeat_contact", "transfer", "channel_switch", "repeat_info", "process_complexity",
                  "information", "technical", "unresolved", "staff", "delivery", "billing")
SENTIMENT_HITS = ("hits_positive", "hits_negative")
WORD_CACHE_LIMIT = 300_000  # word forms kept per vectoriser; cleared when full, so memory stays bounded


def char_wb_ngrams(word: str, low: int, high: int) -> list[str]:
    """scikit-learn's `char_wb` n-grams of one word: `ok` -> `[' o', 'ok', 'k ', ' ok', 'ok ', ' ok ']` (2-4)."""
    padded, grams = f" {word} ", []
    for n in range(low, high + 1):
        last = max(len(padded) - n, 0)
        grams.extend(padded[i:i + n] for i in range(last + 1))
        if last == 0:  # a short word counts once, whatever n
            break
    return grams


def word_ngrams(features: str) -> list[str]:
    """Unigrams and bigrams of a space-joined token string: `a b c` -> `[a, b, c, 'a b', 'b c']`."""
    tokens = features.split()
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def _tfidf(rows: list[np.ndarray] | list[list[int]], indptr: list[int], n_columns: int, idf: np.ndarray):
    """Sublinear tf * idf, rows l2-normalised, from the column indices of each row (repeats are counts)."""
    indices = np.fromiter((i for row in rows for i in row), dtype=np.int32) if rows and isinstance(rows[0], list) \
        else (np.concatenate(rows).astype(np.int32) if rows else np.zeros(0, np.int32))
    matrix = sparse.csr_matrix((np.ones(len(indices), np.float32), indices, np.asarray(indptr, np.int64)),
                               shape=(len(indptr) - 1, n_columns))
    matrix.sum_duplicates()
    matrix.data = (np.log(matrix.data) + 1.0) * idf[matrix.indices]
    return normalize(matrix, copy=False)


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

    def __getstate__(self):  # the word cache is rebuilt, not pickled
        return {k: v for k, v in self.__dict__.items() if k != "cache_"}

    def transform(self, X: pd.DataFrame) -> sparse.csr_matrix:
        check_is_fitted(self, "char_vocabulary_")
        blocks = [self._chars(_texts(X)) * self.char_weight, self._words(X["features"].fillna("").astype(str))
                  * self.word_weight, sparse.csr_matrix(self.lexicon(X) * self.lexicon_weight)]
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    def lexicon(self, X: pd.DataFrame) -> np.ndarray:
        """log(1 + hits) per lexicon column seen in fit (0 where the frame lacks it), shape (n, columns)."""
        out = np.zeros((len(X), len(self.lexicon_columns_)), dtype=np.float32)
        for j, column in enumerate(self.lexicon_columns_):
            if column in X.columns:
                out[:, j] = np.log1p(np.clip(pd.to_numeric(X[column], errors="coerce").fillna(0).to_numpy(), 0, None))
        return out

    def _chars(self, texts) -> sparse.csr_matrix:
        cache = self.__dict__.setdefault("cache_", {})
        if len(cache) > WORD_CACHE_LIMIT:
            cache.clear()
        vocabulary, (low, high) = self.char_vocabulary_, self.char_ngram_range
        rows, indptr, total = [], [0], 0
        for text in texts:
            for word in text.split():
                columns = cache.get(word)
                if columns is None:
                    columns = cache[word] = np.array([vocabulary[g] for g in char_wb_ngrams(word, low, high)
                                                      if g in vocabulary], dtype=np.int32)
                rows.append(columns)
                total += len(columns)
            indptr.append(total)
        return _tfidf(rows, indptr, len(vocabulary), self.char_idf_)

    def _words(self, features) -> sparse.csr_matrix:
        vocabulary, rows, indptr = self.word_vocabulary_, [], [0]
        for text in features:
            row = [vocabulary[g] for g in word_ngrams(text) if g in vocabulary]
            rows.append(row)
            indptr.append(indptr[-1] + len(row))
        return _tfidf(rows, indptr, len(vocabulary), self.word_idf_)

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
    text = X["clean_text"].fillna("").astype(str).str.lower()
    return text.str.replace(_MENTION, "@user", regex=True).str.replace(_DIGIT, "0", regex=True)


_MENTION, _DIGIT = r"@\w+", r"\d"


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

    def _fit_features(self, X, sample_weight=None):
        self.features_ = clone(self.features if self.features is not None else TextFeatures()).fit(X)
        counts = X["language"].value_counts() if "language" in X else pd.Series(dtype=int)
        self.languages_ = {str(k): int(v) for k, v in counts.items()}
        return self.features_.transform(X)

    def fit_transformed(self, X, Xt, y, sample_weight=None):
        """Fit on `Xt`, the output of `self.features` (already fitted) on `X`: one featuriser shared by
        several models, or a grid search over the estimator alone, transforms the texts once."""
        self.features_ = self.features
        counts = X["language"].value_counts() if "language" in X else pd.Series(dtype=int)
        self.languages_ = {str(k): int(v) for k, v in counts.items()}
        return self._fit_estimator(Xt, y, sample_weight)

    def fit(self, X: pd.DataFrame, y, sample_weight=None):
        return self._fit_estimator(self._fit_features(X), y, sample_weight)

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

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.predict_proba_features(self.features_.transform(X), X)


def _sample_weight_kwargs(estimator, sample_weight):
    return {} if sample_weight is None else {"sample_weight": sample_weight}


class SentimentModel(ClassifierMixin, _TextModel):
    """negative / neutral / positive with calibrated probabilities (temperature scaling by cross-validation
    over a multinomial logistic regression, so the ranking of classes is the regression's)."""

    def _fit_estimator(self, Xt, y, sample_weight=None):
        y = np.asarray(y, dtype=object)
        base = self.estimator if self.estimator is not None else LogisticRegression(C=4.0, max_iter=2000)
        folds = int(min(5, pd.Series(y).value_counts().min()))
        model = CalibratedClassifierCV(clone(base), method="temperature", cv=folds, ensemble=False) \
            if folds >= 2 else clone(base)
        self.estimator_ = model.fit(Xt, y, **_sample_weight_kwargs(model, sample_weight))
        self.classes_ = np.asarray(self.estimator_.classes_, dtype=object)
        self.prior_ = pd.Series(y).value_counts(normalize=True).reindex(self.classes_).to_numpy(float)
        return self

    def predict_proba_features(self, Xt, X) -> np.ndarray:
        return self._shrink(self.estimator_.predict_proba(Xt), X)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class PainPointModel(ClassifierMixin, _TextModel):
    """One probability per pain point (multi-label: one logistic regression per id, applied as one matrix
    product). `y` is a DataFrame of 0/1 columns named by pain-point id; ids with fewer than two positive rows
    get no regression (the taxonomy's terms still find them); `classes_` are the ids learned."""

    def _fit_estimator(self, Xt, y, sample_weight=None):
        y = pd.DataFrame(y)
        base = self.estimator if self.estimator is not None else LogisticRegression(C=8.0, class_weight="balanced", max_iter=3000)
        learnable = [c for c in y.columns if 2 <= int(y[c].sum()) < len(y)]
        fitted = [clone(base).fit(Xt, y[c].to_numpy(int), **_sample_weight_kwargs(base, sample_weight))
                  for c in learnable]
        self.classes_ = np.asarray(learnable, dtype=object)
        self.coef_ = np.vstack([m.coef_ for m in fitted]).astype(np.float32) if fitted else np.zeros((0, Xt.shape[1]))
        self.intercept_ = np.array([m.intercept_[0] for m in fitted])
        self.prior_ = y[learnable].to_numpy(float).mean(axis=0)
        return self

    def decision_function_features(self, Xt) -> np.ndarray:
        return np.asarray(Xt @ self.coef_.T) + self.intercept_

    def predict_proba_features(self, Xt, X) -> np.ndarray:
        return self._shrink(expit(self.decision_function_features(Xt)), X)

    def predict(self, X):
        return (self.predict_proba(X) >= 0.5).astype(int)

    def contributions(self, Xt, rows: np.ndarray, column: int) -> sparse.csr_matrix:
        """Per-feature contributions (x * coefficient) to pain point `classes_[column]` of the given rows."""
        return Xt[rows].multiply(self.coef_[column]).tocsr()


class EffortModel(RegressorMixin, _TextModel):
    """The effort a text describes, in [0, 1] (ridge regression, clipped)."""

    def _fit_estimator(self, Xt, y, sample_weight=None):
        y = np.asarray(y, dtype=float)
        base = self.estimator if self.estimator is not None else Ridge(alpha=1.0)
        self.estimator_ = clone(base).fit(Xt, y, **_sample_weight_kwargs(base, sample_weight))
        self.prior_ = np.array([float(np.mean(y))])
        return self

    def predict_features(self, Xt, X) -> np.ndarray:
        return np.clip(self.estimator_.predict(Xt), 0.0, 1.0)

    def predict(self, X):
        return self.predict_features(self.features_.transform(X), X)


MODEL_CLASSES = {"sentiment": SentimentModel, "pain_points": PainPointModel, "effort": EffortModel}
