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

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from feedback_mining.config import Config

HIGH_EFFORT = 2 / 3
DETECTED = 0.5  # a pain point "is present" in an item at this probability
UNATTRIBUTED = "unattributed"

SUM_COLUMNS = ["n_items", "n_scored", "n_effort", "sum_effort", "n_high", "contributed_effort",
               "contributed_estimated", "n_ces", "sum_ces", "n_ces_easy", "n_csat", "n_csat_top2", "n_nps",
               "n_promoters", "n_detractors", "n_happiness", "sum_happiness"]
PAIN_COLUMNS = ["n_items", "contributed_effort", "n_effort_with", "sum_effort_with"]


@dataclass
class Partials:
    """Mergeable aggregates of a set of items."""

    sums: pd.DataFrame  # index touchpoint, SUM_COLUMNS
    pains: pd.DataFrame  # index (touchpoint, pain_point), PAIN_COLUMNS
    boot: pd.DataFrame  # index touchpoint, one column per bootstrap replicate of contributed effort

    def __add__(self, other: Partials) -> Partials:
        return Partials(*(a.add(b, fill_value=0) for a, b in
                          ((self.sums, other.sums), (self.pains, other.pains), (self.boot, other.boot))))


# ---------------------------------------------------------------- per-item quantities


def excess_effort(effort: pd.Series, target: float) -> np.ndarray:
    """`max(effort - target, 0)`, 0 where effort is unknown."""
    return np.nan_to_num(np.clip(effort.to_numpy(dtype=float) - target, 0, None))


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
    """Aggregate a chunk of items (with `touchpoint`, `effort`, `effort_source`, scores, `p_<id>`)."""
    excess = excess_effort(items["effort"], config.target)
    sums = _touchpoint_sums(items, excess, config).groupby("touchpoint").sum()
    return Partials(sums, _pain_sums(items, excess, pain_points), _boot_sums(items, excess, config))


def _touchpoint_sums(items: pd.DataFrame, excess: np.ndarray, config: Config) -> pd.DataFrame:
    effort, ces_effort = items["effort"], config.ces_scale.effort(items["ces"])
    csat_top2 = items["csat"] >= config.csat_scale.high - 1 if config.csat_scale.higher_is_easier \
        else items["csat"] <= config.csat_scale.low + 1
    return pd.DataFrame({
        "touchpoint": items["touchpoint"], "n_items": 1, "n_scored": items["ces"].notna(),
        "n_effort": effort.notna(), "sum_effort": effort.fillna(0), "n_high": effort >= HIGH_EFFORT - 1e-9,
        "contributed_effort": excess, "contributed_estimated": np.where(items["effort_source"] == "estimated", excess, 0),
        "n_ces": items["ces"].notna(), "sum_ces": items["ces"].fillna(0), "n_ces_easy": ces_effort <= 1 / 3 + 1e-9,
        "n_csat": items["csat"].notna(), "n_csat_top2": csat_top2,
        "n_nps": items["nps"].notna(), "n_promoters": items["nps"] >= 9, "n_detractors": items["nps"] <= 6,
        "n_happiness": items["happiness"].notna(), "sum_happiness": items["happiness"].fillna(0),
    }).astype({c: float for c in SUM_COLUMNS})


def split_excess(items: pd.DataFrame, excess: np.ndarray, pain_points: list[str]) -> pd.DataFrame:
    """Each item's excess effort split over its pain points by probability, plus an `unattributed` column."""
    probs = items[[f"p_{pp}" for pp in pain_points]].to_numpy(dtype=float)
    probs = np.where(probs >= DETECTED, probs, 0.0)
    total = probs.sum(axis=1, keepdims=True)
    shares = np.divide(probs, total, out=np.zeros_like(probs), where=total > 0)
    split = pd.DataFrame(shares * excess[:, None], columns=pain_points, index=items.index)
    return split.assign(**{UNATTRIBUTED: np.where(total[:, 0] > 0, 0.0, excess)})


