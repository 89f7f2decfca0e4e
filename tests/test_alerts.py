"""Alerts: each kind from small frames; `--fail-on alerts` exits 3 only when one fires; `compare` any two weeks."""

import json

import numpy as np
import pandas as pd
import pytest

from feedback_mining import alerts
from feedback_mining.cli import main
from feedback_mining.config import config_from_dict
from feedback_mining.errors import UsageError
from feedback_mining.history import store_week
from tests.test_drift import off_domain_texts


def touchpoints(rows):
    """rows: (touchpoint, share, share_low, share_high, delta_share, change_significant)."""
    return pd.DataFrame(rows, columns=["touchpoint", "share", "share_low", "share_high", "delta_share",
                                       "change_significant"])


@pytest.mark.parametrize("rows, expected", [
    ([("call_center", 0.4, 0.35, 0.45, 0.1, True), ("app", 0.6, 0.5, 0.7, -0.1, False)], ["call_center"]),
    ([("app", 0.6, 0.5, 0.7, np.nan, False)], []),
])
def test_share_alerts(rows, expected):
    found = alerts.share_alerts(touchpoints(rows), "2026-W46")
    assert [a["touchpoint"] for a in found] == expected
    if expected:
        assert "+10.0 pp against 2026-W46" in found[0]["message"]


def drill(rows):
    """rows: (touchpoint, pain_point, n_items, contributed_effort, contributed_low, contributed_high)."""
    frame = pd.DataFrame(rows, columns=["touchpoint", "pain_point", "n_items", "contributed_effort",
                                        "contributed_low", "contributed_high"])
    return frame.assign(share_of_touchpoint=0.5)


@pytest.mark.parametrize("now, before, expected", [
    ([("cc", "waiting", 20, 10.0, 8.0, 12.0)], [("cc", "waiting", 10, 5.0, 4.0, 6.0)], [("cc", "waiting")]),
    ([("cc", "waiting", 20, 10.0, 8.0, 12.0)], [("cc", "waiting", 18, 9.0, 7.0, 11.0)], []),  # within the interval
    ([("cc", "waiting", 3, 10.0, 8.0, 12.0)], [("cc", "waiting", 1, 1.0, 1.0, 1.0)], []),  # too few items
    ([("cc", "unattributed", 20, 10.0, 8.0, 12.0)], [("cc", "unattributed", 10, 1.0, 1.0, 1.0)], []),
    ([("cc", "waiting", 20, 10.0, 8.0, 12.0)], [], []),  # nothing to compare with
])
def test_pain_point_growth_alerts(now, before, expected):
    found = alerts.pain_alerts(drill(now), drill(before), "2026-W46")
    assert [(a["touchpoint"], a["pain_point"]) for a in found] == expected


@pytest.mark.parametrize("reconciliation, warnings, expected", [
    ({"surveys": {"rows_read": 100, "rows_rejected": 11}}, [], ["rejects"]),
    ({"surveys": {"rows_read": 100, "rows_rejected": 10}}, [], []),  # 10% is not more than 10%
    ({}, [{"check": "ces_direction", "message": "CES looks reversed"}], ["ces_direction"]),
])
def test_quality_alerts(reconciliation, warnings, expected):
    found = alerts.quality_alerts({"reconciliation": reconciliation, "warnings": warnings})
    assert [a["check"] for a in found] == expected
    assert all(a["kind"] == "data_quality" for a in found)


def test_fail_on_is_a_config_key():
    assert config_from_dict({"fail_on": "alerts"}).fail_on == "alerts"
    with pytest.raises(UsageError, match="fail_on"):
        config_from_dict({"fail_on": "warnings"})


# ---------------------------------------------------------------- --fail-on alerts, end to end


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("example") / "out"
    code = main(["run", "--example", "--out", str(out), "--quiet", "--bootstrap", "50", "--fail-on", "alerts"])
    return code, out


def test_no_alert_on_the_example_week_exits_0(example_run):
    code, out = example_run
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert code == 0 and manifest["alerts"] == []
    assert manifest["drift"]["warnings"] == [] and len(manifest["drift"]["languages"]) >= 4
    assert "timings_s" in manifest and manifest["timings_s"]["drift"] < 3
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="drift"' in page and "Every figure is within its threshold." in page


