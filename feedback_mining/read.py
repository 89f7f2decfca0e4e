"""Read stage: load survey, comment and ticket exports, check them, and quarantine bad rows with a reason.

Every input row ends up either in the returned frame or in the rejects frame (`source, row, id, reason`),
so `rows_read == rows_kept + rows_rejected` for every source. `row` is the row's number in the file,
counting the header as row 1.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_mining.config import Config, Scale
from feedback_mining.errors import InputError, UsageError

REJECT_COLUMNS = ["source", "row", "id", "reason"]

REQUIRED = {
    "surveys": ["response_id", "touchpoint", "submitted_at"],
    "comments": ["response_id", "text"],
    "tickets": ["ticket_id", "customer_id", "touchpoint", "created_at"],
}
OPTIONAL = {
    "surveys": ["customer_id", "ces", "csat", "nps", "happiness", "comment"],
    "comments": ["touchpoint", "submitted_at", "language"],
    "tickets": ["subject", "body", "closed_at", "contacts", "transfers", "reopened"],
}
ID_COLUMN = {"surveys": "response_id", "comments": "response_id", "tickets": "ticket_id"}
DATE_COLUMNS = {"surveys": ["submitted_at"], "comments": ["submitted_at"], "tickets": ["created_at", "closed_at"]}
COUNT_COLUMNS = ["contacts", "transfers", "reopened"]


@dataclass
class Source:
    """One validated input: its kept rows, its rejected rows and how many rows the file held."""

    name: str
    path: Path | None
    rows: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int


# ---------------------------------------------------------------- files


def load_table(path: Path) -> pd.DataFrame:
    """Read a CSV, TSV, Parquet, JSON Lines or XLSX file into a frame of strings, with `_row` numbers."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found; check the path or the config")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            frame = pd.read_json(path, lines=True, dtype=False)
        elif suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str)
        else:
            frame = parse_delimited(path.read_bytes(), sep="\t" if suffix == ".tsv" else None)
    except (UsageError, PermissionError) as e:
        raise InputError(path, str(e)) from None
    except (ValueError, OSError) as e:
        raise InputError(path, f"cannot read as {suffix or 'CSV'}: {e}") from None
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    frame.columns = [str(c).strip() for c in frame.columns]
    rows = np.arange(len(frame)) + 2
    if "_malformed" in frame.columns:  # lines the CSV parser could not split: their number is unknown (0)
        rows[(frame["_malformed"] != "").to_numpy()] = 0
    return frame.assign(_row=rows)


def parse_delimited(data: bytes, sep: str | None = None) -> pd.DataFrame:
    """Parse delimited text bytes (UTF-8 with or without BOM, UTF-16 with BOM, else cp1251)."""
    text = decode_bytes(data)
    if not text.strip():
        raise UsageError("the file is empty")
    sep = sep or sniff_delimiter(text)
    malformed = []
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True, index_col=False,
                        engine="python", on_bad_lines=lambda fields: malformed.append(fields) and None)
    width = len(frame.columns)
    bad = pd.DataFrame({"_malformed": [f"malformed line with {len(f)} fields, expected {width}: "
                                       f"{sep.join(f)[:60]!r}" for f in malformed]}, dtype=object)
    return pd.concat([frame.assign(_malformed=""), bad], ignore_index=True)


def decode_bytes(data: bytes) -> str:
    """Decode an export: BOMs first, then UTF-8, then cp1251 (Russian Excel's default)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def sniff_delimiter(text: str) -> str:
    """Guess the delimiter among , ; tab | from the first lines."""
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


# ---------------------------------------------------------------- schema


def apply_column_map(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """Rename the user's column names to ours (mapping is ours -> theirs)."""
    return frame.rename(columns={theirs: ours for ours, theirs in mapping.items()})


def check_columns(frame: pd.DataFrame, source: str, path) -> None:
    """Raise a usage error naming the missing column and the closest existing names."""
    for column in REQUIRED[source]:
        if column not in frame.columns:
            close = difflib.get_close_matches(column, [c for c in frame.columns if not c.startswith("_")], n=3, cutoff=0.4)
            hint = f"; closest: {close}" if close else f"; it has {[c for c in frame.columns if not c.startswith('_')]}"
            raise InputError(path, f"{source} needs a column {column!r}{hint}. "
                                   f"Map yours with [columns.{source}] {column} = \"...\" in the config")
    if source == "tickets" and not {"subject", "body"} & set(frame.columns):
        raise InputError(path, "tickets need a 'subject' or 'body' column")


# ---------------------------------------------------------------- rows


