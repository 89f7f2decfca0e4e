"""Contributed effort, shares, drill-down and intervals, checked against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from feedback_mining import drivers
from feedback_mining.config import Config
from feedback_mining.rank import (
    _intervals,
    drill_down,
    excess_effort,
    merge_segments,
    overall_impact,
    overall_scores,
    partials,
    poisson_weights,
    rank_segments,
    rank_touchpoints,
    segment_partials,
    split_excess,
)

PAIN = ["waiting", "billing"]


def items(rows):
    """rows: (touchpoint, effort, p_waiting, p_billing); CES-derived effort, no other scores."""
    frame = pd.DataFrame(rows, columns=["touchpoint", "effort", "p_waiting", "p_billing"])
    return frame.assign(item_id=[f"i{i}" for i in range(len(frame))], effort_source="survey",
                        ces=7 - 6 * frame["effort"], csat=np.nan, nps=np.nan, happiness=np.nan)


def ranked(rows, target=0.0):
    config = Config(target=target, n_boot=100)
    return rank_touchpoints(partials(items(rows), PAIN, config)).set_index("touchpoint")


def test_large_mediocre_touchpoint_outranks_small_terrible_one():
    # call_center: 10 items at effort 0.5 -> C = 5.0, mean 0.5; email: 2 items at 1.0 -> C = 2.0, mean 1.0
    table = ranked([("call_center", 0.5, 0, 0)] * 10 + [("email", 1.0, 0, 0)] * 2 + [("app", 0.0, 0, 0)] * 5)
    assert table.loc["call_center", "contributed_effort"] == pytest.approx(5.0)
    assert table.loc["email", "contributed_effort"] == pytest.approx(2.0)
    assert table.loc["email", "mean_effort"] > table.loc["call_center", "mean_effort"]
    assert list(table.sort_values("rank").index) == ["call_center", "email", "app"]
    assert table.loc["call_center", "share"] == pytest.approx(5 / 7)
    assert table["share"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("target, expected", [
    (0.0, {"a": 0.2 + 0.6 + 1.0, "b": 0.4}),
    (0.5, {"a": 0.1 + 0.5, "b": 0.0}),  # max(effort - target, 0)
])
def test_target_subtracts_before_summing(target, expected):
    table = ranked([("a", 0.2, 0, 0), ("a", 0.6, 0, 0), ("a", 1.0, 0, 0), ("b", 0.4, 0, 0)], target=target)
    for touchpoint, value in expected.items():
        assert table.loc[touchpoint, "contributed_effort"] == pytest.approx(value)


def test_high_effort_rate_and_ces_scores():
    table = ranked([("a", 0.0, 0, 0), ("a", 2 / 3, 0, 0), ("a", 1.0, 0, 0), ("a", 0.5, 0, 0)])
    assert table.loc["a", "high_effort_rate"] == pytest.approx(0.5)  # effort >= 2/3: CES 1-3
    assert table.loc["a", "ces_mean"] == pytest.approx(np.mean([7, 3, 1, 4]))
    assert table.loc["a", "ces_easy"] == pytest.approx(25.0)  # CES >= 5


def test_excess_is_split_by_probability_and_rows_add_up():
    rows = [("a", 0.9, 0.9, 0.6), ("a", 0.3, 0.0, 0.0), ("a", 0.6, 0.0, 0.8), ("b", 1.0, 0.4, 0.0)]
    frame = items(rows)
    split = split_excess(frame, excess_effort(frame["effort"], 0.0), PAIN)
    assert split.loc[0, "waiting"] == pytest.approx(0.9 * 0.9 / 1.5)
    assert split.loc[0, "billing"] == pytest.approx(0.9 * 0.6 / 1.5)
    assert split.loc[1, "unattributed"] == pytest.approx(0.3)
    assert split.loc[3, "unattributed"] == pytest.approx(1.0)  # 0.4 is below the detection threshold
    parts = partials(frame, PAIN, Config(n_boot=10))
    drill = drill_down(parts).groupby("touchpoint")["contributed_effort"].sum()
    table = rank_touchpoints(parts).set_index("touchpoint")["contributed_effort"]
    pd.testing.assert_series_equal(drill.sort_index(), table.sort_index(), check_names=False)


def test_impact_is_mean_minus_mean_without():
    rows = [("a", 0.9, 0.9, 0), ("a", 0.6, 0.7, 0), ("a", 0.3, 0, 0), ("a", 0.0, 0, 0)]
    impact = overall_impact(partials(items(rows), PAIN, Config(n_boot=10))).set_index("pain_point")
    assert impact.loc["waiting", "impact"] == pytest.approx(np.mean([0.9, 0.6, 0.3, 0.0]) - np.mean([0.3, 0.0]))
    assert impact.loc["waiting", "n_items"] == 2


def test_partials_merge_like_one_chunk_including_the_bootstrap():
    rng = np.random.default_rng(1)
    rows = [(tp, e, w, b) for tp, e, w, b in zip(rng.choice(["a", "b", "c"], 300), rng.random(300),
                                               rng.random(300), rng.random(300))]
    frame, config = items(rows), Config(n_boot=40)
    whole = rank_touchpoints(partials(frame, PAIN, config))
    split = partials(frame.iloc[:120], PAIN, config) + partials(frame.iloc[120:], PAIN, config)
    pd.testing.assert_frame_equal(whole, rank_touchpoints(split))


def test_poisson_weights_are_per_item_and_have_mean_one():
    ids = pd.Series([f"x{i}" for i in range(20000)])
    weights = poisson_weights(ids, 50, seed=3)
    assert weights.mean() == pytest.approx(1.0, abs=0.01)
    assert weights.var() == pytest.approx(1.0, abs=0.03)
    np.testing.assert_array_equal(poisson_weights(ids.iloc[5:7], 50, seed=3), weights[5:7])
    assert not np.array_equal(poisson_weights(ids.iloc[5:7], 50, seed=4), weights[5:7])


def test_intervals_bracket_the_share_and_ranks_are_sane():
    rows = [("big", 0.6, 0, 0)] * 200 + [("small", 0.3, 0, 0)] * 50
    table = ranked(rows)
    for tp in ("big", "small"):
        assert table.loc[tp, "share_low"] <= table.loc[tp, "share"] <= table.loc[tp, "share_high"]
    assert (table.loc["big", "rank_low"], table.loc["big", "rank_high"]) == (1, 1)


# ---------------------------------------------------------------- drill-down intervals, simulation, drivers, segments


@pytest.mark.parametrize("seed, target", [(0, 0.0), (1, 0.3), (2, 0.9)])
def test_drill_down_adds_up_exactly_with_missing_effort_and_a_target(seed, target):
    rng = np.random.default_rng(seed)
    n = 400
    frame = items(list(zip(rng.choice(["a", "b", "c", "d"], n), rng.random(n), rng.random(n), rng.random(n))))
    frame.loc[rng.random(n) < 0.1, "effort"] = np.nan  # no CES and no text: contributes nothing
    parts = partials(frame.iloc[:150], PAIN, Config(target=target, n_boot=20)) + \
        partials(frame.iloc[150:], PAIN, Config(target=target, n_boot=20))
    drill = drill_down(parts)
    totals = drill.groupby("touchpoint")["contributed_effort"].sum()
    ranked_totals = rank_touchpoints(parts).set_index("touchpoint")["contributed_effort"]
    np.testing.assert_allclose(totals.reindex(ranked_totals.index).fillna(0), ranked_totals, rtol=0, atol=1e-12)
    expected = np.nansum(np.clip(frame["effort"] - target, 0, None))
    assert drill["contributed_effort"].sum() == pytest.approx(expected, abs=1e-12)
    assert (drill["contributed_low"] <= drill["contributed_effort"] + 1e-12).all()
    assert (drill["contributed_effort"] <= drill["contributed_high"] + 1e-12).all()


def simulated_weeks(reps: int, n: int, seed: int = 0):
    """`reps` independent weeks of n items from a known population, touchpoints named `<rep>|<a|b|c>`.

    Population: touchpoint a, b, c with probability 0.5, 0.3, 0.2; effort ~ U(0, 0.6), U(0.3, 1) and
    Bernoulli(0.5) (means 0.3, 0.65, 0.5): the planted effect is b's high effort. Half the items have `waiting`."""
    rng = np.random.default_rng(seed)
    p, mean = np.array([0.5, 0.3, 0.2]), np.array([0.3, 0.65, 0.5])
    tp = rng.choice(3, reps * n, p=p)
    effort = np.choose(tp, [rng.uniform(0, 0.6, reps * n), rng.uniform(0.3, 1, reps * n),
                            (rng.random(reps * n) < 0.5).astype(float)])
    rep = np.repeat(np.arange(reps), n)
    frame = pd.DataFrame({"touchpoint": [f"{r:03d}|{'abc'[t]}" for r, t in zip(rep, tp)], "effort": effort,
                          "p_waiting": (rng.random(reps * n) < 0.5).astype(float), "p_billing": 0.0})
    frame = frame.assign(item_id=[f"w{i}" for i in range(len(frame))], effort_source="estimated", ces=np.nan,
                         csat=np.nan, nps=np.nan, happiness=np.nan)
    return frame, p * mean / (p * mean).sum(), n * p[1] * mean[1] * 0.5