@pytest.fixture(scope="module")
def off_domain_week(tmp_path_factory):
    folder = tmp_path_factory.mktemp("off_domain")
    comments = pd.DataFrame({"response_id": [f"C{i}" for i in range(200)], "text": off_domain_texts(),
                             "submitted_at": "2026-11-18"})
    comments.to_csv(folder / "comments.csv", index=False)
    return folder


@pytest.mark.parametrize("flags, expected", [(["--fail-on", "alerts"], 3), ([], 0)])
def test_an_alert_exits_3_only_with_fail_on(off_domain_week, tmp_path, flags, expected, capsys):
    out, history = tmp_path / "out", tmp_path / "h.duckdb"
    code = main(["run", "--comments", str(off_domain_week / "comments.csv"), "--out", str(out), "--history",
                 str(history), "--bootstrap", "20", "--quiet", *flags])
    assert code == expected
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))  # outputs written before the exit
    assert {"drift"} <= {a["kind"] for a in manifest["alerts"]}
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert summary.splitlines()[2].startswith("**🔔 Alerts (")  # at the top, under the title
    assert "of Russian words are unknown to the models" in summary
    assert history.exists()  # and the history
    assert ("exit 3" in capsys.readouterr().err) == (expected == 3)


# ---------------------------------------------------------------- compare any two weeks


def stored(rows):
    """rows: (touchpoint, rank, share, share_low, share_high)."""
    frame = pd.DataFrame(rows, columns=["touchpoint", "rank", "share", "share_low", "share_high"])
    return frame.assign(n_items=50, contributed_effort=frame["share"] * 10, rank_low=frame["rank"],
                        rank_high=frame["rank"])


def pains(effort, low, high):
    return pd.DataFrame({"touchpoint": ["a"], "pain_point": ["waiting"], "n_items": [20],
                         "contributed_effort": [effort], "contributed_low": [low], "contributed_high": [high],
                         "share_of_touchpoint": [0.5]})


def test_compare_two_stored_weeks(tmp_path, capsys):
    history = tmp_path / "h.duckdb"
    store_week(history, "2026-W45", stored([("a", 1, 0.5, 0.45, 0.55), ("b", 2, 0.5, 0.45, 0.55)]),
               pains(2.0, 1.5, 2.5), {"items": {"total": 100}})
    store_week(history, "2026-W46", stored([("a", 2, 0.5, 0.45, 0.55), ("b", 1, 0.5, 0.45, 0.55)]),
               pains(2.0, 1.5, 2.5), {"items": {"total": 100}})
    store_week(history, "2026-W48", stored([("a", 1, 0.7, 0.65, 0.75), ("b", 2, 0.3, 0.25, 0.35)]),
               pains(5.0, 4.0, 6.0), {"items": {"total": 100}})
    assert main(["compare", "2026-W45", "2026-W48", "--history", str(history), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(tmp_path / "compare_2026-W45_2026-W48.csv")
    assert table.set_index("touchpoint")["delta_share"].round(3).to_dict() == {"a": 0.2, "b": -0.2}
    assert table["change_significant"].all()
    assert "2026-W48 against 2026-W45" in printed and "alert: waiting at a grew" in printed
    assert main(["compare", "2026-W46", "2026-W48", "--history", str(history), "--out", str(tmp_path)]) == 0
    assert pd.read_csv(tmp_path / "compare_2026-W46_2026-W48.csv").set_index("touchpoint")["delta_rank"].to_dict() \
        == {"a": -1, "b": 1}


def test_compare_names_the_stored_weeks_when_one_is_missing(tmp_path, capsys):
    history = tmp_path / "h.duckdb"
    store_week(history, "2026-W45", stored([("a", 1, 1.0, 1.0, 1.0)]), pains(2.0, 1.5, 2.5), {})
    assert main(["compare", "2026-W45", "2026-W47", "--history", str(history), "--out", str(tmp_path)]) == 2
    assert "week 2026-W47 is not stored; stored weeks: 2026-W45" in capsys.readouterr().err
    assert main(["compare", "2026-W45", "2026-W46", "--history", str(tmp_path / "none.duckdb")]) == 2
