"""The command line as an analyst uses it: --example, --config, enrich, errors and exit codes."""

import json

import pandas as pd
import pytest

from feedback_mining.cli import main
from feedback_mining.config import load_config
from feedback_mining.errors import UsageError

OUTPUTS = {"touchpoints.csv", "pain_points.csv", "items.parquet", "rejects.csv", "report.html", "summary.md",
           "touchpoints.xlsx", "run.json", "review.csv"}


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("example") / "out"
    assert main(["run", "--example", "--out", str(out), "--quiet", "--bootstrap", "50"]) == 0
    return out


def test_example_run_writes_every_output(example_run):
    assert OUTPUTS <= {p.name for p in example_run.iterdir()}
    touchpoints = pd.read_csv(example_run / "touchpoints.csv")
    assert len(touchpoints) >= 6
    assert touchpoints["contributed_effort"].is_monotonic_decreasing
    assert touchpoints["rank"].tolist() == list(range(1, len(touchpoints) + 1))
    assert touchpoints["share"].sum() == pytest.approx(1.0)


def test_low_confidence_sentiment_is_flagged_counted_and_reported(example_run):
    items = pd.read_parquet(example_run / "items.parquet")
    rated = items["sentiment"].isin(["negative", "neutral", "positive"])
    flagged = items["sentiment_low_confidence"]
    assert (flagged == (rated & (items["sentiment_confidence"] < 0.5))).all()
    counts = json.loads((example_run / "run.json").read_text())["items"]["sentiment"]
    assert counts == {"rated": int(rated.sum()), "low_confidence": int(flagged.sum()),
                      "low_confidence_share": round(int(flagged.sum()) / int(rated.sum()), 4)}
    assert "rest on a low-confidence prediction" in (example_run / "report.html").read_text(encoding="utf-8")


def test_example_run_reconciles_every_source(example_run):
    manifest = json.loads((example_run / "run.json").read_text())
    rejects = pd.read_csv(example_run / "rejects.csv")
    for source, counts in manifest["reconciliation"].items():
        assert counts["rows_read"] == counts["rows_used"] + counts["rows_rejected"], source
        mine = rejects[rejects["source"] == source]
        assert counts["rows_rejected"] == (mine["action"] == "row rejected").sum()
        assert counts["fields_emptied"] == (mine["action"] == "field emptied").sum()
    assert set(manifest["inputs"]) == {"surveys", "comments", "tickets"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"].values())
    assert set(manifest["texts"]["languages"]) >= {"ru", "uk", "fa", "en"}
    assert manifest["items"]["total"] == len(pd.read_parquet(example_run / "items.parquet"))


def test_config_file_runs_like_flags(tmp_path, week):
    for name, frame in week.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "weekly.toml").write_text(
        'surveys = "surveys.csv"\ncomments = "comments.csv"\ntickets = "tickets.csv"\nout = "report"\n'
        'window_days = 14\ntarget = 0.1\nn_boot = 20\n[touchpoint_aliases]\n"Chat" = "call_center"\n',
        encoding="utf-8")
    assert main(["run", "--config", str(tmp_path / "weekly.toml"), "--quiet", "--week", "2026-W47"]) == 0
    manifest = json.loads((tmp_path / "report" / "run.json").read_text())
    assert manifest["settings"]["target"] == 0.1 and manifest["week"] == "2026-W47"
    assert all(c["rows_read"] == c["rows_used"] + c["rows_rejected"] for c in manifest["reconciliation"].values())
    assert load_config(tmp_path / "weekly.toml").touchpoint_aliases == {"Chat": "call_center"}


def test_unknown_config_key_is_a_usage_error(tmp_path):
    (tmp_path / "bad.toml").write_text("windw_days = 3\n", encoding="utf-8")
    with pytest.raises(UsageError, match="windw_days"):
        load_config(tmp_path / "bad.toml")


