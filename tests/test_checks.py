"""Issue 13: ordinary mistakes that used to exit 0 with a confident, wrong report now stop the run (exit 2, a
message naming the file, the column and the fix) or warn loudly (stderr, run.json, report.html, summary.md)."""

import json
import pathlib
import re
import shutil
import tomllib

import duckdb
import numpy as np
import pandas as pd
import pytest

from feedback_mining import pipeline
from feedback_mining.cli import main
from feedback_mining.config import config_from_dict
from feedback_mining.example import write_example


@pytest.fixture(scope="module")
def example_week(tmp_path_factory):
    """A small example week (600 surveys) as CSV files, read back as frames of strings."""
    folder = tmp_path_factory.mktemp("week")
    paths = write_example(folder, n_surveys=600)
    return {name: pd.read_csv(path, dtype=str, keep_default_na=False) for name, path in paths.items()}


def write_week(folder, week, **changes):
    """The example week with `changes` ({source: function of the frame}) written as CSVs; the CLI arguments."""
    folder.mkdir(exist_ok=True)
    args = []
    for name, frame in week.items():
        frame = changes[name](frame.copy()) if name in changes else frame
        frame.to_csv(folder / f"{name}.csv", index=False)
        args += [f"--{name}", str(folder / f"{name}.csv")]
    return [*args, "--out", str(folder / "out"), "--no-history", "--bootstrap", "20"]


def numbers(column):
    return pd.to_numeric(column, errors="coerce")


def answers(frame, column, convert):
    """`column` converted where it holds a number on the example's scale; other values kept as they are."""
    value = numbers(frame[column])
    frame[column] = np.where(value.notna(), convert(value).round().astype("Int64").astype(str), frame[column])
    return frame


