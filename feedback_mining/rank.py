"""Rank stage: touchpoints by contributed effort, the pain-point drill-down, scores and intervals.

Everything is computed from *partials*: sums and counts per touchpoint (and per touchpoint x pain point)
that add up across chunks and partitions, so a week of any size ranks in bounded memory. The bootstrap
is a Poisson bootstrap whose weights come from a hash of the item id, so the same item gets the same
weights in whatever chunk it lands, and the intervals do not depend on the chunking.

Definitions (DESIGN.md): excess effort `max(effort - target, 0)`; contributed effort `C_t` is its sum over
a touchpoint's items; share `C_t / sum C`; each item's excess is split over its pain points in proportion
to their probabilities (none: `unattributed`); impact of a pain point is the mean effort of all items minus
the mean effort of the items without it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from feedback_mining import drivers, scores
from feedback_mining.classify import DETECTED  # a pain point "is present" in an item at this probability
from feedback_mining.config import Config
from feedback_mining.scores import ratio as _ratio
from feedback_mining.privacy import pseudonymise
from feedback_mining.tokens import as_strings

HIGH_EFFORT = 2 / 3
UNATTRIBUTED = "unattributed"

SUM_COLUMNS = ["n_items", "n_scored", "n_effort", "sum_effort", "n_high", "contributed_effort",
               "contributed_estimated", *scores.SCORE_SUMS]
PAIN_COLUMNS = ["n_items", "contributed_effort", "n_effort_with", "sum_effort_with"]
INTERVAL_NOTE = ("share_low/share_high, rank_low/rank_high and contributed_low/contributed_high are 95% percentile "
                 "intervals over a Poisson(1) bootstrap of items whose weights are a hash of (item id, replicate, "
                 "seed), so they do not depend on chunking and are reproducible")


@dataclass
class Partials:
    """Mergeable aggregates of a set of items: every field adds up across chunks and partitions."""

    sums: pd.DataFrame  # index touchpoint: SUM_COLUMNS
    pains: pd.DataFrame  # index (touchpoint, pain_point): PAIN_COLUMNS
    pain_boot: pd.DataFrame  # index (touchpoint, pain_point): one column per bootstrap replicate of contributed effort
    resolution: pd.DataFrame  # index touchpoint: histogram of log10 resolution hours (scores.HIST_BINS columns)
    gram: pd.DataFrame  # index (touchpoint, term): Z'Z for the driver weights (drivers.gram)

    def __add__(self, other: Partials) -> Partials:
        return Partials(*(getattr(self, f.name).add(getattr(other, f.name), fill_value=0)
                          for f in dataclasses.fields(self)))

    @property
    def boot(self) -> pd.DataFrame:
        """Bootstrap replicates of each touchpoint's contributed effort (index touchpoint)."""
        return self.pain_boot.groupby(level=0).sum()


# ---------------------------------------------------------------- per-item quantities


def excess_effort(effort: pd.Series, target: float) -> np.ndarray:
    """`max(effort - target, 0)`, 0 where effort is unknown."""
    return np.nan_to_num(np.clip(effort.to_numpy(dtype=float) - target, 0, None))


def stable_hash(values) -> np.ndarray:
    """A 64-bit hash of each value (as a string, missing as ""), the same in every process and on every machine
    (unlike `hash()`); `values` a Series or array, read as Python strings (no round trip through Arrow strings)."""
    return pd.util.hash_array(np.array(as_strings(values), dtype=object), categorize=False)


_POISSON_CDF = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(20)])


def poisson_weights(item_ids: pd.Series, n_boot: int, seed: int) -> np.ndarray:
    """Poisson(1) bootstrap weights, shape (items, n_boot), a pure function of (item id, replicate, seed)."""
    h = pd.util.hash_pandas_object(item_ids.reset_index(drop=True), index=False).to_numpy(np.uint64)
    replicate = np.arange(n_boot, dtype=np.uint64) + np.uint64(seed) * np.uint64(1_000_003)
    z = h[:, None] ^ (replicate[None, :] * np.uint64(0x9E3779B97F4A7C15))
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)  # splitmix64 finaliser
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    uniform = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return np.searchsorted(_POISSON_CDF, uniform, side="right").astype(np.float32)


