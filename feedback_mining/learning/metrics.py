"""Held-out metrics of the three tasks, as the `evaluate` command prints them.

Every task reports the same top-level keys: `macro_f1`, `per_language`, `per_class`, `confusion`, `n`.
- sentiment: F1 per label and their unweighted mean; `confusion` rows are the true label, columns the
  predicted one; plus accuracy, `neutral_as_negative` (the share of neutral texts called negative),
  calibration (`log_loss`, `brier`, `ece`: expected calibration error of the confidence over 10 equal-width
  bins) and `low_confidence` (the share of predictions below the flag's threshold, and their accuracy).
- pain points: F1 per pain point (present at p >= 0.5); `macro_f1` is the mean over the pain points that
  occur in the data (a pain point nobody mentions has no F1); `confusion` is tp/fp/fn/tn per pain point;
  plus `micro_f1` and `none_accuracy` (texts with no pain point predicted as such).
- effort: `mae`, `rmse`, `spearman`, and the effort cut into bins low [0, 1/3), medium [1/3, 2/3),
  high [2/3, 1] (high is DESIGN.md's high effort, CES 1-3) for true and predicted values alike: `macro_f1`,
  `per_class` and `confusion` are those of the bins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

EFFORT_BINS = ("low", "medium", "high")


def f1_scores(tp, fp, fn) -> tuple[float, float, float]:
    """(precision, recall, F1), 0 where undefined."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _round(value: float) -> float:
    return round(float(value), 4) + 0.0  # + 0.0: a loss of -0.0 (every probability 1) is 0.0


def label_metrics(y_true, y_pred, labels) -> dict:
    """Macro F1, accuracy, per-class precision/recall/F1/support and the confusion matrix of single labels."""
    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    per_class, f1s = {}, []
    for label in labels:
        tp = int(np.sum((y_true == label) & (y_pred == label)))
        fp, fn = int(np.sum((y_true != label) & (y_pred == label))), int(np.sum((y_true == label) & (y_pred != label)))
        precision, recall, f1 = f1_scores(tp, fp, fn)
        per_class[label] = {"precision": _round(precision), "recall": _round(recall), "f1": _round(f1),
                            "support": tp + fn}
        if tp + fn:
            f1s.append(f1)
    matrix = [[int(np.sum((y_true == t) & (y_pred == p))) for p in labels] for t in labels]
    return {"macro_f1": _round(np.mean(f1s)) if f1s else 0.0, "accuracy": _round(np.mean(y_true == y_pred)),
            "per_class": per_class, "confusion": {"labels": list(labels), "matrix": matrix}, "n": len(y_true)}


def calibration(y_true, proba: np.ndarray, classes, bins: int = 10) -> dict:
    """Log loss, multi-class Brier score and expected calibration error of the top-class confidence."""
    y_true = np.asarray(y_true, dtype=object)
    onehot = (y_true[:, None] == np.asarray(classes, dtype=object)[None, :]).astype(float)
    clipped = np.clip(proba, 1e-12, 1.0)
    confidence, correct = proba.max(axis=1), (proba.argmax(axis=1) == onehot.argmax(axis=1))
    edges = np.minimum((confidence * bins).astype(int), bins - 1)
    ece = sum(abs(correct[edges == b].mean() - confidence[edges == b].mean()) * np.mean(edges == b)
              for b in range(bins) if np.any(edges == b))
    return {"log_loss": _round(-np.mean(np.sum(onehot * np.log(clipped), axis=1))),
            "brier": _round(np.mean(np.sum((proba - onehot) ** 2, axis=1))), "ece": _round(ece)}


def neutral_as_negative(y_true, y_pred) -> float | None:
    """The share of truly neutral texts predicted negative (the failure that makes a real week look angry)."""
    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    neutral = y_true == "neutral"
    return _round(np.mean(y_pred[neutral] == "negative")) if neutral.any() else None


def low_confidence(y_true, proba: np.ndarray, classes, threshold: float) -> dict:
    """How many predictions fall below the confidence threshold, and how often those and the rest are right."""
    y_true, classes = np.asarray(y_true, dtype=object), np.asarray(classes, dtype=object)
    confidence, right = proba.max(axis=1), classes[proba.argmax(axis=1)] == y_true
    low = confidence < threshold
    return {"threshold": threshold, "share": _round(low.mean()),
            "accuracy_low": _round(right[low].mean()) if low.any() else None,
            "accuracy_rest": _round(right[~low].mean()) if (~low).any() else None}


