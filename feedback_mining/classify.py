"""Classify stage: sentiment, effort-related pain points (with evidence) and an effort estimate per text.

Two classifiers share one interface (`ids`, `version`, `describe()`, `predict(frame)`):
- `ModelClassifier`, the default: the learned models of `feedback_mining.learning.models` (shipped under `models/`, or
  a `--models DIR` written by `feedback-mining train`), fed the term counts of the editable files, so an edited
  taxonomy moves the predictions; a pain point that only the taxonomy knows is found by its terms alone.
- `LexiconClassifier`: the term files alone, fully transparent.
The term files are `resources/taxonomy.toml` (pain points) and `resources/sentiment.toml`, matched on a
text's negation-marked lemmas (syntax in `feedback_mining/terms.py`). Evidence of a pain point is the terms
that fired plus, for a detected one, the lemmas that pushed the learned model most (`~ждать`).
"""

from __future__ import annotations

import itertools
import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_mining.errors import UsageError
from feedback_mining.terms import LANGUAGE_KEYS, TermMatcher
from feedback_mining.tokens import Tokens, as_strings


def _read_toml(path: Path | None, default: str) -> dict:
    try:
        if path is None:
            return tomllib.loads(resources.files("feedback_mining").joinpath(default).read_text(encoding="utf-8"))
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path or default}: cannot read term file: {e}") from None


class Taxonomy:
    """Pain-point definitions and their multilingual terms, from a TOML file."""

    def __init__(self, path: Path | None = None):
        raw = _read_toml(path, "resources/taxonomy.toml")
        self.path, self.version = path, str(raw.get("version", "unversioned"))
        self.pain_points: dict[str, dict] = raw.get("pain_points", {})
        if not self.pain_points:
            raise UsageError(f"{path or 'taxonomy'}: no [pain_points.<id>] tables")
        self.matcher = TermMatcher({pp: [(lang, t) for lang in LANGUAGE_KEYS for t in spec.get(lang, [])]
                                    for pp, spec in self.pain_points.items()})

    def __reduce__(self):  # workers rebuild from the file rather than receive compiled tables
        return (Taxonomy, (self.path,))

    @property
    def ids(self) -> list[str]:
        return list(self.pain_points)

    def label(self, pain_point: str, lang: str = "en") -> str:
        spec = self.pain_points.get(pain_point, {})
        return spec.get(f"label_{lang}") or spec.get("label") or pain_point.replace("_", " ")


class SentimentLexicon:
    """Positive and negative terms and emoji; a negated term counts for the other side."""

    def __init__(self, path: Path | None = None):
        raw = _read_toml(path, "resources/sentiment.toml")
        self.path, self.version = path, str(raw.get("version", "unversioned"))
        terms = {pol: [(lang, t) for lang in LANGUAGE_KEYS for t in raw.get(pol, {}).get(lang, [])]
                 for pol in ("positive", "negative")}
        self.matcher = TermMatcher(terms, negated_labels={"positive": "negative", "negative": "positive"})
        self.emoji = {pol: {e.replace("\ufe0f", "") for e in raw.get(pol, {}).get("emoji", [])}
                      for pol in ("positive", "negative")}

    def __reduce__(self):
        return (SentimentLexicon, (self.path,))


# ---------------------------------------------------------------- the term pass (per text; the matcher caches per token)

DETECTED = 0.5  # a pain point is reported (in `pain_points`) at this probability
SCORE_FLOOR = 0.1  # `pain_point_scores` lists the pain points at or above this probability
MODEL_EVIDENCE = 2  # lemmas of the learned model added to a detected pain point's evidence


