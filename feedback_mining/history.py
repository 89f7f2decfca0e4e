"""History: each week's touchpoint and pain-point results in an embedded DuckDB file, and the week-over-week change.

Weeks are keyed by their ISO label (`2026-W47`). Storing a week deletes and re-inserts all of its rows in one
transaction, so rerunning a week replaces it (idempotent) and a failed write leaves the file as it was.
`compare_weeks` adds `delta_share`, `delta_rank` and `change_significant` against the latest stored week
*before* the current one, so a rerun of the same week compares with the same previous week.

DuckDB lets one process write a file (or several read it); a run that finds the file in use by another waits for
it, with backoff, up to `$FEEDBACK_MINING_HISTORY_TIMEOUT` seconds (default 30), then stops with `HistoryBusy`.
A file DuckDB cannot open (truncated, not a database) raises `HistoryUnreadable`, which says how to fix it.
"""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_mining.errors import UsageError

DEFAULT_NAME = "feedback_mining_history.duckdb"
ENV_VAR = "FEEDBACK_MINING_HISTORY"
TIMEOUT_VAR, TIMEOUT_S = "FEEDBACK_MINING_HISTORY_TIMEOUT", 30.0  # how long to wait for a file another run holds
SIGNIFICANCE_NOTE = ("change_significant: the previous stored week's share lies outside this week's 95% bootstrap "
                     "interval (share_low..share_high), i.e. the change is larger than this week's sampling "
                     "uncertainty explains; delta_share = share - previous share, delta_rank = rank - previous rank "
                     "(negative: moved towards #1)")

WEEK_COLUMNS = {"week": "VARCHAR PRIMARY KEY", "run_at": "TIMESTAMP", "n_items": "BIGINT",
                "top_touchpoint": "VARCHAR", "manifest": "VARCHAR"}
TOUCHPOINT_COLUMNS = {"touchpoint": "VARCHAR", "rank": "INTEGER", "n_items": "BIGINT",
                      "contributed_effort": "DOUBLE", "share": "DOUBLE", "share_low": "DOUBLE", "share_high": "DOUBLE",
                      "rank_low": "INTEGER", "rank_high": "INTEGER", "share_estimated": "DOUBLE",
                      "mean_effort": "DOUBLE", "high_effort_rate": "DOUBLE", "ces_mean": "DOUBLE", "csat": "DOUBLE",
                      "nps": "DOUBLE", "top_pain_points": "VARCHAR"}
PAIN_COLUMNS = {"touchpoint": "VARCHAR", "pain_point": "VARCHAR", "n_items": "BIGINT",
                "contributed_effort": "DOUBLE", "contributed_low": "DOUBLE", "contributed_high": "DOUBLE",
                "share_of_touchpoint": "DOUBLE", "impact": "DOUBLE", "driver_weight": "DOUBLE"}
# drift (feedback_mining.learning.drift): one row per language
DRIFT_COLUMNS = {"language": "VARCHAR", "n_texts": "BIGINT", "share_of_texts": "DOUBLE",
                 "unseen_token_share": "DOUBLE", "mean_confidence": "DOUBLE", "low_confidence_share": "DOUBLE",
                 "label_negative": "DOUBLE", "label_neutral": "DOUBLE", "label_positive": "DOUBLE",
                 "label_shift": "DOUBLE", "domain_auc": "DOUBLE", "warnings": "BIGINT"}
TABLES = {"touchpoints": TOUCHPOINT_COLUMNS, "pain_points": PAIN_COLUMNS, "drift": DRIFT_COLUMNS}


def history_path(configured: Path | None = None) -> Path:
    """The history file: the configured one, else `$FEEDBACK_MINING_HISTORY`, else `feedback_mining_history.duckdb`
    in the current working directory (resolved now, at call time)."""
    if configured is not None:
        return Path(configured)
    return Path(os.environ.get(ENV_VAR) or Path.cwd() / DEFAULT_NAME)


class HistoryBusy(UsageError):
    """The history file is held by another process for longer than the timeout."""


class HistoryUnreadable(UsageError):
    """The history file exists but DuckDB cannot open or read it."""

    def __init__(self, path, reason):
        self.path, self.reason = path, reason
        super().__init__(f"the history file {path} cannot be read ({reason}); move it away (the next run starts a "
                         f"new one) or give --history NEW; --no-history runs without it")


def lock_timeout() -> float:
    """Seconds to wait for a history file in use: `$FEEDBACK_MINING_HISTORY_TIMEOUT`, else 30."""
    text = os.environ.get(TIMEOUT_VAR, "").strip()
    try:
        return float(text) if text else TIMEOUT_S
    except ValueError:
        raise UsageError(f"{TIMEOUT_VAR}={text!r}: give the seconds to wait for the history file, e.g. 30") from None