def _pain_sums(items: pd.DataFrame, excess: np.ndarray, pain_points: list[str]) -> pd.DataFrame:
    split = split_excess(items, excess, pain_points)
    present = pd.DataFrame({pp: items[f"p_{pp}"] >= DETECTED for pp in pain_points}, index=items.index)
    present[UNATTRIBUTED] = ~present.any(axis=1)
    has_effort = items["effort"].notna().to_numpy()[:, None]
    effort = items["effort"].fillna(0).to_numpy()[:, None]
    long = lambda frame, name: frame.assign(touchpoint=items["touchpoint"]).melt(  # noqa: E731
        "touchpoint", var_name="pain_point", value_name=name).set_index(["touchpoint", "pain_point"])[name]
    table = pd.concat([long(present.astype(float), "n_items"), long(split, "contributed_effort"),
                       long(present * has_effort, "n_effort_with").astype(float),
                       long(present * effort, "sum_effort_with")], axis=1)
    return table.groupby(level=[0, 1]).sum()


def _boot_sums(items: pd.DataFrame, excess: np.ndarray, config: Config) -> pd.DataFrame:
    codes, touchpoints = pd.factorize(items["touchpoint"])
    weights = poisson_weights(items["item_id"], config.n_boot, config.seed) * excess[:, None]
    onehot = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))),
                               shape=(len(touchpoints), len(codes)))
    return pd.DataFrame(onehot @ weights, index=pd.Index(touchpoints, name="touchpoint"))


# ---------------------------------------------------------------- final tables


def rank_touchpoints(parts: Partials, top_n: int = 3) -> pd.DataFrame:
    """`touchpoints.csv`: ranked by contributed effort, with shares, 95% intervals and scores."""
    s = parts.sums
    total = s["contributed_effort"].sum()
    table = pd.DataFrame({
        "touchpoint": s.index, "n_items": s["n_items"].astype(int), "n_scored": s["n_scored"].astype(int),
        "mean_effort": _ratio(s["sum_effort"], s["n_effort"]), "high_effort_rate": _ratio(s["n_high"], s["n_effort"]),
        "contributed_effort": s["contributed_effort"], "share": _ratio(s["contributed_effort"], total),
        "share_estimated": _ratio(s["contributed_estimated"], s["contributed_effort"]),
        "ces_mean": _ratio(s["sum_ces"], s["n_ces"]), "ces_easy": 100 * _ratio(s["n_ces_easy"], s["n_ces"]),
        "n_ces": s["n_ces"].astype(int), "csat": 100 * _ratio(s["n_csat_top2"], s["n_csat"]),
        "n_csat": s["n_csat"].astype(int),
        "nps": 100 * _ratio(s["n_promoters"] - s["n_detractors"], s["n_nps"]), "n_nps": s["n_nps"].astype(int),
        "happiness": _ratio(s["sum_happiness"], s["n_happiness"]), "n_happiness": s["n_happiness"].astype(int),
    }).reset_index(drop=True)
    table = table.join(_intervals(parts.boot.reindex(s.index).fillna(0)).reset_index(drop=True))
    table = table.sort_values(["contributed_effort", "n_items", "touchpoint"], ascending=[False, False, True])
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    top = top_pain_points(drill_down(parts), top_n)
    table["top_pain_points"] = [top.get(t, "") for t in table["touchpoint"]]
    return table.reset_index(drop=True)


def _ratio(numerator, denominator):
    numerator, denominator = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    return np.divide(numerator, denominator, out=np.full(numerator.shape, np.nan), where=denominator > 0)