def test_bootstrap_intervals_cover_the_true_share_and_contribution():
    reps, n = 200, 300
    frame, true_share, true_waiting_b = simulated_weeks(reps, n)
    parts = partials(frame, PAIN, Config(n_boot=200, seed=7))
    boot = parts.boot
    share_hits = 0
    for r in range(reps):
        week = boot.loc[[f"{r:03d}|{t}" for t in "abc"]]
        interval = _intervals(week).loc[f"{r:03d}|b"]
        share_hits += interval["share_low"] <= true_share[1] <= interval["share_high"]
    drill = drill_down(parts)
    b_waiting = drill[drill["touchpoint"].str.endswith("|b") & (drill["pain_point"] == "waiting")]
    contribution_hits = ((b_waiting["contributed_low"] <= true_waiting_b)
                         & (true_waiting_b <= b_waiting["contributed_high"])).sum()
    assert 0.90 <= share_hits / reps <= 0.99
    assert len(b_waiting) == reps and 0.90 <= contribution_hits / reps <= 0.99


def survey_items_with_drivers(n: int, seed: int = 0) -> pd.DataFrame:
    """Survey items whose effort is driven strongly by `waiting`, weakly by `billing` (correlated with waiting),
    not at all by `technical`; plus estimated items with random effort, which drivers must ignore."""
    rng = np.random.default_rng(seed)
    waiting = rng.random(n) < 0.3
    billing = np.where(rng.random(n) < 0.4, waiting, rng.random(n) < 0.2)
    technical = rng.random(n) < 0.25
    effort = np.clip(0.2 + 0.45 * waiting + 0.08 * billing + rng.normal(0, 0.15, n), 0, 1)
    estimated = rng.random(n) < 0.2
    return pd.DataFrame({
        "item_id": [f"d{i}" for i in range(n)], "touchpoint": rng.choice(["a", "b"], n),
        "effort": np.where(estimated, rng.random(n), effort),
        "effort_source": np.where(estimated, "estimated", "survey"),
        "p_waiting": waiting * 0.9, "p_billing": billing * 0.7, "p_technical": technical * 0.8,
        "ces": np.nan, "csat": np.nan, "nps": np.nan, "happiness": np.nan})


