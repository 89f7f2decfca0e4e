"""Input limits: how large a file, a line, a header or a sheet may be before reading stops with a usage error.

Each default is far above a real weekly export (an Excel sheet holds at most 1,048,576 rows and 32,767
characters a cell) and far below what takes a machine down; a user who really has such a file raises one with
its environment variable (`FEEDBACK_MINING_MAX_COLUMNS=5000`). `current()` reads them on every call, so a test
lowers one with `monkeypatch.setenv`; a config key can later fill the same fields.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass

from feedback_mining.errors import UsageError


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 2 << 30  # an input file's size
    line_bytes: int = 1 << 20  # one line of a CSV/TSV/JSON Lines file, one cell of an XLSX sheet
    columns: int = 2_000  # columns of a header, keys of JSON Lines, columns of a Parquet file
    xlsx_bytes: int = 1 << 30  # an XLSX sheet's XML, or its shared strings, decompressed
    xlsx_rows: int = 1_048_576  # rows of an XLSX sheet (Excel's own maximum)
    json_depth: int = 100  # nesting of one JSON line; a deeper line is rejected, not the file
    rejects_listed: int = 100_000  # rejected rows per source listed in rejects.csv; the rest are counted


# field -> (environment variable, what is measured, unit)
LIMITS = {
    "file_bytes": ("FEEDBACK_MINING_MAX_FILE_BYTES", "the file's size", "bytes"),
    "line_bytes": ("FEEDBACK_MINING_MAX_LINE_BYTES", "a line's (or XLSX cell's) length", "bytes"),
    "columns": ("FEEDBACK_MINING_MAX_COLUMNS", "the number of columns", "columns"),
    "xlsx_bytes": ("FEEDBACK_MINING_MAX_XLSX_BYTES", "the sheet's decompressed size", "bytes"),
    "xlsx_rows": ("FEEDBACK_MINING_MAX_XLSX_ROWS", "the sheet's rows", "rows"),
    "json_depth": ("FEEDBACK_MINING_MAX_JSON_DEPTH", "a JSON line's nesting", "levels"),
    "rejects_listed": ("FEEDBACK_MINING_MAX_REJECTS_LISTED", "rejected rows listed in rejects.csv", "rows"),
}
_SUFFIXES = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def current() -> Limits:
    """The limits in force: the defaults, each overridden by its environment variable when set."""
    values = {}
    for name, (variable, _, _) in LIMITS.items():
        raw = os.environ.get(variable, "").strip()
        if raw:
            values[name] = parse_size(raw, variable)
    return dataclasses.replace(Limits(), **values)


def parse_size(raw: str, variable: str) -> int:
    """A whole number, with `_` allowed and an optional K/M/G (KiB, MiB, GiB) suffix: "4G", "5_000", "512k"."""
    match = re.fullmatch(r"(\d[\d_]*)\s*([kmg]?)(?:i?b)?", raw.strip().lower())
    if not match:
        raise UsageError(f"{variable}={raw!r}: give a whole number, e.g. {variable}=5000 (or 4G, 512M for sizes)")
    return int(match.group(1).replace("_", "")) * _SUFFIXES[match.group(2)]


def exceeded(name: str, observed: int | str, where: str = "") -> str:
    """The message for a limit hit: what was measured, the observed value, the limit and how to raise it."""
    variable, what, unit = LIMITS[name]
    limit = getattr(current(), name)
    if isinstance(observed, int):
        seen, fix = f"{observed:,}", f"{variable}={observed}"
    else:
        seen, fix = observed, f"{variable} above {limit}"
    return (f"{where or what} is {seen} {unit}, over the limit of {limit:,} {unit}; if the file is right, "
            f"raise the limit (environment variable {fix}) and run again")