@dataclass
class TermHits:
    """What the term files found in a batch of texts: hits per pain point, evidence, sentiment term counts."""

    ids: list[str]
    hits: np.ndarray  # (texts, ids) number of matching terms
    evidence: list[dict[str, list[str]]]
    positive: np.ndarray
    negative: np.ndarray
    tokens: Tokens  # the texts' features split once, which the models read again

    def columns(self) -> dict[str, np.ndarray]:
        """The lexicon columns the models read: `hits_<id>`, `hits_positive`, `hits_negative`."""
        return {**{f"hits_{pp}": self.hits[:, j] for j, pp in enumerate(self.ids)},
                "hits_positive": self.positive, "hits_negative": self.negative}


@lru_cache(maxsize=8)
def combined_matcher(taxonomy: Taxonomy, lexicon: SentimentLexicon) -> TermMatcher:
    """One matcher for the pain-point terms (labels `pp:<id>`) and the sentiment terms: a text is matched once."""
    return TermMatcher.union({"pp:": taxonomy.matcher, "": lexicon.matcher})


def term_hits(features: list[str], texts: list[str], taxonomy: Taxonomy, lexicon: SentimentLexicon,
              tokens: Tokens | None = None) -> TermHits:
    """Match the taxonomy and sentiment terms against each text's negation-marked lemmas (`tokens`: `features`
    already split)."""
    index = {f"pp:{pp}": j for j, pp in enumerate(taxonomy.ids)}
    hits = np.zeros((len(texts), len(index)), dtype=np.int32)
    positive, negative = np.zeros(len(texts), np.int32), np.zeros(len(texts), np.int32)
    evidence: list[dict[str, list[str]]] = [{} for _ in texts]
    tokens = Tokens(features) if tokens is None else tokens
    for i, matches in combined_matcher(taxonomy, lexicon).batch_matches(features, tokens):
        found, at = evidence[i], set()
        for label, term, position in matches:
            if label == "positive":
                positive[i] += 1
            elif label == "negative":
                negative[i] += 1
            elif (label, position) not in at:  # the same words matched twice ("анкета" is ru and uk): one hit
                at.add((label, position))
                found.setdefault(label[3:], []).append(term)
                hits[i, index[label]] += 1
    _count_emoji(texts, lexicon, positive, negative)
    return TermHits(taxonomy.ids, hits, evidence, positive, negative, tokens)


def _count_emoji(texts: list[str], lexicon: SentimentLexicon, positive: np.ndarray, negative: np.ndarray) -> None:
    """Add each text's distinct positive and negative emoji to its sentiment term counts."""
    emoji = lexicon.emoji
    lowest = min((e for found in emoji.values() for e in found if len(e) == 1), default=None)
    if lowest is None or not texts:
        return
    # a text's characters meet the single-character emoji only, and most texts have no character that high
    chars = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))
    for i in np.unique(np.searchsorted(ends, np.flatnonzero(chars >= ord(lowest)), side="right")).tolist():
        found = set(texts[i])
        positive[i] += len(found & emoji["positive"])
        negative[i] += len(found & emoji["negative"])


def lexicon_frame(frame: pd.DataFrame, taxonomy: Taxonomy, lexicon: SentimentLexicon,
                  text_col: str = "clean_text") -> tuple[pd.DataFrame, TermHits]:
    """The models' input from an analysed frame: `clean_text`, `features`, `language` and the lexicon columns."""
    texts, features = as_strings(frame[text_col]), as_strings(frame["features"])  # Python strings throughout
    found = term_hits(features, texts, taxonomy, lexicon, Tokens(features))
    language = frame["language"].to_numpy() if "language" in frame else np.full(len(frame), "other", dtype=object)
    return pd.DataFrame({"clean_text": pd.Series(texts, dtype=object), "features": pd.Series(features, dtype=object),
                         "language": language, **found.columns()}), found


# ---------------------------------------------------------------- the two classifiers


def pain_point_probability(hits):
    """More matching terms, more certainty: 1 hit 0.65, 2 hits 0.88, 3 hits 0.96 (0 hits: 0)."""
    return 1.0 - 0.35 ** hits


def estimate_effort(n_pain_points, sentiment_shift):
    """The lexicon's effort estimate in [0, 1] from the pain-point count and sentiment (+0.2 negative, -0.1 positive)."""
    return np.clip(0.15 + 0.2 * np.minimum(n_pain_points, 3) + sentiment_shift, 0.0, 1.0)


