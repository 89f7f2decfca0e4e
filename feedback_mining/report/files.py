"""Tables as files: `write_table` for any frame, `item_table` for the columns of `items.parquet`."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from feedback_mining.errors import UsageError
from feedback_mining.privacy import pseudonymise_ids
from feedback_mining.scores import ACSI_COLUMNS

ITEM_COLUMNS = ["item_id", "source", "response_id", "ticket_id", "customer_id", "touchpoint", "date", "language",
                "clean_text", "duplicate", "sentiment", "sentiment_confidence", "sentiment_low_confidence", "pain_points", "pain_point_scores",
                "pain_point_evidence", "effort", "effort_source", "effort_estimate", "ces", "csat", "nps",
                "happiness", *ACSI_COLUMNS, "contacts", "transfers", "reopened", "resolution_hours"]
SAFE_NAME = r"[^\w-]"  # characters replaced by _ in a file name made from a column name


def by_segment_name(by: str) -> str:
    """`touchpoints_by_COLUMN.csv` for `--by COLUMN` (characters unsafe in a file name become `_`)."""
    return f"touchpoints_by_{re.sub(SAFE_NAME, '_', by)}.csv"


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame in the format its suffix names: .csv, .tsv, .parquet, .jsonl or .xlsx."""
    path = Path(path)
    suffix = path.suffix.lower()
    writers = {".csv": lambda: frame.to_csv(path, index=False),
               ".tsv": lambda: frame.to_csv(path, sep="\t", index=False),
               ".parquet": lambda: frame.to_parquet(path, index=False),
               ".jsonl": lambda: frame.to_json(path, orient="records", lines=True, force_ascii=False),
               ".xlsx": lambda: frame.to_excel(path, index=False)}
    if suffix not in writers:
        raise UsageError(f"{path}: unknown output format {suffix!r}; use one of {sorted(writers)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    writers[suffix]()


def item_table(items: pd.DataFrame, extra: list[str] | tuple = ()) -> pd.DataFrame:
    """The columns of `items.parquet`, in order (plus `extra`, e.g. the `--by` column)."""
    columns = [*ITEM_COLUMNS, *(c for c in extra if c and c not in ITEM_COLUMNS)]
    return pseudonymise_ids(items[[c for c in columns if c in items.columns]], extra)
