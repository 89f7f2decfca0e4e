"""Throughput of the classify stage alone (texts/s, one process): the term files, or the learned models.

    python benchmarks/classify_throughput.py [--models lexicon|DIR] [--repeat 5]
    python benchmarks/classify_throughput.py --input ../shared/data/ru_cedr/data.csv --text-col text [--language ru]

Without `--input` the texts are the comments and ticket bodies of the built-in example week, repeated 5 times
(about 17,000). Generated text repeats words, so caches hit more often than on real text: give `--input` (any
table `formats.load_table` reads; several files allowed) to time real sentences, each used once, with
`--language` when the files are all of one language (else it is detected). The texts are cleaned,
language-tagged and analysed once; only `classify` is timed, in chunks of 20,000 as the pipeline runs it, best of
3 runs with caches cold (each run loads the classifier anew).

Then one more run says where the time goes: the parts of `classify` are wrapped in CPU timers (a few calls
per chunk, so the figures are the real code path), with the batch's distinct word forms and how many of the term
matcher's token look-ups its cache answered.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback_mining import classify as classify_module  # noqa: E402
from feedback_mining.analyse import analyse  # noqa: E402
from feedback_mining.classify import classify, combined_matcher, load_classifier  # noqa: E402
from feedback_mining.clean import clean  # noqa: E402
from feedback_mining.example import make_example  # noqa: E402
from feedback_mining.formats import load_table  # noqa: E402
from feedback_mining.language import detect  # noqa: E402
from feedback_mining.learning import models, registry  # noqa: E402
from feedback_mining.tokens import Tokens  # noqa: E402

CHUNK = 20_000
# (part, owner, function): nested parts are reported without the parts inside them
PARTS = [
    ("term matching", classify_module, "term_hits"),
    ("lexicon frame (rest)", classify_module, "lexicon_frame"),
    ("char n-grams", models.TextFeatures, "_chars"),
    ("word n-grams", models.TextFeatures, "_words"),
    ("feature blocks (rest)", models.TextFeatures, "transform_blocks"),
    ("blocks side by side", models, "stack_blocks"),
    ("sentiment model", models.SentimentModel, "predict_proba_features"),
    ("pain-point model", models.PainPointModel, "predict_proba_features"),
    ("effort model", models.EffortModel, "predict_features"),
    ("model evidence", classify_module, "_with_model_evidence"),
    ("predict (rest)", classify_module.ModelClassifier, "predict"),
    ("output columns (rest)", classify_module, "classify"),
]
INSIDE = {"lexicon frame (rest)": ["term matching"], "feature blocks (rest)": ["char n-grams", "word n-grams"],
          "predict (rest)": ["lexicon frame (rest)", "feature blocks (rest)", "blocks side by side", "sentiment model",
                             "pain-point model", "effort model", "model evidence"],
          "output columns (rest)": ["predict (rest)"]}


def example_texts(repeat: int) -> pd.DataFrame:
    data = make_example(seed=1)
    texts = pd.concat([data["comments"]["text"], data["tickets"]["subject"] + "\n" + data["tickets"]["body"]])
    return pd.DataFrame({"text": list(texts.dropna().astype(str)) * repeat})


def input_texts(paths: list[Path], column: str, language: str | None) -> pd.DataFrame:
    texts = pd.concat([load_table(p, hints=[column])[column] for p in paths], ignore_index=True)
    frame = pd.DataFrame({"text": texts.dropna().astype(str).drop_duplicates().to_numpy()})
    return frame.assign(language=language) if language else frame


def run(frame: pd.DataFrame, models_dir) -> tuple[float, float, object]:
    start = time.perf_counter()
    registry._LOADED.clear()  # each run loads the model files again, so their look-up tables start empty
    classifier = load_classifier(models_dir)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    for first in range(0, len(frame), CHUNK):
        classify(frame.iloc[first:first + CHUNK], classifier)
    return loaded, time.perf_counter() - start, classifier


@contextmanager
def timed_parts(totals: dict):
    """Wrap each function of PARTS in a timer adding to `totals[part]` (the outermost call of each only)."""
    saved = []
    for part, owner, name in PARTS:
        original = owner.__dict__[name]

        def timed(*args, _original=original, _part=part, **kwargs):
            start = time.process_time()  # CPU time: the machine may be shared
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_part] += time.process_time() - start

        saved.append((owner, name, original))
        setattr(owner, name, timed)
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def where_the_time_goes(frame: pd.DataFrame, models_dir) -> None:
    totals: dict[str, float] = defaultdict(float)
    registry._LOADED.clear()
    classifier = load_classifier(models_dir)
    matcher = combined_matcher(classifier.taxonomy, classifier.lexicon)
    asked = known = 0
    with timed_parts(totals):
        for first in range(0, len(frame), CHUNK):
            chunk = frame.iloc[first:first + CHUNK]
            forms = Tokens(chunk["features"].fillna("").astype(str).tolist()).forms
            asked, known = asked + len(forms), known + sum(f in matcher.seen_ for f in forms)
            classify_module.classify(chunk, classifier)
    own = {part: totals[part] - sum(totals[p] for p in INSIDE.get(part, [])) for part, _, _ in PARTS}
    print(f"where the time goes (CPU s, one more run, {len(frame):,} texts, chunks of {CHUNK:,}):")
    for part, seconds in own.items():
        print(f"  {part:<24} {seconds:6.3f} s")
    print(f"  {'total':<24} {totals['output columns (rest)']:6.3f} s")
    words = Tokens(frame["clean_text"].fillna("").astype(str).str.lower().tolist()).forms
    lemmas = Tokens(frame["features"].fillna("").astype(str).tolist()).forms
    print(f"distinct word forms: {len(words):,} (lower-cased), lemmas and negation marks {len(lemmas):,}; "
          f"term matcher: {known / max(asked, 1):.0%} of each chunk's distinct lemmas already in its cache")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=None, help="`lexicon`, a model directory, or nothing for the shipped models")
    parser.add_argument("--repeat", type=int, default=5, help="copies of the example texts (without --input)")
    parser.add_argument("--input", type=Path, nargs="+", help="real texts: CSV/TSV/Parquet/JSONL/XLSX files")
    parser.add_argument("--text-col", default="text", help="the text column of --input")
    parser.add_argument("--language", help="the language of every --input text (default: detected)")
    args = parser.parse_args(argv)
    raw = input_texts(args.input, args.text_col, args.language) if args.input else example_texts(args.repeat)
    frame = raw.pipe(clean, text_col="text")
    frame = (frame if "language" in frame else frame.pipe(detect)).pipe(analyse)
    runs = [run(frame, args.models) for _ in range(3)]
    loaded, best, classifier = min(r[0] for r in runs), min(r[1] for r in runs), runs[0][2]
    source = ", ".join(p.name if p.name != "data.csv" else p.parent.name for p in args.input) if args.input \
        else f"example week x{args.repeat}"
    print(f"{classifier.version}\n{source}: load {loaded:.2f} s; classify {len(frame):,} texts in {best:.2f} s: "
          f"{len(frame) / best:,.0f} texts/s")
    where_the_time_goes(frame, args.models)


if __name__ == "__main__":
    main()