@dataclass
class Prediction:
    """A batch's results before formatting: sentiment, its confidence, (texts, ids) probabilities, evidence, effort."""

    sentiment: np.ndarray
    confidence: np.ndarray
    scores: np.ndarray
    evidence: list[dict[str, list[str]]]
    effort: np.ndarray


class LexiconClassifier:
    """Sentiment, pain points and effort from the taxonomy and sentiment term files alone."""

    def __init__(self, taxonomy: Taxonomy | None = None, lexicon: SentimentLexicon | None = None):
        self.taxonomy = taxonomy or Taxonomy()
        self.lexicon = lexicon or SentimentLexicon()
        combined_matcher(self.taxonomy, self.lexicon)

    @property
    def ids(self) -> list[str]:
        return self.taxonomy.ids

    @property
    def version(self) -> str:
        return f"lexicon:taxonomy={self.taxonomy.version},sentiment={self.lexicon.version}"

    def describe(self) -> dict:
        return {"classifier": self.version}

    def classify_text(self, features: str, text: str) -> dict:
        """One text's sentiment, confidence, scores, evidence and effort (for tests and debugging)."""
        frame = pd.DataFrame({"clean_text": [text], "features": [features], "language": ["other"]})
        p = self.predict(frame)
        scores = {pp: round(float(s), 4) for pp, s in zip(self.ids, p.scores[0]) if s > 0}
        return {"sentiment": p.sentiment[0], "sentiment_confidence": float(p.confidence[0]), "scores": scores,
                "evidence": p.evidence[0], "effort_estimate": float(p.effort[0])}

    def predict(self, frame: pd.DataFrame, text_col: str = "clean_text") -> Prediction:
        _, found = lexicon_frame(frame, self.taxonomy, self.lexicon, text_col)
        scores = pain_point_probability(found.hits.astype(float)) * (found.hits > 0)
        polarity = found.positive - found.negative
        polarity = np.where((polarity == 0) & (found.hits.sum(axis=1) > 0), -1, polarity)  # a pain point: a complaint
        empty = np.array(as_strings(frame[text_col]), dtype=object) == ""
        sentiment = np.select([empty, polarity > 0, polarity < 0], ["", "positive", "negative"], "neutral").astype(object)
        shift = np.select([polarity > 0, polarity < 0], [-0.1, 0.2], 0.0)
        effort = np.where(empty, np.nan, estimate_effort((scores > 0).sum(axis=1), shift))
        confidence = 0.5 + 0.5 * np.abs(polarity) / (np.abs(polarity) + 1)
        return Prediction(sentiment, confidence.round(4), scores, found.evidence, effort)