def _intervals(boot: pd.DataFrame) -> pd.DataFrame:
    """95% percentile intervals of each touchpoint's share and rank over the bootstrap replicates."""
    values = boot.to_numpy()
    if values.size == 0:
        return pd.DataFrame(columns=["share_low", "share_high", "rank_low", "rank_high"], index=boot.index)
    shares = values / np.where(values.sum(axis=0) > 0, values.sum(axis=0), 1)
    ranks = (-values).argsort(axis=0).argsort(axis=0) + 1
    return pd.DataFrame({"share_low": np.percentile(shares, 2.5, axis=1),
                         "share_high": np.percentile(shares, 97.5, axis=1),
                         "rank_low": np.floor(np.percentile(ranks, 2.5, axis=1)).astype(int),
                         "rank_high": np.ceil(np.percentile(ranks, 97.5, axis=1)).astype(int)}, index=boot.index)


def drill_down(parts: Partials) -> pd.DataFrame:
    """`pain_points.csv`: per touchpoint, each pain point's contributed effort, share and impact; the rows
    of a touchpoint (with `unattributed`) add up to its contributed effort."""
    p, s = parts.pains, parts.sums
    touchpoint = p.index.get_level_values(0)
    n_all, sum_all = s["n_effort"].reindex(touchpoint).to_numpy(), s["sum_effort"].reindex(touchpoint).to_numpy()
    mean_without = _ratio(sum_all - p["sum_effort_with"], n_all - p["n_effort_with"])
    table = pd.DataFrame({
        "touchpoint": touchpoint, "pain_point": p.index.get_level_values(1), "n_items": p["n_items"].astype(int),
        "contributed_effort": p["contributed_effort"].to_numpy(),
        "share_of_touchpoint": _ratio(p["contributed_effort"], s["contributed_effort"].reindex(touchpoint)),
        "impact": _ratio(sum_all, n_all) - mean_without,
    }).reset_index(drop=True)
    table = table[(table["n_items"] > 0) | (table["contributed_effort"] > 0)]
    return table.sort_values(["touchpoint", "contributed_effort"], ascending=[True, False]).reset_index(drop=True)


def overall_impact(parts: Partials) -> pd.DataFrame:
    """Each pain point's impact over all touchpoints: mean effort minus mean effort of items without it."""
    p = parts.pains.groupby(level=1).sum()
    n_all, sum_all = parts.sums["n_effort"].sum(), parts.sums["sum_effort"].sum()
    return pd.DataFrame({
        "pain_point": p.index, "n_items": p["n_items"].astype(int), "contributed_effort": p["contributed_effort"],
        "share": _ratio(p["contributed_effort"], parts.sums["contributed_effort"].sum()),
        "impact": _ratio(sum_all, n_all) - _ratio(sum_all - p["sum_effort_with"], n_all - p["n_effort_with"]),
    }).sort_values("contributed_effort", ascending=False).reset_index(drop=True)


def top_pain_points(drill: pd.DataFrame, n: int) -> dict[str, str]:
    """`{touchpoint: "waiting (41%); transfer (18%)"}`, the n largest named pain points of each touchpoint."""
    named = drill[(drill["pain_point"] != UNATTRIBUTED) & (drill["contributed_effort"] > 0)]
    return {tp: "; ".join(f"{r.pain_point} ({r.share_of_touchpoint:.0%})" for r in rows.head(n).itertuples())
            for tp, rows in named.groupby("touchpoint")}


def overall_scores(parts: Partials) -> dict[str, float | int | None]:
    """The week's headline scores over all items, each with its n."""
    s = parts.sums.sum()
    value = lambda num, den, scale=1.0: None if s[den] == 0 else float(scale * s[num] / s[den])  # noqa: E731
    return {"ces_mean": value("sum_ces", "n_ces"), "ces_easy": value("n_ces_easy", "n_ces", 100), "n_ces": int(s["n_ces"]),
            "csat": value("n_csat_top2", "n_csat", 100), "n_csat": int(s["n_csat"]),
            "nps": None if s["n_nps"] == 0 else float(100 * (s["n_promoters"] - s["n_detractors"]) / s["n_nps"]),
            "n_nps": int(s["n_nps"]), "happiness": value("sum_happiness", "n_happiness"),
            "n_happiness": int(s["n_happiness"]), "mean_effort": value("sum_effort", "n_effort"),
            "n_items": int(s["n_items"])}
