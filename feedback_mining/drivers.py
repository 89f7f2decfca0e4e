"""Driver importance of pain points for survey effort: Johnson's relative weights, from mergeable cross-products.

Over the items whose effort comes from a survey (CES), effort is regressed on 0/1 indicators of the pain
points (present at probability >= 0.5). Pain points co-occur, so regression coefficients do not say how much
each one matters; Johnson's relative weights (Johnson 2000, Multivariate Behavioral Research 35:1) split the
R² among correlated predictors: each weight is >= 0, they add up to R², and they approximate the
Shapley/LMG decomposition at a fraction of its cost.

All it needs is the Gram matrix `Z'Z` of `Z = [1, indicators, effort]` (that is n, the sums, X'X, X'y and
y'y), which adds up across chunks and partitions like every other partial.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

METHOD = "johnson_relative_weights"
METHOD_NOTE = ("driver_weight: Johnson's relative weights of pain-point indicators (probability >= 0.5) in a "
               "linear regression of survey effort (CES-based, items with effort_source = survey); the weights "
               "of a touchpoint add up to the regression's R²")
INTERCEPT, RESPONSE = "_n", "_effort"
OVERALL = "all"  # the touchpoint label of the rows over all items
MIN_N = 30  # fewer survey items than this (or than predictors + 2): no weights


def gram(items: pd.DataFrame, pain_points: list[str], detected: float) -> pd.DataFrame:
    """`Z'Z` per touchpoint over the items with survey effort; index (touchpoint, term), columns terms."""
    terms = [INTERCEPT, *pain_points, RESPONSE]
    survey = (items["effort_source"] == "survey").to_numpy() & items["effort"].notna().to_numpy()
    rows = items[survey]
    z = np.column_stack([np.ones(len(rows)), *(rows[f"p_{pp}"].to_numpy(float) >= detected for pp in pain_points),
                         rows["effort"].to_numpy(float)]).reshape(len(rows), len(terms))
    codes, touchpoints = pd.factorize(rows["touchpoint"])
    blocks = [z[codes == k].T @ z[codes == k] for k in range(len(touchpoints))]
    index = pd.MultiIndex.from_product([touchpoints, terms], names=["touchpoint", "term"])
    return pd.DataFrame(np.vstack(blocks) if blocks else np.zeros((0, len(terms))), index=index, columns=terms)


def relative_weights(g: pd.DataFrame) -> tuple[pd.Series, float, int]:
    """(weight per pain point, R², n) from one Gram matrix (terms x terms). A pain point that never varies gets
    NaN; everything is NaN with fewer than `MIN_N` items (or predictors + 2) or when effort does not vary."""
    names = [c for c in g.columns if c not in (INTERCEPT, RESPONSE)]
    n = float(g.loc[INTERCEPT, INTERCEPT])
    weights = pd.Series(np.nan, index=pd.Index(names, name="pain_point"))
    if n < MIN_N:
        return weights, float("nan"), int(n)
    cov = _covariance(g.loc[[*names, RESPONSE], [INTERCEPT, *names, RESPONSE]].to_numpy(float), n)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    varies = sd[:-1] > 1e-12
    if n < max(MIN_N, varies.sum() + 2) or sd[-1] <= 1e-12:
        return weights, float("nan"), int(n)
    keep = np.flatnonzero(varies)
    used = [*keep, len(sd) - 1]
    corr = cov[np.ix_(used, used)] / np.outer(sd[used], sd[used])
    raw = johnson(corr[:-1, :-1], corr[:-1, -1])
    weights.iloc[keep] = raw
    return weights, float(raw.sum()), int(n)


def _covariance(block: np.ndarray, n: float) -> np.ndarray:
    """Covariance of the predictors and effort from rows of Z'Z: block = [sums | cross-products]."""
    sums, cross = block[:, 0], block[:, 1:]
    return (cross - np.outer(sums, sums) / n) / max(n - 1, 1)


def johnson(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights from the predictors' correlation matrix and their correlations with y.

    Lambda = Rxx^(1/2) relates X to its closest orthonormal counterpart Z; beta = Lambda^-1 rxy regresses y on Z;
    weight_j = sum_k Lambda_jk^2 beta_k^2. The weights add up to R² = rxy' Rxx^-1 rxy (pseudo-inverse when
    pain points are collinear)."""
    values, vectors = np.linalg.eigh(rxx)
    root = vectors @ np.diag(np.sqrt(np.clip(values, 0, None))) @ vectors.T
    beta = np.linalg.pinv(root, rcond=1e-10) @ rxy
    return (root ** 2) @ (beta ** 2)


def driver_table(grams: pd.DataFrame, overall: bool = False) -> pd.DataFrame:
    """`touchpoint, pain_point, n, weight, share_of_r2, r2, method`: each touchpoint's driver weights, or with
    `overall` those of all items together (the Gram matrices summed; touchpoint `OVERALL`)."""
    columns = ["touchpoint", "pain_point", "n", "weight", "share_of_r2", "r2", "method"]
    if grams.empty:
        return pd.DataFrame(columns=columns)
    if overall:
        per = {OVERALL: grams.groupby(level=1).sum().loc[grams.columns]}
    else:
        per = {tp: g.droplevel(0) for tp, g in grams.groupby(level=0, sort=True)}
    rows = []
    for touchpoint, g in per.items():
        weights, r2, n = relative_weights(g)
        share = weights.to_numpy() / r2 if r2 > 0 else np.full(len(weights), np.nan)
        rows.append(pd.DataFrame({"touchpoint": touchpoint, "pain_point": weights.index, "n": n,
                                  "weight": weights.to_numpy(), "share_of_r2": share, "r2": r2, "method": METHOD}))
    return pd.concat(rows, ignore_index=True)[columns]