def run_json(args):
    out = args[args.index("--out") + 1]
    return json.loads((pathlib.Path(out) / "run.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- 1. scales


def test_a_1_to_5_effort_scale_read_as_1_to_7_stops_with_the_fix(tmp_path, example_week, capsys):
    args = write_week(tmp_path / "w", example_week,
                      surveys=lambda f: answers(f, "ces", lambda ces: 1 + (7 - ces.clip(1, 7)) / 6 * 4))
    assert main(["run", *args]) == 2
    error = capsys.readouterr().err
    assert "surveys.csv, column 'ces'" in error and "run 1-5" in error
    assert "ces_scale = { low = 1, high = 5, higher_is_easier = false }" in error
    assert "--ces-scale 1-5,lower-is-easier" in error
    assert main(["run", *args, "--ces-scale", "1-5,lower-is-easier"]) == 0
    manifest = run_json(args)
    assert manifest["settings"]["ces_scale"] == {"low": 1.0, "high": 5.0, "higher_is_easier": False}
    assert manifest["warnings"] == [] and 1 <= manifest["scores"]["ces_mean"] <= 5


def test_the_right_scale_ranks_like_the_original_answers(tmp_path, example_week):
    original = write_week(tmp_path / "a", example_week)
    rescaled = write_week(tmp_path / "b", example_week,
                          surveys=lambda f: answers(f, "ces", lambda ces: 1 + (7 - ces.clip(1, 7)) / 6 * 4))
    assert main(["run", *original, "--quiet"]) == 0
    assert main(["run", *rescaled, "--quiet", "--ces-scale", "1-5,lower-is-easier"]) == 0
    first = [pd.read_csv(a[a.index("--out") + 1] + "/touchpoints.csv")["touchpoint"].iloc[0] for a in (original, rescaled)]
    assert first[0] == first[1]


def test_csat_on_1_to_10_under_the_default_1_to_5_stops(tmp_path, example_week, capsys):
    args = write_week(tmp_path / "w", example_week, surveys=lambda f: answers(f, "csat", lambda csat: csat * 2))
    assert main(["run", *args]) == 2
    error = capsys.readouterr().err
    assert "column 'csat'" in error and "outside 1-5" in error and "csat_scale = { low = 1, high = 10" in error
    assert main(["run", *args, "--quiet", "--csat-scale", "1-10"]) == 0
    rejects = pd.read_csv(args[args.index("--out") + 1] + "/rejects.csv")
    assert not (rejects["column"] == "csat").any()  # no field emptied once the scale is right


def test_ces_on_0_to_10_stops_and_a_confirmed_scale_reads_it(tmp_path, example_week, capsys):
    args = write_week(tmp_path / "w", example_week, surveys=lambda f: answers(f, "ces", lambda c: (c.clip(1, 7) - 1) * 10 / 6))
    assert main(["run", *args]) == 2
    assert "look like a 0-10 scale" in capsys.readouterr().err
    assert main(["run", *args, "--quiet", "--ces-scale", "0-10"]) == 0


def test_a_few_stray_values_stay_field_level_rejects(tmp_path, example_week):
    def strays(frame):
        frame.loc[:2, "ces"] = ["9", "0", "12"]
        return frame
    args = write_week(tmp_path / "w", example_week, surveys=strays)
    assert main(["run", *args, "--quiet"]) == 0
    rejects = pd.read_csv(args[args.index("--out") + 1] + "/rejects.csv")
    emptied = rejects[(rejects["column"] == "ces") & (rejects["action"] == "field emptied")]
    assert len(emptied) >= 3 and run_json(args)["warnings"] == []


def test_a_reversed_scale_stops_and_a_confirmed_one_warns_everywhere(tmp_path, example_week, capsys):
    args = write_week(tmp_path / "w", example_week, surveys=lambda f: answers(f, "ces", lambda ces: 8 - ces.clip(1, 7)))
    assert main(["run", *args]) == 2
    error = capsys.readouterr().err
    assert "looks reversed" in error and "--ces-scale 1-7,lower-is-easier" in error
    assert main(["run", *args, "--quiet", "--ces-scale", "1-7"]) == 0  # confirmed: the run goes on, loudly
    assert "warning: column 'ces'" in capsys.readouterr().err
    out = pathlib.Path(args[args.index("--out") + 1])
    warnings = run_json(args)["warnings"]
    assert [w["check"] for w in warnings] == ["scale_direction"]
    assert "looks reversed" in (out / "summary.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'class="alert"' in html and html.count("looks reversed") == 2  # the top box and data quality


def test_trust_scales_turns_the_stop_into_a_warning(tmp_path, example_week):
    args = write_week(tmp_path / "w", example_week, surveys=lambda f: answers(f, "csat", lambda csat: csat * 2))
    assert main(["run", *args, "--quiet", "--trust-scales"]) == 0
    assert [w["check"] for w in run_json(args)["warnings"]] == ["scale"]


# ---------------------------------------------------------------- 3. the example and the user's history


def test_the_example_never_touches_the_users_history(tmp_path, monkeypatch, example_week, capsys):
    prod = tmp_path / "prod.duckdb"
    assert main(["run", *write_week(tmp_path / "w", example_week)[:-3], "--out", str(tmp_path / "o"), "--quiet",
                 "--history", str(prod), "--bootstrap", "20"]) == 0
    before = duckdb.connect(str(prod)).execute("select week, count(*) from touchpoints group by week").fetchall()
    monkeypatch.setenv("FEEDBACK_MINING_HISTORY", str(prod))
    out = tmp_path / "example"
    assert main(["run", "--example", "--out", str(out), "--quiet", "--bootstrap", "20"]) == 0
    after = duckdb.connect(str(prod)).execute("select week, count(*) from touchpoints group by week").fetchall()
    assert after == before
    assert json.loads((out / "run.json").read_text())["history"]["path"] == str(out / "example-input" / "history.duckdb")
    assert main(["run", "--example", "--out", str(out), "--history", str(prod)]) == 2
    assert "--example keeps its own history" in capsys.readouterr().err


# ---------------------------------------------------------------- 4. no usable rows


def us_dates(frame):
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], errors="coerce").dt.strftime("%m/%d/%Y %H:%M")
    return frame.fillna("")


def test_every_row_rejected_is_exit_2_with_the_reasons(tmp_path, example_week, capsys):
    args = write_week(tmp_path / "w", example_week, surveys=us_dates)
    assert main(["run", *args]) == 2
    error = capsys.readouterr().err
    assert re.search(r"surveys\.csv: none of the [\d,]+ surveys rows is usable", error)
    assert "unparseable submitted_at" in error and "--date-format" in error
    assert not (tmp_path / "w" / "out").exists()  # no empty outputs


@pytest.mark.parametrize("how", [["--date-format", "%m/%d/%Y %H:%M"], ["--date-format", "monthfirst"], "config"])
def test_a_stated_date_format_reads_them(tmp_path, example_week, how):
    args = write_week(tmp_path / "w", example_week, surveys=us_dates)
    if how == "config":
        (tmp_path / "weekly.toml").write_text('date_format = "monthfirst"\n', encoding="utf-8")
        how = ["--config", str(tmp_path / "weekly.toml")]
    assert main(["run", *args, "--quiet", *how]) == 0
    manifest = run_json(args)
    assert manifest["week"] == "2026-W47" and manifest["reconciliation"]["surveys"]["rows_rejected"] <= 3


# ---------------------------------------------------------------- 5. weeks


def two_weeks(frame):
    dates = pd.to_datetime(frame["submitted_at"], errors="coerce")
    later = np.arange(len(frame)) % 3 == 0
    frame["submitted_at"] = (dates + pd.to_timedelta(np.where(later, 7, 0), unit="D")).dt.strftime("%Y-%m-%dT%H:%M")
    return frame.fillna("")


def test_data_spanning_two_weeks_warns_with_the_shares(tmp_path, example_week, capsys):
    args = write_week(tmp_path / "w", example_week, surveys=two_weeks)
    assert main(["run", *args, "--quiet"]) == 0
    warning = run_json(args)["warnings"][0]
    assert warning["check"] == "week" and re.search(r"2026-W47 6\d%, 2026-W48 3\d%", warning["message"])
    assert "--week 2026-W47" in warning["message"] and "warning: the surveys span 2 weeks" in capsys.readouterr().err


def test_a_stated_week_the_data_do_not_hold_is_an_error(tmp_path, example_week, capsys):
    args = write_week(tmp_path / "w", example_week)
    assert main(["run", *args, "--week", "2026-W51"]) == 2
    error = capsys.readouterr().err
    assert "week 2026-W51 (14 Dec - 20 Dec 2026): 100% of the surveys' dates fall outside it" in error
    assert "the data hold 2026-W47 100%" in error
    assert main(["run", *args, "--quiet", "--week", "2026-W47"]) == 0


@pytest.mark.parametrize("week", ['"47"', '"last week"', '"2026-W54"', "47"])
def test_a_config_week_is_checked_like_the_flag(tmp_path, example_week, capsys, week):
    (tmp_path / "weekly.toml").write_text(f"week = {week}\n", encoding="utf-8")
    args = write_week(tmp_path / "w", example_week)
    assert main(["run", *args, "--config", str(tmp_path / "weekly.toml")]) == 2
    assert "weekly.toml: week:" in capsys.readouterr().err


# ---------------------------------------------------------------- 6. --by


def test_a_misspelt_by_column_fails_before_any_work(tmp_path, example_week, capsys, monkeypatch):
    def segment(frame):
        frame["segment"] = np.where(np.arange(len(frame)) % 2, "retail", "business")
        return frame
    args = write_week(tmp_path / "w", example_week, surveys=segment)
    monkeypatch.setattr(pipeline, "enrich_in_chunks", lambda *a, **k: pytest.fail("text stages ran"))
    assert main(["run", *args, "--by", "segmnet"]) == 2
    error = capsys.readouterr().err
    assert "--by 'segmnet': no such column; did you mean 'segment'?" in error
    assert "acsi" not in error and "p_" not in error  # only the columns the inputs have, no internal ones


# ---------------------------------------------------------------- 7. the config


@pytest.mark.parametrize("line, expected", [
    ("ces_scale = { low = 1, high = 5, higher_is_easier = \"no\" }", "ces_scale: low and high are numbers"),
    ('store_history = "no"', "store_history: 'no' is not true or false"),
    ('[columns.survey]\nresponse_id = "ID"', "unknown section [columns.survey] (did you mean 'surveys'?)"),
    ('[columns.surveys]\nrespons_id = "ID"', "unknown surveys column 'respons_id' (did you mean 'response_id'?)"),
    ('chunk_size = "abc"', "chunk_size: 'abc' is not a whole number"),
    ("n_boot = -5", "n_boot: -5 must be at least 10"),
    ('columns = "x"', "columns: 'x' is not a table"),
    ("window_days = -1", "window_days: -1 must be at least 0"),
    ("chunk_size = 0", "chunk_size: 0 must be at least 1"),
    ('week = "last week"', "week: 'last week' is not an ISO week"),
    ('reprot_lang = "ru"', "unknown setting 'reprot_lang' (did you mean 'report_lang'?)"),
    ("n_jobs = 0", "n_jobs: 0 processes"),
    ('date_format = "US"', "date_format: 'US': give a strftime format"),
])
def test_config_values_are_checked_against_one_schema(tmp_path, capsys, line, expected):
    (tmp_path / "weekly.toml").write_text(line + "\n", encoding="utf-8")
    assert main(["run", "--config", str(tmp_path / "weekly.toml")]) == 2
    error = capsys.readouterr().err
    assert f"weekly.toml: {expected}" in error or f"weekly.toml: columns: {expected}" in error
    assert "Traceback" not in error and "TypeError" not in error


def test_flags_are_checked_by_the_same_schema(capsys):
    assert main(["run", "--example", "--chunk-size", "0"]) == 2
    assert "command line: chunk_size: 0 must be at least 1" in capsys.readouterr().err


def test_store_history_false_in_the_config_stores_nothing(tmp_path, example_week):
    db = tmp_path / "h.duckdb"
    (tmp_path / "weekly.toml").write_text(f'store_history = false\nhistory = "{db}"\n', encoding="utf-8")
    args = [a for a in write_week(tmp_path / "w", example_week) if a != "--no-history"]
    assert main(["run", *args, "--quiet", "--config", str(tmp_path / "weekly.toml")]) == 0
    assert not db.exists()


# ---------------------------------------------------------------- sheets


def workbook(path, sheets: dict[str, pd.DataFrame]):
    with pd.ExcelWriter(path) as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)