def validate_rows(frame: pd.DataFrame, source: str, config: Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into kept (typed) and rejected (with reasons); the first failing check names the reason."""
    frame = frame.assign(**{c: "" for c in OPTIONAL[source] if c not in frame.columns})
    id_col = ID_COLUMN[source]
    frame[id_col] = frame[id_col].str.strip()
    reasons = pd.Series("", index=frame.index)
    typed = {}

    def flag(mask, reason):
        reasons[(reasons == "") & mask] = reason if isinstance(reason, str) else reason[(reasons == "") & mask]

    if "_malformed" in frame.columns:
        flag(frame["_malformed"] != "", frame["_malformed"])
    flag(frame[id_col] == "", f"empty {id_col}")
    flag(frame[id_col].duplicated() & (frame[id_col] != ""), f"duplicate {id_col}")
    if source == "comments":
        flag(frame["text"].str.strip() == "", "empty text")
    for column in DATE_COLUMNS[source]:
        typed[column], bad = parse_dates(frame[column])
        flag(bad, "unparseable " + column + " " + frame[column].map(repr))
    for column, scale in score_scales(config).items():
        if source == "surveys":
            typed[column], bad = parse_scores(frame[column], scale)
            flag(bad, f"{column} " + frame[column].map(repr) + f" is not a number in {scale.low:g}-{scale.high:g}")
    if source == "tickets":
        for column in COUNT_COLUMNS:
            typed[column], bad = parse_scores(frame[column], Scale(0, 1e6))
            flag(bad, f"{column} " + frame[column].map(repr) + " is not a count")
    kept = frame.assign(**typed)[reasons == ""]
    rejects = pd.DataFrame({"source": source, "row": frame["_row"], "id": frame[id_col], "reason": reasons})
    return kept.reset_index(drop=True), rejects[reasons != ""].reset_index(drop=True)


def score_scales(config: Config) -> dict[str, Scale]:
    """The numeric survey columns and the scale each is checked against."""
    return {"ces": config.ces_scale, "csat": config.csat_scale, "nps": Scale(0, 10), "happiness": Scale(1, 10)}


def parse_scores(values: pd.Series, scale: Scale) -> tuple[pd.Series, pd.Series]:
    """Numbers (decimal comma allowed); returns (floats with NaN for empty, mask of bad values)."""
    text = values.str.strip().str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = (text != "") & (numbers.isna() | (numbers < scale.low) | (numbers > scale.high))
    return numbers.astype(float), bad


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO 8601 timestamps as naive UTC; returns (timestamps with NaT for empty, mask of bad values)."""
    text = values.str.strip()
    stamps = pd.to_datetime(text.where(text != ""), format="ISO8601", errors="coerce", utc=True)
    return stamps.dt.tz_localize(None), (text != "") & stamps.isna()


# ---------------------------------------------------------------- touchpoints


def normalise_touchpoint_names(names: pd.Series, aliases: dict[str, str]) -> pd.Series:
    """Trim, lower-case, runs of spaces/hyphens -> `_`, then map aliases ("Колл-центр" -> call_center)."""
    cleaned = names.fillna("").str.strip().str.lower().map(lambda s: re.sub(r"[\s\-_]+", "_", s))
    cleaned = cleaned.where(cleaned != "", "unknown")
    return cleaned.map(lambda s: aliases.get(s, s))


def default_aliases() -> dict[str, str]:
    """The built-in alias map (`resources/touchpoints.toml`)."""
    text = resources.files("feedback_mining").joinpath("resources/touchpoints.toml").read_text(encoding="utf-8")
    return dict(tomllib.loads(text).get("aliases", {}))


def touchpoint_aliases(config: Config) -> dict[str, str]:
    """Built-in aliases overridden by the config's, keys normalised the same way as the names."""
    extra = normalise_touchpoint_names(pd.Series(list(config.touchpoint_aliases), dtype=object), {})
    return default_aliases() | dict(zip(extra, config.touchpoint_aliases.values()))


# ---------------------------------------------------------------- one source


def read_source(source: str, path: Path, config: Config) -> Source:
    """Load, map columns, check the schema and validate the rows of one input file."""
    frame = apply_column_map(load_table(path), config.columns.get(source, {}))
    return validate_source(frame, source, config, path)


def validate_source(frame: pd.DataFrame, source: str, config: Config, path=None) -> Source:
    """Check columns and rows of an already loaded frame (with `_row`), normalising touchpoints."""
    if "_row" not in frame.columns:
        frame = frame.assign(_row=np.arange(len(frame)) + 2)
    check_columns(frame, source, path or source)
    kept, rejects = validate_rows(frame.astype({c: str for c in frame.columns if c != "_row"}), source, config)
    if "touchpoint" in kept.columns:
        kept = kept.assign(touchpoint=normalise_touchpoint_names(kept["touchpoint"], touchpoint_aliases(config)))
    return Source(source, path, kept, rejects, rows_read=len(frame))
