"""Classify stage: sentiment, effort-related pain points (with evidence) and an effort estimate per text.

This first classifier is transparent: it matches the editable term lists of `resources/taxonomy.toml`
(pain points) and `resources/sentiment.toml` against a text's negation-marked lemmas. A CX lead can add a
term or a whole pain point to the file and see it in the next run.

Term syntax: space-separated lemmas matched contiguously; `wait*` matches any lemma starting with `wait`;
a negator in a term is attached as in the text, so `не работать` matches "не работает" and `работать`
does not. A match next to a negated "had to" ("ждать не пришлось") does not count.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_mining.analyse import lemmatizer, mark_negation, tokenize
from feedback_mining.lang import get_language
from feedback_mining.errors import UsageError

LANGUAGE_KEYS = ("en", "ru", "uk", "fa")
# "ждать не пришлось", "не пришлось ждать": a negated "had to" next to a match cancels it
NEGATED_NEED = {"не_прийтись", "не_надо", "не_нужно", "не_довестись", "не_прийтися", "ні_прийтися",
                "not_have", "never_have", "نه_میخواست"}


def compile_term(term: str, lang: str = "other") -> tuple[str, ...]:
    """`Не работает` -> `('не_работать',)`, `waited*` -> `('waited*',)`: the term analysed exactly as a text
    in its language is (lemmas, negation marks); the last word of a `*` term is a prefix, kept as written."""
    prefix = term.strip().endswith("*")
    words = tokenize(get_language(lang).normalise(term.strip().rstrip("*")), lang)
    if not words:
        return ()
    last = words[-1].replace("\u200c", "") if prefix else lemmatizer(lang)(words[-1])
    lemmas = lemmatizer(lang).lemmas(words[:-1]) + [last]
    tokens = mark_negation(lemmas, lang)
    if prefix and tokens:
        tokens[-1] += "*"
    return tuple(tokens)


@dataclass
class TermMatcher:
    """Find which labels' terms occur in a token sequence; built from {label: [(language, term), ...]}.

    `negated_labels` ({"positive": "negative", ...}) also compiles each term's negated form ("не_удобно")
    under the other label. Token -> candidate terms is cached, and a text's distinct tokens are checked
    against the cache with set operations, so a text costs little more than splitting it.
    """

    terms: dict[str, list[tuple[str, str]]]
    negated_labels: dict[str, str] = field(default_factory=dict)
    exact_: dict[str, list[tuple[tuple[str, ...], str, str]]] = field(default_factory=dict, init=False)
    prefix_: dict[str, list[tuple[str, str]]] = field(default_factory=dict, init=False)

    @classmethod
    def from_lists(cls, terms: dict[str, list[str]], lang: str = "other") -> TermMatcher:
        """A matcher from {label: [terms]} all in one language."""
        return cls({label: [(lang, t) for t in ts] for label, ts in terms.items()})

    def __post_init__(self):
        for label, terms in self.terms.items():
            for lang, term in terms:
                tokens = compile_term(term, lang)
                if tokens:
                    self._add(tokens, label, term)
                if tokens and label in self.negated_labels and "_" not in tokens[0]:
                    for negator in get_language(lang).negators:
                        self._add((f"{negator}_{tokens[0]}", *tokens[1:]), self.negated_labels[label], f"{negator} {term}")
        self.prefix_lengths_ = sorted({len(p) for p in self.prefix_})
        self.candidates_: dict[str, list] = {}  # token -> terms that may start there (only tokens that have some)
        self.seen_: set[str] = set()

    def _add(self, tokens: tuple[str, ...], label: str, term: str) -> None:
        if len(tokens) == 1 and tokens[0].endswith("*"):
            self.prefix_.setdefault(tokens[0][:-1], []).append((label, term))
        else:
            self.exact_.setdefault(tokens[0], []).append((tokens, label, term))

    def _learn(self, tokens: set[str]) -> None:
        """Work out and cache the candidate terms of tokens not seen before."""
        for token in tokens:
            found = list(self.exact_.get(token, ()))
            found += [((token,), label, term) for cut in self.prefix_lengths_ if cut <= len(token)
                      for label, term in self.prefix_.get(token[:cut], ())]
            if found:
                self.candidates_[token] = found
        self.seen_ |= tokens

    def matches(self, tokens: list[str]) -> list[tuple[str, str, int]]:
        """Return (label, term, position) for every match, skipping matches beside a negated "had to"."""
        distinct = set(tokens)
        new = distinct - self.seen_
        if new:
            self._learn(new)
        if self.candidates_.keys().isdisjoint(distinct):
            return []
        found = []
        for i, token in enumerate(tokens):
            for pattern, label, term in self.candidates_.get(token, ()):
                if len(pattern) > 1 and not _matches_at(tokens, i, pattern):
                    continue  # first word matched; the rest did not
                beside = tokens[max(i - 1, 0):i] + tokens[i + len(pattern):i + len(pattern) + 1]
                if not NEGATED_NEED.intersection(beside):
                    found.append((label, term, i))
        return found


def _matches_at(tokens, i, pattern) -> bool:
    if i + len(pattern) > len(tokens) or tokens[i + 1] != pattern[1] and not pattern[1].endswith("*"):
        return False
    for token, want in zip(tokens[i + 1:], pattern[1:]):
        if want.endswith("*") and not token.startswith(want[:-1]) or not want.endswith("*") and token != want:
            return False
    return True


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

