"""Contributed effort, shares, drill-down and intervals, checked against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from feedback_mining.config import Config
from feedback_mining.rank import (drill_down, excess_effort, overall_impact, partials, poisson_weights,
                                  rank_touchpoints, split_excess)

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
