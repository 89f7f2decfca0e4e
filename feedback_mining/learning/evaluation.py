"""How well a model does, and where: our held-out split, each real source, and leave-one-source-out.

Every figure is on rows the model never trained on:
- `held_out`: the hashed 20% of each trained source (`labelled.HELD_OUT_RULE`); `ours` is what we compare
  across releases, a real source's figure is in-domain;
- `validation`: every row of a validation-only source (`ru_opensentimentcorpus`) whose text does not also train;
- `cross_domain`: for each real source, a model trained on everything else (its featuriser too) and
  evaluated on all of that source's rows: how the model does on a domain and a labelling it has never seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge

from feedback_mining.learning import metrics
from feedback_mining.learning.models import LOW_CONFIDENCE, PAIN_POINT_IDS, SENTIMENT_LABELS


class Baseline:
    """The plain alternative: TF-IDF of the clean text's words + logistic regression (ridge for effort)."""

    def __init__(self, task: str):
        self.task = task

    def fit(self, X, y):
        self.vectorizer_ = TfidfVectorizer().fit(X["clean_text"])
        Xt = self.vectorizer_.transform(X["clean_text"])
        if self.task == "pain_points":
            self.columns_ = [c for c in y.columns if 0 < y[c].sum() < len(y)]
            self.models_ = [LogisticRegression(max_iter=2000).fit(Xt, y[c]) for c in self.columns_]
        else:
            self.model_ = (Ridge() if self.task == "effort" else LogisticRegression(max_iter=2000)).fit(Xt, y)
        return self

    def predict(self, X):
        Xt = self.vectorizer_.transform(X["clean_text"])
        if self.task != "pain_points":
            return self.model_.predict(Xt) if self.task == "sentiment" else np.clip(self.model_.predict(Xt), 0, 1)
        out = pd.DataFrame(0, index=range(len(X)), columns=list(PAIN_POINT_IDS))
        for c, m in zip(self.columns_, self.models_):
            out[c] = m.predict(Xt)
        return out


def evaluate(task, model, X, y) -> dict:
    """Metrics of a model (ours, the baseline, or any estimator over the text frame) on rows it never saw."""
    languages = X["language"].to_numpy()
    if task == "sentiment":
        if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
            proba = np.asarray(model.predict_proba(X))
            classes = np.asarray(model.classes_, dtype=object)
            return metrics.sentiment_metrics(y, classes[proba.argmax(axis=1)], languages, SENTIMENT_LABELS, proba,
                                             classes, LOW_CONFIDENCE)
        return metrics.sentiment_metrics(y, model.predict(X), languages, SENTIMENT_LABELS)
    if task == "effort":
        return metrics.effort_metrics(y, model.predict(X), languages)
    if isinstance(model, Baseline):
        predicted = model.predict(X)
    else:
        proba = np.asarray(model.predict_proba(X))
        predicted = pd.DataFrame(0, index=range(len(X)), columns=list(y.columns))
        for j, pp in enumerate(model.classes_):
            if pp in predicted:
                predicted[pp] = (proba[:, j] >= 0.5).astype(int)
    ids = [pp for pp in y.columns if y[pp].any() or predicted.reindex(columns=y.columns)[pp].any()]
    return metrics.multilabel_metrics(y[ids].to_numpy(), predicted.reindex(columns=ids, fill_value=0).to_numpy(),
                                      languages, ids)


def evaluate_sources(task, model, data) -> dict:
    """`held_out` (per trained source) and `validation` (per validation source) metrics of a fitted model."""
    out = {"held_out": {}, "validation": {}}
    for source in data.sources:
        rows = data.of(source.name) & (data.validation & ~data.seen if source.validation else data.held_out)
        if rows.sum() >= 5:
            kind = "validation" if source.validation else "held_out"
            out[kind][source.name] = evaluate(task, model, *data.rows(rows))
    return out


def headline(task: str, result: dict) -> dict:
    """The few numbers a table shows of a metrics dict."""
    keep = {"sentiment": ("macro_f1", "accuracy", "neutral_as_negative", "n"),
            "pain_points": ("macro_f1", "micro_f1", "n"), "effort": ("macro_f1", "mae", "n")}[task]
    out = {k: result[k] for k in keep if k in result}
    out["per_language"] = {k: v.get("macro_f1") for k, v in result["per_language"].items()}
    return out


def summary_line(task: str, result: dict) -> str:
    langs = ", ".join(f"{k} {v.get('macro_f1', 0):.3f}" for k, v in result["per_language"].items())
    extra = f", MAE {result['mae']:.3f}" if task == "effort" else ""
    if result.get("neutral_as_negative") is not None:
        extra += f", neutral called negative {result['neutral_as_negative']:.0%}"
    return f"macro-F1 {result['macro_f1']:.3f}{extra} (by language: {langs}; n={result['n']})"


def effort_by_sentiment(effort: np.ndarray, sentiment, truth: np.ndarray | None = None) -> dict:
    """Mean estimated effort (and true effort, where known) per sentiment label: the calibration evidence that
    neutral and positive texts are not counted as hard work."""
    frame = pd.DataFrame({"sentiment": np.asarray(sentiment, dtype=object), "estimated": effort})
    if truth is not None:
        frame["true"] = truth
    grouped = frame.groupby("sentiment")
    out = {label: {"n": int(len(g)), "estimated": round(float(g["estimated"].mean()), 4),
                   **({"true": round(float(g["true"].mean()), 4)} if truth is not None else {})}
           for label, g in grouped if label in SENTIMENT_LABELS}
    return out