def test_driver_weights_sum_to_r2_and_rank_the_planted_driver_first():
    frame, pains = survey_items_with_drivers(3000), ["waiting", "billing", "technical"]
    parts = partials(frame.iloc[:1000], pains, Config(n_boot=5)) + partials(frame.iloc[1000:], pains, Config(n_boot=5))
    table = drivers.driver_table(parts.gram, overall=True).set_index("pain_point")
    survey = frame[frame["effort_source"] == "survey"]
    x = np.column_stack([np.ones(len(survey)), *(survey[f"p_{p}"] >= 0.5 for p in pains)]).astype(float)
    residual = survey["effort"] - x @ np.linalg.lstsq(x, survey["effort"], rcond=None)[0]
    r2 = 1 - residual.var() / survey["effort"].var()
    assert table["weight"].sum() == pytest.approx(r2, rel=1e-9)
    assert table["r2"].iloc[0] == pytest.approx(r2, rel=1e-9) and table["n"].iloc[0] == len(survey)
    assert list(table["weight"].sort_values(ascending=False).index) == ["waiting", "billing", "technical"]
    assert table.loc["technical", "weight"] < 0.01 and (table["method"] == "johnson_relative_weights").all()
    impact = overall_impact(parts).set_index("pain_point")
    assert impact.loc["waiting", "driver_weight"] == pytest.approx(table.loc["waiting", "weight"])
    assert drill_down(parts)["driver_weight"].notna().any()


