"""What the report shows, as plain frames and values: one `Report` and small pure functions of it.

The HTML page, the Markdown summary and the workbook all render from these, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from feedback_mining.rank import UNATTRIBUTED, stable_hash
from feedback_mining.report.i18n import Locale
from feedback_mining.report.trend import Trend

SENTIMENTS = ["negative", "neutral", "positive"]
SCORE_KEYS = ["ces_mean", "csat", "nps", "happiness"]
QUOTE_CHARS = (20, 280)  # a quote is at least this long, and is cut (on a word) at the second
QUOTES, SAMPLE_PER_TOUCHPOINT = 3, 40  # quotes per touchpoint card; items per touchpoint in the xlsx sample


@dataclass
class Report:
    """Everything the report files show about one week."""

    touchpoints: pd.DataFrame  # rank_touchpoints, with compare_weeks' deltas
    drill: pd.DataFrame  # drill_down
    items: pd.DataFrame
    manifest: dict
    scores: dict  # overall_scores
    impact: pd.DataFrame | None = None  # overall_impact (with driver weights)
    trend: Trend = field(default_factory=Trend)
    locale: Locale = field(default_factory=Locale)
    by_segment: pd.DataFrame | None = None
    by: str | None = None
    top_n: int = 3  # touchpoints with a card
    review: pd.DataFrame | None = None  # review.review_queue: review.csv and the `review` sheet
    sentiment_counts: dict | None = None  # sentiment_counts_by over every item (None: count `items`)

    @property
    def week(self) -> str:
        return str(self.manifest.get("week") or "")

    @property
    def total_effort(self) -> float:
        return float(self.touchpoints["contributed_effort"].sum()) if len(self.touchpoints) else 0.0

    @property
    def settings(self) -> dict:
        return self.manifest.get("settings", {})


def compared_week(report: Report) -> str | None:
    """The week the changes compare with: the latest stored week before this one, from the history (or, for
    changes against a given `previous` table, the run's `history.previous_week`); None when unknown."""
    return report.trend.previous or (report.manifest.get("history") or {}).get("previous_week") or None


def has_deltas(report: Report) -> bool:
    """True when the touchpoints carry a comparison with an earlier week."""
    return "delta_share" in report.touchpoints and report.touchpoints["delta_share"].notna().any()


def any_significant(touchpoints: pd.DataFrame) -> bool:
    """True when a row's change is marked significant (●): the rows shown then need the marker's legend."""
    return "change_significant" in touchpoints and bool(touchpoints["change_significant"].fillna(False).any())


# ---------------------------------------------------------------- pain points


def pain_overview(report: Report) -> pd.DataFrame:
    """Each named pain point found this week, largest share first: `pain_point, n_items, share, share_low,
    share_high, impact, driver_weight, driver_share, delta_share` (`driver_share`: part of the drivers' R²)."""
    total = report.total_effort or np.nan
    if report.impact is not None and len(report.impact):
        p = report.impact.copy()
        p["share_low"], p["share_high"] = p["contributed_low"] / total, p["contributed_high"] / total
    else:  # without overall_impact: sizes from the drill-down only
        p = report.drill.groupby("pain_point", as_index=False)[["n_items", "contributed_effort"]].sum()
        p = p.assign(share=p["contributed_effort"] / total, share_low=np.nan, share_high=np.nan, impact=np.nan,
                     driver_weight=np.nan)
    p = p[(p["pain_point"] != UNATTRIBUTED) & ((p["n_items"] > 0) | (p["share"] > 0))]
    r2 = p["driver_weight"].sum(min_count=1)
    p = p.assign(driver_share=p["driver_weight"] / r2 if r2 and r2 > 0 else np.nan)
    previous = report.trend.previous_pain_shares()
    p["delta_share"] = p["share"] - previous.reindex(p["pain_point"]).to_numpy() if len(previous) else np.nan
    columns = ["pain_point", "n_items", "share", "share_low", "share_high", "impact", "driver_weight",
               "driver_share", "delta_share"]
    return p.sort_values(["share", "pain_point"], ascending=[False, True])[columns].reset_index(drop=True)


def drivers_r2(report: Report) -> float:
    """R² of survey effort on the pain points (the driver weights add up to it); NaN when unknown."""
    if report.impact is None or "driver_weight" not in report.impact:
        return float("nan")
    return float(report.impact.loc[report.impact["pain_point"] != UNATTRIBUTED, "driver_weight"].sum(min_count=1))


def unattributed_share(report: Report) -> float:
    """Share of all customer effort in items where no pain point was detected."""
    rows = report.drill[report.drill["pain_point"] == UNATTRIBUTED]
    return float(rows["contributed_effort"].sum() / report.total_effort) if report.total_effort else float("nan")


def heat_matrix(report: Report, max_rows: int = 10) -> pd.DataFrame:
    """Share of all customer effort by touchpoint (rows, in rank order) and named pain point (columns, largest
    overall first)."""
    named = report.drill[report.drill["pain_point"] != UNATTRIBUTED]
    if named.empty or not report.total_effort:
        return pd.DataFrame()
    matrix = named.pivot_table(index="touchpoint", columns="pain_point", values="contributed_effort",
                               aggfunc="sum", fill_value=0.0) / report.total_effort
    rows = [t for t in report.touchpoints["touchpoint"] if t in matrix.index][:max_rows]
    columns = matrix.sum().sort_values(ascending=False)
    return matrix.loc[rows, columns[columns > 0].index]


def top_pains(report: Report, touchpoint: str, n: int = 3) -> pd.DataFrame:
    """The `n` named pain points carrying most of a touchpoint's effort (`pain_point, share_of_touchpoint`)."""
    rows = report.drill[(report.drill["touchpoint"] == touchpoint) & (report.drill["pain_point"] != UNATTRIBUTED)
                        & (report.drill["contributed_effort"] > 0)]
    return rows.sort_values("contributed_effort", ascending=False).head(n)


def segment_sizes(report: Report) -> pd.DataFrame:
    """Each value of the `--by` column, largest first: `segment, n_items, share` (its share of all customer effort);
    empty without --by."""
    table = report.by_segment
    if table is None or table.empty:
        return pd.DataFrame(columns=["segment", "n_items", "share"])
    sizes = table.groupby("segment", as_index=False)[["n_items", "contributed_effort"]].sum()
    total = sizes["contributed_effort"].sum()
    sizes = sizes.assign(share=sizes["contributed_effort"] / total if total > 0 else np.nan)
    order = sizes.sort_values(["contributed_effort", "n_items", "segment"], ascending=[False, False, True])
    return order[["segment", "n_items", "share"]].reset_index(drop=True)


def segment_top(report: Report, segment: str, n: int = 3) -> pd.DataFrame:
    """The `n` touchpoints carrying most of one segment's customer effort (`rank, touchpoint, share` within it)."""
    table = report.by_segment
    rows = table[(table["segment"] == segment) & (table["contributed_effort"] > 0)]
    return rows.sort_values("rank").head(n)[["rank", "touchpoint", "share"]]


# ---------------------------------------------------------------- customer words


def _quote_pool(items: pd.DataFrame) -> pd.DataFrame:
    """The items a quote may come from (long enough, not a duplicate, with a pain point), best first."""
    low, _ = QUOTE_CHARS
    text = items["clean_text"].fillna("").astype(str)
    duplicate = items["duplicate"].fillna(False).astype(bool) if "duplicate" in items else False
    pool = items[(text.str.len() >= low) & ~duplicate & (items["pain_points"].fillna("") != "")]
    pool = pool.assign(_first=pool["pain_points"].str.split(";").str[0])
    return pool.sort_values(["effort", "item_id"], ascending=[False, True], na_position="last")


def verbatims(items: pd.DataFrame, touchpoint: str, pains: list[str], n: int = QUOTES) -> list[dict]:
    """Up to `n` redacted quotes from a touchpoint: for each of its top `pains`, the highest-effort comment whose
    most probable pain point it is, then the highest-effort others; never a duplicate text."""
    _, high = QUOTE_CHARS
    pool = _quote_pool(items)
    pool = pool[pool["touchpoint"] == touchpoint].reset_index(drop=True)
    chosen: list[int] = []
    for pp in pains:
        hits = pool.index[(pool["_first"] == pp) & ~pool.index.isin(chosen)]
        chosen += list(hits[:1])
    chosen += [i for i in pool.index if i not in chosen][: max(n - len(chosen), 0)]
    return [{"text": shorten(str(pool.at[i, "clean_text"]), high), "language": str(pool.at[i, "language"]),
             "pain_points": str(pool.at[i, "pain_points"]).split(";"), "effort": pool.at[i, "effort"]}
            for i in chosen[:n]]


def report_candidates(items: pd.DataFrame) -> pd.DataFrame:
    """The items of one partition that `verbatims` and `sample_items` could pick over the whole week: per
    touchpoint the best quotes overall and per first pain point, and the sample's smallest hashes. The report
    built on the candidates of all partitions is the one built on all items."""
    pool = _quote_pool(items)
    quotes = pd.concat([pool.groupby("touchpoint", sort=False).head(QUOTES),
                        pool.groupby(["touchpoint", "_first"], sort=False).head(1)]).drop(columns="_first")
    return pd.concat([quotes, _sample_pool(items).groupby("touchpoint", sort=False).head(SAMPLE_PER_TOUCHPOINT)
                      .drop(columns="_hash")])


def _sample_pool(items: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    text = items["clean_text"].fillna("").astype(str)
    duplicate = items["duplicate"].fillna(False).astype(bool) if "duplicate" in items else False
    pool = items[(text.str.len() > 0) & ~duplicate]
    return pool.assign(_hash=stable_hash(pool["item_id"] + f"\x00{seed}")).sort_values(["_hash", "item_id"])


def shorten(text: str, limit: int) -> str:
    """`text` cut at the last space before `limit` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else text[:limit]) + "…"


def sentiment_counts_by(items: pd.DataFrame, keys=("touchpoint", "language")) -> dict[str, pd.DataFrame]:
    """Texts per negative, neutral and positive sentiment for each value of each key: counts that add up."""
    sentiment = items["sentiment"] if "sentiment" in items else pd.Series("", index=items.index)
    rated = items[sentiment.isin(SENTIMENTS)]
    return {key: pd.crosstab(rated[key], rated["sentiment"]).reindex(columns=SENTIMENTS, fill_value=0)
            for key in keys if key in items}


def sentiment_shares(items: pd.DataFrame | dict, key: str, order: list[str] | None = None) -> pd.DataFrame:
    """Share of negative, neutral and positive texts per value of `key`, with `n`; items without a sentiment
    (no text) are left out; rows in `order` when given. `items` may be the counts of `sentiment_counts_by`."""
    counts = items if isinstance(items, dict) else sentiment_counts_by(items, (key,))
    table = counts[key].reindex(columns=SENTIMENTS, fill_value=0)
    table = table[table.sum(axis=1) > 0]
    n = table.sum(axis=1)
    shares = table.div(n.where(n > 0), axis=0).assign(n=n)
    if order is not None:
        shares = shares.reindex([k for k in order if k in shares.index])
    return shares


def sample_items(report: Report, per_touchpoint: int = SAMPLE_PER_TOUCHPOINT, seed: int = 0) -> pd.DataFrame:
    """A reproducible sample of items with text: per touchpoint the `per_touchpoint` whose hashed item ids are
    smallest (a choice that does not depend on how the week was split), in rank order and highest effort first
    within a touchpoint."""
    pool = _sample_pool(report.items, seed)
    if pool.empty:
        return pool.drop(columns="_hash")
    sample = pool.groupby("touchpoint", sort=False).head(per_touchpoint).drop(columns="_hash")
    rank = dict(zip(report.touchpoints["touchpoint"], report.touchpoints["rank"]))
    sample = sample.assign(_rank=sample["touchpoint"].map(rank).fillna(len(rank) + 1))
    return sample.sort_values(["_rank", "effort", "item_id"], ascending=[True, False, True],
                              na_position="last").drop(columns="_rank")


# ---------------------------------------------------------------- scores and weeks


def score_changes(report: Report) -> dict[str, float | None]:
    """Each headline score minus the previous stored week's (None when either is unknown)."""
    before = report.trend.scores.get(report.trend.previous or "", {})
    return {k: (report.scores[k] - before[k] if report.scores.get(k) is not None and before.get(k) is not None
                else None) for k in SCORE_KEYS}


def weekly_scores(report: Report) -> pd.DataFrame:
    """Headline scores and item counts of the stored weeks and this one, oldest first (index week)."""
    rows = [{"week": w, "n_items": report.trend.items.get(w), **{k: report.trend.scores.get(w, {}).get(k)
                                                                 for k in SCORE_KEYS}} for w in report.trend.weeks]
    rows.append({"week": report.week, "n_items": report.scores.get("n_items"),
                 **{k: report.scores.get(k) for k in SCORE_KEYS}})
    return pd.DataFrame(rows).set_index("week").astype(float)


def trend_shares(report: Report, n: int = 5) -> pd.DataFrame:
    """Share of customer effort per week (rows, oldest first) of this week's top `n` touchpoints (columns)."""
    top = report.touchpoints["touchpoint"].head(n).tolist()
    past = report.trend.touchpoints
    past = past[past["touchpoint"].isin(top)].pivot_table(index="week", columns="touchpoint", values="share",
                                                           aggfunc="first")
    now = report.touchpoints.set_index("touchpoint")["share"].reindex(top).to_frame(report.week).T
    table = pd.concat([past.reindex(columns=top), now])
    return table.reindex(report.trend.weeks + [report.week]).astype(float)


# ---------------------------------------------------------------- data quality


def estimated_share(report: Report) -> float:
    """Share of all customer effort that rests on effort estimated from text."""
    t = report.touchpoints
    if not report.total_effort or "share_estimated" not in t:
        return float("nan")
    return float((t["share_estimated"].fillna(0) * t["contributed_effort"]).sum() / report.total_effort)


def effort_sources(report: Report) -> dict[str, float]:
    """Share of items whose effort comes from a survey, an estimate, or nowhere."""
    counts = report.manifest.get("items", {}).get("effort_source", {})
    total = sum(counts.values())
    return {k: (counts.get(k, 0) / total if total else float("nan")) for k in ("survey", "estimated", "none")}
