"""The files a run leaves in --out: no CSV cell is a live formula, the set is replaced as a whole, and --out is
checked before any work (issue 15)."""

import csv
import dataclasses

import openpyxl
import pandas as pd
import pytest

from feedback_mining.cli import main
from feedback_mining.pipeline import run_job
from feedback_mining.report import write_outputs
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
    assert sorted(csvs) == ["pain_points.csv", "rejects.csv", "touchpoints.csv", "touchpoints_by_segment.csv"]
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