class ModelClassifier:
    """Learned sentiment, pain-point and effort models over the text frame, fed the term files' counts.

    `models` maps `sentiment`, `pain_points`, `effort` to estimators: anything with `predict_proba` and
    `classes_` (sentiment, pain points) or `predict` (effort) over the frame `lexicon_frame` builds. Models of
    `feedback_mining.learning.models` sharing a featuriser (same `fingerprint_`) transform each batch once. Pain points
    of the taxonomy that the pain-point model does not know get the term probability (1 hit 0.65, 2 hits 0.88).
    `source` (the registry the models came from) makes the classifier pickle as a reference that joblib
    workers reload (once per process), not as a copy of the models.
    """

    def __init__(self, models: dict, taxonomy: Taxonomy | None = None, lexicon: SentimentLexicon | None = None,
                 source=None, info: dict | None = None):
        self.models = models
        self.taxonomy = taxonomy or Taxonomy()
        self.lexicon = lexicon or SentimentLexicon()
        self.source, self.info = source, info or {}
        learned = list(getattr(models.get("pain_points"), "classes_", []))
        self.ids = self.taxonomy.ids + [pp for pp in learned if pp not in self.taxonomy.ids]
        combined_matcher(self.taxonomy, self.lexicon)  # built with the classifier, not in its first batch

    def __reduce__(self):
        if self.source is None:
            return object.__reduce__(self)
        return (load_classifier, (self.source, self.taxonomy.path, self.lexicon.path))

    @property
    def version(self) -> str:
        learned = ",".join(f"{task}={self.info.get(task, {}).get('version', type(m).__name__)}"
                           for task, m in self.models.items())
        return f"models:{learned};taxonomy={self.taxonomy.version},sentiment={self.lexicon.version}"

    def describe(self) -> dict:
        """Model versions and hashes for `run.json`."""
        return {"classifier": self.version, "source": str(self.source) if self.source else "in memory",
                **{task: self.info.get(task, {"version": type(m).__name__}) for task, m in self.models.items()},
                "taxonomy": self.taxonomy.version, "sentiment_lexicon": self.lexicon.version}

    def predict(self, frame: pd.DataFrame, text_col: str = "clean_text") -> Prediction:
        X, found = lexicon_frame(frame, self.taxonomy, self.lexicon, text_col)
        n, ids = len(X), self.ids
        sentiment, confidence = np.full(n, "", dtype=object), np.full(n, np.nan)
        scores, effort = np.zeros((n, len(ids))), np.full(n, np.nan)
        rows = np.flatnonzero(X["clean_text"].str.len().to_numpy() > 0)
        evidence = found.evidence
        if len(rows):
            X = X.iloc[rows].reset_index(drop=True) if len(rows) < n else X
            cache: dict = {"tokens": found.tokens.take(rows)}  # the features split once, for every model
            sentiment_proba = None
            if "sentiment" in self.models:
                sentiment_proba = _apply(self.models["sentiment"], X, cache, "predict_proba")
                classes = np.asarray(self.models["sentiment"].classes_, dtype=object)
                sentiment[rows] = classes[sentiment_proba.argmax(axis=1)]
                confidence[rows] = sentiment_proba.max(axis=1).round(4)
            taxonomy_only = pain_point_probability(found.hits[rows].astype(float)) * (found.hits[rows] > 0)
            scores[rows, :taxonomy_only.shape[1]] = taxonomy_only
            if "pain_points" in self.models:
                model = self.models["pain_points"]
                proba = _apply(model, X, cache, "predict_proba")
                columns = [ids.index(pp) for pp in model.classes_]
                scores[np.ix_(rows, columns)] = proba
                evidence = _with_model_evidence(evidence, model, cache, rows, proba, [*model.classes_])
            if "effort" in self.models:
                implied = pd.DataFrame((scores[rows] >= DETECTED).astype(float), columns=ids)  # as reported
                if sentiment_proba is not None:
                    implied = implied.assign(**dict(zip(classes, sentiment_proba.T)))
                effort[rows] = np.clip(_apply(self.models["effort"], X, cache, "predict", structure=implied)
                                       .astype(float), 0.0, 1.0).round(4)
        return Prediction(sentiment, confidence, scores, evidence, effort)


def _apply(model, X: pd.DataFrame, cache: dict, method: str, **kwargs) -> np.ndarray:
    """`model.<method>(X)`, through the batch's shared feature matrix when the model has a fitted featuriser;
    `kwargs` (the effort model's `structure`) and the batch's split features (`cache["tokens"]`) go to models
    of `feedback_mining.learning.models` only."""
    features = getattr(model, "features_", None)
    if features is None or not hasattr(model, f"{method}_features"):
        return np.asarray(getattr(model, method)(X))
    key = getattr(features, "fingerprint_", id(features))
    if key not in cache and hasattr(features, "transform_blocks"):
        from feedback_mining.learning.models import stack_blocks

        blocks = features.transform_blocks(X, tokens=cache.get("tokens"))
        cache[key], cache[key, "words"] = stack_blocks(blocks), blocks[1]  # the words: for the model evidence
    elif key not in cache:
        cache[key] = features.transform(X)
    return np.asarray(getattr(model, f"{method}_features")(cache[key], X, tokens=cache.get("tokens"), **kwargs))


