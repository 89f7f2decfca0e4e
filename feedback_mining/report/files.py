"""Tables as files: `write_table` for any frame, `item_table` for the columns of `items.parquet`.

Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula, and our
tables carry customer text and ids (a touchpoint named `=HYPERLINK(...)`). CSV and TSV have no types, so
`neutralise_formulas` prefixes such text cells with `'` (OWASP's CSV-injection advice), leaving plain numbers
(`-0.12`) alone; an XLSX file marks them as text instead (the rule of xlsx.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from feedback_mining.errors import UsageError
from feedback_mining.privacy import pseudonymise_ids
from feedback_mining.scores import ACSI_COLUMNS

ITEM_COLUMNS = ["item_id", "source", "response_id", "ticket_id", "customer_id", "touchpoint", "date", "language",
                "clean_text", "duplicate", "sentiment", "sentiment_confidence", "sentiment_low_confidence", "pain_points", "pain_point_scores",
                "pain_point_evidence", "label_source", "effort", "effort_source", "effort_estimate", "ces", "csat", "nps",
                "happiness", *ACSI_COLUMNS, "contacts", "transfers", "reopened", "resolution_hours"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP: what a spreadsheet takes for a formula (`=1+2`)
PLAIN_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"  # a number, not a formula: `-0.12`, `+5`, `1e-3`
SAFE_NAME = r"[^\w-]"  # characters replaced by _ in a file name made from a column name


def by_segment_name(by: str) -> str:
    """`touchpoints_by_COLUMN.csv` for `--by COLUMN` (characters unsafe in a file name become `_`)."""
    return f"touchpoints_by_{re.sub(SAFE_NAME, '_', by)}.csv"


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells (and column names) that a spreadsheet would run as a formula start
    with `'`: `=1+2` -> `'=1+2`, `@SUM(1+1)` -> `'@SUM(1+1)`; numbers and text like `-0.12` stay as they are."""
    out = frame.copy(deep=False)
    for i, column in enumerate(frame.columns):
        if _is_text(frame.iloc[:, i]):
            out.isetitem(i, _neutral(frame.iloc[:, i]))
    out.columns = _neutral(pd.Series(list(frame.columns), dtype=object)).tolist()
    return out


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or isinstance(column.dtype, (pd.StringDtype, pd.CategoricalDtype))


def _neutral(column: pd.Series) -> pd.Series:
    """The column with `'` before each string that starts like a formula and is not a plain number."""
    values = column.astype(object)
    strings = values.map(lambda v: isinstance(v, str)).to_numpy(bool)
    text = values.where(strings, "").astype(str)
    risky = strings & (text.str.startswith(FORMULA_START) & ~text.str.fullmatch(PLAIN_NUMBER)).to_numpy(bool)
    return values.where(~risky, "'" + text) if risky.any() else column


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame in the format its suffix names: .csv, .tsv, .parquet, .jsonl or .xlsx; no cell of a CSV, TSV
    or XLSX file is a formula (see `neutralise_formulas`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    writers = {".csv": lambda: neutralise_formulas(frame).to_csv(path, index=False),
               ".tsv": lambda: neutralise_formulas(frame).to_csv(path, sep="\t", index=False),
               ".parquet": lambda: frame.to_parquet(path, index=False),
               ".jsonl": lambda: frame.to_json(path, orient="records", lines=True, force_ascii=False),
               ".xlsx": lambda: _write_excel(frame, path)}
    if suffix not in writers:
        raise UsageError(f"{path}: unknown output format {suffix!r}; use one of {sorted(writers)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    writers[suffix]()


def _write_excel(frame: pd.DataFrame, path: Path) -> None:
    """One sheet; a text cell that openpyxl took for a formula is marked as text again (never run)."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False)
        for row in writer.sheets["Sheet1"].iter_rows():
            for cell in row:
                if cell.data_type == "f":  # every "formula" here is text from the frame
                    cell.data_type = "s"


def item_table(items: pd.DataFrame, extra: list[str] | tuple = ()) -> pd.DataFrame:
    """The columns of `items.parquet`, in order (plus `extra`, e.g. the `--by` column)."""
    columns = [*ITEM_COLUMNS, *(c for c in extra if c and c not in ITEM_COLUMNS)]
    return pseudonymise_ids(items[[c for c in columns if c in items.columns]], extra)