def _connect(path: Path, read_only: bool = False, timeout: float | None = None):
    """A connection, once the file is free (waiting up to `timeout`, default `lock_timeout()`); else HistoryBusy,
    or HistoryUnreadable when DuckDB cannot open the file."""
    import duckdb  # imported here so that the CLI starts without it

    waited, delay, timeout = 0.0, 0.05, lock_timeout() if timeout is None else timeout
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as e:
            if not _is_lock(e):
                raise HistoryUnreadable(path, e) from None
            if waited >= timeout:
                pid = re.search(r"PID (\d+)", str(e))
                raise HistoryBusy(
                    f"the history file {path} is in use by another run{f' (PID {pid.group(1)})' if pid else ''}; "
                    f"waited {waited:.0f} s. Wait for it to finish, or use --history OTHER "
                    f"(${TIMEOUT_VAR} sets how long to wait)") from None
        time.sleep(delay)
        waited, delay = waited + delay, min(delay * 2, 1.0)


def _is_lock(error: Exception) -> bool:
    """DuckDB's `Could not set lock on file ...: Conflicting lock is held in ... (PID 123)`."""
    return re.search(r"Could not set lock|Conflicting lock", str(error)) is not None


def check_history(path: Path, store: bool) -> str | None:
    """Before a run: raise HistoryUnreadable when the week is to be stored in a file DuckDB cannot open; without
    storing, the warning to give instead (the run then has no week-over-week changes). None when it is usable."""
    if not Path(path).exists():
        return None
    try:
        _read(path, "SELECT count(*) FROM weeks", [], timeout=0)
    except HistoryUnreadable as e:
        if store:
            raise
        return f"history {path} unreadable: no week-over-week changes ({e.reason}); move it away or give --history"
    except HistoryBusy:
        pass  # another run is storing: reading and storing wait for it
    return None


# ---------------------------------------------------------------- writing


def _create_tables(con) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS weeks ({_ddl(WEEK_COLUMNS)})")
    for name, columns in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} (week VARCHAR NOT NULL, {_ddl(columns)})")


def _ddl(columns: dict[str, str]) -> str:
    return ", ".join(f'"{name}" {kind}' for name, kind in columns.items())


def _insert(con, table: str, week: str, frame: pd.DataFrame) -> None:
    """Insert a frame's known columns (missing ones NULL), each cast to the table's type."""
    columns = TABLES[table]
    rows = frame.reindex(columns=list(columns)).assign(week=week)
    typed = {"week": "VARCHAR", **columns}
    names = ", ".join(f'"{c}"' for c in typed)
    casts = ", ".join(f'CAST("{c}" AS {kind})' for c, kind in typed.items())
    con.register("_rows", rows)
    try:
        con.execute(f"INSERT INTO {table} ({names}) SELECT {casts} FROM _rows")
    finally:
        con.unregister("_rows")


@contextmanager
def _transaction(path: Path):
    """A connection to the history in one transaction (tables created if missing), committed or rolled back."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path)
    try:
        con.begin()
        _create_tables(con)
        yield con
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.close()


def store_week(path: Path, week: str, touchpoints: pd.DataFrame, pain_points: pd.DataFrame, manifest: dict,
               drift: dict | None = None) -> None:
    """Store (or replace) one week's results and its drift figures (run.json's `drift`), in one transaction."""
    if not week:
        raise UsageError("cannot store a week without a label: give --week 2026-W47 or dates in the data")
    with _transaction(path) as con:
        for table in ("touchpoints", "pain_points", "drift", "weeks"):
            con.execute(f"DELETE FROM {table} WHERE week = ?", [week])
        top = touchpoints.sort_values("rank")["touchpoint"].iloc[0] if len(touchpoints) else None
        run_at = pd.Timestamp(manifest.get("created_at") or pd.Timestamp.now(tz="UTC"))
        run_at = (run_at.tz_convert("UTC").tz_localize(None) if run_at.tzinfo else run_at).to_pydatetime()
        con.execute("INSERT INTO weeks VALUES (?, ?, ?, ?, ?)",
                    [week, run_at, int(manifest.get("items", {}).get("total", touchpoints["n_items"].sum())), top,
                     json.dumps(manifest, ensure_ascii=False, default=str)])
        _insert(con, "touchpoints", week, touchpoints)
        _insert(con, "pain_points", week, pain_points)
        _insert(con, "drift", week, drift_rows(drift or {}))


def store_drift(path: Path, week: str, drift: dict) -> None:
    """Store (or replace) one week's drift figures alone (a run stores them with its week, `store_week`)."""
    with _transaction(path) as con:
        con.execute("DELETE FROM drift WHERE week = ?", [week])
        _insert(con, "drift", week, drift_rows(drift))


