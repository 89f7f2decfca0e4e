"""Survey and service scores per touchpoint and overall, computed from mergeable sums.

Formulas (DESIGN.md; the CES and CSAT scales and their direction come from the config):
- `ces_mean` on the CES scale's own points; `ces_easy`: % of answers in the easy third of the scale
  (effort <= 1/3: CES 5-7 on the 1-7 agreement scale, 1-2 on a 1-5 effort scale);
- `csat`: top-2-box %, the two most satisfied points (4-5 on 1-5, 9-10 on 1-10; 1-2 when lower is better);
- `nps`: % promoters (9-10) minus % detractors (0-6), from -100 to 100; `happiness`: mean on 1-10;
- `acsi`: an ACSI-style 0-100 index from the three 1-10 questions (satisfaction, expectations, ideal), each
  rescaled `(x - 1) / 9 * 100` and averaged with equal weights (see `ACSI_NOTE`);
- from tickets: `median_resolution_hours` (approximate, see `approx_median`) and `repeat_contact_rate`, the
  share of tickets with two or more customer contacts (the complement of first-contact resolution).
Each score comes with its `n_`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback_mining.config import Config

ACSI_COLUMNS = ["acsi_satisfaction", "acsi_expectations", "acsi_ideal"]
ACSI_NOTE = ("acsi is an ACSI-style index: the three 1-10 answers (satisfaction, expectations, ideal) rescaled "
             "to 0-100 and averaged with equal weights; the official ACSI weights come from its own model, so "
             "it is comparable across our weeks and touchpoints, not with published ACSI scores")
REPEAT_CONTACT = 2  # a ticket with this many customer contacts or more was not resolved at first contact

# A median does not add up across chunks; a histogram does. Resolution hours go into fixed bins of log10(hours)
# from 0.01 h (36 s) to 10,000 h (14 months), 0.05 decade (12%) wide; values outside go to the end bins.
HIST_LOW, HIST_HIGH, HIST_BINS = -2.0, 4.0, 120
HIST_WIDTH = (HIST_HIGH - HIST_LOW) / HIST_BINS
MEDIAN_NOTE = ("median_resolution_hours is approximate: the median of a fixed histogram of log10 hours "
               f"({HIST_BINS} bins of {HIST_WIDTH:g} decade from 0.01 h to 10,000 h), interpolated within its bin, "
               "so it merges across chunks; it lies within one bin width (12%) of the middle value(s)")

SCORE_SUMS = ["n_ces", "sum_ces", "n_ces_easy", "n_csat", "n_csat_top2", "n_nps", "n_promoters", "n_detractors",
              "n_happiness", "sum_happiness", "n_acsi", "sum_acsi", "n_tickets", "n_contacts", "n_repeat_contacts",
              "n_resolved"]


def numbers(values: pd.Series) -> pd.Series:
    """Floats from numbers or export strings ("7", "8,5"); NaN for anything else."""
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        values = values.astype("string").str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(values, errors="coerce").astype(float)


def column(items: pd.DataFrame, name: str) -> pd.Series:
    """A numeric column of the items, all NaN when they lack it (no tickets, no ACSI questions)."""
    if name not in items.columns:
        return pd.Series(np.nan, index=items.index, dtype=float)
    return numbers(items[name])


def ratio(numerator, denominator) -> np.ndarray:
    """numerator / denominator elementwise, NaN where the denominator is 0."""
    numerator, denominator = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    return np.divide(numerator, denominator, out=np.full(numerator.shape, np.nan), where=denominator > 0)


# ---------------------------------------------------------------- per item


def acsi_index(items: pd.DataFrame) -> pd.Series:
    """The ACSI-style 0-100 index of each item; NaN unless all three ACSI questions were answered on 1-10."""
    answers = pd.concat([column(items, c) for c in ACSI_COLUMNS], axis=1)
    answers = answers.where((answers >= 1) & (answers <= 10))
    return ((answers - 1) / 9 * 100).mean(axis=1).where(answers.notna().all(axis=1))


def csat_top2(csat: pd.Series, config: Config) -> pd.Series:
    """True where a CSAT answer is one of the scale's two most satisfied points."""
    scale = config.csat_scale
    return csat >= scale.high - 1 if scale.higher_is_easier else csat <= scale.low + 1


def resolution_hours(items: pd.DataFrame) -> pd.Series:
    """Hours from a ticket's creation to its closing; NaN when open, unknown or negative."""
    hours = column(items, "resolution_hours")
    return hours.where(hours >= 0)


