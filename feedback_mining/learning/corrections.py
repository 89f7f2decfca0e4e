"""Corrections: reviewed files applied to every later run (`--corrections FILE`, config `corrections = [...]`).

A reviewed file is a review.csv handed back (CSV, or XLSX: its `review` sheet if it has one, else the first), or
any labelled file (`text` and any of `label`, `pain_points`, `effort`). An item whose redacted text has the key
(`review.text_key`) of a corrected row takes that row's sentiment (`label`), pain points (probability 1 for the
listed ids, 0 for the others) and effort, and `label_source = corrected` (else `model`). Its effort stays its CES
answer's when it has one (`effort_source = survey`): a correction never overrides what the customer said.

Which rows correct: in a review file, a row whose labels differ from the model's guesses written beside them
(`model_label`, `model_pain_points`, `model_effort`) or whose `reviewed` cell is filled in (to confirm a guess); an
untouched row changes nothing. A file without those columns corrects with every row. An empty `label` or `effort`
leaves that label to the model; an empty `pain_points` means none. For the same text, a later file wins over an
earlier one and a later row over an earlier row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_mining.errors import InputError, UsageError
from feedback_mining.formats import load_table, sheet_names
from feedback_mining.join import describe_pain_points
from feedback_mining.learning.models import SENTIMENT_LABELS
from feedback_mining.learning.review import text_key

LABELS = ["label", "pain_points", "effort"]
GUESSES = {"label": "model_label", "pain_points": "model_pain_points", "effort": "model_effort"}
EFFORT_TOLERANCE = 0.005  # efforts are written with two decimals
REVIEWER_EVIDENCE = "reviewer"  # the evidence of a pain point a correction added


@dataclass(frozen=True)
class Corrections:
    """The corrected labels by text key (`label`: "" = not corrected; `pain_points`: a `;`-joined string, NaN =
    not corrected; `effort`: NaN = not corrected), and where they came from."""

    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LABELS, index=pd.Index([], name="key")))
    files: tuple[str, ...] = ()
    rows_read: int = 0

    def describe(self) -> dict:
        return {"files": list(self.files), "rows_read": self.rows_read, "texts": len(self.table)}


# ---------------------------------------------------------------- reading


def load_corrections(paths, pain_point_ids) -> Corrections:
    """The corrections of reviewed files, in order (later files win); errors name the file, rows and column."""
    paths = [Path(p) for p in paths or []]
    frames, read = [], 0
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: corrections file not found; give a reviewed review.csv (--corrections FILE)")
        frame = load_table(path, sheet=review_sheet(path), hints=["text", *LABELS])
        read += len(frame)
        frames.append(parse_corrections(frame, path, pain_point_ids))
    table = pd.concat(frames) if frames else Corrections().table
    table = table[~table.index.duplicated(keep="last")]
    return Corrections(table, tuple(map(str, paths)), read)


def review_sheet(path: Path) -> str | None:
    """`review` for a workbook that has such a sheet (touchpoints.xlsx), else None (the first sheet)."""
    return "review" if path.suffix.lower() == ".xlsx" and "review" in sheet_names(path) else None


def parse_corrections(frame: pd.DataFrame, path, pain_point_ids) -> pd.DataFrame:
    """The rows of one file that correct (see the module docstring), checked, indexed by text key."""
    if "text" not in frame.columns or not set(LABELS) & set(frame.columns):
        found = [c for c in frame.columns if not c.startswith("_")]
        raise InputError(path, f"a corrections file needs a `text` column and any of {LABELS} (it has {found}); "
                               "give the review.csv a run wrote, corrected")
    values = {c: _values(frame, c) for c in LABELS}
    problems = [p for p in (_check_labels(frame, values["label"]), _check_pains(frame, values["pain_points"],
                                                                               pain_point_ids),
                            _check_efforts(frame, values["effort"])) if p]
    if problems:
        raise InputError(path, "; ".join(problems) + "; correct the cells (or clear them) and run again")
    labels = pd.DataFrame({"label": values["label"].str.lower(), "pain_points": values["pain_points"].map(_pain_set),
                           "effort": _numbers(values["effort"])}, index=frame.index)
    keep = corrected_rows(frame, labels)
    return labels[keep].set_index(text_key(frame.loc[keep, "text"]).rename("key")).loc[lambda t: t.index != ""]


def _values(frame: pd.DataFrame, column: str) -> pd.Series:
    """A label column as stripped text; a column the file lacks is NaN (not corrected) in every row."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str).str.strip()