def _with_model_evidence(evidence, model, cache, rows, proba, classes) -> list[dict[str, list[str]]]:
    """Give each detected pain point that no term found the lemmas (`~ждать`) that raised its probability most."""
    features = getattr(model, "features_", None)
    if not hasattr(model, "coef_") or features is None or not hasattr(features, "word_vocabulary_"):
        return evidence
    todo = []  # (class, pain point, the rows that detect it and where no term found it)
    for k, pain_point in enumerate(classes):
        detected = [r for r in np.flatnonzero(proba[:, k] >= DETECTED).tolist() if pain_point not in evidence[rows[r]]]
        if detected:
            todo.append((k, pain_point, detected))
    if not todo:
        return evidence
    key = getattr(features, "fingerprint_", id(features))
    offset, names = len(features.char_vocabulary_), _word_names(features)
    union = sorted({r for _, _, detected in todo for r in detected})
    words = cache[key, "words"][union] if (key, "words") in cache else cache[key][union][:, offset:offset + len(names)]
    words, where = words.tocsr(), {r: i for i, r in enumerate(union)}
    for k, pain_point, detected in todo:
        contrib = words[[where[r] for r in detected]].multiply(model.coef_[k, offset:offset + len(names)]).tocsr()
        for local, row in enumerate(detected):
            start, end = contrib.indptr[local], contrib.indptr[local + 1]
            values = contrib.data[start:end]
            best = np.argsort(-values)[:MODEL_EVIDENCE]
            top = [f"~{names[contrib.indices[start + i]]}" for i in best if values[i] > 0]
            if top:
                evidence[rows[row]] = {**evidence[rows[row]], pain_point: top}
    return evidence


def _word_names(features) -> np.ndarray:
    names = features.__dict__.get("word_names_")
    if names is None:
        names = np.empty(len(features.word_vocabulary_), dtype=object)
        for gram, i in features.word_vocabulary_.items():
            names[i] = gram
        features.__dict__["word_names_"] = names
    return names


