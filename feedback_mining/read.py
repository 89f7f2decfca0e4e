"""Read stage: load survey, comment and ticket exports, check them, and quarantine bad rows with a reason.

Every data row of a file ends up either in the returned rows or in `rejects` (one line per rejected row), so
`rows_read == rows_kept + rows_rejected` for every source. A kept row whose optional field could not be read
keeps going with that field emptied, and the field is listed in `field_issues`; `rejects.csv` holds both,
told apart by `action` (`row rejected` / `field emptied`). What happens to which problem is `FIELD_RULES`.

`row` is where the row is in its file: for CSV/TSV the physical line its record starts on (the header is line
1 when nothing comes before it; blank lines and multi-line quoted fields are counted), for XLSX the Excel row,
for JSON Lines the line, for Parquet the record's position counting from 1.
"""

from __future__ import annotations

import difflib
import functools
import glob
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_mining import limits
from feedback_mining.checks import scale_problems
from feedback_mining.config import Config, Scale
from feedback_mining.errors import InputError
from feedback_mining.formats import header_key, load_table, sheet_names
from feedback_mining.memory import release_memory
from feedback_mining.values import implausible, parse_dates, parse_scores, plausible_range

__all__ = ["Source", "load_table", "normalise_touchpoint_names", "read_source", "reject_reasons", "validate_source"]

REJECT_COLUMNS = ["source", "file", "row", "id", "reason", "column", "action"]
ROW_REJECTED, FIELD_EMPTIED = "row rejected", "field emptied"
EMPTIED_IF_USABLE = "field emptied, or row rejected when the survey keeps no score and no comment"

REQUIRED = {
    "surveys": ["response_id", "touchpoint", "submitted_at"],
    "comments": ["response_id", "text"],
    "tickets": ["ticket_id", "customer_id", "touchpoint", "created_at"],
}
OPTIONAL = {
    "surveys": ["customer_id", "ces", "csat", "nps", "happiness", "comment",
                "acsi_satisfaction", "acsi_expectations", "acsi_ideal"],
    "comments": ["touchpoint", "submitted_at", "language"],
    "tickets": ["subject", "body", "closed_at", "contacts", "transfers", "reopened"],
}
ID_COLUMN = {"surveys": "response_id", "comments": "response_id", "tickets": "ticket_id"}

# What a value that cannot be read costs: (source, column, kind, action). A survey score is emptied only when
# the row keeps something to use (another score, or a comment); a survey left with nothing is rejected.
FIELD_RULES = [
    ("surveys", "submitted_at", "date", ROW_REJECTED),  # "2026-11-17T10:00", "17.11.2026 10:00", "1405/08/30"
    ("surveys", "ces", "score", EMPTIED_IF_USABLE),  # "9" on 1-7, "десять"; "7 - Strongly agree" -> 7
    ("surveys", "csat", "score", EMPTIED_IF_USABLE),
    ("surveys", "nps", "score", EMPTIED_IF_USABLE),
    ("surveys", "happiness", "score", EMPTIED_IF_USABLE),
    *(("surveys", c, "score", FIELD_EMPTIED) for c in ("acsi_satisfaction", "acsi_expectations", "acsi_ideal")),
    ("comments", "submitted_at", "date", FIELD_EMPTIED),
    ("tickets", "created_at", "date", ROW_REJECTED),
    ("tickets", "closed_at", "date", FIELD_EMPTIED),
    ("tickets", "contacts", "count", FIELD_EMPTIED),  # "2", "2,0"; not "two" or "-1"
    ("tickets", "transfers", "count", FIELD_EMPTIED),
    ("tickets", "reopened", "count", FIELD_EMPTIED),
]


def _empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=int if c == "row" else object) for c in REJECT_COLUMNS})


GLOB_MAGIC = re.compile(r"[*?[]")


def input_files(path: Path) -> list[Path]:
    """The files of an input: the path itself, or the files a pattern (`exports/tickets-*.csv`) matches, in name
    order (one source in several files: each row keeps its file and line)."""
    path = Path(path)
    if path.exists() or not GLOB_MAGIC.search(str(path)):
        return [path]
    files = sorted(Path(p) for p in glob.glob(str(path)) if Path(p).is_file())
    if not files:
        raise InputError(path, "no file matches this pattern; check the folder and the pattern (quote it in the "
                               "shell, so that the program expands it)")
    return files


