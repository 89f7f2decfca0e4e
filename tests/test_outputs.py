"""The files a run leaves in --out: no CSV cell is a live formula, the set is replaced as a whole, and --out is
checked before any work (issue 15)."""

import csv
import dataclasses
import os
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from feedback_mining.cli import main
from feedback_mining.pipeline import run_job
from feedback_mining.report import OUTPUT_NAMES, write_outputs
from feedback_mining.report.files import FORMULA_START, PLAIN_NUMBER, neutralise_formulas

HYPERLINK = '=hyperlink("http://evil.example","tp")'
CMD = "+cmd|'_/c_calc'!a0"

# ---------------------------------------------------------------- CSV cells that are formulas

NEUTRALISED = [  # cell as in the frame -> cell as written
    ("=1+2", "'=1+2"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    (CMD, "'" + CMD),
    ("-abc", "'-abc"),  # Excel reads it as =-abc
    ("\tx", "'\tx"),
    ("\r=1", "'\r=1"),
    ("-0.12", "-0.12"),  # a plain number stays a number
    ("+5", "+5"),
    ("1e-3", "1e-3"),
    ("a=1", "a=1"),
    ("", ""),
]


@pytest.mark.parametrize(("cell", "written"), NEUTRALISED)
def test_text_cells_that_start_like_a_formula_get_a_quote(cell, written):
    frame = pd.DataFrame({"text": [cell, None], "number": [-0.5, 1.0]})
    out = neutralise_formulas(frame)
    assert out["text"].iloc[0] == written and pd.isna(out["text"].iloc[1])
    assert out["number"].tolist() == [-0.5, 1.0] and frame["text"].iloc[0] == cell  # the input is not changed


def live_formulas(path) -> list[str]:
    """Every cell of a CSV file that a spreadsheet would run as a formula."""
    with open(path, encoding="utf-8", newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    return [c for c in cells if c.startswith(FORMULA_START) and not pd.Series([c]).str.fullmatch(PLAIN_NUMBER)[0]]


def test_run_outputs_hold_no_live_formula(week, config, tmp_path):
    week["surveys"].loc[0, "touchpoint"] = HYPERLINK
    week["surveys"].loc[1, "touchpoint"] = CMD
    week["surveys"]["segment"] = ["=evil()", "b", "c", "d"]
    week["surveys"].loc[3, "response_id"] = "=1+2"  # its CES is not a number: rejected, with its id
    week["tickets"].loc[0, "ticket_id"] = "@SUM(1+1)"
    week["tickets"].loc[0, "created_at"] = "soon"  # rejected too
    result = run_job(dataclasses.replace(config, by="segment"), frames=week)
    assert {HYPERLINK, CMD} <= set(result.items["touchpoint"])  # what survives normalisation
    written = write_outputs(result, tmp_path)
    csvs = [name for name in written if name.endswith(".csv")]
    assert sorted(csvs) == ["pain_points.csv", "rejects.csv", "review.csv", "touchpoints.csv", "touchpoints_by_segment.csv"]
    assert {name: live_formulas(written[name]) for name in csvs} == {name: [] for name in csvs}
    touchpoints = pd.read_csv(written["touchpoints.csv"])
    assert {"'" + HYPERLINK, "'" + CMD} <= set(touchpoints["touchpoint"])
    assert (touchpoints["share"] >= 0).all()  # numbers stay numbers
    assert {"'" + HYPERLINK, "'" + CMD} <= set(pd.read_csv(written["pain_points.csv"])["touchpoint"])
    assert {"'=1+2", "'@SUM(1+1)"} <= set(pd.read_csv(written["rejects.csv"])["id"])
    assert "'=evil()" in set(pd.read_csv(written["touchpoints_by_segment.csv"])["segment"])
    names = [c.value for c in openpyxl.load_workbook(written["touchpoints.xlsx"])["touchpoints"]["B"]]
    assert HYPERLINK in names  # the workbook marks it as text instead (unchanged)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx"])
def test_enrich_writes_no_live_formula(tmp_path, suffix):
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": ["=1+2", "2"], "text": [HYPERLINK, "долго ждал"]}).to_csv(source, index=False)
    out = tmp_path / f"out{suffix}"
    assert main(["enrich", str(source), "--out", str(out), "--models", "lexicon", "--quiet"]) == 0
    if suffix == ".xlsx":
        cells = [c for row in openpyxl.load_workbook(out).active.iter_rows() for c in row]
        assert {c.value for c in cells} >= {"=1+2", HYPERLINK} and "f" not in {c.data_type for c in cells}
    else:
        table = pd.read_csv(out, sep="\t" if suffix == ".tsv" else ",", dtype=str)
        assert table["id"].tolist() == ["'=1+2", "2"] and table["text"][0] == "'" + HYPERLINK


# ---------------------------------------------------------------- the output set, replaced as a whole


@pytest.fixture
def run_args(tmp_path, week, term_files):
    """`run` on the small week into tmp_path/out, without history; add `--by segment` for a ninth file."""
    week["surveys"]["segment"] = ["retail", "business", "retail", "business"]
    for name, frame in week.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    return ["run", *(f"--{n}={tmp_path / n}.csv" for n in week), "--taxonomy", str(term_files[0]),
            "--out", str(tmp_path / "out"), "--bootstrap", "20", "--no-history", "--quiet"]


def snapshot(out) -> dict[str, bytes]:
    """Every entry of `out` (dot-folders included) with the bytes of the files."""
    return {p.name: p.read_bytes() if p.is_file() else b"<dir>" for p in out.iterdir()}


def failing_replace(monkeypatch, out, at: int):
    """Make the `at`-th move of the swap (into `out` or aside) fail, as a full disk or a lost share would."""
    real, calls = os.replace, []

    def replace(src, dst):
        if Path(dst).parent == out or Path(dst).parent.name.startswith(".previous-"):
            calls.append(dst)
            if len(calls) == at:
                raise OSError(28, "No space left on device")
        return real(src, dst)
    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("at", [1, 5, 9, 10, 14, 17])  # 9 old files move aside (1-9), then 8 new ones move in
def test_a_failed_move_leaves_exactly_the_old_set(run_args, tmp_path, monkeypatch, at):
    out = tmp_path / "out"
    assert main([*run_args, "--by", "segment"]) == 0
    (out / "my_notes.txt").write_text("mine", encoding="utf-8")
    before = snapshot(out)
    failing_replace(monkeypatch, out, at)
    assert main(run_args) == 1  # without --by: before, 5 new files and 2 old ones were left
    assert snapshot(out) == before  # the old set, byte for byte, with touchpoints_by_segment.csv; no dot-folders


KILLER = """
import os, shutil, signal, sys
from pathlib import Path
from feedback_mining.cli import main
what, at, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
calls = []
def deadly(real, ours):
    def wrapped(*args, **kwargs):
        if ours(*args):
            calls.append(args)
            if len(calls) == at:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return wrapped
if what == "replace":
    os.replace = deadly(os.replace, lambda src, dst: Path(dst).parent == out or ".previous-" in str(dst))
else:
    shutil.rmtree = deadly(shutil.rmtree, lambda path, *a: Path(path).name.startswith(".previous-"))
main(sys.argv[4:])
"""


@pytest.mark.parametrize(("what", "at", "survives"), [
    ("replace", 4, "old"),  # killed while moving the old set aside
    ("replace", 13, "old"),  # while moving the new set in
    ("replace", 17, "old"),  # just before run.json moves in
    ("rmtree", 1, "new"),  # after run.json moved in, before the old set was deleted
])
def test_a_run_killed_while_swapping_leaves_one_set_after_the_next_start(run_args, tmp_path, what, at, survives):
    from feedback_mining.report.outdir import clean_leftovers

    out = tmp_path / "out"
    assert main([*run_args, "--by", "segment"]) == 0
    old = snapshot(out)
    killed = subprocess.run([sys.executable, "-c", KILLER, what, str(at), str(out), *run_args],
                            cwd=Path(__file__).parents[1], check=False, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert any(p.name.startswith(".previous-") for p in out.iterdir())  # before: left as it was, never cleaned
    assert clean_leftovers(out)
    after = snapshot(out)
    if survives == "old":
        assert after == old
    else:
        assert set(after) == {*OUTPUT_NAMES} and after["run.json"] != old["run.json"]


def test_leftovers_of_killed_runs_are_cleaned_and_live_ones_kept(run_args, tmp_path):
    out = tmp_path / "out"
    assert main(run_args) == 0
    for name in (".writing-abc", f".writing-{os.getppid()}-live", ".writing-999999999-gone", ".previous-xyz"):
        (out / name).mkdir()
        (out / name / "report.html").write_text("half", encoding="utf-8")
    (out / ".cache").mkdir()  # not ours
    assert main(run_args) == 0
    assert {p.name for p in out.iterdir()} == {*OUTPUT_NAMES, f".writing-{os.getppid()}-live", ".cache"}


# ---------------------------------------------------------------- --out, checked before any work


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the run starts reading: the checks must stop it before."""
    def run_job(*args, **kwargs):
        raise AssertionError("the run started before --out was checked")
    monkeypatch.setattr("feedback_mining.pipeline.run_job", run_job)


def test_out_that_is_a_file_stops_before_any_work(run_args, tmp_path, capsys, no_work):
    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    assert main(run_args) == 2  # before: exit 1 after the whole run
    assert f"--out {tmp_path / 'out'} is a file" in capsys.readouterr().err


def test_out_under_a_file_stops_before_any_work(run_args, tmp_path, capsys, no_work):
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    assert main([*run_args, "--out", str(tmp_path / "notes.txt" / "sub")]) == 2
    assert f"{tmp_path / 'notes.txt'} is a file" in capsys.readouterr().err


def test_out_not_writable_stops_before_any_work(run_args, tmp_path, capsys, no_work, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: make the check see what a user would
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: Path(p) != locked and real(p, mode, **kw))
    assert main([*run_args, "--out", str(locked / "out")]) == 2
    assert f"{locked} is not writable" in capsys.readouterr().err
    locked.chmod(0o755)


@pytest.mark.parametrize("name", ["items.parquet", "touchpoints.csv", "touchpoints_by_segment.csv"])
def test_an_input_named_like_an_output_in_out_stops_before_any_work(week, run_args, tmp_path, capsys, no_work, name):
    out = tmp_path / "out"
    out.mkdir()
    surveys = out / name
    week["surveys"].to_parquet(surveys) if name.endswith(".parquet") else week["surveys"].to_csv(surveys, index=False)
    before = surveys.read_bytes()
    assert main([*run_args, f"--surveys={surveys}"]) == 2  # before: the input was silently overwritten (or removed)
    assert f"{surveys} is inside --out {out} and named like an output" in capsys.readouterr().err
    assert surveys.read_bytes() == before


def test_an_input_in_out_under_another_name_is_fine(week, run_args, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    week["surveys"].to_csv(out / "surveys.csv", index=False)
    assert main([*run_args, f"--surveys={out / 'surveys.csv'}"]) == 0
    assert {p.name for p in out.iterdir()} == {*OUTPUT_NAMES, "surveys.csv"}
