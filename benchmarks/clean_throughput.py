"""Throughput of the clean stage alone (cleaning and redaction; texts/s, one process, caches cold).

    python benchmarks/clean_throughput.py [--texts 50000]
    python benchmarks/clean_throughput.py --input ../shared/data/ru_cedr/data.csv --text-col text

Without `--input` the texts are a generated week (`text_throughput.week_of_texts`, 10% typos); with it, real
sentences (any table `formats.load_table` reads; several files allowed), each used once. `clean_texts` runs in
chunks of 20,000 as the pipeline runs it, best of 3 runs, each starting with the word and name caches empty
(the models stay loaded: their start-up is timed apart). Also prints how many placeholders of each type came out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback_mining import clean as clean_module  # noqa: E402
from feedback_mining.formats import load_table  # noqa: E402


def input_texts(paths: list[Path], column: str) -> list[str]:
    texts = pd.concat([load_table(p, hints=[column])[column] for p in paths], ignore_index=True)
    return texts.dropna().astype(str).drop_duplicates().tolist()


def forget_caches() -> None:
    """Empty the per-word caches of the redaction rules (whichever this version of clean.py has)."""
    for name in dir(clean_module):
        value = getattr(clean_module, name)
        if isinstance(value, (set, dict)) and name.startswith("_") and name.isupper() is False and \
                name.strip("_").isupper():
            value.clear()
        if hasattr(value, "cache_clear") and name.startswith("_cached"):
            value.cache_clear()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=50_000, help="size of the generated week (without --input)")
    parser.add_argument("--input", type=Path, nargs="+", help="real texts: CSV/TSV/Parquet/JSONL/XLSX files")
    parser.add_argument("--text-col", default="text", help="the text column of --input")
    args = parser.parse_args(argv)
    if args.input:
        texts = input_texts(args.input, args.text_col)
        source = ", ".join(p.name if p.name != "data.csv" else p.parent.name for p in args.input)
    else:
        from text_throughput import week_of_texts

        texts, source = week_of_texts(args.texts, 0.1)["text"].tolist(), "generated week, 10% typos"
    start = time.perf_counter()
    clean_module.clean_texts(["Спасибо, Сергей", "Дякую, Олено", "سلام آقای احمدی", "Thanks Sarah", "x 0912 345 6789"])
    startup = time.perf_counter() - start
    best = float("inf")
    for _ in range(3):
        forget_caches()
        start = time.perf_counter()
        out = [t for first in range(0, len(texts), 20_000) for t in clean_module.clean_texts(texts[first:first + 20_000])]
        best = min(best, time.perf_counter() - start)
    counts = clean_module.count_redactions(pd.Series(out))
    print(f"{source}: {len(texts):,} texts; start-up {startup:.2f} s; clean {best:.2f} s: {len(texts) / best:,.0f} "
          f"texts/s; placeholders: " + ", ".join(f"{k} {v:,}" for k, v in counts.items() if v))


if __name__ == "__main__":
    main()