def drift_rows(drift: dict) -> pd.DataFrame:
    """run.json's `drift` as rows of the `drift` table: one per language, with its number of warnings."""
    rows = pd.DataFrame(drift.get("languages", []), columns=list(DRIFT_COLUMNS)[:-1])
    warned = pd.Series([w.get("language") for w in drift.get("warnings", [])], dtype=object).value_counts()
    return rows.assign(warnings=rows["language"].map(warned).fillna(0).astype(int))


# ---------------------------------------------------------------- reading


def _read(path: Path, query: str, params: list, timeout: float | None = None) -> pd.DataFrame | None:
    """Run a read-only query; None when there is no history file (or no tables in it) yet."""
    import duckdb

    if not Path(path).exists():
        return None
    con = _connect(path, read_only=True, timeout=timeout)
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'weeks'").fetchone()[0]:
            return None
        return con.execute(query, params).df()
    except duckdb.Error as e:
        raise HistoryUnreadable(path, e) from None
    finally:
        con.close()


def list_weeks(path: Path) -> pd.DataFrame:
    """`week, run_at, items, top_touchpoint` of every stored week, oldest first (empty without a file)."""
    weeks = _read(path, "SELECT week, run_at, n_items AS items, top_touchpoint FROM weeks ORDER BY week", [])
    return weeks if weeks is not None else pd.DataFrame(columns=["week", "run_at", "items", "top_touchpoint"])


def load_week(path: Path, week: str, table: str = "touchpoints") -> pd.DataFrame:
    """The stored rows of one week's `touchpoints` or `pain_points` (empty when not stored)."""
    columns = ", ".join(f'"{c}"' for c in TABLES[table])
    rows = _read(path, f"SELECT {columns} FROM {table} WHERE week = ? ORDER BY ALL", [week])
    return rows if rows is not None else pd.DataFrame(columns=list(TABLES[table]))


def previous_week(path: Path, week: str) -> tuple[str, pd.DataFrame] | None:
    """(label, touchpoints) of the latest stored week before `week`; None when there is none."""
    found = _read(path, "SELECT max(week) AS week FROM weeks WHERE week < ?", [week or ""])
    if found is None or found.empty or pd.isna(found["week"].iloc[0]):
        return None
    label = str(found["week"].iloc[0])
    return label, load_week(path, label)


# ---------------------------------------------------------------- comparing


def compare_weeks(touchpoints: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Add `delta_share`, `delta_rank` and `change_significant` (see `SIGNIFICANCE_NOTE`) after `rank_high`;
    NaN deltas and False for a touchpoint not in the previous week (or without a previous week)."""
    before = (previous if previous is not None else pd.DataFrame(columns=["touchpoint", "share", "rank"]))
    before = before.drop_duplicates("touchpoint").set_index("touchpoint")
    share = before["share"].astype(float).reindex(touchpoints["touchpoint"]).to_numpy()
    rank = pd.array(before["rank"].reindex(touchpoints["touchpoint"]).to_numpy(), dtype="Int64")
    outside = (share < touchpoints["share_low"].to_numpy(float)) | (share > touchpoints["share_high"].to_numpy(float))
    deltas = pd.DataFrame({"delta_share": touchpoints["share"].to_numpy(float) - share,
                           "delta_rank": pd.array(touchpoints["rank"].to_numpy(), dtype="Int64") - rank,
                           "change_significant": np.asarray(outside & ~np.isnan(share), dtype=bool)},
                          index=touchpoints.index)
    table = touchpoints.drop(columns=[c for c in deltas if c in touchpoints])
    at = table.columns.get_loc("rank_high") + 1 if "rank_high" in table else len(table.columns)
    return pd.concat([table.iloc[:, :at], deltas, table.iloc[:, at:]], axis=1)


def load_drift(path: Path | None) -> pd.DataFrame:
    """Every stored week's drift rows (`week` + `DRIFT_COLUMNS`), oldest first; empty without a file or table."""
    empty = pd.DataFrame(columns=["week", *DRIFT_COLUMNS])
    if path is None or not Path(path).exists():
        return empty
    con = _connect(path, read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'drift'").fetchone()[0]:
            return empty
        return con.execute("SELECT * FROM drift ORDER BY week, language").df()
    finally:
        con.close()
