"""Throughput of the text stages (clean -> redact -> detect -> lemmatise) against a straightforward spaCy pipeline.

    python benchmarks/text_throughput.py [--texts 50000] [--typos 0.1] [--jobs -1 [1]] [--models lexicon|DIR]
                                         [--language ru|uk|fa|en]
    python benchmarks/text_throughput.py --input ../shared/data/ru_cedr/data.csv \
        ../shared/data/ru_opensentimentcorpus/data.csv --text-col text --pairs 40000 --jobs -1 1 [--repeat 3]

With `--input` the corpus is real text: the distinct texts of the files, or with `--pairs N` N distinct texts
each made of two different sentences of the files joined by a space (index pairs drawn with
`numpy.random.default_rng(1)`), so that speed is judged on real words and real names. Without it the corpus is a
week of the built-in example data (comments and tickets in ru, uk, fa, en and others), optionally with random
typos in a share of the words so the vocabulary, and so the lemma-cache misses, look a little more like real text
(they still do not: the generator repeats its phrases). Besides throughput the benchmark prints the time of
each stage and the hit rate of each per-word cache (one process, caches cold), and the corpus's distinct word
forms. The baseline is what one would write first: per language, `spacy.blank(lang)` with spaCy's pymorphy3
lemmatizer (ru, uk) or lookup lemmatizer (en) and `nlp.pipe`, given the language for free and doing nothing else
(no cleaning, detection or classification), timed twice: as a default `pip install spacy pymorphy3` runs it
(pymorphy3 reading its dictionaries with the pure-Python `dawg-python`) and in our environment (`pymorphy3[fast]`,
the DAWG2 C extension, which makes the baseline three to four times faster). Our text stages are timed alone and,
for reference, with the classifiers. Start-up (loading dictionaries and models) is timed separately from the steady
state. Each of our runs is then repeated with the caches it filled (`caches warm`): the cost of the per-text
work alone, a ceiling on what faster per-word analysis could give. Lemma agreement: the share of our Russian and
Ukrainian lemmas equal to pymorphy3's most probable parse of the same token, and the same for the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback_mining.analyse import tokenize  # noqa: E402
from feedback_mining.classify import load_classifier  # noqa: E402
from feedback_mining.clean import clean_texts  # noqa: E402
from feedback_mining.example import make_example  # noqa: E402
from feedback_mining.lang import known_words as known_words_module  # noqa: E402
from feedback_mining.lang.known_words import known_words  # noqa: E402
from feedback_mining.lang.ru import morph_analyzer  # noqa: E402
from feedback_mining.language import detect_languages  # noqa: E402
from feedback_mining.pipeline import (PARALLEL_MIN_TEXTS, WARM_UP_TEXTS, enrich_in_chunks,  # noqa: E402
                                     stop_worker_pools, warm_up)
from feedback_mining.word_caches import LIMIT  # noqa: E402
from text_stats import cache_rates, cpu_seconds, forget_caches, real_texts, stage_times, word_forms  # noqa: E402


def week_of_texts(n: int, typo_rate: float, seed: int = 1) -> pd.DataFrame:
    """About n texts from the example generator (comments and ticket bodies), some words with typos."""
    data = make_example(seed=seed, n_surveys=max(100, int(n / 1.1)))
    texts = pd.concat([data["comments"]["text"], data["tickets"]["subject"] + "\n" + data["tickets"]["body"]])
    texts = texts.dropna().astype(str).reset_index(drop=True).head(n)
    rng = np.random.default_rng(seed)

    def typo(word: str) -> str:
        if len(word) < 4 or rng.random() >= typo_rate:
            return word
        i = int(rng.integers(1, len(word) - 1))
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap two letters

    if typo_rate:
        texts = texts.map(lambda t: " ".join(typo(w) for w in t.split(" ")))
    return pd.DataFrame({"text": texts})


def one_language_week(n: int, typo_rate: float, language: str) -> pd.DataFrame:
    """About n texts of one language: a larger mixed week, filtered by our own detector (not timed)."""
    pool = week_of_texts(n * 4, typo_rate)
    detected = np.array(detect_languages(clean_texts(pool["text"].tolist())))
    mine = pool[detected == language]
    return mine.sample(min(n, len(mine)), random_state=1).sort_index().reset_index(drop=True)  # comments and tickets


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_start() -> None:
    """Forget every cache and worker process, so a measurement starts as a fresh run would."""
    stop_worker_pools()
    forget_caches()


def time_ours(frame: pd.DataFrame, jobs: int, models=None, classify: bool = True, warm: bool = True
              ) -> tuple[float, float, pd.DataFrame]:
    """Start-up: dictionaries, lookups, lingua, the NER and the worker processes, warmed on a few texts
    (`pipeline.warm_up`; the per-word caches stay cold: the week's own words are all met inside the timed run).
    `classify=False` times the text stages alone (clean, redact, detect, lemmatise, negation features, duplicates)."""
    cold_start()
    start = time.perf_counter()
    classifier = load_classifier(models) if classify else None
    warm_up()  # what `run`'s worker processes do as they start (`pipeline.warm_up`), in this process too
    warmup = pd.DataFrame({"text": WARM_UP_TEXTS * (PARALLEL_MIN_TEXTS // len(WARM_UP_TEXTS) + 1)})
    enrich_in_chunks(warmup, classifier, 20_000, n_jobs=jobs)  # starts the worker processes, loads the classifier
    startup = time.perf_counter() - start
    keep = ["clean_text", "language", "lemmas", "features", "duplicate",  # the input text stays behind, as in `run`
            *(["sentiment", "pain_points", "effort_estimate"] if classify else [])]
    cpu, start = cpu_seconds(), time.perf_counter()
    out = enrich_in_chunks(frame, classifier, 20_000, n_jobs=jobs, keep=keep)
    seconds = time.perf_counter() - start
    CPU[jobs, classify] = cpu_seconds() - cpu if cpu is not None else float("nan")
    if warm:  # again, each process meeting the word forms it has already analysed
        start = time.perf_counter()
        enrich_in_chunks(frame, classifier, 20_000, n_jobs=jobs, keep=keep)
        WARM[jobs, classify] = min(WARM.get((jobs, classify), float("inf")), time.perf_counter() - start)
    return startup, seconds, out


def known_words_cost() -> str:
    """What reading the known words costs each process: seconds and the memory its tables hold."""
    import tracemalloc
    from importlib import resources

    data = resources.files("feedback_mining").joinpath(known_words_module.FILE).read_bytes()
    start = time.perf_counter()
    known_words_module.read(data)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    tables = known_words_module.read(data)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del tables
    return f"read in {seconds:.2f} s, {held / 2**20:.0f} MiB a process"


def best_of(repeat: int, measure, seconds_of):
    """The fastest of `repeat` runs of `measure()` (a busy machine only ever slows a run down); `CPU` keeps the
    fastest run's figures, `WARM` the fastest warm rerun."""
    best, cpu = None, dict(CPU)
    for _ in range(max(repeat, 1)):
        result = measure()
        if best is None or seconds_of(result) < seconds_of(best):
            best, cpu = result, dict(CPU)
    CPU.update(cpu)
    return best


def interleaved(repeat: int, measures: list) -> dict:
    """`best_of` for several measurements timed in rounds, one run of each per round (`measures`: (key, measure,
    seconds_of, its `CPU` key)), so that ours and the baseline meet the same moments of a machine whose speed drifts
    over minutes: {key: the fastest run}; `CPU` keeps each one's fastest run's figures."""
    best, cpu = {}, {}
    for _ in range(max(repeat, 1)):
        for key, measure, seconds_of, cpu_key in measures:
            result = measure()
            if key not in best or seconds_of(result) < seconds_of(best[key]):
                best[key], cpu[cpu_key] = result, CPU.get(cpu_key)
    CPU.update(cpu)
    return best


WARM: dict = {}  # (jobs, classify) -> seconds of the same run repeated with the caches it filled (not a cold run)


CPU: dict = {}  # (jobs, classify) or "baseline" -> CPU seconds of the last timed run, all processes


def baseline_pipelines():
    import spacy

    pipes = {}
    for lang, mode in (("ru", "pymorphy3"), ("uk", "pymorphy3"), ("en", "lookup")):
        nlp = spacy.blank(lang)
        nlp.add_pipe("lemmatizer", config={"mode": mode})
        nlp.initialize()
        pipes[lang] = nlp
    pipes["fa"], pipes["other"] = spacy.blank("fa"), spacy.blank("xx")
    return pipes


def time_baseline(texts: pd.Series, languages: pd.Series) -> tuple[float, dict[str, float], dict[str, list]]:
    """Start-up, seconds per language, and (token, lemma) pairs per language."""
    start = time.perf_counter()
    pipes = baseline_pipelines()
    startup = time.perf_counter() - start
    lemmas: dict[str, list] = {}
    seconds: dict[str, float] = {}
    cpu = time.process_time()
    for lang, group in texts.groupby(languages.where(languages.isin(["ru", "uk", "en", "fa"]), "other")):
        start = time.perf_counter()
        docs = pipes[lang].pipe(group.tolist(), batch_size=256)
        lemmas[lang] = [[(t.lower_, t.lemma_.lower()) for t in doc if t.is_alpha] for doc in docs]
        seconds[lang] = time.perf_counter() - start
    CPU["baseline"] = time.process_time() - cpu
    return startup, seconds, lemmas


def time_baseline_default_install(texts: pd.Series, languages: pd.Series) -> tuple[float, dict[str, float]]:
    """The baseline as `pip install spacy pymorphy3` gives it: pymorphy3 on the pure-Python DAWG reader
    (`dawg-python`), because the C extension (`DAWG2`, our `pymorphy3[fast]`) is not installed by default.
    Runs in a subprocess that hides the C extension; the texts go through a temporary Parquet file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "texts.parquet"
        pd.DataFrame({"text": texts, "language": languages}).to_parquet(path)
        done = subprocess.run([sys.executable, __file__, "--baseline-only", str(path)], check=True,
                              capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["startup"], result["seconds"]


def baseline_only(path: str) -> None:
    """Subprocess entry: time the baseline with pymorphy3's C DAWG hidden and print the times as JSON."""
    sys.modules["dawg"] = None  # `import dawg` now fails and pymorphy3 falls back to dawg-python
    frame = pd.read_parquet(path)
    startup, seconds, _ = time_baseline(frame["text"], frame["language"])
    import pymorphy3.dawg

    assert not pymorphy3.dawg.EXTENSION_AVAILABLE, "the C DAWG extension was not hidden"
    print(json.dumps({"startup": startup, "seconds": seconds}))


def agreement_ours(out: pd.DataFrame) -> tuple[float, int]:
    """Share of ru/uk tokens whose lemma equals pymorphy3's top parse (ё folded, as our lemmas are)."""
    same = total = 0
    for lang in ("ru", "uk"):
        rows = out[out["language"] == lang]
        morph = morph_analyzer(lang)
        for text, lemmas in zip(rows["clean_text"], rows["lemmas"]):
            for token, lemma in zip(tokenize(text, lang), lemmas.split()):
                if token.isalpha():
                    total += 1
                    same += morph.parse(token)[0].normal_form.replace("ё", "е") == lemma
    return same / max(total, 1), total


def agreement_baseline(lemmas: dict[str, list]) -> float:
    same = total = 0
    for lang in ("ru", "uk"):
        morph = morph_analyzer(lang)
        for doc in lemmas.get(lang, []):
            for token, lemma in doc:
                total += 1
                same += morph.parse(token)[0].normal_form == lemma
    return same / max(total, 1)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=50_000, help="size of the generated week (without --input)")
    parser.add_argument("--typos", type=float, default=0.1, help="share of words (4+ letters) given a typo")
    parser.add_argument("--input", type=Path, nargs="+", help="real texts: CSV/TSV/Parquet/JSONL/XLSX files")
    parser.add_argument("--text-col", default="text", help="the text column of --input")
    parser.add_argument("--pairs", type=int, default=0, help="with --input: this many distinct texts, each two "
                                                            "random sentences of the files")
    parser.add_argument("--jobs", type=int, nargs="+", default=[-1], help="processes for our text stages (several "
                                                                         "values: each is timed)")
    parser.add_argument("--models", default=None, help="`lexicon` for the term files alone, a model directory, "
                                                      "or nothing for the shipped models")
    parser.add_argument("--language", choices=["ru", "uk", "fa", "en"],
                        help="a week of this language alone (texts our detector assigns it, picked before timing)")
    parser.add_argument("--repeat", type=int, default=1, help="time ours and the C DAWG baseline this many times "
                                                              "each, in rounds (one of each per round), and keep "
                                                              "the fastest of each (a noisy machine)")
    parser.add_argument("--no-classify", action="store_true", help="do not time the stages with the classifiers")
    parser.add_argument("--no-default-install", action="store_true",
                        help="do not time the baseline on the pure-Python DAWG (a slow subprocess)")
    parser.add_argument("--no-known-words", action="store_true",
                        help="analyse every word form, without the shipped analyses of common forms "
                             "(resources/known_words.tsv.gz), to see what they save")
    parser.add_argument("--baseline-only", help=argparse.SUPPRESS)  # internal: the default-install subprocess
    args = parser.parse_args(argv)
    if args.baseline_only:
        return baseline_only(args.baseline_only)
    if args.no_known_words:  # read by every process (the workers inherit it) when it first needs the file
        os.environ["FEEDBACK_MINING_KNOWN_WORDS"] = "0"

    if args.input:
        frame = real_texts(args.input, args.text_col, args.pairs)
        source = ", ".join(p.name if p.name != "data.csv" else p.parent.name for p in args.input) + \
            (f", {args.pairs:,} random pairs of sentences" if args.pairs else "")
    else:
        frame = week_of_texts(args.texts, args.typos) if not args.language else \
            one_language_week(args.texts, args.typos, args.language)
        source = f"generated week, typo rate {args.typos:.0%}"
    n_words, n_forms = word_forms(frame["text"])
    print(f"corpus ({source}): {len(frame):,} texts, {n_words:,} words, {n_forms:,} distinct word forms, "
          f"{frame['text'].duplicated().mean():.1%} repeated texts")
    known = known_words()
    print(f"known words (shipped analyses of {len(known.kinds):,} common forms): "
          + (f"not used, {known.why_not}" if known.why_not else "used, " + known_words_cost()))

    first: list = []  # our first run's output: the clean texts and languages the baseline is given
    def ours(jobs: int, classify: bool):
        def measure():
            result = time_ours(frame, jobs, args.models, classify=classify) if classify else \
                time_ours(frame, jobs, classify=False)
            first.append(result[2]) if not first else None
            return result
        return measure

    def baseline():
        return time_baseline(first[0]["clean_text"], first[0]["language"])

    measures = [(("ours", jobs), ours(jobs, False), lambda r: r[1], (jobs, False)) for jobs in args.jobs]
    if not args.no_classify:
        measures.append((("classify", args.jobs[0]), ours(args.jobs[0], True), lambda r: r[1], (args.jobs[0], True)))
    measures.append(("baseline", baseline, lambda r: sum(r[1].values()), "baseline"))
    best = interleaved(args.repeat, measures)
    runs = {}
    for jobs in args.jobs:
        startup, seconds, out = best["ours", jobs]
        runs[jobs] = (startup, seconds, CPU[jobs, False])
        print(f"ours, text stages   start-up {startup:5.2f} s  {seconds:6.2f} s  {len(frame) / seconds:8,.0f} texts/s  "
              f"(clean, redact, detect, lemmatise, negation, duplicates; jobs={jobs})  "
              f"CPU {runs[jobs][2]:.2f} s (all processes)  peak RSS {peak_rss_mib():,.0f} MiB (main process)")
    out = first[0]
    c_seconds = None
    if not args.no_classify:
        c_startup, c_seconds, _ = best["classify", args.jobs[0]]
        print(f"ours, + classify    start-up {c_startup:5.2f} s  {c_seconds:6.2f} s  {len(frame) / c_seconds:8,.0f} "
              f"texts/s  (and sentiment, pain points, effort with {args.models or 'the shipped models'}; "
              f"jobs={args.jobs[0]})")
    print("languages: " + ", ".join(f"{k} {v:,}" for k, v in out["language"].value_counts().items()))
    print_stages(frame)

    texts, languages = out["clean_text"], out["language"]
    b_startup, b_seconds, b_lemmas = best["baseline"]
    baselines = [("baseline, our environment (DAWG2 C ext.)", b_startup, b_seconds)]
    if not args.no_default_install:
        d_startup, d_seconds = time_baseline_default_install(texts, languages)
        baselines.insert(0, ("baseline, default install (dawg-python)", d_startup, d_seconds))
    is_ru = (languages == "ru").to_numpy()
    russian = frame[is_ru].reset_index(drop=True)
    ru_seconds = {jobs: runs[jobs][1] if is_ru.all() else
                  best_of(args.repeat, lambda: time_ours(russian, jobs, classify=False, warm=False),
                          lambda r: r[1])[1]
                  for jobs in args.jobs}
    print(f"baseline: spacy.blank(lang) + lemmatizer (pymorphy3 for ru/uk, lookup for en) + nlp.pipe, language "
          f"given, nothing else; Russian texts only: {len(russian):,}")
    print(f"{'':42s} {'start-up':>9s} {'texts/s':>9s} " + " ".join(f"{f'jobs={j}':>7s}" for j in args.jobs) +
          f"   {'ru texts/s':>10s} " + " ".join(f"{f'jobs={j}':>7s}" for j in args.jobs))
    for jobs in args.jobs:
        rate, ru_rate = len(frame) / runs[jobs][1], len(russian) / ru_seconds[jobs]
        print(f"{f'ours, text stages, jobs={jobs}':42s} {runs[jobs][0]:8.2f}s {rate:9,.0f} " + " " * 8 * len(args.jobs)
              + f"  {ru_rate:10,.0f}")
    for name, b_start, b_secs in baselines:
        rate, ru_base = len(frame) / sum(b_secs.values()), is_ru.sum() / b_secs["ru"]
        print(f"{name:42s} {b_start:8.2f}s {rate:9,.0f} "
              + " ".join(f"{len(frame) / runs[j][1] / rate:6.1f}x" for j in args.jobs)
              + f"   {ru_base:10,.0f} "
              + " ".join(f"{len(russian) / ru_seconds[j] / ru_base:6.1f}x" for j in args.jobs))
    if c_seconds is not None:
        print(f"ours, + classify, jobs={args.jobs[0]}: {len(frame) / c_seconds:,.0f} texts/s, "
              + ", ".join(f"{sum(b_secs.values()) / c_seconds:.1f}x the {name}"
                          for name, _, b_secs in baselines))
    print("caches warm (the same run again, every word form already analysed in the process that meets it; the "
          "per-text work alone): " + ", ".join(
              f"{'+ classify' if c else 'text stages'} jobs={j} {len(frame) / s:,.0f} texts/s "
              f"({len(frame) / s / (len(frame) / sum(baselines[-1][2].values())):.1f}x the C DAWG baseline)"
              for (j, c), s in WARM.items()))
    print(f"CPU seconds (all processes; on a busy machine wall time says less): baseline (DAWG2) "
          f"{CPU['baseline']:.2f} s; " + ", ".join(f"ours jobs={j} {runs[j][2]:.2f} s "
                                                  f"({CPU['baseline'] / runs[j][2]:.1f}x less)" for j in args.jobs))
    ours_agree, n_tokens = agreement_ours(out)
    print(f"lemma agreement with pymorphy3's top parse (ru, uk; {n_tokens:,} tokens): ours {ours_agree:.2%}, "
          f"baseline {agreement_baseline(b_lemmas):.2%}")


def print_stages(frame: pd.DataFrame) -> None:
    """Per-stage seconds and cache hit rates, one process, caches cold (the models stay loaded)."""
    seconds = stage_times(frame)
    print("stages, one process, caches cold: " + ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items())
          + f" (total {sum(seconds.values()):.2f} s)")
    rates, (entries, mib) = cache_rates(frame)
    for label, (lookups, rate) in rates.items():
        print(f"  cache {label:52s} {lookups:10,} look-ups  {rate:6.1%} hits")
    print(f"  per-word caches after the run: {entries:,} entries, {mib:.1f} MiB ({mib * 2**20 / max(entries, 1):.0f} B "
          f"an entry; each cache is cut back past {LIMIT:,} entries)")


if __name__ == "__main__":
    main()
