"""Training sources: which labelled files train (or only validate) which model, read as they are.

A source is one or more files with a name. `--data FILE` makes one source per file; a recipe (TOML, `train
--recipe`) says more, per source (keys: `SOURCE_KEYS`):

    root = "../.."                        # paths below are relative to it (itself relative to the recipe)
    [[source]]
    name = "ru_cedr"
    path = "../shared/data/ru_cedr/data.csv"
    language = "ru"                       # for rows with no language
    train_labels = ["negative", "positive"]   # only these train; the others are still evaluated on
    labels = { pos = "positive" }         # sentiment values to rename or drop ("mixed", "ambiguous": dropped)
    sentiment_part = "evidence"           # train only the domain-independent part of the sentiment model
    [[source]]
    name = "en_cfpb_complaints"
    path = "../shared/data/en_cfpb_complaints/data.csv"
    pain_point_mapping = "cfpb_mapping.toml"   # pain points from an issue column, by a reviewed mapping
    weight = 0.3                          # a row counts 0.3 of one of ours
    # share = 0.3                         # or: its rows carry (at least) 30% of the task's training weight
    [[source]]
    name = "ru_opensentimentcorpus"
    path = "../shared/data/ru_opensentimentcorpus/data.csv"
    validation = true                     # never trained on: every row is evaluation data

A labelled file has `text` (or the source's `text` column), an optional `language`, and per task its column:
`label` (negative / neutral / positive), `pain_points` (`;`-joined ids) or `effort` (0-1); or, for pain points,
the columns a mapping file names (`issue`, `sub_issue`). `read_task` returns the rows of one task.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from feedback_mining.errors import InputError, UsageError
from feedback_mining.formats import load_table
from feedback_mining.learning.labelled import TASK_COLUMNS, check_rows

DROPPED_LABELS = {"mixed": "drop", "ambiguous": "drop"}  # labels that are neither of ours: the rows are left out
SOURCE_KEYS = ("name", "path", "paths", "tasks", "language", "text", "labels", "train_labels", "sentiment_part",
               "pain_point_mapping", "weight", "share", "validation", "own")


@dataclass(frozen=True)
class Source:
    """One labelled source and how to read it (see the module docstring)."""

    name: str
    paths: tuple[Path, ...]
    tasks: tuple[str, ...] | None = None  # None: every task its columns hold
    language: str | None = None
    text: str = "text"
    labels: dict = field(default_factory=dict)
    train_labels: tuple[str, ...] | None = None  # sentiment labels that train (None: all); the rest only evaluate
    sentiment_part: str = "all"  # or "evidence"
    pain_point_mapping: Path | None = None
    weight: float = 1.0
    share: float | None = None  # its rows carry at least this share of the task's training weight (a user's labels)
    validation: bool = False
    own: bool = False  # our own texts: held out by hash, not left out whole in the cross-domain check

    def trains(self, task: str) -> bool:
        return not self.validation and (self.tasks is None or task in self.tasks)


def sources_from_files(paths, language: str | None = None, mapping: Path | None = None) -> list[Source]:
    """One source per `--data` file, named by the file (its folder for a `data.csv`)."""
    return [Source(name=_name(Path(p)), paths=(Path(p),), language=language, pain_point_mapping=mapping)
            for p in paths]


def _name(path: Path) -> str:
    return path.parent.name if path.stem == "data" and path.parent.name else path.stem


def load_recipe(path: Path) -> list[Source]:
    """The sources of a recipe file; errors name the file, the source and the key."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path}: cannot read the recipe ({e})") from None
    root = (path.parent / raw.get("root", ".")).resolve()
    entries = raw.get("source", [])
    if not entries:
        raise UsageError(f"{path}: no [[source]] tables")
    return [_source(entry, root, path.parent, f"{path}, source {i + 1}") for i, entry in enumerate(entries)]


def _source(entry: dict, root: Path, here: Path, where: str) -> Source:
    unknown = sorted(set(entry) - set(SOURCE_KEYS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], SOURCE_KEYS, n=1)
        raise UsageError(f"{where}: unknown key {unknown[0]!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
                         + f"; keys: {', '.join(SOURCE_KEYS)}")
    paths = entry.get("paths") or ([entry["path"]] if "path" in entry else [])
    if not paths or "name" not in entry:
        raise UsageError(f"{where}: a source needs a name and a path (or paths)")
    tasks = entry.get("tasks")
    if tasks is not None and not set(tasks) <= set(TASK_COLUMNS):
        raise UsageError(f"{where}: tasks {sorted(set(tasks) - set(TASK_COLUMNS))} are not of {list(TASK_COLUMNS)}")
    if entry.get("sentiment_part", "all") not in ("all", "evidence"):
        raise UsageError(f"{where}: sentiment_part is 'all' or 'evidence', not {entry['sentiment_part']!r}")
    share = entry.get("share")
    if share is not None and not (isinstance(share, (int, float)) and 0 < share < 1):
        raise UsageError(f"{where}: share is a fraction of the training weight between 0 and 1, not {share!r}")
    mapping = entry.get("pain_point_mapping")
    return Source(name=str(entry["name"]), paths=tuple(root / p for p in paths),
                  tasks=tuple(tasks) if tasks is not None else None, language=entry.get("language"),
                  text=entry.get("text", "text"), labels=dict(entry.get("labels", {})),
                  train_labels=tuple(entry["train_labels"]) if "train_labels" in entry else None,
                  sentiment_part=entry.get("sentiment_part", "all"),
                  pain_point_mapping=here / mapping if mapping else None, weight=float(entry.get("weight", 1.0)),
                  share=None if share is None else float(share),
                  validation=bool(entry.get("validation", False)), own=bool(entry.get("own", False)))


