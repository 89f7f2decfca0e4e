"""Labelled rows for training and evaluation: check (errors name the rows), split, prepare.

Rows come from `feedback_mining.learning.sources` with `text`, `language`, and the task's column: `label` (negative /
neutral / positive), `pain_points` (`;`-joined ids, empty for none) or `effort` (a number in [0, 1]). The held-out split
is a pure function of the text, so it never moves when rows are added or reordered and training never sees
it: `HELD_OUT_RULE`.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from feedback_mining.analyse import analyse
from feedback_mining.classify import SentimentLexicon, Taxonomy, lexicon_frame
from feedback_mining.clean import clean
from feedback_mining.errors import InputError, UsageError
from feedback_mining.language import detect
from feedback_mining.learning.models import PAIN_POINT_IDS, SENTIMENT_LABELS

TASK_COLUMNS = {"sentiment": "label", "pain_points": "pain_points", "effort": "effort"}
HELD_OUT_PERCENT = 20
HELD_OUT_RULE = ("held out when int(sha256(key)[:8], 16) % 100 < 20, key = the text lower-cased, digit runs -> 0, "
                 "words joined by single spaces (so texts differing only in numbers or punctuation stay together)")
MIN_TRAIN_ROWS, MIN_HELD_OUT_ROWS = 20, 5


def split_key(text: str) -> str:
    """The text as the split sees it: `Ждал 40 минут!` -> `ждал 0 минут`."""
    return " ".join(re.findall(r"\w+", re.sub(r"\d+", "0", str(text).lower())))


def split_bucket(text: str) -> int:
    """0-99 from the sha256 of the text's words: `Ждал 40 минут!` and `ждал 15 минут` share a bucket."""
    return int(hashlib.sha256(split_key(text).encode("utf-8")).hexdigest()[:8], 16) % 100


def held_out_mask(texts) -> np.ndarray:
    return np.array([split_bucket(t) < HELD_OUT_PERCENT for t in texts], dtype=bool)


def _rows(frame: pd.DataFrame, mask, limit: int = 8) -> str:
    rows = frame.loc[np.asarray(mask, dtype=bool), "_row"].astype(int).tolist()
    more = f" (and {len(rows) - limit} more)" if len(rows) > limit else ""
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(map(str, rows[:limit])) + more


def check_rows(frame: pd.DataFrame, task: str, path, pain_point_ids) -> None:
    """Raise an InputError naming the rows with an empty text or a label the task does not know."""
    problems = []
    empty = frame["text"].fillna("").str.strip() == ""
    if empty.any():
        problems.append(f"{_rows(frame, empty)}: empty text (fill it in or delete the row)")
    values = frame[TASK_COLUMNS[task]].fillna("").str.strip()
    if task == "sentiment":
        bad = ~values.str.lower().isin(SENTIMENT_LABELS)
        if bad.any():
            found = sorted(set(values[bad]))[:5]
            problems.append(f"{_rows(frame, bad)}: label {found} is not one of {list(SENTIMENT_LABELS)}")
    elif task == "pain_points":
        known = set(pain_point_ids)
        unknown = values.map(lambda v: sorted({p.strip() for p in v.split(";") if p.strip()} - known))
        bad = unknown.map(bool)
        if bad.any():
            found = sorted({p for ps in unknown[bad] for p in ps})[:5]
            problems.append(f"{_rows(frame, bad)}: unknown pain point id(s) {found}; known: {sorted(known)} "
                            "(add a new one to the taxonomy file first)")
    else:
        numbers = pd.to_numeric(values, errors="coerce")
        bad = numbers.isna() | (numbers < 0) | (numbers > 1)
        if bad.any():
            problems.append(f"{_rows(frame, bad)}: effort {sorted(set(values[bad]))[:5]} is not a number in [0, 1]")
    if problems:
        raise InputError(path, "; ".join(problems))


def targets(frame: pd.DataFrame, task: str, pain_point_ids=PAIN_POINT_IDS):
    """The task's target: labels (sentiment), a 0/1 frame by pain-point id, or effort numbers."""
    values = frame[TASK_COLUMNS[task]].fillna("").str.strip()
    if task == "sentiment":
        return values.str.lower().to_numpy(dtype=object)
    if task == "effort":
        return pd.to_numeric(values).to_numpy(dtype=float)
    sets = values.map(lambda v: {p.strip() for p in v.split(";") if p.strip()})
    return pd.DataFrame({pp: sets.map(lambda s, pp=pp: int(pp in s)).to_numpy() for pp in pain_point_ids})


def check_learnable(frame: pd.DataFrame, task: str, y, train: np.ndarray) -> None:
    """Raise a UsageError when the training rows cannot train the task: too few rows, one class only."""
    where = ", ".join(sorted(set(frame["_file"])))
    n_train, n_held = int(train.sum()), int((~train).sum())
    if n_train < MIN_TRAIN_ROWS or n_held < MIN_HELD_OUT_ROWS:
        raise UsageError(f"{where}: {len(frame)} labelled rows give {n_train} training and {n_held} held-out rows; "
                         f"need at least {MIN_TRAIN_ROWS} and {MIN_HELD_OUT_ROWS} (about {MIN_TRAIN_ROWS + 10} rows "
                         f"or more; {HELD_OUT_PERCENT}% of texts are held out by a hash of the text)")
    if task == "sentiment":
        counts = pd.Series(y[train]).value_counts()
        if len(counts) < 2:
            raise UsageError(f"{where}: every training row has label {counts.index[0]!r} ({_rows(frame, train)}); "
                             "a classifier needs at least two labels")
        rare = counts[counts < 2]
        if len(rare):
            raise UsageError(f"{where}: label(s) {list(rare.index)} occur in fewer than 2 training rows; "
                             "add examples or drop the label")
    elif task == "pain_points":
        if not y[train].to_numpy().any():
            raise UsageError(f"{where}: no training row has a pain point; label some rows' pain_points")
        if y[train].to_numpy().any(axis=1).all():
            raise UsageError(f"{where}: every training row has a pain point; add rows with none (empty pain_points)")
    elif np.ptp(y[train]) == 0:
        raise UsageError(f"{where}: every training row has effort {y[train][0]}; a regression needs different values")


def prepare(frame: pd.DataFrame, taxonomy: Taxonomy | None = None, lexicon: SentimentLexicon | None = None,
            chunk: int = 5000) -> pd.DataFrame:
    """The models' input: the text stages (clean, language given or detected, analyse) and the term counts."""
    taxonomy, lexicon = taxonomy or Taxonomy(), lexicon or SentimentLexicon()
    parts = []
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start:start + chunk][["text", "language"]]
        part = part.pipe(clean, text_col="text").pipe(detect).pipe(analyse)
        parts.append(lexicon_frame(part, taxonomy, lexicon)[0])
    return pd.concat(parts, ignore_index=True) if parts else lexicon_frame(frame.assign(
        clean_text="", features=""), taxonomy, lexicon)[0]
