"""Retrain on a user's corrections: `train --data corrections.csv --base shipped` (or `--base DIR`).

- **the base's training data** is re-assembled from the base's cards: `source_specs` (written by every `train`
  since this module), or, in an older card, the `--recipe` or `--data` files of its `training_command`, resolved
  from the folder it was run in (the command's `--out` says which). Each file is checked against the card's
  sha256: a changed file is named; a missing one stops training with what to do (`--base-data DIR` where the
  public sets are, or `--allow-missing-base` to train on the rest, which the output and the card then name);
- **the user's rows are weighted up**: the user's files together carry `USER_SHARE` (30%) of each task's training
  weight (`training_data._with_shares`); the base's rows keep the weights they have in the base's training, so
  its balance of sources, languages and classes and its tuned regularisation keep their meaning;
- the base's tuned regularisation is kept (its card's `tuning`), unless `--tune` chooses again;
- **before / after**: the base model and the new one on rows neither trained on: the user's held-out rows (the
  same text-hash split as every source, `labelled.HELD_OUT_RULE`, so they never move), each base source's
  held-out rows, and every validation source's rows whose text does not train.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from feedback_mining.errors import UsageError
from feedback_mining.learning.evaluation import evaluate, headline
from feedback_mining.learning.registry import file_sha256, folder_label, load_model, read_registry, shipped_dir
from feedback_mining.learning.sources import Source, from_spec, load_recipe, sources_from_files

USER_SHARE = 0.3  # measured on tests/test_retrain.py and one week of ru_opensentimentcorpus: README, "retrain"
SHOWN = {"sentiment": ("macro_f1", "accuracy"), "pain_points": ("macro_f1", "micro_f1"),
         "effort": ("mae", "macro_f1")}


@dataclass
class Base:
    """The base models' folder, per task its card, its training sources (re-assembled) and its parameters."""

    directory: Path
    label: str
    cards: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)   # [{"source", "path", "sha256"}] not found
    changed: list = field(default_factory=list)   # [{"source", "path"}] whose sha256 is not the card's

    def params(self, task: str) -> dict:
        return dict((self.cards[task].get("tuning") or {}).get("best") or {})

    def describe(self) -> dict:
        """What a card says of the base."""
        return {"dir": self.label, "models": {t: c.get("artefact", {}).get("version") for t, c in self.cards.items()},
                "missing": self.missing, "changed": self.changed}


def read_base(value: str, tasks, data_dir: Path | None = None, allow_missing: bool = False) -> Base:
    """The base of `--base shipped|DIR` for `tasks`, with its training sources located and checked."""
    directory = shipped_dir() if value == "shipped" else Path(value)
    listed = read_registry(directory)["models"]
    absent = [t for t in tasks if t not in listed]
    if absent:
        raise UsageError(f"--base {value}: {directory} has no {', '.join(absent)} model; give --task with one it has "
                         f"({', '.join(listed) or 'none'})")
    base = Base(directory, "shipped" if value == "shipped" else folder_label(directory))
    for task in tasks:
        card = _card(directory, listed[task])
        base.cards[task] = card
        base.sources[task] = _located(card_sources(card, directory), card, data_dir, base)
    if base.missing and not allow_missing:
        files = "; ".join(f"{m['source']}: {m['path']}" for m in base.missing)
        raise UsageError(f"--base {value}: the base was trained on files that are not here ({files}); give "
                         "--base-data DIR (the folder holding them, e.g. ../shared/data) or --allow-missing-base to "
                         "train on the rest (the output and the cards then name what was missing)")
    return base


def _card(directory: Path, entry: dict) -> dict:
    import json

    path = directory / entry.get("card", "")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: cannot read the base's model card ({e}); --base needs the cards `train` "
                         "writes beside each model") from None


def card_sources(card: dict, directory: Path) -> list[Source]:
    """The sources a card's model was trained on: its `source_specs`, else re-read from its training command."""
    if card.get("source_specs"):
        return [from_spec(spec) for spec in card["source_specs"]]
    from feedback_mining.learning.model_commands import add_commands

    parser = argparse.ArgumentParser(exit_on_error=False)
    add_commands(parser.add_subparsers(dest="command"))
    command = card.get("training_command", "")
    try:
        args, _ = parser.parse_known_args(shlex.split(command)[1:])
    except (argparse.ArgumentError, SystemExit, ValueError):
        args = None
    if args is None or args.command != "train" or not (args.recipe or args.data):
        raise UsageError(f"{directory}: its card names no training data (training command {command!r}); retrain "
                         "the base with this version of `feedback-mining train`, which records its sources")
    here = _ran_in(directory, args.out)
    if args.recipe:
        return load_recipe(here / args.recipe)
    return sources_from_files([here / p for p in args.data], args.language,
                              here / args.mapping if args.mapping else None)