def _pain_set(value) -> str | float:
    """`waiting; transfer` -> `transfer;waiting` (sorted, so guesses and corrections compare); NaN stays NaN."""
    return value if not isinstance(value, str) else ";".join(sorted({p.strip() for p in value.split(";")
                                                                      if p.strip()}))


def _numbers(values: pd.Series) -> pd.Series:
    """Efforts as numbers, a decimal comma read (`0,5`, as Russian Excel writes it); empty -> NaN."""
    return pd.to_numeric(values.astype(object).where(values.notna(), "").str.replace(",", ".", regex=False)
                         .replace("", np.nan), errors="coerce")


def _where(frame: pd.DataFrame, bad: pd.Series, column: str, limit: int = 5) -> str:
    rows = frame.loc[bad, "_row"].astype(int).tolist() if "_row" in frame else list(np.flatnonzero(bad) + 2)
    more = f" (and {len(rows) - limit} more)" if len(rows) > limit else ""
    return f"column {column!r}, {'row' if len(rows) == 1 else 'rows'} {', '.join(map(str, rows[:limit]))}{more}"


def _check_labels(frame, labels: pd.Series) -> str | None:
    bad = labels.notna() & (labels != "") & ~labels.str.lower().isin(SENTIMENT_LABELS)
    return (f"{_where(frame, bad, 'label')}: {sorted(set(labels[bad]))[:5]} is not one of {list(SENTIMENT_LABELS)}"
            if bad.any() else None)


def _check_pains(frame, pains: pd.Series, pain_point_ids) -> str | None:
    known = set(pain_point_ids)
    unknown = pains.map(lambda v: sorted({p.strip() for p in v.split(";") if p.strip()} - known)
                        if isinstance(v, str) else [])
    bad = unknown.map(bool)
    found = sorted({p for ps in unknown[bad] for p in ps})[:5]
    return (f"{_where(frame, bad, 'pain_points')}: unknown pain point id(s) {found}; known: {sorted(known)} "
            "(ids joined by ;)" if bad.any() else None)


def _check_efforts(frame, efforts: pd.Series) -> str | None:
    numbers = _numbers(efforts)
    bad = efforts.notna() & (efforts != "") & (numbers.isna() | (numbers < 0) | (numbers > 1))
    return (f"{_where(frame, bad, 'effort')}: {sorted(set(efforts[bad]))[:5]} is not a number from 0 to 1"
            if bad.any() else None)


def corrected_rows(frame: pd.DataFrame, labels: pd.DataFrame) -> pd.Series:
    """True for the rows that correct: all of them in a file without the model's guesses; else those with
    `reviewed` filled in or a label that differs from its guess."""
    if not set(GUESSES.values()) & set(frame.columns):
        return pd.Series(True, index=frame.index)
    keep = _values(frame, "reviewed").fillna("") != "" if "reviewed" in frame else pd.Series(False, index=frame.index)
    guess_label = _values(frame, GUESSES["label"]).str.lower()
    keep |= labels["label"].notna() & (labels["label"] != "") & (labels["label"] != guess_label.fillna(""))
    guess_pains = _values(frame, GUESSES["pain_points"]).map(_pain_set)
    keep |= labels["pain_points"].notna() & (labels["pain_points"] != guess_pains.fillna(""))
    guess_effort = _numbers(_values(frame, GUESSES["effort"]))
    keep |= labels["effort"].notna() & ~((labels["effort"] - guess_effort).abs() <= EFFORT_TOLERANCE)
    return keep


# ---------------------------------------------------------------- applying


