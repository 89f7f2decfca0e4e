"""Classify stage: sentiment, effort-related pain points (with evidence) and an effort estimate per text.

This first classifier is transparent: it matches the editable term lists of `resources/taxonomy.toml`
(pain points) and `resources/sentiment.toml` against a text's negation-marked lemmas. A CX lead can add a
term or a whole pain point to the file and see it in the next run.
The term syntax is in `feedback_mining/terms.py`.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_mining.errors import UsageError
from feedback_mining.terms import LANGUAGE_KEYS, TermMatcher


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

    def score(self, tokens: list[str], text: str) -> int:
        """Positive minus negative hits (`не_удобно` is a negative hit), emoji included."""
        total = sum(1 if label == "positive" else -1 for label, _, _ in self.matcher.matches(tokens))
        chars = set(text)
        return total + len(chars & self.emoji["positive"]) - len(chars & self.emoji["negative"])


def pain_point_probability(hits: int) -> float:
    """More matching terms, more certainty: 1 hit 0.65, 2 hits 0.88, 3 hits 0.96."""
    return 1.0 - 0.35 ** hits


def estimate_effort(n_pain_points: int, sentiment: str) -> float:
    """A first text-based effort estimate in [0, 1] from pain-point count and sentiment."""
    value = 0.15 + 0.2 * min(n_pain_points, 3) + {"negative": 0.2, "neutral": 0.0, "positive": -0.1}[sentiment]
    return min(max(value, 0.0), 1.0)


class LexiconClassifier:
    """Sentiment, pain points and effort from the taxonomy and sentiment term files."""

    def __init__(self, taxonomy: Taxonomy | None = None, lexicon: SentimentLexicon | None = None):
        self.taxonomy = taxonomy or Taxonomy()
        self.lexicon = lexicon or SentimentLexicon()

    @property
    def version(self) -> str:
        return f"lexicon:taxonomy={self.taxonomy.version},sentiment={self.lexicon.version}"

    def classify_text(self, features: str, text: str) -> dict:
        tokens = features.split()
        evidence: dict[str, list[str]] = {}
        for pain_point, term, _ in self.taxonomy.matcher.matches(tokens):
            evidence.setdefault(pain_point, []).append(term)
        scores = {pp: round(pain_point_probability(len(terms)), 4) for pp, terms in evidence.items()}
        polarity = self.lexicon.score(tokens, text)
        if polarity == 0 and scores:
            polarity = -1  # describing a pain point is a complaint even without an opinion word
        sentiment = "positive" if polarity > 0 else "negative" if polarity < 0 else "neutral"
        return {"sentiment": sentiment,
                "sentiment_confidence": round(0.5 + 0.5 * abs(polarity) / (abs(polarity) + 1), 4),
                "scores": scores, "evidence": evidence,
                "effort_estimate": estimate_effort(len(scores), sentiment) if text else np.nan}


def classify(frame: pd.DataFrame, classifier: LexiconClassifier, text_col: str = "clean_text") -> pd.DataFrame:
    """Add `sentiment`, `sentiment_confidence`, `pain_points`, `pain_point_scores`, `pain_point_evidence`,
    `effort_estimate` and one `p_<id>` probability column per pain point."""
    results = [classifier.classify_text(f, t) for f, t in zip(frame["features"].tolist(), frame[text_col].tolist())]
    ids = classifier.taxonomy.ids
    scores = [r["scores"] for r in results]
    return frame.assign(
        sentiment=[r["sentiment"] if t else "" for r, t in zip(results, frame[text_col])],
        sentiment_confidence=[r["sentiment_confidence"] for r in results],
        pain_points=[";".join(sorted(s, key=lambda k: (-s[k], ids.index(k)))) for s in scores],
        pain_point_scores=[json.dumps(s, ensure_ascii=False) for s in scores],
        pain_point_evidence=[json.dumps(r["evidence"], ensure_ascii=False) for r in results],
        effort_estimate=[r["effort_estimate"] for r in results],
        **{f"p_{pp}": np.array([s.get(pp, 0.0) for s in scores], dtype=float) for pp in ids},
    )