def _ran_in(directory: Path, out: Path) -> Path:
    """The folder `train` ran in: `directory` without the command's relative `--out` (`models` of `/repo/models`)."""
    resolved, parts = Path(directory).resolve(), Path(out).parts
    if not Path(out).is_absolute() and resolved.parts[-len(parts):] == parts:
        return Path(*resolved.parts[:-len(parts)])
    return resolved.parent


def _located(sources: list[Source], card: dict, data_dir: Path | None, base: Base) -> list[Source]:
    """The sources with each missing file looked for in `data_dir` (as `DIR/<folder>/<file>`), missing ones
    dropped (and noted in `base.missing`), changed ones noted in `base.changed`."""
    out = []
    for source in sources:
        paths = []
        for path in source.paths:
            found = path if path.exists() else _in(data_dir, path)
            known = [d["sha256"] for d in card.get("data", []) if d["source"] == source.name]
            if found is None:
                entry = {"source": source.name, "path": str(path)}
                if entry not in base.missing:
                    base.missing.append(entry)
                continue
            if known and file_sha256(found) not in known and {"source": source.name, "path": str(found)} \
                    not in base.changed:
                base.changed.append({"source": source.name, "path": str(found)})
            paths.append(found)
        if paths:
            out.append(replace(source, paths=tuple(paths)))
    return out


def _in(data_dir: Path | None, path: Path) -> Path | None:
    candidate = None if data_dir is None else Path(data_dir) / path.parent.name / path.name
    return candidate if candidate is not None and candidate.exists() else None


def user_sources(paths, language=None, mapping=None, share: float = USER_SHARE, taken=()) -> list[Source]:
    """The user's `--data` files as sources carrying `share` of the training weight, renamed when a base
    source has the same name (`user_NAME`)."""
    if not 0 < share < 1:
        raise UsageError(f"--user-share is the share of the training weight the user's rows carry, between 0 and 1, "
                         f"not {share}")
    return [replace(s, share=share, name=f"user_{s.name}" if s.name in set(taken) else s.name)
            for s in sources_from_files(paths, language, mapping)]


# ---------------------------------------------------------------- before and after


def compare(task: str, before, after, data, users: list[str]) -> dict:
    """Headline metrics of the base model (`before`) and the new one (`after`) on rows neither trained on:
    `user_held_out` (all the user's sources), then per base source its held-out or validation rows."""
    mine = np.isin(data.frame["source"].to_numpy(), users)
    where = {"user_held_out": data.held_out & mine}
    for source in data.sources:
        if source.name not in users:
            rows = data.of(source.name) & (data.validation & ~data.seen if source.validation else data.held_out)
            where[f"{source.name} ({'validation' if source.validation else 'held out'})"] = rows
    out = {}
    for name, rows in where.items():
        if rows.sum() >= 5:
            X, y = data.rows(rows)
            out[name] = {"before": headline(task, evaluate(task, before, X, y)),
                         "after": headline(task, evaluate(task, after, X, y))}
    return out


def base_model(base: Base, task: str):
    return load_model(base.directory, task)[0]


def comparison_lines(task: str, comparison: dict) -> list[str]:
    """The before/after table as text lines: one row per evaluation set, `metric before -> after (change)`."""
    names = {"macro_f1": "bin macro-F1" if task == "effort" else "macro-F1", "accuracy": "accuracy",
             "micro_f1": "micro-F1", "mae": "MAE"}
    width = max([len(n) for n in comparison] + [10])
    lines = [f"{task}: base model -> retrained, on rows neither trained on"]
    for name, ba in comparison.items():
        cells = [f"{names[k]} {ba['before'][k]:.3f} -> {ba['after'][k]:.3f} ({ba['after'][k] - ba['before'][k]:+.3f})"
                 for k in SHOWN[task] if k in ba["before"]]
        lines.append(f"  {name:<{width}}  n={ba['after']['n']:<5}  " + ";  ".join(cells))
    return lines