def score_sums(items: pd.DataFrame, config: Config) -> pd.DataFrame:
    """One row per item of the counts and sums behind every score (columns `SCORE_SUMS`)."""
    ces, csat, nps, happiness = (column(items, c) for c in ("ces", "csat", "nps", "happiness"))
    acsi, contacts = acsi_index(items), column(items, "contacts")
    ticket = items["ticket_id"].fillna("").ne("") if "ticket_id" in items.columns else pd.Series(False, items.index)
    return pd.DataFrame({
        "n_ces": ces.notna(), "sum_ces": ces.fillna(0), "n_ces_easy": config.ces_scale.effort(ces) <= 1 / 3 + 1e-9,
        "n_csat": csat.notna(), "n_csat_top2": csat_top2(csat, config),
        "n_nps": nps.notna(), "n_promoters": nps >= 9, "n_detractors": nps <= 6,
        "n_happiness": happiness.notna(), "sum_happiness": happiness.fillna(0),
        "n_acsi": acsi.notna(), "sum_acsi": acsi.fillna(0),
        "n_tickets": ticket, "n_contacts": contacts.notna(), "n_repeat_contacts": contacts >= REPEAT_CONTACT,
        "n_resolved": resolution_hours(items).notna(),
    }, index=items.index).astype(float)


def resolution_histogram(items: pd.DataFrame) -> pd.DataFrame:
    """Counts of resolution hours per touchpoint in the fixed log10 bins (index touchpoint, columns bin 0..)."""
    hours = resolution_hours(items)
    known = hours.notna().to_numpy()
    codes, touchpoints = pd.factorize(items["touchpoint"][known])
    with np.errstate(divide="ignore"):
        bins = np.clip(np.floor((np.log10(hours[known].to_numpy()) - HIST_LOW) / HIST_WIDTH), 0, HIST_BINS - 1)
    counts = np.zeros((len(touchpoints), HIST_BINS))
    np.add.at(counts, (codes, bins.astype(int)), 1.0)
    return pd.DataFrame(counts, index=pd.Index(touchpoints, name="touchpoint"), columns=range(HIST_BINS))


def approx_median(histogram: np.ndarray) -> float:
    """The median of a histogram of log10 hours, interpolated linearly (in log space) within its bin."""
    total = histogram.sum()
    if total <= 0:
        return float("nan")
    cumulative = np.cumsum(histogram)
    b = int(np.searchsorted(cumulative, total / 2))
    before = cumulative[b] - histogram[b]
    return float(10 ** (HIST_LOW + HIST_WIDTH * (b + (total / 2 - before) / histogram[b])))


# ---------------------------------------------------------------- from sums


def score_table(sums: pd.DataFrame, histogram: pd.DataFrame) -> pd.DataFrame:
    """The score columns (each with its `n_`) of each row of `sums`; `histogram` rows align with `sums`."""
    s, hist = sums, histogram.reindex(sums.index).fillna(0).to_numpy()
    return pd.DataFrame({
        "ces_mean": ratio(s["sum_ces"], s["n_ces"]), "ces_easy": 100 * ratio(s["n_ces_easy"], s["n_ces"]),
        "n_ces": s["n_ces"].astype(int), "csat": 100 * ratio(s["n_csat_top2"], s["n_csat"]),
        "n_csat": s["n_csat"].astype(int),
        "nps": 100 * ratio(s["n_promoters"] - s["n_detractors"], s["n_nps"]), "n_nps": s["n_nps"].astype(int),
        "happiness": ratio(s["sum_happiness"], s["n_happiness"]), "n_happiness": s["n_happiness"].astype(int),
        "acsi": ratio(s["sum_acsi"], s["n_acsi"]), "n_acsi": s["n_acsi"].astype(int),
        "n_tickets": s["n_tickets"].astype(int),
        "median_resolution_hours": [approx_median(row) for row in hist], "n_resolved": s["n_resolved"].astype(int),
        "repeat_contact_rate": ratio(s["n_repeat_contacts"], s["n_contacts"]),
    }, index=sums.index)


def overall(sums: pd.DataFrame, histogram: pd.DataFrame) -> dict[str, float | int | None]:
    """The score columns over all touchpoints, as JSON-ready values (None for no data)."""
    row = score_table(sums.sum().to_frame("all").T, histogram.sum().to_frame("all").T).iloc[0]
    return {k: (None if pd.isna(v) else int(v) if k.startswith("n_") else float(v)) for k, v in row.items()}
