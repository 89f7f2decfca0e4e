"""Throughput of the classify stage alone (texts/s, one process): the term files, or the learned models.

    python benchmarks/classify_throughput.py [--models lexicon|DIR] [--repeat 5]
    python benchmarks/classify_throughput.py --input ../shared/data/ru_cedr/data.csv --text-col text [--language ru]

Without `--input` the texts are the comments and ticket bodies of the built-in example week, repeated 5 times
(about 17,000). Generated text repeats words, so caches hit more often than on real text: give `--input` (any
table `formats.load_table` reads; several files allowed) to time real sentences, each used once, with
`--language` when the files are all of one language (else it is detected). The texts are cleaned,
language-tagged and analysed once; only `classify` is timed, in chunks of 20,000 as the pipeline runs it, best of
3 runs with caches cold (each run loads the classifier anew).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback_mining.learning import registry  # noqa: E402
from feedback_mining.analyse import analyse  # noqa: E402
from feedback_mining.classify import classify, load_classifier  # noqa: E402
from feedback_mining.clean import clean  # noqa: E402
from feedback_mining.example import make_example  # noqa: E402
from feedback_mining.formats import load_table  # noqa: E402
from feedback_mining.language import detect  # noqa: E402


def example_texts(repeat: int) -> pd.DataFrame:
    data = make_example(seed=1)
    texts = pd.concat([data["comments"]["text"], data["tickets"]["subject"] + "\n" + data["tickets"]["body"]])
    return pd.DataFrame({"text": list(texts.dropna().astype(str)) * repeat})


def input_texts(paths: list[Path], column: str, language: str | None) -> pd.DataFrame:
    texts = pd.concat([load_table(p, hints=[column])[column] for p in paths], ignore_index=True)
    frame = pd.DataFrame({"text": texts.dropna().astype(str).drop_duplicates().to_numpy()})
    return frame.assign(language=language) if language else frame


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
    best, loaded = float("inf"), float("inf")
    for _ in range(3):
        start = time.perf_counter()
        registry._LOADED.clear()  # each run loads the model files again, so their word caches start empty
        classifier = load_classifier(args.models)
        loaded = min(loaded, time.perf_counter() - start)
        start = time.perf_counter()
        for first in range(0, len(frame), 20_000):
            classify(frame.iloc[first:first + 20_000], classifier)
        best = min(best, time.perf_counter() - start)
    source = ", ".join(p.name if p.name != "data.csv" else p.parent.name for p in args.input) if args.input \
        else f"example week x{args.repeat}"
    print(f"{classifier.version}\n{source}: load {loaded:.2f} s; classify {len(frame):,} texts in {best:.2f} s: "
          f"{len(frame) / best:,.0f} texts/s")


if __name__ == "__main__":
    main()
