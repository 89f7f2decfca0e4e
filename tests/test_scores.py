"""Score formulas against hand-computed values, per touchpoint and overall, on configurable scales."""

import numpy as np
import pandas as pd
import pytest

from feedback_mining.config import Config, Scale
from feedback_mining.rank import overall_scores, partials, rank_touchpoints
from feedback_mining.scores import HIST_WIDTH, approx_median, overall, resolution_histogram, score_sums, score_table

NAN = np.nan


def scored(column, values, touchpoint="a"):
    """Items carrying one score column (others missing), as the rank stage sees them."""
    frame = pd.DataFrame({column: values})
    return frame.assign(touchpoint=touchpoint, item_id=[f"{touchpoint}{i}" for i in range(len(frame))])


def scores_of(items, config=None):
    config = config or Config()
    sums = score_sums(items, config).assign(touchpoint=items["touchpoint"]).groupby("touchpoint").sum()
    return score_table(sums, resolution_histogram(items))


@pytest.mark.parametrize("column, values, scale, expected", [
    # CES 2.0, 1-7 agreement with "made it easy": mean on its own scale, % easy = % of 5-7
    ("ces", [7, 5, 4, 1], Scale(1, 7), {"ces_mean": 4.25, "ces_easy": 50.0, "n_ces": 4}),
    ("ces", [6, NAN, 2], Scale(1, 7), {"ces_mean": 4.0, "ces_easy": 50.0, "n_ces": 2}),
    # a 1-5 effort scale (higher = more effort): easy = 1-2
    ("ces", [1, 2, 3, 5], Scale(1, 5, higher_is_easier=False), {"ces_mean": 2.75, "ces_easy": 50.0, "n_ces": 4}),
    # CSAT top-2-box: 4-5 on 1-5, 9-10 on 1-10, 1-2 when 1 is best
    ("csat", [5, 4, 3, 1, 2], Scale(1, 5), {"csat": 40.0, "n_csat": 5}),
    ("csat", [10, 9, 8, 1], Scale(1, 10), {"csat": 50.0, "n_csat": 4}),
    ("csat", [1, 2, 5], Scale(1, 5, higher_is_easier=False), {"csat": 200 / 3, "n_csat": 3}),
    # NPS: % 9-10 minus % 0-6
    ("nps", [10, 9, 8, 7, 6, 0], None, {"nps": 0.0, "n_nps": 6}),
    ("nps", [10, 10, 10, 0], None, {"nps": 50.0, "n_nps": 4}),
    ("nps", [0, 3, 6], None, {"nps": -100.0}),
    ("nps", [9, 10], None, {"nps": 100.0}),
    ("happiness", [1, 10, NAN], None, {"happiness": 5.5, "n_happiness": 2}),
    ("contacts", [1, 2, 3, NAN], None, {"repeat_contact_rate": 2 / 3}),  # 2+ contacts: not first-contact resolution
])
def test_score_formulas(column, values, scale, expected):
    config = Config(ces_scale=scale) if column == "ces" and scale else \
        Config(csat_scale=scale) if column == "csat" and scale else Config()
    row = scores_of(scored(column, values), config).loc["a"]
    for key, value in expected.items():
        assert row[key] == pytest.approx(value), key


@pytest.mark.parametrize("answers, expected", [
    ((10, 10, 10), 100.0),
    ((1, 1, 1), 0.0),
    ((5.5, 5.5, 5.5), 50.0),
    ((8, 7, 9), (7 + 6 + 8) / 9 * 100 / 3),  # each (x - 1) / 9 * 100, then averaged
])
def test_acsi_style_index(answers, expected):
    items = pd.DataFrame([answers], columns=["acsi_satisfaction", "acsi_expectations", "acsi_ideal"])
    row = scores_of(items.assign(touchpoint="a")).loc["a"]
    assert row["acsi"] == pytest.approx(expected) and row["n_acsi"] == 1


def test_acsi_needs_all_three_answers_on_1_to_10():
    items = pd.DataFrame({"acsi_satisfaction": [10, 10, "10", 11], "acsi_expectations": [10, NAN, "1", 10],
                          "acsi_ideal": [10, 10, "5,5", 10], "touchpoint": "a"})
    row = scores_of(items).loc["a"]
    assert row["n_acsi"] == 2  # the one missing an answer and the one with 11 do not count
    assert row["acsi"] == pytest.approx((100 + (100 + 0 + 50) / 3) / 2)


@pytest.mark.parametrize("hours", [
    [1.0, 2.0, 100.0],
    [0.5, 0.5, 3.0, 8.0],
    [24.0] * 5 + [200.0],
    list(np.random.default_rng(0).lognormal(3, 1.2, 2000)),
])
def test_median_resolution_from_the_histogram_is_within_one_bin(hours):
    items = pd.DataFrame({"touchpoint": "a", "resolution_hours": hours})
    approx = approx_median(resolution_histogram(items).loc["a"].to_numpy())
    middle = np.sort(hours)[[(len(hours) - 1) // 2, len(hours) // 2]]  # the two middle values (one when odd)
    assert np.log10(middle[0]) - HIST_WIDTH <= np.log10(approx) <= np.log10(middle[1]) + HIST_WIDTH


def test_resolution_histogram_merges_and_ignores_open_or_negative_tickets():
    items = pd.DataFrame({"touchpoint": ["a", "a", "b", "a", "b"], "resolution_hours": [1.0, 5.0, NAN, -3.0, 0.0]})
    whole = resolution_histogram(items)
    merged = resolution_histogram(items.iloc[:2]).add(resolution_histogram(items.iloc[2:]), fill_value=0)
    pd.testing.assert_frame_equal(whole.sort_index(), merged.sort_index(), check_dtype=False)
    assert whole.loc["a"].sum() == 2 and whole.loc["b"].sum() == 1  # 0 h counts (lowest bin), -3 h does not


def test_scores_per_touchpoint_and_overall():
    items = pd.concat([scored("nps", [10, 10, 0], "a"), scored("nps", [0, 7], "b")], ignore_index=True)
    items = items.assign(effort=0.5, effort_source="estimated", ces=NAN, csat=NAN, happiness=NAN)
    parts = partials(items, [], Config(n_boot=5))
    table = rank_touchpoints(parts).set_index("touchpoint")
    assert table.loc["a", "nps"] == pytest.approx(100 * (2 - 1) / 3)
    assert table.loc["b", "nps"] == pytest.approx(-50.0)
    headline = overall_scores(parts)
    assert headline["nps"] == pytest.approx(100 * (2 - 2) / 5) and headline["n_nps"] == 5
    assert headline["ces_mean"] is None and headline["n_ces"] == 0
    assert overall(parts.sums, parts.resolution)["n_nps"] == 5