@pytest.mark.parametrize("argv, message", [
    (["run", "--surveys", "missing.csv"], "missing.csv: file not found"),
    (["run"], "no input"),
    (["enrich", "missing.csv", "--out", "x.csv"], "missing.csv: file not found"),
])
def test_usage_errors_exit_2_with_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("feedback-mining: error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in err


def test_bad_flag_value_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--window", "two weeks"])
    assert exit_info.value.code == 2
    assert "14d" in capsys.readouterr().err


def test_enrich_keeps_rows_in_order_and_adds_columns(tmp_path):
    source = tmp_path / "in.csv"
    texts = ["Ждал в очереди два часа 😡", "", "Дякую, все дуже швидко", "The app crashes at login", "پشتیبانی جواب نداد"]
    pd.DataFrame({"id": range(5), "comment": texts}).to_csv(source, index=False)
    assert main(["enrich", str(source), "--out", str(tmp_path / "out.parquet"), "--text-col", "comment"]) == 0
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert out["id"].astype(int).tolist() == list(range(5))
    assert out["language"].tolist() == ["ru", "und", "uk", "en", "fa"]
    assert "waiting" in out.loc[0, "pain_points"].split(";")
    assert out.loc[0, "lemmas"] == "ждать в очередь два час"
    assert {"clean_text", "sentiment", "sentiment_confidence", "pain_point_scores", "effort_estimate"} <= set(out)


def test_enrich_names_a_missing_text_column(tmp_path, capsys):
    (tmp_path / "in.csv").write_text("id,body\n1,hi\n", encoding="utf-8")
    assert main(["enrich", str(tmp_path / "in.csv"), "--out", str(tmp_path / "o.csv")]) == 2
    assert "no column 'text'" in capsys.readouterr().err


def test_a_rerun_replaces_the_previous_outputs_as_one_set(tmp_path, week, term_files):
    week["surveys"]["segment"] = ["retail", "business", "retail", "business"]
    for name, frame in week.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    out = tmp_path / "out"
    run = ["run", *(f"--{n}={tmp_path / n}.csv" for n in week), "--taxonomy", str(term_files[0]), "--out", str(out),
           "--bootstrap", "20", "--no-history", "--quiet"]
    assert main([*run, "--by", "segment"]) == 0
    assert (out / "touchpoints_by_segment.csv").exists()
    assert '<section id="segments">' in (out / "report.html").read_text(encoding="utf-8")
    (out / "my_notes.txt").write_text("mine", encoding="utf-8")
    (out / "example-input").mkdir()
    (out / "example-input" / "surveys.csv").write_text("response_id\n", encoding="utf-8")
    assert main(run) == 0
    assert not (out / "touchpoints_by_segment.csv").exists()  # before: left over from the --by run
    assert {p.name for p in out.iterdir()} == OUTPUTS | {"my_notes.txt", "example-input"}
    assert json.loads((out / "run.json").read_text())["outputs"] == sorted(OUTPUTS)
    assert (out / "example-input" / "surveys.csv").exists()
    assert 'id="segments"' not in (out / "report.html").read_text(encoding="utf-8")


def test_only_output_names_are_ever_removed(tmp_path):
    from feedback_mining.report import previous_outputs
    from feedback_mining.report.outdir import staging_folder, swap_in

    (tmp_path / "run.json").write_text(json.dumps({"outputs": ["report.html", "touchpoints_by_x.csv", "../x.csv",
                                                               "data.csv", "run.json"]}), encoding="utf-8")
    for name in ("report.html", "touchpoints_by_x.csv", "data.csv"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert previous_outputs(tmp_path) == ["report.html", "touchpoints_by_x.csv", "run.json"]
    staged = staging_folder(tmp_path)
    for name in ("report.html", "run.json"):
        (staged / name).write_text("new", encoding="utf-8")
    assert swap_in(tmp_path, staged, previous_outputs(tmp_path)) == ["report.html", "run.json"]
    staged.rmdir()
    assert {p.name for p in tmp_path.iterdir()} == {"report.html", "data.csv", "run.json"}
    (tmp_path / "run.json").write_text("{}", encoding="utf-8")  # written before run.json listed its outputs
    assert previous_outputs(tmp_path) == ["report.html", "run.json"]
    (tmp_path / "run.json").unlink()
    assert previous_outputs(tmp_path) == []  # no run.json: not a folder a run wrote