# ---------------------------------------------------------------- partials of a chunk


def partials(items: pd.DataFrame, pain_points: list[str], config: Config) -> Partials:
    """Aggregate a chunk of items (with `item_id`, `touchpoint`, `effort`, `effort_source`, `p_<id>`, and any
    of the score and ticket columns)."""
    excess = excess_effort(items["effort"], config.target)
    split = split_excess(items, excess, pain_points)
    sums = _touchpoint_sums(items, excess, config).groupby("touchpoint").sum()
    return Partials(sums, _pain_sums(items, split, pain_points), _pain_boot(items, split, config),
                    scores.resolution_histogram(items), drivers.gram(items, pain_points, DETECTED))


def segment_partials(items: pd.DataFrame, by: str, pain_points: list[str], config: Config) -> dict[str, Partials]:
    """Partials per value of column `by` (empty values: `unknown`); dicts of partials merge key by key."""
    segment = pseudonymise(items[by].astype("string").fillna("").str.strip().replace("", "unknown"))  # no e-mails
    return {str(value): partials(group, pain_points, config) for value, group in items.groupby(segment.to_numpy())}


def merge_segments(a: dict[str, Partials], b: dict[str, Partials]) -> dict[str, Partials]:
    """Add two dicts of segment partials key by key."""
    return {k: a[k] + b[k] if k in a and k in b else a[k] if k in a else b[k] for k in sorted({*a, *b})}


def _touchpoint_sums(items: pd.DataFrame, excess: np.ndarray, config: Config) -> pd.DataFrame:
    effort = items["effort"]
    return pd.concat([pd.DataFrame({
        "touchpoint": items["touchpoint"], "n_items": 1.0, "n_scored": items["ces"].notna(),
        "n_effort": effort.notna(), "sum_effort": effort.fillna(0), "n_high": effort >= HIGH_EFFORT - 1e-9,
        "contributed_effort": excess,
        "contributed_estimated": np.where(items["effort_source"] == "estimated", excess, 0),
    }, index=items.index), scores.score_sums(items, config)], axis=1).astype({c: float for c in SUM_COLUMNS})


def split_excess(items: pd.DataFrame, excess: np.ndarray, pain_points: list[str]) -> pd.DataFrame:
    """Each item's excess effort split over its pain points by probability, plus an `unattributed` column."""
    probs = items[[f"p_{pp}" for pp in pain_points]].to_numpy(dtype=float).reshape(len(items), len(pain_points))
    probs = np.where(probs >= DETECTED, probs, 0.0)
    total = probs.sum(axis=1, keepdims=True)
    shares = np.divide(probs, total, out=np.zeros_like(probs), where=total > 0)
    split = pd.DataFrame(shares * excess[:, None], columns=pain_points, index=items.index)
    return split.assign(**{UNATTRIBUTED: np.where(total[:, 0] > 0, 0.0, excess)})


def _pain_sums(items: pd.DataFrame, split: pd.DataFrame, pain_points: list[str]) -> pd.DataFrame:
    present = (items[[f"p_{pp}" for pp in pain_points]].to_numpy(dtype=float) >= DETECTED).reshape(
        len(items), len(pain_points))
    present = np.column_stack([present, ~present.any(axis=1)]).astype(float)
    has_effort, effort = items["effort"].notna().to_numpy()[:, None], items["effort"].fillna(0).to_numpy()[:, None]
    codes, touchpoints = pd.factorize(items["touchpoint"])
    by_touchpoint = _onehot(codes, len(touchpoints))
    index = pd.MultiIndex.from_product([touchpoints, split.columns], names=["touchpoint", "pain_point"])
    return pd.DataFrame({name: np.asarray(by_touchpoint @ values).ravel() for name, values in (
        ("n_items", present), ("contributed_effort", split.to_numpy()), ("n_effort_with", present * has_effort),
        ("sum_effort_with", present * effort))}, index=index)


def _onehot(codes: np.ndarray, n_groups: int) -> sparse.csr_matrix:
    """A (group, item) 0/1 matrix: `_onehot(codes, k) @ values` sums the rows of `values` per group."""
    return sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_groups, len(codes)))