def test_a_cover_sheet_first_suggests_the_sheet_that_holds_the_data(tmp_path, example_week, capsys):
    cover = pd.DataFrame({"Weekly export": ["generated 2026-11-30", "contact: cx team"]})
    workbook(tmp_path / "surveys.xlsx", {"Cover": cover, "Data": example_week["surveys"]})
    out = ["--out", str(tmp_path / "out"), "--no-history", "--quiet", "--bootstrap", "20"]
    assert main(["run", "--surveys", str(tmp_path / "surveys.xlsx"), *out]) == 2
    assert "pass --sheet surveys='Data'" in capsys.readouterr().err
    comments = tmp_path / "comments.xlsx"
    workbook(comments, {"Comments": example_week["comments"]})
    assert main(["run", "--surveys", str(tmp_path / "surveys.xlsx"), "--comments", str(comments),
                 "--sheet", "surveys=Data", *out]) == 0  # one source's sheet; the other keeps its first
    (tmp_path / "weekly.toml").write_text('[sheet]\nsurveys = "Data"\n', encoding="utf-8")
    assert main(["run", "--config", str(tmp_path / "weekly.toml"), "--surveys", str(tmp_path / "surveys.xlsx"),
                 *out]) == 0


# ---------------------------------------------------------------- progress and help