def apply_corrections(items: pd.DataFrame, corrections: Corrections, pain_points: list[str]) -> tuple[pd.DataFrame,
                                                                                                      dict]:
    """Items with the corrections applied and `label_source` added (reads `clean_text`, `effort_source`, `effort`;
    may set `sentiment`, `sentiment_confidence`, `sentiment_low_confidence`, `p_<id>`, `pain_points`,
    `pain_point_scores`, `pain_point_evidence`, `effort`, `effort_estimate`), and the counts for `run.json`."""
    if len(corrections.table) == 0 and len(items):  # nothing to match: the counts of no items, no text keys
        return items.assign(label_source="model"), apply_corrections(items.iloc[:0], corrections, pain_points)[1]
    keys = text_key(items["clean_text"])
    matched = keys.isin(corrections.table.index) & (keys != "")
    rows = corrections.table.reindex(keys.where(matched)).set_axis(items.index)
    given = {"sentiment": matched & rows["label"].notna() & (rows["label"] != ""),
             "pain_points": matched & rows["pain_points"].notna(),
             "effort": matched & rows["effort"].notna() & ~items["effort_source"].eq("survey")}
    sentiment, effort = given["sentiment"], given["effort"]
    out = items.assign(
        label_source=np.where(matched, "corrected", "model"),
        sentiment=items["sentiment"].where(~sentiment, rows["label"]),
        sentiment_confidence=items["sentiment_confidence"].where(~sentiment, 1.0),
        sentiment_low_confidence=items["sentiment_low_confidence"] & ~sentiment,
        effort=items["effort"].where(~effort, rows["effort"]),
        effort_estimate=items["effort_estimate"].where(~effort, rows["effort"]),
        **_corrected_pains(items, rows["pain_points"], given["pain_points"], pain_points))
    counts = {**corrections.describe(), "items": int(matched.sum()), "texts_matched": int(keys[matched].nunique()),
              **correction_counts(items, rows, matched, given)}
    return (describe_pain_points(out, pain_points) if given["pain_points"].any() else out), counts


def correction_counts(items: pd.DataFrame, rows: pd.DataFrame, matched: pd.Series, given: dict) -> dict:
    """Per label, the items that took a corrected value and (`changed`) those whose value it changed; and
    `effort_kept_ces`: items whose corrected effort differs from their CES answer's, which was kept."""
    off = ~((rows["effort"] - items["effort"]).abs() <= EFFORT_TOLERANCE)
    changed = {"sentiment": given["sentiment"] & (items["sentiment"] != rows["label"]),
               "pain_points": given["pain_points"] & (items["pain_points"].map(_pain_set) != rows["pain_points"]),
               "effort": given["effort"] & off}
    kept = matched & rows["effort"].notna() & items["effort_source"].eq("survey") & off
    return {**{k: int(v.sum()) for k, v in given.items()}, "effort_kept_ces": int(kept.sum()),
            "changed": {k: int(v.sum()) for k, v in changed.items()}}


def _corrected_pains(items: pd.DataFrame, corrected: pd.Series, mask: pd.Series, pain_points: list[str]) -> dict:
    """`p_<id>` (1 for a corrected item's listed ids, 0 for the others) and the evidence, kept for the ids that stay,
    `reviewer` for the ids a correction added."""
    if not mask.any():
        return {}
    sets = corrected.where(mask, "").map(lambda v: set(v.split(";")) - {""})
    columns = {f"p_{pp}": items[f"p_{pp}"].where(~mask, sets.map(lambda s, pp=pp: float(pp in s)))
               for pp in pain_points}
    evidence = items["pain_point_evidence"].copy()
    evidence[mask] = [_evidence(e, s) for e, s in zip(items.loc[mask, "pain_point_evidence"], sets[mask])]
    return {**columns, "pain_point_evidence": evidence}


def _evidence(value: str, kept: set[str]) -> str:
    found = json.loads(value or "{}")
    return json.dumps({pp: found.get(pp) or [REVIEWER_EVIDENCE] for pp in sorted(kept)}, ensure_ascii=False)


def check_not_overwritten(paths, out: Path) -> None:
    """Raise a usage error when a corrections file is an output this run would replace (out/review.csv)."""
    from feedback_mining.report import is_output_name

    for path in paths or []:
        if Path(path).name and is_output_name(Path(path).name) and Path(path).resolve().parent == Path(out).resolve():
            raise UsageError(f"--corrections {path}: this run writes {Path(path).name} into {out} and would replace "
                             "the reviewed file; copy it elsewhere first (e.g. reviewed/2026-W47.csv) and pass that")