def _pain_boot(items: pd.DataFrame, split: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Bootstrap replicates of contributed effort per (touchpoint, pain point): a sparse
    (touchpoint x pain point, item) matrix of the split times the items' Poisson weights."""
    codes, touchpoints = pd.factorize(items["touchpoint"])
    values, k = split.to_numpy(), split.shape[1]
    item, column = np.nonzero(values)
    matrix = sparse.csr_matrix((values[item, column], (codes[item] * k + column, item)),
                               shape=(len(touchpoints) * k, len(items)))
    index = pd.MultiIndex.from_product([touchpoints, split.columns], names=["touchpoint", "pain_point"])
    used = matrix.getnnz(axis=1) > 0
    weighted = np.unique(item)  # only items with some contributed effort need their bootstrap weights
    weights = np.zeros((len(items), config.n_boot))
    weights[weighted] = poisson_weights(items["item_id"].iloc[weighted], config.n_boot, config.seed)
    boot = matrix[used] @ weights
    return pd.DataFrame(np.asarray(boot).reshape(used.sum(), config.n_boot), index=index[used])


# ---------------------------------------------------------------- final tables


def rank_touchpoints(parts: Partials, top_n: int = 3) -> pd.DataFrame:
    """`touchpoints.csv`: ranked by contributed effort, with shares, 95% intervals and scores."""
    s = parts.sums
    total = s["contributed_effort"].sum()
    table = pd.DataFrame({
        "touchpoint": s.index, "n_items": s["n_items"].astype(int), "n_scored": s["n_scored"].astype(int),
        "mean_effort": _ratio(s["sum_effort"], s["n_effort"]), "high_effort_rate": _ratio(s["n_high"], s["n_effort"]),
        "contributed_effort": s["contributed_effort"], "share": _ratio(s["contributed_effort"], total),
    }, index=s.index)
    table = table.join(_intervals(parts.boot.reindex(s.index).fillna(0)))
    table["share_estimated"] = _ratio(s["contributed_estimated"], s["contributed_effort"])
    table = table.join(scores.score_table(s, parts.resolution)).reset_index(drop=True)
    table = table.sort_values(["contributed_effort", "n_items", "touchpoint"], ascending=[False, False, True])
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    top = top_pain_points(drill_down(parts), top_n)
    table["top_pain_points"] = [top.get(t, "") for t in table["touchpoint"]]
    return table.reset_index(drop=True)


def rank_segments(segments: dict[str, Partials], by: str, top_n: int = 3) -> pd.DataFrame:
    """`touchpoints_by_<by>.csv`: the ranking repeated within each segment, a `segment` column first."""
    tables = [rank_touchpoints(parts, top_n).assign(segment=name) for name, parts in sorted(segments.items())]
    if not tables:
        return pd.DataFrame(columns=["segment", "rank", "touchpoint"])
    table = pd.concat(tables, ignore_index=True)
    return table[["segment", *table.columns[:-1]]]


def _quantiles(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if values.shape[1] == 0:
        return np.full(len(values), np.nan), np.full(len(values), np.nan)
    return np.percentile(values, 2.5, axis=1), np.percentile(values, 97.5, axis=1)


def _intervals(boot: pd.DataFrame) -> pd.DataFrame:
    """95% percentile intervals of each touchpoint's share and rank over the bootstrap replicates."""
    values = boot.to_numpy()
    shares = values / np.where(values.sum(axis=0) > 0, values.sum(axis=0), 1)
    # ranked on values rounded to 1e-9: sums of the same efforts tie exactly whatever order they were added in
    # (chunks, partitions, engines), so a tie never breaks one way here and the other way there
    ranks = (-np.round(values, 9)).argsort(axis=0, kind="stable").argsort(axis=0) + 1
    share_low, share_high = _quantiles(shares)
    rank_low, rank_high = _quantiles(ranks.astype(float))
    return pd.DataFrame({"share_low": share_low, "share_high": share_high,
                         "rank_low": pd.array(np.floor(rank_low), dtype="Int64"),
                         "rank_high": pd.array(np.ceil(rank_high), dtype="Int64")}, index=boot.index)


def drill_down(parts: Partials) -> pd.DataFrame:
    """`pain_points.csv`: per touchpoint, each pain point's contributed effort with its 95% interval, share,
    impact and driver weight; the rows of a touchpoint (with `unattributed`) add up to its contributed effort."""
    p, s = parts.pains, parts.sums
    touchpoint = p.index.get_level_values(0)
    n_all, sum_all = s["n_effort"].reindex(touchpoint).to_numpy(), s["sum_effort"].reindex(touchpoint).to_numpy()
    low, high = _quantiles(parts.pain_boot.reindex(p.index).fillna(0).to_numpy())
    weights = drivers.driver_table(parts.gram).set_index(["touchpoint", "pain_point"])["weight"]
    table = pd.DataFrame({
        "touchpoint": touchpoint, "pain_point": p.index.get_level_values(1), "n_items": p["n_items"].astype(int),
        "contributed_effort": p["contributed_effort"].to_numpy(), "contributed_low": low, "contributed_high": high,
        "share_of_touchpoint": _ratio(p["contributed_effort"], s["contributed_effort"].reindex(touchpoint)),
        "impact": _ratio(sum_all, n_all) - _ratio(sum_all - p["sum_effort_with"], n_all - p["n_effort_with"]),
        "driver_weight": weights.reindex(p.index).to_numpy(dtype=float),
    }).reset_index(drop=True)
    table = table[(table["n_items"] > 0) | (table["contributed_effort"] > 0)]
    return table.sort_values(["touchpoint", "contributed_effort"], ascending=[True, False]).reset_index(drop=True)


def overall_impact(parts: Partials) -> pd.DataFrame:
    """Each pain point over all touchpoints: contributed effort (95% interval), share, impact (mean effort
    minus mean effort of items without it) and driver weight."""
    p = parts.pains.groupby(level=1).sum()
    n_all, sum_all = parts.sums["n_effort"].sum(), parts.sums["sum_effort"].sum()
    low, high = _quantiles(parts.pain_boot.groupby(level=1).sum().reindex(p.index).fillna(0).to_numpy())
    weights = drivers.driver_table(parts.gram, overall=True).set_index("pain_point")
    return pd.DataFrame({
        "pain_point": p.index, "n_items": p["n_items"].astype(int), "contributed_effort": p["contributed_effort"],
        "contributed_low": low, "contributed_high": high,
        "share": _ratio(p["contributed_effort"], parts.sums["contributed_effort"].sum()),
        "impact": _ratio(sum_all, n_all) - _ratio(sum_all - p["sum_effort_with"], n_all - p["n_effort_with"]),
        "driver_weight": weights["weight"].reindex(p.index).to_numpy(dtype=float),
    }).sort_values("contributed_effort", ascending=False).reset_index(drop=True)


def top_pain_points(drill: pd.DataFrame, n: int) -> dict[str, str]:
    """`{touchpoint: "waiting (41%); transfer (18%)"}`, the n largest named pain points of each touchpoint."""
    named = drill[(drill["pain_point"] != UNATTRIBUTED) & (drill["contributed_effort"] > 0)]
    return {tp: "; ".join(f"{r.pain_point} ({r.share_of_touchpoint:.0%})" for r in rows.head(n).itertuples())
            for tp, rows in named.groupby("touchpoint")}


def overall_scores(parts: Partials) -> dict[str, float | int | None]:
    """The week's headline scores over all items, each with its n (see `scores`)."""
    s = parts.sums.sum()
    mean_effort = None if s["n_effort"] == 0 else float(s["sum_effort"] / s["n_effort"])
    return {**scores.overall(parts.sums, parts.resolution), "mean_effort": mean_effort, "n_items": int(s["n_items"])}


def drivers_summary(parts: Partials) -> dict:
    """The overall driver weights for `run.json`, with the method named."""
    table = drivers.driver_table(parts.gram, overall=True)
    weights = {r.pain_point: round(float(r.weight), 6) for r in table.itertuples() if pd.notna(r.weight)}
    r2 = table["r2"].iloc[0] if len(table) else float("nan")
    return {"method": drivers.METHOD, "note": drivers.METHOD_NOTE, "n": int(table["n"].iloc[0]) if len(table) else 0,
            "r2": None if pd.isna(r2) else round(float(r2), 6),
            "weights": dict(sorted(weights.items(), key=lambda kv: -kv[1]))}