# ---------------------------------------------------------------- reading one task's rows of a source


def read_task(source: Source, task: str, pain_point_ids) -> pd.DataFrame | None:
    """The source's rows for `task`: `text`, `language`, the task column, `_row`, `_file`, `source`, plus
    `label` / `pain_points` beside `effort` when the files hold them (the effort model learns from them);
    None when the source has no labels for the task. Rows whose sentiment label is dropped are left out."""
    if source.tasks is not None and task not in source.tasks:
        return None
    if task == "pain_points" and source.pain_point_mapping is not None:
        from feedback_mining.learning.mappings import read_mapped

        frames = [read_mapped(p, source.pain_point_mapping, pain_point_ids, source.language) for p in source.paths]
        return pd.concat(frames, ignore_index=True).assign(source=source.name)
    column = TASK_COLUMNS[task]
    tables = {path: load_table(path, hints=[source.text, column]) for path in source.paths}
    lacking = [path for path, frame in tables.items() if column not in frame.columns]
    if lacking and source.tasks is None and len(lacking) == len(tables):
        return None  # a source without this task's labels (e.g. sentiment only)
    if lacking:
        path = lacking[0]
        raise InputError(path, f"no column {column!r} for {task} (it has {_columns(tables[path])})", column=column)
    for path, frame in tables.items():
        if source.text not in frame.columns:
            raise InputError(path, f"no text column {source.text!r} (it has {_columns(frame)})", column=source.text)
    frame = pd.concat([_standard(f, source, task, p, pain_point_ids) for p, f in tables.items()], ignore_index=True)
    return frame.assign(source=source.name) if len(frame) else None


def _columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not c.startswith("_")]


def _standard(frame: pd.DataFrame, source: Source, task: str, path: Path, pain_point_ids) -> pd.DataFrame:
    column = TASK_COLUMNS[task]
    language = frame["language"].fillna("") if "language" in frame else pd.Series("", index=frame.index)
    if source.language:
        language = language.mask(language.str.strip() == "", source.language)
    out = pd.DataFrame({"text": frame[source.text], "language": language, column: frame[column],
                        "_row": frame["_row"], "_file": str(path)})
    if task == "effort":  # what the effort model learns sentiment and pain points' effort from
        out = out.assign(**{c: frame[c] for c in ("label", "pain_points") if c in frame})
    if task == "sentiment":
        mapping = {**DROPPED_LABELS, **{str(k).lower(): str(v).lower() for k, v in source.labels.items()}}
        values = out["label"].fillna("").str.strip().str.lower().replace(mapping)
        out = out.assign(label=values)[values != "drop"]
    check_rows(out, task, path, pain_point_ids)
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- a source as a card records it


def source_spec(source: Source) -> dict:
    """The source as plain values (absolute paths), so a card can re-assemble the training data (`train --base`)."""
    return {"name": source.name, "paths": [str(Path(p).resolve()) for p in source.paths],
            "tasks": None if source.tasks is None else list(source.tasks), "language": source.language,
            "text": source.text, "labels": dict(source.labels),
            "train_labels": None if source.train_labels is None else list(source.train_labels),
            "sentiment_part": source.sentiment_part,
            "pain_point_mapping": None if source.pain_point_mapping is None else str(
                Path(source.pain_point_mapping).resolve()),
            "weight": source.weight, "share": source.share, "validation": source.validation, "own": source.own}


def from_spec(spec: dict) -> Source:
    """The source a card's `source_specs` entry describes."""
    tuples = {k: tuple(spec[k]) for k in ("tasks", "train_labels") if spec.get(k) is not None}
    mapping = spec.get("pain_point_mapping")
    return Source(**{**{k: v for k, v in spec.items() if k in Source.__dataclass_fields__}, **tuples,
                     "paths": tuple(Path(p) for p in spec["paths"]),
                     "pain_point_mapping": Path(mapping) if mapping else None})