@dataclass
class Source:
    """One validated input: kept rows, rejected rows, emptied fields, and how many data rows the file held."""

    name: str
    path: Path | None
    rows: pd.DataFrame
    rejects: pd.DataFrame  # one line per rejected row, up to the listing limit: see rows_rejected
    rows_read: int
    field_issues: pd.DataFrame = field(default_factory=_empty_issues)  # fields emptied in kept rows
    notes: list[str] = field(default_factory=list)  # how the file was read: encoding guesses, skipped lines
    warnings: list = field(default_factory=list)  # checks.DataWarning: data that contradict a confirmed setting
    columns: list[str] = field(default_factory=list)  # the file's columns (our names where mapped), as read
    unlisted: Counter = field(default_factory=Counter)  # reason kind -> rejected rows past the listing limit
    fields_unlisted: int = 0  # emptied fields past the listing limit
    files: list = field(default_factory=list)  # the files read, when a pattern named several

    @property
    def rows_rejected(self) -> int:
        """Rejected rows, listed or only counted: rows_read == len(rows) + rows_rejected."""
        return len(self.rejects) + sum(self.unlisted.values())

    @property
    def fields_emptied(self) -> int:
        return len(self.field_issues) + self.fields_unlisted

    def issues(self) -> pd.DataFrame:
        """Rejected rows and emptied fields together, in file order: the lines of `rejects.csv`."""
        both = [f for f in (self.rejects, self.field_issues) if len(f)]
        if not both:
            return _empty_issues()
        return pd.concat(both, ignore_index=True).sort_values(["file", "row"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- schema


def apply_column_map(frame: pd.DataFrame, mapping: dict[str, str], expected=()) -> pd.DataFrame:
    """Rename the user's column names to ours (mapping is ours -> theirs). Exact names first; then a name that
    differs only in case, spaces, punctuation or a BOM ("Response ID" -> response_id), when exactly one does."""
    renames = {theirs: ours for ours, theirs in mapping.items() if theirs in frame.columns}
    present = set(renames.values()) | (set(frame.columns) - set(renames))  # names once those are renamed
    wanted = list(dict.fromkeys([*mapping, *expected]))
    for ours in wanted:
        key = header_key(mapping.get(ours, ours))
        matches = [c for c in frame.columns if header_key(c) == key and c not in renames and c not in wanted]
        if ours not in present and len(matches) == 1:
            renames[matches[0]] = ours
            present.add(ours)
    return frame.rename(columns=renames)


def check_columns(frame: pd.DataFrame, source: str, path) -> None:
    """Raise a usage error naming the missing column and the closest existing names."""
    names = [c for c in frame.columns if not c.startswith("_")]
    for column in REQUIRED[source]:
        if column not in frame.columns:
            close = difflib.get_close_matches(column, names, n=3, cutoff=0.4)
            hint = f"; closest: {close}" if close else f"; it has {names}"
            raise InputError(path, f"{source} needs a column {column!r}{hint}. "
                                   f"Map yours with [columns.{source}] {column} = \"...\" in the config")
    if source == "tickets" and not {"subject", "body"} & set(frame.columns):
        raise InputError(path, f"tickets need a 'subject' or 'body' column; it has {names}")


# ---------------------------------------------------------------- rows


class _Verdicts:
    """The first reason each row is rejected for, and the fields emptied in the rows that are kept. A reason is
    a string, or a function of a row mask giving one per masked row (built only for the rows that need one)."""

    def __init__(self, frame: pd.DataFrame, source: str, id_col: str, file: str = ""):
        self.frame, self.source, self.id_col, self.file = frame, source, id_col, file
        self.rejected = np.zeros(len(frame), dtype=bool)
        self.reason = np.full(len(frame), "", dtype=object)
        self.column = np.full(len(frame), "", dtype=object)
        self.emptied: list[tuple[np.ndarray, str, np.ndarray]] = []

    def reject(self, mask, column: str, reason) -> None:
        hit = np.asarray(mask, dtype=bool) & ~self.rejected
        if hit.any():
            self.reason[hit] = reason(hit) if callable(reason) else reason
            self.column[hit] = column
            self.rejected |= hit

    def empty(self, mask, column: str, reason) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.emptied.append((mask, column, reason(mask)))

    def rejects(self) -> pd.DataFrame:
        return self._table(self.rejected, self.column[self.rejected], self.reason[self.rejected], ROW_REJECTED)

    def field_issues(self) -> pd.DataFrame:
        parts = [self._table(mask & ~self.rejected, column, reasons[~self.rejected[mask]], FIELD_EMPTIED)
                 for mask, column, reasons in self.emptied]
        parts = [p for p in parts if len(p)]
        if not parts:
            return _empty_issues()
        return pd.concat(parts, ignore_index=True).sort_values(["file", "row"], kind="stable").reset_index(drop=True)

    def _table(self, mask, column, reason, action) -> pd.DataFrame:
        files = self.frame["_file"].to_numpy()[mask] if "_file" in self.frame else self.file
        return pd.DataFrame({"source": self.source, "file": files, "row": self.frame["_row"].to_numpy()[mask].astype(int),
                             "id": self.frame[self.id_col].to_numpy()[mask], "reason": reason, "column": column,
                             "action": action})


def validate_rows(frame: pd.DataFrame, source: str, config: Config, file: str = "") -> tuple[
        pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split rows into kept (typed), rejected rows and emptied fields, each with a reason (see FIELD_RULES)."""
    frame = frame.assign(**{c: "" for c in OPTIONAL[source] if c not in frame.columns})
    id_col = ID_COLUMN[source]
    frame[id_col] = frame[id_col].str.strip()
    verdicts = _Verdicts(frame, source, id_col, file)
    if "_malformed" in frame.columns:
        verdicts.reject(frame["_malformed"] != "", "", lambda m: frame["_malformed"].to_numpy()[m])
    if "_short" in frame.columns:  # a line with fewer fields than the header: kept, padded, listed
        verdicts.empty(frame["_short"] != "", "", lambda m: frame["_short"].to_numpy()[m])
    verdicts.reject(frame[id_col] == "", id_col, f"empty {id_col}")
    if source == "comments":
        verdicts.reject(frame["text"].str.strip() == "", "text", "empty text")
    typed = check_fields(frame, source, config, verdicts)
    ids = frame[id_col].to_numpy()
    duplicate = np.zeros(len(frame), dtype=bool)
    duplicate[~verdicts.rejected] = pd.Series(ids[~verdicts.rejected]).duplicated().to_numpy()
    verdicts.reject(duplicate, id_col, f"duplicate {id_col}")
    kept = frame.assign(**typed)[~verdicts.rejected]
    return kept.reset_index(drop=True), verdicts.rejects(), verdicts.field_issues()


def check_fields(frame: pd.DataFrame, source: str, config: Config, verdicts: _Verdicts) -> dict[str, pd.Series]:
    """Parse the typed columns of FIELD_RULES, rejecting rows or emptying fields; returns the typed columns."""
    rules = [(column, kind, action) for s, column, kind, action in FIELD_RULES if s == source]
    parsed = {column: parse_field(frame[column], column, kind, config) for column, kind, _ in rules}
    usable = _usable_survey(frame, parsed) if source == "surveys" else None
    for column, kind, action in rules:
        values, bad, reason = parsed[column]
        if action == ROW_REJECTED:
            verdicts.reject(values.isna() & ~bad, column, f"empty {column}")
            verdicts.reject(bad, column, reason)
        elif action == EMPTIED_IF_USABLE:
            verdicts.reject(bad & ~usable, column, reason)
        verdicts.empty(bad, column, reason)  # listed only for the rows that are kept
    typed = {column: values for column, (values, _, _) in parsed.items()}
    if source == "tickets":
        typed["closed_at"] = check_order(frame, typed, verdicts)
    return typed


def check_order(frame: pd.DataFrame, typed: dict, verdicts: _Verdicts) -> pd.Series:
    """A ticket closed before it was created: `closed_at` emptied (it would give negative resolution hours)."""
    before = (typed["closed_at"] < typed["created_at"]).to_numpy()
    closed, created = frame["closed_at"].to_numpy(), frame["created_at"].to_numpy()
    verdicts.empty(before, "closed_at", lambda m: np.array(
        [f"closed_at {short(a)} is before created_at {short(b)}" for a, b in zip(closed[m], created[m])], dtype=object))
    return typed["closed_at"].where(~before)


def parse_field(values: pd.Series, column: str, kind: str, config: Config):
    """(typed values with bad ones emptied, mask of bad values, reasons for a mask of rows) for one column."""
    raw = values.to_numpy()

    def reasons(template):
        return lambda mask: np.array([template.format(short(v)) for v in raw[mask]], dtype=object)

    if kind == "date":
        typed, bad = parse_dates(values, config.date_format, plausible_only=False)
        out = implausible(typed).to_numpy()
        low, high = plausible_range()
        unparseable, outside = reasons(f"unparseable {column} {{}}"), reasons(
            f"implausible {column} {{}}: outside {low:%Y-%m-%d} to {high:%Y-%m-%d}")

        def date_reasons(mask):
            return np.where(out[mask], outside(mask), unparseable(mask))
        return typed.where(~out), bad | out, date_reasons
    if kind == "count":
        typed, bad = parse_scores(values, 0, 1e6)
        return typed, bad, reasons(f"{column} {{}} is not a count")
    scale = score_scales(config)[column]
    typed, bad = parse_scores(values, scale.low, scale.high)
    return typed, bad, reasons(f"{column} {{}} is not a number in {scale.low:g}-{scale.high:g}")


def short(value, most: int = 40) -> str:
    """A field's value quoted for a reason, cut to `most` characters: a reason names the value, it does not
    carry the text that ended up in the wrong column."""
    value = str(value)
    return repr(value if len(value) <= most else value[:most] + "…")


def _usable_survey(frame: pd.DataFrame, parsed: dict) -> pd.Series:
    """A survey row keeps something worth using: a readable score (any score column) or a comment."""
    scores = [column for s, column, kind, _ in FIELD_RULES if s == "surveys" and kind == "score"]
    scored = np.logical_or.reduce([parsed[c][0].notna().to_numpy() for c in scores])
    return scored | (frame["comment"].str.strip() != "").to_numpy()


def score_scales(config: Config) -> dict[str, Scale]:
    """The numeric survey columns and the scale each is checked against."""
    return {"ces": config.ces_scale, "csat": config.csat_scale, "nps": Scale(0, 10), "happiness": Scale(1, 10),
            **dict.fromkeys(("acsi_satisfaction", "acsi_expectations", "acsi_ideal"), Scale(1, 10))}


# ---------------------------------------------------------------- touchpoints


def normalise_touchpoint_names(names: pd.Series, aliases: dict[str, str]) -> pd.Series:
    """Trim, lower-case, runs of spaces/hyphens -> `_`, then map aliases ("Колл-центр" -> call_center).
    Each distinct name is worked out once: a week holds a few dozen names in many rows."""
    names = names.fillna("").astype(str)
    return names.map({raw: touchpoint_name(raw, aliases) for raw in names.unique()})


def touchpoint_name(raw: str, aliases: dict[str, str]) -> str:
    """One name, normalised: "  Call - Center " -> call_center; empty -> unknown."""
    cleaned = re.sub(r"[\s\-_]+", "_", raw.strip().lower()) or "unknown"
    return aliases.get(cleaned, cleaned)


def default_aliases() -> dict[str, str]:
    """The built-in alias map (`resources/touchpoints.toml`)."""
    return dict(_built_in_aliases())


@functools.cache
def _built_in_aliases() -> dict[str, str]:
    text = resources.files("feedback_mining").joinpath("resources/touchpoints.toml").read_text(encoding="utf-8")
    return dict(tomllib.loads(text).get("aliases", {}))


def touchpoint_aliases(config: Config) -> dict[str, str]:
    """Built-in aliases overridden by the config's, keys normalised the same way as the names."""
    extra = normalise_touchpoint_names(pd.Series(list(config.touchpoint_aliases), dtype=object), {})
    return default_aliases() | dict(zip(extra, config.touchpoint_aliases.values()))


# ---------------------------------------------------------------- one source


def read_source(source: str, path: Path, config: Config) -> Source:
    """Load, map columns, check the schema and validate the rows of one input file (an XLSX file's sheet:
    `config.sheet_of(source)`, else the first)."""
    files = input_files(path)
    if len(files) > 1:
        return _read_files(source, path, files, config)
    sheet = config.sheet_of(source)
    try:
        frame = _mapped_table(source, path, config, sheet)
        release_memory()  # the file's bytes and parsed blocks, before validation makes its copies
        check_columns(frame, source, path)
    except InputError as e:
        other = None if sheet is not None else _sheet_with_columns(source, path, config)
        if other is None:
            raise
        raise InputError(path, f"the first sheet holds no {source} table ({e}); the sheet {other!r} has the "
                               f"columns: pass --sheet {source}={other!r} (config: [sheet] {source} = "
                               f"\"{other}\")") from None
    result = validate_source(frame, source, config, path)
    result.notes = list(frame.attrs.get("notes", [])) + result.notes
    if result.rows_read == 0:
        result.notes.append("the file has a header but no rows: read as an empty source")
    return result


def _read_files(source: str, pattern: Path, files: list[Path], config: Config) -> Source:
    """One source from several files (a pattern): each loaded and its columns checked on its own, then the rows
    validated together (a response id repeated across files is a duplicate), each row keeping its `_file`."""
    frames, notes = [], []
    for path in files:
        frame = _mapped_table(source, path, config, config.sheet_of(source))
        check_columns(frame, source, path)
        notes += [f"{path.name}: {note}" for note in frame.attrs.get("notes", [])]
        frames.append(frame.assign(_file=path.name))
    result = validate_source(pd.concat(frames, ignore_index=True), source, config, pattern)
    result.notes = [f"{len(files)} files match {pattern}: " + ", ".join(p.name for p in files), *notes, *result.notes]
    result.files = files
    return result


def _mapped_table(source: str, path: Path, config: Config, sheet: str | None) -> pd.DataFrame:
    mapping = config.columns.get(source, {})
    expected = REQUIRED[source] + OPTIONAL[source]
    table = load_table(path, sheet=sheet, hints=[*expected, *mapping.values()])
    frame = apply_column_map(table, mapping, expected)
    frame.attrs = table.attrs
    return frame


def _sheet_with_columns(source: str, path: Path, config: Config) -> str | None:
    """The first sheet after the first of an XLSX file that holds the source's required columns."""
    for name in sheet_names(path)[1:]:
        try:
            frame = _mapped_table(source, path, config, name)
        except InputError:
            continue
        if set(REQUIRED[source]) <= set(frame.columns):
            return name
    return None


def validate_source(frame: pd.DataFrame, source: str, config: Config, path=None) -> Source:
    """Check columns and rows of an already loaded frame (with `_row`), normalising touchpoints."""
    if "_row" not in frame.columns:
        frame = frame.assign(_row=np.arange(len(frame)) + 2)
    check_columns(frame, source, path or source)
    strings = frame.astype({c: str for c in frame.columns
                            if c != "_row" and not isinstance(frame[c].dtype, pd.StringDtype)})
    warnings = scale_problems(strings, score_scales(config), config, path or source) if source == "surveys" else []
    kept, rejects, field_issues = validate_rows(strings, source, config, Path(path).name if path else "")
    if "touchpoint" in kept.columns:
        kept = kept.assign(touchpoint=normalise_touchpoint_names(kept["touchpoint"], touchpoint_aliases(config)))
    most = limits.current().rejects_listed
    unlisted = Counter(reason_kinds(rejects["reason"].iloc[most:]).value_counts().to_dict())
    result = Source(source, path, kept, rejects.iloc[:most], rows_read=len(frame),
                    field_issues=field_issues.iloc[:most], warnings=warnings,
                    columns=[c for c in frame.columns if not c.startswith("_")],
                    unlisted=unlisted, fields_unlisted=max(len(field_issues) - most, 0))
    if unlisted or result.fields_unlisted:
        result.notes.append(f"{len(rejects):,} rows rejected and {len(field_issues):,} fields emptied: rejects.csv "
                            f"lists the first {most:,} of each, the others are only counted (run.json "
                            f"rejects_by_reason); {limits.LIMITS['rejects_listed'][0]}={len(rejects)} lists them all")
    return result


def reason_kinds(reasons: pd.Series) -> pd.Series:
    """Reasons without their values and line numbers ("unparseable submitted_at …"), to count by kind."""
    kinds = reasons.astype(str).str.replace(r"'[^']*'|\"[^\"]*\"", "…", regex=True)
    return kinds.str.replace(r"\b(lines?|column) \d[\d,]*(?:-\d[\d,]*)?", r"\1 …", regex=True).str[:160]


def reject_reasons(sources) -> dict[str, int]:
    """Rejected rows by kind of reason over the sources, listed and unlisted (run.json `rejects_by_reason`)."""
    counts = Counter()
    for source in sources:
        counts.update(reason_kinds(source.rejects["reason"]).value_counts().to_dict())
        counts.update(source.unlisted)
    return dict(counts)