def sentiment_metrics(y_true, y_pred, languages, labels, proba=None, classes=None, threshold=None) -> dict:
    """Label metrics overall and per language, the neutral-called-negative share, and calibration and the
    low-confidence share when probabilities are given."""
    out = label_metrics(y_true, y_pred, labels)
    out["neutral_as_negative"] = neutral_as_negative(y_true, y_pred)
    if proba is not None:
        out["calibration"] = calibration(y_true, proba, classes)
        if threshold is not None:
            out["low_confidence"] = low_confidence(y_true, proba, classes, threshold)
    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    out["per_language"] = _per_language(languages, lambda m: {
        **{k: v for k, v in label_metrics(y_true[m], y_pred[m], labels).items() if k in ("macro_f1", "accuracy", "n")},
        "neutral_as_negative": neutral_as_negative(y_true[m], y_pred[m])})
    return _ordered(out)


def multilabel_metrics(Y_true, Y_pred, languages, ids) -> dict:
    """Per pain point F1 and its 2x2 counts, macro F1 over the pain points present, micro F1, per language."""
    Y_true, Y_pred = np.asarray(Y_true, dtype=int), np.asarray(Y_pred, dtype=int)
    out = _multilabel(Y_true, Y_pred, ids)
    out["per_language"] = _per_language(languages, lambda m: {
        k: v for k, v in _multilabel(Y_true[m], Y_pred[m], ids).items() if k in ("macro_f1", "micro_f1", "n")})
    return _ordered(out)


def _multilabel(Y_true, Y_pred, ids) -> dict:
    per_class, confusion, f1s = {}, {}, []
    for j, pp in enumerate(ids):
        t, p = Y_true[:, j] == 1, Y_pred[:, j] == 1
        tp, fp, fn, tn = int(np.sum(t & p)), int(np.sum(~t & p)), int(np.sum(t & ~p)), int(np.sum(~t & ~p))
        precision, recall, f1 = f1_scores(tp, fp, fn)
        per_class[pp] = {"precision": _round(precision), "recall": _round(recall), "f1": _round(f1), "support": tp + fn}
        confusion[pp] = {"tp": tp, "fp": fp, "fn": fn, "tn": tn}
        if tp + fn:
            f1s.append(f1)
    tp, fp, fn = (int(np.sum(Y_true & Y_pred)), int(np.sum((1 - Y_true) & Y_pred)), int(np.sum(Y_true & (1 - Y_pred))))
    none_true, none_pred = Y_true.sum(axis=1) == 0, Y_pred.sum(axis=1) == 0
    return {"macro_f1": _round(np.mean(f1s)) if f1s else 0.0, "micro_f1": _round(f1_scores(tp, fp, fn)[2]),
            "none_accuracy": _round(np.mean(none_pred[none_true])) if none_true.any() else None,
            "per_class": per_class, "confusion": confusion, "n": len(Y_true)}


def effort_bins(values) -> np.ndarray:
    """low [0, 1/3), medium [1/3, 2/3), high [2/3, 1]."""
    values = np.asarray(values, dtype=float)
    return np.asarray(EFFORT_BINS, dtype=object)[np.digitize(values, [1 / 3 - 1e-9, 2 / 3 - 1e-9])]


def effort_metrics(y_true, y_pred, languages) -> dict:
    """MAE, RMSE, Spearman and the bins' label metrics, overall and per language."""
    out = _effort(np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float))
    out["per_language"] = _per_language(languages, lambda m: {
        k: v for k, v in _effort(np.asarray(y_true, float)[m], np.asarray(y_pred, float)[m]).items()
        if k in ("mae", "macro_f1", "n")})
    return _ordered(out)


def _effort(y_true, y_pred) -> dict:
    binned = label_metrics(effort_bins(y_true), effort_bins(y_pred), EFFORT_BINS)
    rho = spearmanr(y_true, y_pred).statistic if len(y_true) > 2 and np.std(y_true) and np.std(y_pred) else np.nan
    return {"mae": _round(np.mean(np.abs(y_true - y_pred))), "rmse": _round(np.sqrt(np.mean((y_true - y_pred) ** 2))),
            "spearman": None if np.isnan(rho) else _round(rho), **binned}


def _per_language(languages, compute) -> dict:
    languages = pd.Series(np.asarray(languages, dtype=object)).fillna("und").astype(str)
    return {lang: compute(languages.to_numpy() == lang) for lang in sorted(languages.unique())}


def _ordered(out: dict) -> dict:
    first = ["macro_f1", "per_language", "per_class", "confusion"]
    return {**{k: out[k] for k in first}, **{k: v for k, v in out.items() if k not in first}}