def pain_point_columns(scores: np.ndarray, ids: list[str]) -> dict[str, list[str]]:
    """`pain_points` (ids at p >= DETECTED, most probable first, `;`-joined) and `pain_point_scores` (JSON id ->
    probability, p >= SCORE_FLOOR) from a (rows, ids) probability matrix."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranked = np.take_along_axis(scores, order, axis=1)
    keys = np.asarray([json.dumps(pp) for pp in ids], dtype=object)  # what json.dumps writes for each id
    listed = ranked >= SCORE_FLOOR
    values = np.take_along_axis(scores.round(4), order, axis=1)[listed].tolist()
    entries = [f"{key}: {value!r}" for key, value in zip(keys[order[listed]].tolist(), values)]
    return {"pain_points": _join_rows(np.asarray(ids, dtype=object)[order], ranked >= DETECTED, ";"),
            "pain_point_scores": ["{" + row + "}" for row in _join_rows(entries, listed, ", ")]}


def _join_rows(values, mask: np.ndarray, sep: str) -> list[str]:
    """Per row of `mask`, its selected `values` (a (rows, columns) array, or the selected ones as a list in row
    order) joined by `sep`."""
    chosen = iter(values[mask].tolist() if isinstance(values, np.ndarray) else values)
    return [sep.join(itertools.islice(chosen, n)) if n else "" for n in mask.sum(axis=1).tolist()]


def low_confidence(sentiment, confidence) -> np.ndarray:
    """True where a text has a sentiment whose confidence is below `models.LOW_CONFIDENCE`."""
    from feedback_mining.learning.models import LOW_CONFIDENCE

    rated = pd.Series(sentiment, dtype=object).fillna("").to_numpy() != ""
    return rated & (np.nan_to_num(np.asarray(confidence, dtype=float), nan=1.0) < LOW_CONFIDENCE)


def classify(frame: pd.DataFrame, classifier, text_col: str = "clean_text") -> pd.DataFrame:
    """Add `sentiment`, `sentiment_confidence`, `sentiment_low_confidence` (confidence below
    `models.LOW_CONFIDENCE`), `pain_points` (p >= 0.5, most probable first),
    `pain_point_scores` (JSON, p >= 0.1), `pain_point_evidence` (JSON), `effort_estimate` and one `p_<id>`
    probability column per pain point, reading `text_col`, `features` and `language`."""
    p = classifier.predict(frame, text_col)
    ids = classifier.ids
    return frame.assign(
        sentiment=p.sentiment, sentiment_confidence=p.confidence,
        sentiment_low_confidence=low_confidence(p.sentiment, p.confidence), **pain_point_columns(p.scores, ids),
        pain_point_evidence=[json.dumps(e, ensure_ascii=False) if e else "{}" for e in p.evidence],
        effort_estimate=p.effort,
        **{f"p_{pp}": p.scores[:, j].round(4) for j, pp in enumerate(ids)},
    )


def load_classifier(models=None, taxonomy: Path | None = None, sentiment_lexicon: Path | None = None):
    """The default classifier: the models of `models` (a MODEL_DIR with a registry, the tasks it does not list
    from the shipped models; None: the shipped ones; `"lexicon"`: the term files alone), the taxonomy and the
    sentiment lexicon (None: the built-in files)."""
    terms = Taxonomy(taxonomy), SentimentLexicon(sentiment_lexicon)
    if models is not None and Path(models).name == "lexicon" and not Path(models).exists():
        return LexiconClassifier(*terms)
    from feedback_mining.learning.registry import load_with_shipped

    loaded, info, source = load_with_shipped(models)
    classifier = ModelClassifier(loaded, *terms, source=source, info=info)
    check_mixed(classifier)
    return classifier


def check_mixed(classifier: ModelClassifier) -> None:
    """Refuse an effort model from another folder than the models feeding it when they disagree on the pain points
    and sentiment labels it was trained on (it would silently read some as absent)."""
    from feedback_mining.learning.registry import ModelError

    effort, info = classifier.models.get("effort"), classifier.info
    expected = getattr(effort, "structure_columns_", None)
    if expected is None or len({info.get(t, {}).get("dir") for t in classifier.models}) < 2:
        return  # no structure part, or every model from one folder
    where = {t: info.get(t, {}).get("source", "?") for t in classifier.models}
    fed = {t: [str(c) for c in getattr(classifier.models.get(t), "classes_", [])] for t in ("sentiment", "pain_points")}
    problems = [f"the {t} model ({where[t]}) has {unknown}, which the effort model ({where['effort']}) was not "
                "trained with" for t, labels in fed.items() if (unknown := [c for c in labels if c not in expected])]
    given = set(classifier.ids) | set(fed["sentiment"])
    missing = [c for c in expected if c not in given]
    if missing:
        problems.append(f"the effort model ({where['effort']}) was trained with {missing}, which neither the "
                        "taxonomy nor the other models give")
    if problems:
        raise ModelError(f"models: cannot mix these folders: {'; '.join(problems)}. Train the three tasks together "
                         "(`feedback-mining train --task all ... --out DIR`), or run with the --taxonomy they were "
                         "trained with")


def model_sources(described: dict) -> str:
    """Where each task's model came from, from `describe()`: `sentiment from my_models/, pain_points and effort
    shipped`."""
    if "source" not in described:
        return "term files alone (no models)"
    by_source: dict[str, list[str]] = {}
    for task in ("sentiment", "pain_points", "effort"):
        if task in described:
            by_source.setdefault(described[task].get("source", "in memory"), []).append(task)
    return ", ".join(f"{_and(tasks)} " + (source if source in ("shipped", "in memory") else f"from {source}")
                     for source, tasks in by_source.items())


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