@pytest.mark.parametrize("present, expected", [
    ([0, 0, 0, 0], "nan"),  # never varies: no weight
    ([1, 1, 1, 1], "nan"),  # always present: no weight
])
def test_a_pain_point_that_never_varies_gets_no_weight(present, expected):
    frame = survey_items_with_drivers(200).assign(p_technical=np.resize(np.array(present, float), 200))
    table = drivers.driver_table(partials(frame, ["waiting", "technical"], Config(n_boot=2)).gram, overall=True)
    weights = table.set_index("pain_point")["weight"]
    assert np.isnan(weights["technical"]) and weights["waiting"] > 0


def test_too_few_survey_items_give_no_driver_weights():
    frame = survey_items_with_drivers(drivers.MIN_N + 5).iloc[: drivers.MIN_N - 1].assign(effort_source="survey")
    table = drivers.driver_table(partials(frame, ["waiting"], Config(n_boot=2)).gram, overall=True)
    assert table["weight"].isna().all() and np.isnan(table["r2"].iloc[0])


def test_segments_repeat_the_ranking_and_merge_across_chunks():
    frame = items([("a", 0.9, 0, 0)] * 4 + [("b", 0.2, 0, 0)] * 6 + [("b", 0.5, 0, 0)] * 6)
    frame["language"] = ["ru"] * 4 + ["ru"] * 6 + [""] * 6
    config = Config(n_boot=20)
    whole = segment_partials(frame, "language", PAIN, config)
    merged = merge_segments(segment_partials(frame.iloc[:7], "language", PAIN, config),
                            segment_partials(frame.iloc[7:], "language", PAIN, config))
    table = rank_segments(merged, "language")
    pd.testing.assert_frame_equal(table, rank_segments(whole, "language"))
    assert list(table.columns[:3]) == ["segment", "rank", "touchpoint"]
    ru = table[table["segment"] == "ru"].set_index("touchpoint")
    assert ru.loc["a", "rank"] == 1 and ru.loc["a", "contributed_effort"] == pytest.approx(3.6)
    unknown = table[table["segment"] == "unknown"]
    assert unknown["touchpoint"].tolist() == ["b"] and unknown["contributed_effort"].iloc[0] == pytest.approx(3.0)


def test_overall_scores_keep_their_keys():
    scores = overall_scores(partials(items([("a", 0.5, 0, 0)]), PAIN, Config(n_boot=2)))
    assert {"ces_mean", "ces_easy", "csat", "nps", "happiness", "acsi", "median_resolution_hours",
            "repeat_contact_rate", "mean_effort", "n_items"} <= set(scores)
