"""Pain points from another taxonomy's labels, by a reviewed mapping file (BANKING77 intents, CFPB issues).

A mapping file (TOML) names the columns it reads and maps their values:

    text = "text"                 # the text column (default text)
    issue = "category"            # the label column (default category)
    sub_issue = "sub_issue"       # optional finer label; "Issue / Sub-issue" entries override the issue's
    language = "en"               # the rows' language (default en)
    partial = true                # a row's other pain points are unknown, not absent (default false)
    [issues]                      # issue -> pain points (BANKING77's files call the table [mapped])
    [sub_issues]                  # "issue / sub-issue" -> pain points
    [lists]
    none = [...]                  # issues whose texts have no pain point (plain questions)
    unmapped = [...]              # issues deliberately left out: their rows are not used

Every issue of a data file must be mapped, listed, or the prefix of a sub-issue entry, so a new issue is a
decision rather than a silent drop. `models/training/banking77_mapping.toml` and `cfpb_mapping.toml` are ours.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

import pandas as pd

from feedback_mining.errors import UsageError
from feedback_mining.formats import load_table


@lru_cache(maxsize=None)
def _mapping(path: Path) -> dict:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path}: cannot read the pain-point mapping ({e})") from None
    issues = raw.get("issues", raw.get("mapped", {}))
    lists = raw.get("lists", {})
    none, unmapped = set(lists.get("none", [])), set(lists.get("unmapped", []))
    overlap = (set(issues) & none) | (set(issues) & unmapped) | (none & unmapped)
    if overlap:
        raise UsageError(f"{path}: issue(s) {sorted(overlap)} listed twice")
    return {"issues": issues, "sub_issues": raw.get("sub_issues", {}), "none": none, "unmapped": unmapped,
            "text": raw.get("text", "text"), "issue": raw.get("issue", "category"), "sub_issue": raw.get("sub_issue"),
            "language": raw.get("language", "en"), "version": raw.get("version"), "partial": bool(raw.get("partial"))}


def pain_points_of(issue: str, sub_issue: str, mapping: dict) -> list[str] | None:
    """A row's pain points by the mapping ([] for none); None when the row is not used."""
    key = f"{issue} / {sub_issue}" if sub_issue else None
    if key in mapping["sub_issues"]:
        return list(mapping["sub_issues"][key])
    if issue in mapping["issues"]:
        return list(mapping["issues"][issue])
    return [] if issue in mapping["none"] else None


def read_mapped(path: Path, mapping_path: Path, pain_point_ids, language: str | None = None) -> pd.DataFrame:
    """The mapped rows of a file: `text`, `language`, `pain_points`, `_row`, `_file`, `_partial` (rows without an
    issue, or whose issue is unmapped, are left out)."""
    m = _mapping(Path(mapping_path))
    data = load_table(Path(path), hints=[m["text"], m["issue"]])
    for column in (m["text"], m["issue"]):
        if column not in data.columns:
            raise UsageError(f"{path}: no column {column!r}, which {mapping_path} maps from")
    issues = data[m["issue"]].fillna("").str.strip()
    subs = data[m["sub_issue"]].fillna("").str.strip() if m["sub_issue"] in data else pd.Series("", index=data.index)
    prefixes = {k.split(" / ")[0] for k in m["sub_issues"]}
    known = set(m["issues"]) | m["none"] | m["unmapped"] | prefixes
    unknown = sorted(set(issues[issues != ""]) - known)
    if unknown:
        raise UsageError(f"{mapping_path}: issue(s) {unknown[:5]} of {path} are in no list; map them or list them "
                         "under none or unmapped")
    bad = sorted({p for ps in [*m["issues"].values(), *m["sub_issues"].values()] for p in ps} - set(pain_point_ids))
    if bad:
        raise UsageError(f"{mapping_path}: unknown pain point id(s) {bad}")
    mapped = [pain_points_of(i, s, m) if i else None for i, s in zip(issues, subs)]
    used = [p is not None for p in mapped]
    return pd.DataFrame({"text": data.loc[used, m["text"]].to_numpy(), "language": language or m["language"],
                         "pain_points": [";".join(p) for p in mapped if p is not None],
                         "_row": data.loc[used, "_row"].to_numpy(), "_file": str(path), "_partial": m["partial"]})


def describe(mapping_path: Path) -> dict:
    """The mapping's name, version and size, for model cards."""
    m = _mapping(Path(mapping_path))
    return {"mapping": Path(mapping_path).name, "version": m["version"], "issues": len(m["issues"]),
            "sub_issues": len(m["sub_issues"]), "none": len(m["none"]), "unmapped": len(m["unmapped"]),
            "partial": m["partial"]}
