"""Throughput of the classify stage alone (texts/s, one process) on the example data, term files vs models.

    python benchmarks/classify_throughput.py [--models lexicon|DIR] [--repeat 5]

The texts (comments and ticket bodies of the built-in example week, repeated 5 times, about 17,000) are cleaned,
language-tagged and analysed once; only `classify` is timed, in chunks of 20,000 as the pipeline runs it, best of 3.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback_mining.analyse import analyse  # noqa: E402
from feedback_mining.classify import classify, load_classifier  # noqa: E402
from feedback_mining.clean import clean  # noqa: E402
from feedback_mining.example import make_example  # noqa: E402
from feedback_mining.language import detect  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=None, help="`lexicon`, a model directory, or nothing for the shipped models")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    data = make_example(seed=1)
    texts = pd.concat([data["comments"]["text"], data["tickets"]["subject"] + "\n" + data["tickets"]["body"]])
    frame = pd.DataFrame({"text": texts.dropna().astype(str).to_numpy()}).pipe(clean, text_col="text").pipe(detect)
    frame = pd.concat([frame.pipe(analyse)] * args.repeat, ignore_index=True)
    start = time.perf_counter()
    classifier = load_classifier(args.models)
    loaded = time.perf_counter() - start
    classify(frame.head(200), classifier)  # warm the caches
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for first in range(0, len(frame), 20_000):
            classify(frame.iloc[first:first + 20_000], classifier)
        best = min(best, time.perf_counter() - start)
    print(f"{classifier.version}\nload {loaded:.2f} s; classify {len(frame):,} texts in {best:.2f} s: "
          f"{len(frame) / best:,.0f} texts/s")


if __name__ == "__main__":
    main()