def test_run_prints_a_line_per_stage_and_quiet_only_warnings(tmp_path, example_week, capsys):
    args = write_week(tmp_path / "w", example_week)
    assert main(["run", *args]) == 0
    err = capsys.readouterr().err
    for stage in ("read ", "text stages: ", "joined into ", "ranked ", "done in "):
        assert stage in err, stage
    assert main(["run", *write_week(tmp_path / "v", example_week, surveys=two_weeks), "--quiet"]) == 0
    assert capsys.readouterr().err.startswith("feedback-mining: warning: the surveys span 2 weeks")


@pytest.mark.parametrize("command", ["run", "enrich", "history"])
def test_every_command_help_has_examples(capsys, command):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and f"feedback-mining {command}" in out


def test_enrich_reports_progress_and_completion(tmp_path, example_week, capsys):
    path = tmp_path / "comments.csv"
    example_week["comments"].to_csv(path, index=False)
    assert main(["enrich", str(path), "--out", str(tmp_path / "e.csv")]) == 0
    err = capsys.readouterr().err
    assert "enriched" in err and f"{len(example_week['comments']):,} rows" in err
    assert main(["enrich", str(path), "--out", str(tmp_path / "e.csv"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    shutil.rmtree(tmp_path / "w", ignore_errors=True)


def test_the_readme_config_example_passes_the_schema():
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### Config.*?```toml\n(.*?)```", readme, re.DOTALL).group(1)
    config = config_from_dict(tomllib.loads(block))
    assert config.sheet == {"surveys": "Data"} and config.week == "2026-W47" and "ces_scale" in config.stated
