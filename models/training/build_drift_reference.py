"""Build `models/drift_reference.npz`: what the shipped models' training texts look like, for `feedback_mining.learning.drift`.

    python models/training/build_drift_reference.py            # from the repository's root; reads the recipe
    python models/training/build_drift_reference.py --root ../main   # a worktree: the recipe's paths from there

Reads the sources of `recipe.toml` that train a word-based part of a model (not the validation sources, not a
source that trains the sentiment evidence part alone, like CEDR), runs the text stages and the shipped models
on their distinct texts, and writes, per language:
- `<lang>`: the `drift.descriptors` (what the models see of a text: five numbers, no word of it) of up to
  `SAMPLE` held-out rows (`labelled.HELD_OUT_RULE`: never trained on), for the domain classifier: our own
  texts' rows where a language has `MIN_OWN` of them (the feedback the models are made for; the public sets
  are other kinds of text, banking queries, product reviews, complaint narratives, and teach words, which count
  in the known-word share), else every source's;
- in `meta` (JSON): the training texts per language, and the shipped models' predictions on the *held-out*
  rows: mean sentiment confidence, low-confidence share, label mix.
No raw public text is stored. Then it records the file's sha256 in `models/registry.json` (`drift_reference`),
which `drift.load_reference` checks before using it. Rebuild it whenever the shipped models are retrained.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from feedback_mining.learning import labelled  # noqa: E402
from feedback_mining.classify import ModelClassifier, Taxonomy  # noqa: E402
from feedback_mining.learning.drift import REFERENCE_FILE, descriptors, prediction_stats  # noqa: E402
from feedback_mining.pipeline import enrich_texts  # noqa: E402
from feedback_mining.learning.registry import REGISTRY, file_sha256, load_models  # noqa: E402
from feedback_mining.learning.sources import load_recipe, read_task  # noqa: E402
from feedback_mining.learning.train import TASKS, known_pain_points  # noqa: E402

MODELS = ROOT / "models"
SAMPLE = 2000  # texts per language in the domain classifier's reference
SEED = 0
OWN, MIN_OWN = {"ours"}, 100  # our own texts' held-out rows are the reference where a language has this many


def trains_words(source) -> bool:
    """True when the source trains some model's word-based part (CEDR trains only the sentiment evidence part)."""
    return any(source.trains(t) and not (t == "sentiment" and source.sentiment_part == "evidence") for t in TASKS)


def rebased(source, root: Path | None):
    """The source with its paths relative to `root` instead of the repository's root (None: unchanged)."""
    if root is None:
        return source
    return dataclasses.replace(source, paths=tuple(root / p.relative_to(ROOT) if p.is_relative_to(ROOT) else p
                                                   for p in source.paths))


def training_texts(recipe: Path, root: Path | None = None) -> pd.DataFrame:
    """`source, text, language` of every distinct text of the word-training sources."""
    ids, parts = known_pain_points(Taxonomy()), []
    for source in (rebased(s, root) for s in load_recipe(recipe) if trains_words(s)):
        for task in TASKS:
            rows = read_task(source, task, ids) if source.trains(task) else None
            if rows is not None:
                parts.append(rows[["source", "text", "language"]])
    texts = pd.concat(parts, ignore_index=True).fillna("").astype(str)
    return texts.drop_duplicates(["text"]).reset_index(drop=True)


def build(recipe: Path, out: Path, root: Path | None = None) -> dict:
    models, _, _ = load_models(MODELS)
    texts = training_texts(recipe, root)
    classifier = ModelClassifier(models)
    enriched = enrich_texts(texts, classifier, "text")
    enriched = enriched[(enriched["clean_text"] != "") & ~enriched["duplicate"]]
    enriched = enriched.assign(held_out=labelled.held_out_mask(enriched["text"]))
    arrays, meta = {}, {"sample": SAMPLE, "seed": SEED, "languages": {}, "sources": {}}
    for lang, rows in enriched.groupby("language"):
        held = rows[rows["held_out"]]
        own = held[held["source"].isin(OWN)]
        held = own if len(own) >= MIN_OWN else held  # the feedback the models are made for, where we have it
        sample = held.sample(min(SAMPLE, len(held)), random_state=SEED)
        arrays[lang] = descriptors(sample, classifier).astype(np.float16)
        meta["languages"][lang] = {"texts": len(rows), "held_out": prediction_stats(held),
                                   "sampled": len(sample)}
        meta["sources"][lang] = sample["source"].value_counts().to_dict()
    np.savez_compressed(out, meta=np.array(json.dumps(meta, ensure_ascii=False)), **arrays)
    return meta


def register(out: Path) -> None:
    registry_path = out.parent / REGISTRY
    registry = json.loads(registry_path.read_text(encoding="utf-8"))
    registry["drift_reference"] = {"file": out.name, "sha256": file_sha256(out), "size_bytes": out.stat().st_size,
                                   "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                   "command": "python models/training/build_drift_reference.py"}
    registry_path.write_text(json.dumps(registry, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, help="the folder the recipe's paths are relative to (default: this "
                                                  "repository's root)")
    args = parser.parse_args()
    target = MODELS / REFERENCE_FILE
    start = time.perf_counter()
    meta = build(Path(__file__).resolve().parent / "recipe.toml", target, args.root.resolve() if args.root else None)
    register(target)
    for lang, m in meta["languages"].items():
        print(f"{lang}: {m['texts']:,} texts, {m['sampled']:,} sampled; sources {meta['sources'][lang]}")
    print(f"wrote {target} ({target.stat().st_size / 1024:.0f} KiB) in {time.perf_counter() - start:.0f} s")
