"""One task's labelled rows from every source, prepared for the models: text frame, targets, weights, splits.

- **held out**: 20% of every trained source, by a hash of the text (`labelled.HELD_OUT_RULE`): never in the
  vocabulary, cross-validation or fitting; our own texts' held-out rows give the figure we compare across
  releases, a real source's held-out rows its in-domain figure;
- **validation** sources: every row is evaluation data, never training;
- **weights**: sentiment rows are weighed so that every (source, language) and, within the mix, every class
  counts alike, times the source's `weight`: the class balance of the training mix (55% of our texts are
  complaints) must not decide a real week. Pain-point and effort rows count `weight` each (BANKING77 0.1).
  Sources with a `share` (a user's corrections, `train --base`) are weighed apart (sentiment: balanced among
  themselves) and scaled to carry that share of the total; the other rows keep the weights they have without them;
- a **validation** row whose text also trains (a user's corrections taken from a validation set) is not
  evaluated on (`seen`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback_mining.learning import labelled
from feedback_mining.errors import UsageError
from feedback_mining.learning.models import SENTIMENT_LABELS
from feedback_mining.learning.registry import file_sha256
from feedback_mining.learning.sources import Source, read_task


class TaskData:
    """The rows of `task`: `frame` (read), `X` (prepared), `y`, and masks `train`, `held_out`, `validation`."""

    def __init__(self, task: str, sources: list[Source], pain_point_ids, prepared: "PreparedTexts",
                 training: bool = True):
        """`training=False`: rows only to evaluate on (no check that they could train the task)."""
        self.task, self.ids = task, list(pain_point_ids)
        parts = []
        for source in sources:
            rows = read_task(source, task, self.ids)
            if rows is not None and len(rows):
                parts.append(rows.assign(_weight=source.weight, _share=source.share or 0.0, _validation=source.validation,
                                     _own=source.own,
                                         _evidence_only=task == "sentiment" and source.sentiment_part == "evidence"))
        if not parts:
            raise UsageError(f"no labelled rows for {task}: give --data files with a "
                             f"{labelled.TASK_COLUMNS[task]!r} column (or a recipe source for it)")
        self.frame = pd.concat(parts, ignore_index=True)
        self.sources = [s for s in sources if s.name in set(self.frame["source"])]
        self.validation = self.frame["_validation"].to_numpy(bool)
        hashed = labelled.held_out_mask(self.frame["text"])
        self.held_out = hashed & ~self.validation
        self.train = ~hashed & ~self.validation & self._trainable(sources)
        keys = self.frame["text"].map(labelled.split_key)
        self.seen = self.validation & keys.isin(set(keys[self.train])).to_numpy()
        self.y = labelled.targets(self.frame, task, self.ids)
        if training:
            labelled.check_learnable(self.frame, task, self.y, self.train)
        self.X = prepared.get(self.frame)

    def _trainable(self, sources: list[Source]) -> np.ndarray:
        """False for rows whose sentiment label their source keeps for evaluation only (`train_labels`)."""
        out = np.ones(len(self.frame), dtype=bool)
        for source in sources:
            if self.task == "sentiment" and source.train_labels is not None:
                out &= ~(self.of(source.name) & ~self.frame["label"].isin(source.train_labels).to_numpy())
        return out

    def rows(self, mask) -> tuple[pd.DataFrame, object]:
        """(X, y) of the rows in `mask`, re-indexed."""
        mask = np.asarray(mask, dtype=bool)
        y = self.y[mask].reset_index(drop=True) if isinstance(self.y, pd.DataFrame) else self.y[mask]
        return self.X[mask].reset_index(drop=True), y

    def of(self, name: str) -> np.ndarray:
        return self.frame["source"].to_numpy() == name

    @property
    def own(self) -> np.ndarray:
        """Rows of our own sources; without any (a user's --data files), every trained source's rows."""
        own = self.frame["_own"].to_numpy(bool)
        return own if own.any() else ~self.validation

    @property
    def evidence_only(self) -> np.ndarray:
        return self.frame["_evidence_only"].to_numpy(bool)

    def weights(self, mask) -> np.ndarray:
        """Row weights of the rows in `mask` (see the module docstring)."""
        mask = np.asarray(mask, dtype=bool)
        frame = self.frame[mask]
        shares = frame["_share"].to_numpy(float)
        labels = np.asarray(self.y[mask], dtype=object) if self.task == "sentiment" else None
        w = np.zeros(len(frame))
        for part in (shares == 0, shares > 0):  # the base's rows, then the user's, each weighed on its own
            if part.any():
                w[part] = frame["_weight"].to_numpy(float)[part]
                if labels is not None:
                    w[part] = _balanced(frame[part], w[part], labels[part])
        return _with_shares(w, shares)

    def user_share(self, mask) -> float:
        """The share of the training weight of `mask`'s rows that rows of sources with a `share` carry."""
        mask = np.asarray(mask, dtype=bool)
        w, shared = self.weights(mask), self.frame["_share"].to_numpy(float)[mask] > 0
        return float(w[shared].sum() / w.sum()) if w.sum() else 0.0

    def known(self, mask) -> pd.DataFrame | None:
        """Which pain-point labels of the rows in `mask` are known: all, except the unlabelled ones of rows from a
        partial mapping (`mappings`: a CFPB complaint's other pain points)."""
        if self.task != "pain_points" or "_partial" not in self.frame:
            return None
        partial = self.frame["_partial"].fillna(False).to_numpy(bool)[np.asarray(mask, dtype=bool)]
        y = self.y[np.asarray(mask, dtype=bool)].reset_index(drop=True)
        return (y == 1) | pd.DataFrame(~partial[:, None].repeat(y.shape[1], 1), columns=y.columns)

    def structure(self, mask) -> pd.DataFrame | None:
        """Sentiment (one-hot) and pain points (0/1) of effort rows, when every one of them has both labels."""
        if self.task != "effort" or not {"label", "pain_points"} <= set(self.frame.columns):
            return None
        frame = self.frame[np.asarray(mask, dtype=bool)]
        labels = frame["label"].fillna("").str.strip().str.lower()
        if not labels.isin(SENTIMENT_LABELS).all():
            return None
        sets = frame["pain_points"].fillna("").map(lambda v: {p.strip() for p in v.split(";") if p.strip()})
        return pd.DataFrame({**{c: (labels == c).astype(float).to_numpy() for c in SENTIMENT_LABELS},
                             **{pp: sets.map(lambda s, pp=pp: float(pp in s)).to_numpy() for pp in self.ids}})

    def fingerprint(self) -> list[dict]:
        """Each source's files with sha256 and the rows this task read from them."""
        counts = self.frame.groupby(["source", "_file"]).size()
        return [{"source": s, "path": _display(f), "sha256": file_sha256(f), "rows": int(n)}
                for (s, f), n in counts.items()]


def _balanced(frame: pd.DataFrame, w: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Sentiment weights: every (source, language), and within the mix every class, counts alike; mean 1."""
    groups = (frame["source"] + "/" + frame["language"].astype(str)).to_numpy()
    w = w / pd.Series(groups).map(pd.Series(groups).value_counts()).to_numpy()
    for label in SENTIMENT_LABELS:
        if (labels == label).any():
            w[labels == label] /= w[labels == label].sum()
    return w * len(w) / w.sum()


def _with_shares(w: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """The rows with a share (the user's) scaled to carry that share of the total; the other rows keep the weights
    they have without them, so the base's balance and its tuned regularisation keep their meaning."""
    mine = shares > 0
    if not mine.any() or mine.all() or w[mine].sum() == 0:
        return w
    share = float(shares[mine].max())
    w = w.copy()
    w[mine] *= share / (1 - share) * w[~mine].sum() / w[mine].sum()
    return w


def _display(path: str) -> str:
    """A path as a card shows it: inside `../shared/data` from there, else the file name."""
    parts = path.replace("\\", "/").split("/")
    return "/".join(parts[parts.index("data") - 1:]) if "shared" in parts and "data" in parts else parts[-1]


class PreparedTexts:
    """The text stages run once per distinct (text, language), shared by the tasks."""

    def __init__(self, taxonomy, lexicon):
        self.taxonomy, self.lexicon, self.cache = taxonomy, lexicon, None

    def get(self, frame: pd.DataFrame) -> pd.DataFrame:
        keys = frame[["text", "language"]].astype(str)
        new = keys.drop_duplicates()
        if self.cache is not None:
            new = new.merge(self.cache[["text_key", "language_key"]], how="left", left_on=["text", "language"],
                            right_on=["text_key", "language_key"], indicator=True)
            new = new[new["_merge"] == "left_only"][["text", "language"]]
        if len(new):
            done = labelled.prepare(new.reset_index(drop=True), self.taxonomy, self.lexicon)
            done = done.assign(text_key=new["text"].to_numpy(), language_key=new["language"].to_numpy())
            self.cache = done if self.cache is None else pd.concat([self.cache, done], ignore_index=True)
        columns = [c for c in self.cache.columns if c not in ("text_key", "language_key")]
        merged = keys.merge(self.cache, how="left", left_on=["text", "language"], right_on=["text_key", "language_key"],
                            suffixes=("_given", ""))
        return merged[columns].reset_index(drop=True)
