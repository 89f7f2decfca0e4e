"""The week history: DuckDB storage keyed by ISO week, idempotent reruns, week-over-week deltas, the CLI."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feedback_mining import history
from feedback_mining.cli import main
from feedback_mining.errors import UsageError
from feedback_mining.history import (
    compare_weeks,
    history_path,
    list_weeks,
    load_drift,
    load_week,
    previous_week,
    store_week,
)
from feedback_mining.values import parse_dates

NAN = np.nan


def touchpoints(rows):
    """rows: (touchpoint, rank, share, share_low, share_high)."""
    frame = pd.DataFrame(rows, columns=["touchpoint", "rank", "share", "share_low", "share_high"])
    return frame.assign(n_items=10, contributed_effort=frame["share"] * 10, rank_low=frame["rank"],
                        rank_high=frame["rank"], top_pain_points="waiting (50%)")


def pains(touchpoint="a"):
    return pd.DataFrame({"touchpoint": [touchpoint, touchpoint], "pain_point": ["waiting", "unattributed"],
                         "n_items": [3, 1], "contributed_effort": [2.0, 0.5], "impact": [0.1, NAN]})


def manifest(items=20, when="2026-11-23T10:00:00+00:00"):
    return {"created_at": when, "items": {"total": items}}


WEEK_A = touchpoints([("a", 1, 0.6, 0.5, 0.7), ("b", 2, 0.4, 0.3, 0.5)])


def test_store_list_and_load_a_week(tmp_path):
    path = tmp_path / "h.duckdb"
    store_week(path, "2026-W47", WEEK_A, pains(), manifest())
    weeks = list_weeks(path)
    assert weeks[["week", "items", "top_touchpoint"]].to_dict("records") == [
        {"week": "2026-W47", "items": 20, "top_touchpoint": "a"}]
    assert str(weeks.loc[0, "run_at"]) == "2026-11-23 10:00:00"
    stored = load_week(path, "2026-W47")
    assert stored["touchpoint"].tolist() == ["a", "b"] and stored["share"].tolist() == [0.6, 0.4]
    assert stored["csat"].isna().all()  # columns a table lacks are stored as NULL
    assert load_week(path, "2026-W47", "pain_points")["contributed_effort"].sum() == pytest.approx(2.5)


DRIFT = {"languages": [{"language": "ru", "n_texts": 120, "unseen_token_share": 0.4, "domain_auc": 0.9}],
         "warnings": [{"language": "ru", "message": "47% of Russian words are unknown"}]}


def test_a_week_and_its_drift_are_stored_in_one_transaction(tmp_path, monkeypatch):
    path = tmp_path / "h.duckdb"
    store_week(path, "2026-W47", WEEK_A, pains(), manifest(), drift=DRIFT)
    assert load_drift(path)[["week", "language", "n_texts", "warnings"]].values.tolist() == [["2026-W47", "ru", 120, 1]]
    monkeypatch.setattr(history, "drift_rows", lambda drift: 1 / 0)  # the drift rows fail: the week is not stored
    with pytest.raises(ZeroDivisionError):
        store_week(path, "2026-W48", WEEK_A, pains(), manifest(), drift=DRIFT)
    assert list_weeks(path)["week"].tolist() == ["2026-W47"]


def test_rerunning_a_week_replaces_it(tmp_path):
    path = tmp_path / "h.duckdb"
    store_week(path, "2026-W46", WEEK_A, pains(), manifest(5))
    for _ in range(2):
        store_week(path, "2026-W47", WEEK_A, pains(), manifest(20))
    store_week(path, "2026-W47", touchpoints([("c", 1, 1.0, 1.0, 1.0)]), pains("c"), manifest(30))
    assert list_weeks(path)[["week", "items", "top_touchpoint"]].values.tolist() == [
        ["2026-W46", 5, "a"], ["2026-W47", 30, "c"]]
    assert load_week(path, "2026-W47")["touchpoint"].tolist() == ["c"]
    assert load_week(path, "2026-W47", "pain_points")["touchpoint"].unique().tolist() == ["c"]
    assert len(load_week(path, "2026-W46")) == 2


def test_a_failed_store_leaves_the_week_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "h.duckdb"
    store_week(path, "2026-W47", WEEK_A, pains(), manifest(20))
    real_insert = history._insert

    def fail_on_pain_points(con, table, week, frame):
        if table == "pain_points":
            raise OSError("disk full")
        real_insert(con, table, week, frame)

    monkeypatch.setattr(history, "_insert", fail_on_pain_points)
    with pytest.raises(OSError):
        store_week(path, "2026-W47", touchpoints([("c", 1, 1.0, 1.0, 1.0)]), pains("c"), manifest(99))
    assert list_weeks(path)["items"].tolist() == [20]
    assert load_week(path, "2026-W47")["touchpoint"].tolist() == ["a", "b"]
    assert len(load_week(path, "2026-W47", "pain_points")) == 2


def test_previous_week_is_the_latest_stored_before_this_one(tmp_path):
    path = tmp_path / "h.duckdb"
    assert previous_week(path, "2026-W47") is None and not path.exists()  # reading creates no file
    for week in ("2026-W45", "2026-W46", "2026-W48"):
        store_week(path, week, WEEK_A, pains(), manifest())
    assert previous_week(path, "2026-W47")[0] == "2026-W46"
    assert previous_week(path, "2026-W48")[0] == "2026-W46"  # not itself: a rerun compares with the same week
    assert previous_week(path, "2027-W01")[0] == "2026-W48"
    assert previous_week(path, "2026-W45") is None


@pytest.mark.parametrize("now, before, expected", [
    # (touchpoint, rank, share, low, high) this week; (touchpoint, rank, share) last week;
    # expected (delta_share, delta_rank, change_significant) per touchpoint of this week
    ([("a", 1, 0.6, 0.5, 0.7)], [("a", 1, 0.55)], {"a": (0.05, 0, False)}),  # inside this week's interval
    ([("a", 1, 0.6, 0.5, 0.7)], [("a", 2, 0.3)], {"a": (0.30, -1, True)}),  # below it: moved up to #1
    ([("a", 1, 0.6, 0.5, 0.7)], [("a", 1, 0.75)], {"a": (-0.15, 0, True)}),  # above it
    ([("a", 1, 0.6, 0.5, 0.7)], [("a", 1, 0.7)], {"a": (-0.10, 0, False)}),  # on the edge: explained
    ([("a", 1, 0.6, 0.5, 0.7), ("new", 2, 0.4, 0.3, 0.5)], [("a", 1, 1.0)],
     {"a": (-0.4, 0, True), "new": (NAN, None, False)}),  # a new touchpoint has no delta
])
def test_week_over_week_deltas(now, before, expected):
    previous = pd.DataFrame(before, columns=["touchpoint", "rank", "share"])
    table = compare_weeks(touchpoints(now), previous).set_index("touchpoint")
    for tp, (share, rank, significant) in expected.items():
        assert table.loc[tp, "delta_share"] == pytest.approx(share, nan_ok=True)
        assert (pd.isna(table.loc[tp, "delta_rank"]) if rank is None else table.loc[tp, "delta_rank"] == rank)
        assert bool(table.loc[tp, "change_significant"]) is significant
    columns = list(table.reset_index().columns)
    assert columns.index("delta_share") == columns.index("rank_high") + 1


def test_without_a_previous_week_deltas_are_empty():
    table = compare_weeks(WEEK_A, None)
    assert table["delta_share"].isna().all() and table["delta_rank"].isna().all()
    assert not table["change_significant"].any()
    pd.testing.assert_frame_equal(compare_weeks(table, None), table)  # applying twice changes nothing


def test_default_history_file_resolves_in_the_working_directory_at_call_time(tmp_path, monkeypatch):
    monkeypatch.delenv(history.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    assert history_path() == tmp_path / "feedback_mining_history.duckdb"
    monkeypatch.setenv(history.ENV_VAR, str(tmp_path / "env.duckdb"))
    assert history_path() == tmp_path / "env.duckdb"
    assert history_path(Path("given.duckdb")) == Path("given.duckdb")


# ---------------------------------------------------------------- the command line


@pytest.fixture
def inputs(tmp_path, week, term_files):
    for name, frame in week.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    return ["--surveys", str(tmp_path / "surveys.csv"), "--comments", str(tmp_path / "comments.csv"),
            "--tickets", str(tmp_path / "tickets.csv"), "--taxonomy", str(term_files[0]), "--bootstrap", "30",
            "--quiet"]


def week_earlier(inputs: list[str], folder: Path) -> list[str]:
    """The same inputs with every date a week earlier, written to `folder`."""
    folder.mkdir()
    shifted = list(inputs)
    for i, arg in enumerate(inputs):
        if arg.endswith(".csv"):
            frame = pd.read_csv(arg, dtype=str, keep_default_na=False)
            for column in ("submitted_at", "created_at", "closed_at"):
                if column in frame:
                    dates, _ = parse_dates(frame[column])
                    shifted_dates = (dates - pd.Timedelta(days=7)).dt.strftime("%Y-%m-%dT%H:%M:%S")
                    frame[column] = shifted_dates.where(dates.notna(), frame[column])  # bad values stay bad
            frame.to_csv(folder / Path(arg).name, index=False)
            shifted[i] = str(folder / Path(arg).name)
    return shifted


def test_run_stores_weeks_and_reports_deltas(tmp_path, inputs, capsys):
    db = tmp_path / "history.duckdb"
    earlier = week_earlier(inputs, tmp_path / "w46-input")
    assert main(["run", *earlier, "--out", str(tmp_path / "w46"), "--week", "2026-W46", "--history", str(db)]) == 0
    first = pd.read_csv(tmp_path / "w46" / "touchpoints.csv")
    assert first["delta_share"].isna().all()
    for _ in range(2):  # a rerun of W47 replaces it and compares with W46 again
        assert main(["run", *inputs, "--out", str(tmp_path / "w47"), "--week", "2026-W47", "--history", str(db)]) == 0
    table = pd.read_csv(tmp_path / "w47" / "touchpoints.csv")
    assert table["delta_share"].to_numpy() == pytest.approx(np.zeros(len(table)))  # same data, same shares
    assert (table["delta_rank"] == 0).all() and not table["change_significant"].any()
    assert json.loads((tmp_path / "w47" / "run.json").read_text())["history"] == {
        "path": str(db), "previous_week": "2026-W46", "stored": True}
    assert list_weeks(db)["week"].tolist() == ["2026-W46", "2026-W47"]
    capsys.readouterr()
    assert main(["history", "--history", str(db)]) == 0
    listing = capsys.readouterr().out
    assert "2026-W46" in listing and "2026-W47" in listing and "top_touchpoint" in listing


def test_no_history_skips_storing(tmp_path, inputs):
    db = tmp_path / "history.duckdb"
    assert main(["run", *inputs, "--out", str(tmp_path / "out"), "--history", str(db), "--no-history"]) == 0
    assert not db.exists()
    assert main(["history", "--history", str(db)]) == 2  # nothing stored yet: says so, exit 2


def test_by_repeats_the_ranking_per_segment(tmp_path, inputs):
    out = tmp_path / "out"
    assert main(["run", *inputs, "--out", str(out), "--history", str(tmp_path / "h.duckdb"), "--by", "language"]) == 0
    by = pd.read_csv(out / "touchpoints_by_language.csv")
    assert list(by.columns[:3]) == ["segment", "rank", "touchpoint"]
    whole = pd.read_csv(out / "touchpoints.csv")
    assert by["contributed_effort"].sum() == pytest.approx(whole["contributed_effort"].sum())
    assert "language" in pd.read_parquet(out / "items.parquet").columns


def test_by_an_unknown_column_is_a_usage_error(tmp_path, inputs, capsys):
    code = main(["run", *inputs, "--out", str(tmp_path / "out"), "--no-history", "--by", "segmnt"])
    assert code == 2 and "--by 'segmnt'" in capsys.readouterr().err


# ---------------------------------------------------------------- the outputs and the history tell one story


def test_run_json_says_stored_only_once_the_week_is_in_the_history(tmp_path, inputs, monkeypatch):
    from feedback_mining import report

    db, out, real = tmp_path / "history.duckdb", tmp_path / "out", report.swap_in
    seen = []

    def swap_in(*args):  # the moment the outputs (and their run.json) move in: a kill here keeps both in step
        seen.append(list_weeks(db)["week"].tolist())
        return real(*args)
    monkeypatch.setattr(report, "swap_in", swap_in)
    assert main(["run", *inputs, "--out", str(out), "--history", str(db)]) == 0
    assert seen == [["2026-W47"]]  # before: stored after the outputs were in place
    assert json.loads((out / "run.json").read_text())["history"]["stored"] is True


def test_a_failed_store_writes_no_outputs_that_claim_it(tmp_path, inputs, monkeypatch):
    def disk_full(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("feedback_mining.cli.store_week", disk_full)
    assert main(["run", *inputs, "--out", str(tmp_path / "out"), "--history", str(tmp_path / "h.duckdb")]) == 1
    assert not (tmp_path / "out" / "run.json").exists()  # before: outputs with `stored: true`, then exit 1


HOLDER = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(float(sys.argv[2]))"


@pytest.fixture
def hold(tmp_path):
    """hold(path, seconds): another process holds the history file open for writing, as a second run would."""
    holders = []

    def start(path, seconds):
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE,
                                  text=True)
        holders.append(holder)
        assert holder.stdout.readline().strip() == "ready"
        return holder
    yield start
    for holder in holders:
        holder.kill()
        holder.wait()


def test_a_history_held_by_another_run_stops_with_a_clear_message(tmp_path, inputs, hold, monkeypatch, capsys):
    db, out = tmp_path / "history.duckdb", tmp_path / "out"
    store_week(db, "2026-W46", WEEK_A, pains(), manifest())
    holder = hold(db, 60)
    monkeypatch.setenv(history.TIMEOUT_VAR, "1")
    assert main(["run", *inputs, "--out", str(out), "--history", str(db)]) == 2
    err = capsys.readouterr().err
    assert f"the history file {db} is in use by another run (PID {holder.pid})" in err  # before: DuckDB's raw message
    assert "--history OTHER" in err and history.TIMEOUT_VAR in err
    assert not (out / "run.json").exists()  # before: every output written, with `stored: true`, then exit 1


def test_a_run_waits_for_a_history_another_run_releases(tmp_path, inputs, hold, monkeypatch):
    db = tmp_path / "history.duckdb"
    store_week(db, "2026-W46", WEEK_A, pains(), manifest())
    hold(db, 1.5)
    monkeypatch.setenv(history.TIMEOUT_VAR, "30")
    assert main(["run", *inputs, "--out", str(tmp_path / "out"), "--history", str(db)]) == 0
    assert list_weeks(db)["week"].tolist() == ["2026-W46", "2026-W47"]


def test_a_bad_timeout_is_a_usage_error(monkeypatch, tmp_path):
    monkeypatch.setenv(history.TIMEOUT_VAR, "soon")
    with pytest.raises(UsageError, match=history.TIMEOUT_VAR):
        store_week(tmp_path / "h.duckdb", "2026-W47", WEEK_A, pains(), manifest())


@pytest.fixture
def truncated(tmp_path) -> Path:
    """The first 1000 bytes of a real history file, as a full disk or an interrupted copy leaves it."""
    whole, db = tmp_path / "whole.duckdb", tmp_path / "history.duckdb"
    store_week(whole, "2026-W46", WEEK_A, pains(), manifest())
    db.write_bytes(whole.read_bytes()[:1000])
    return db


def test_no_history_runs_without_a_truncated_history(tmp_path, inputs, truncated, capsys):
    out, before = tmp_path / "out", truncated.read_bytes()
    assert main(["run", *inputs, "--out", str(out), "--history", str(truncated), "--no-history"]) == 0  # before: 1
    assert f"history {truncated} unreadable: no week-over-week changes" in capsys.readouterr().err
    assert "no week-over-week changes" in (out / "report.html").read_text(encoding="utf-8")
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["history"]["stored"] is False and manifest["warnings"][-1]["check"] == "history"
    assert truncated.read_bytes() == before  # left as it was


def test_a_truncated_history_stops_a_storing_run_before_any_work(tmp_path, inputs, truncated, capsys, monkeypatch):
    def run_job(*args, **kwargs):
        raise AssertionError("the run started before the history was checked")
    monkeypatch.setattr("feedback_mining.pipeline.run_job", run_job)
    assert main(["run", *inputs, "--out", str(tmp_path / "out"), "--history", str(truncated)]) == 2
    err = capsys.readouterr().err
    assert f"the history file {truncated} cannot be read" in err and "move it away" in err and "--history NEW" in err
    assert main(["history", "--history", str(truncated)]) == 2
    assert "cannot be read" in capsys.readouterr().err
