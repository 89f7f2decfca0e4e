"""Likely label errors in a user's corrections, for the review queue: `train --base` writes `label_issues.csv`.

cleanlab's `find_label_issues` (confident learning, Northcutt, Jiang & Chuang 2021) on out-of-fold predicted
probabilities: each of the user's rows is predicted by a model fitted on the base's training rows and the user's
other rows (`FOLDS` folds over the user's rows, with the weights and parameters of the trained model; the word
part of the sentiment model, the pain-point model with `multi_label=True`). Effort is a number, not a class, and
is not checked. The file has the labelled-file columns as the user's file gives them (`COLUMNS`) and a `reason`,
the format of the weekly run's `review.csv`, so both go through the same review; the surest first (lowest
probability of the given label).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold

from feedback_mining.formats import load_table

FOLDS = 5
COLUMNS = ("text", "language", "label", "pain_points", "effort")
FILE = "label_issues.csv"


def find_issues(training, models: dict, users: list[str], say=None) -> tuple[pd.DataFrame, int]:
    """The user's rows that look mislabelled (labelled-file columns + `reason`) and how many rows were checked."""
    say = say or (lambda message: None)
    found, checked = [], set()
    for task in ("sentiment", "pain_points"):
        data = training.tasks.get(task)
        if data is None or task not in models:
            continue
        mine = np.isin(data.frame["source"].to_numpy(), users) & (data.train | data.held_out)
        if mine.sum() < 2 * FOLDS:
            continue
        say(f"label issues: {task}: out-of-fold probabilities of your {int(mine.sum()):,} rows ({FOLDS} folds)")
        proba, classes = out_of_fold(task, data, mine, models[task])
        rows = data.frame.loc[mine, ["_file", "_row"]].reset_index(drop=True)
        checked |= set(map(tuple, rows.to_numpy()))
        reasons, quality = _reasons(task, data.y, mine, proba, classes)
        found.append(rows.assign(reason=reasons, _quality=quality).dropna(subset=["reason"]))
    if not found:
        return pd.DataFrame(columns=[*COLUMNS, "reason"]), len(checked)
    flagged = (pd.concat(found, ignore_index=True).sort_values("_quality", kind="stable")  # the surest first
               .groupby(["_file", "_row"], sort=False)["reason"].agg("; ".join))
    return _as_given(flagged.reset_index()), len(checked)


def out_of_fold(task: str, data, mine: np.ndarray, model) -> tuple[np.ndarray, list]:
    """Probabilities of the `mine` rows, each from a model fitted without its fold (base training rows stay)."""
    users = np.flatnonzero(mine)
    others = data.train & ~mine
    y_users = np.asarray(data.y[mine], dtype=object) if task == "sentiment" else None
    folds = (StratifiedKFold if task == "sentiment" and _stratifiable(y_users) else KFold)(
        FOLDS, shuffle=True, random_state=0)
    splits = list(folds.split(users, y_users if task == "sentiment" else None))
    parts = Parallel(n_jobs=-1)(delayed(_fold)(task, data, others, users[a], users[b], model) for a, b in splits)
    classes = list(parts[0][1])
    proba = np.zeros((len(users), len(classes)))
    for (_, test), (p, c) in zip(splits, parts):
        proba[test] = pd.DataFrame(p, columns=c).reindex(columns=classes, fill_value=0).to_numpy()
    return proba, classes


def _stratifiable(y) -> bool:
    return pd.Series(y).value_counts().min() >= FOLDS


def _fold(task, data, others, train_rows, test_rows, model):
    mask = others.copy()
    mask[train_rows] = True
    X, y = data.rows(mask)
    Xt, w = model.features_.transform(X), data.weights(mask)
    test = np.zeros(len(mask), dtype=bool)
    test[test_rows] = True
    X_test, _ = data.rows(test)
    if task == "sentiment":  # the word part: the evidence part and calibration do not know the user's words
        words = ~data.evidence_only[mask]
        fitted = clone(model.estimator_).fit(Xt[words], np.asarray(y, dtype=object)[words], sample_weight=w[words])
        return fitted.predict_proba(model.features_.transform(X_test)), list(fitted.classes_)
    fold = clone(model)
    fold.features_, fold.languages_ = model.features_, {}
    fold._fit_estimator(Xt, y, w, known=data.known(mask))
    return fold.predict_proba_features(model.features_.transform(X_test), X_test), list(fold.classes_)


def _reasons(task: str, y, mine: np.ndarray, proba: np.ndarray, classes: list) -> tuple[list, np.ndarray]:
    """Per user row, `likely label error: given X, model says Y (p=0.91)` when cleanlab flags it, else None; and
    the probability the model gives the given label (the least of them for pain points): low is surest."""
    from cleanlab.filter import find_label_issues

    if task == "sentiment":
        given = np.asarray(y[mine], dtype=object)
        index = {c: i for i, c in enumerate(classes)}
        codes = np.array([index[g] for g in given])
        flags = find_label_issues(codes, proba)
        return [f"likely label error: given {g}, model says {classes[int(p.argmax())]} (p={p.max():.2f})" if f
                else None for g, p, f in zip(given, proba, flags)], proba[np.arange(len(codes)), codes]
    truth = y[mine].reset_index(drop=True).reindex(columns=classes, fill_value=0).to_numpy()
    flags = find_label_issues([list(np.flatnonzero(t)) for t in truth], proba, multi_label=True)
    agreeing = np.where(truth.astype(bool), proba, 1 - proba).min(axis=1)
    return [_multi_reason(t, p, classes) if f else None for t, p, f in zip(truth, proba, flags)], agreeing


def _multi_reason(truth: np.ndarray, proba: np.ndarray, classes: list) -> str:
    """`likely label error: pain points given waiting, model says billing (p(billing)=0.88, p(waiting)=0.07)`."""
    said = proba >= 0.5
    given = ";".join(c for c, t in zip(classes, truth) if t) or "none"
    model = ";".join(c for c, s in zip(classes, said) if s) or "none"
    differ = np.flatnonzero(said != truth.astype(bool))
    differ = differ if len(differ) else [int(np.abs(proba - truth).argmax())]
    odds = ", ".join(f"p({classes[j]})={proba[j]:.2f}" for j in differ)
    return f"likely label error: pain points given {given}, model says {model} ({odds})"


def _as_given(flagged: pd.DataFrame) -> pd.DataFrame:
    """The flagged rows as the user's files give them (labelled-file columns) with their `reason`."""
    parts = []
    for path, rows in flagged.groupby("_file", sort=False):
        table = load_table(Path(path))
        picked = rows.merge(table.assign(_row=table["_row"].astype(int)), on="_row", how="left")
        parts.append(picked.reindex(columns=[*COLUMNS, "reason"], fill_value="").astype(object).fillna(""))
    return pd.concat(parts, ignore_index=True)


def save_issues(issues: pd.DataFrame, out: Path) -> Path:
    """Write `label_issues.csv` in `out` (a header only when nothing is flagged); its path."""
    path = Path(out) / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    issues.to_csv(path, index=False)
    return path
