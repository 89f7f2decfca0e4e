"""Throughput of the text stages (clean -> redact -> detect -> lemmatise) against a straightforward spaCy pipeline.

    python benchmarks/text_throughput.py [--texts 50000] [--typos 0.1] [--jobs -1] [--models lexicon|DIR]
                                         [--language ru|uk|fa|en]

The corpus is a week of the built-in example data (comments and tickets in ru, uk, fa, en and others), optionally
with random typos in a share of the words so the vocabulary, and so the lemma-cache misses, look more like real
text. The baseline is what one would write first: per language, `spacy.blank(lang)` with spaCy's pymorphy3
lemmatizer (ru, uk) or lookup lemmatizer (en) and `nlp.pipe`, given the language for free and doing nothing else
(no cleaning, detection or classification), timed twice: as a default `pip install spacy pymorphy3` runs it
(pymorphy3 reading its dictionaries with the pure-Python `dawg-python`) and in our environment (`pymorphy3[fast]`,
the DAWG2 C extension, which makes the baseline three to four times faster). Our text stages are timed alone and,
for reference, with the classifiers. Start-up (loading dictionaries and models) is timed separately from the steady
state. Lemma agreement: the share of our Russian and Ukrainian lemmas equal to pymorphy3's most probable parse of
the same token, and the same for the baseline.
"""

from __future__ import annotations

import argparse
import json
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
from feedback_mining.lang.ru import morph_analyzer  # noqa: E402
from feedback_mining.language import detect_languages  # noqa: E402
from feedback_mining.pipeline import PARALLEL_MIN_TEXTS, enrich_in_chunks  # noqa: E402


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
    from joblib.externals.loky import get_reusable_executor

    from feedback_mining import analyse

    get_reusable_executor().shutdown(wait=True)
    analyse._LEMMATIZERS.clear()


def time_ours(frame: pd.DataFrame, jobs: int, models=None, classify: bool = True
              ) -> tuple[float, float, pd.DataFrame]:
    """Start-up: dictionaries, lookups, lingua and the worker processes, warmed on a few words (the lemma
    caches stay cold: the week's own words are all analysed inside the timed run). `classify=False` times
    the text stages alone (clean, redact, detect, lemmatise, negation features, duplicates)."""
    cold_start()
    start = time.perf_counter()
    classifier = load_classifier(models) if classify else None
    warm = pd.DataFrame({"text": ["ok", "ок", "добре", "خوب", "gut"] * (PARALLEL_MIN_TEXTS // 5)})
    enrich_in_chunks(warm, classifier, 20_000, n_jobs=jobs)
    startup = time.perf_counter() - start
    keep = ["clean_text", "language", "lemmas", "features", "duplicate",  # the input text stays behind, as in `run`
            *(["sentiment", "pain_points", "effort_estimate"] if classify else [])]
    start = time.perf_counter()
    out = enrich_in_chunks(frame, classifier, 20_000, n_jobs=jobs, keep=keep)
    return startup, time.perf_counter() - start, out


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
    for lang, group in texts.groupby(languages.where(languages.isin(["ru", "uk", "en", "fa"]), "other")):
        start = time.perf_counter()
        docs = pipes[lang].pipe(group.tolist(), batch_size=256)
        lemmas[lang] = [[(t.lower_, t.lemma_.lower()) for t in doc if t.is_alpha] for doc in docs]
        seconds[lang] = time.perf_counter() - start
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
    parser.add_argument("--texts", type=int, default=50_000)
    parser.add_argument("--typos", type=float, default=0.1, help="share of words (4+ letters) given a typo")
    parser.add_argument("--jobs", type=int, default=-1, help="processes for our text stages")
    parser.add_argument("--models", default=None, help="`lexicon` for the term files alone, a model directory, "
                                                      "or nothing for the shipped models")
    parser.add_argument("--language", choices=["ru", "uk", "fa", "en"],
                        help="a week of this language alone (texts our detector assigns it, picked before timing)")
    parser.add_argument("--baseline-only", help=argparse.SUPPRESS)  # internal: the default-install subprocess
    args = parser.parse_args(argv)
    if args.baseline_only:
        return baseline_only(args.baseline_only)

    frame = week_of_texts(args.texts, args.typos) if not args.language else \
        one_language_week(args.texts, args.typos, args.language)
    words = frame["text"].str.lower().str.findall(r"\w+").explode()
    print(f"corpus: {len(frame):,} texts, {len(words):,} words, {words.nunique():,} distinct word forms, "
          f"{frame['text'].duplicated().mean():.1%} repeated texts, typo rate {args.typos:.0%}")

    startup, seconds, out = time_ours(frame, args.jobs, classify=False)
    ours_rate = len(frame) / seconds
    print(f"ours, text stages   start-up {startup:5.2f} s  {seconds:6.2f} s  {ours_rate:8,.0f} texts/s  "
          f"(clean, redact, detect, lemmatise, negation, duplicates; jobs={args.jobs})  "
          f"peak RSS {peak_rss_mib():,.0f} MiB (main process)")
    c_startup, c_seconds, _ = time_ours(frame, args.jobs, args.models)
    c_rate = len(frame) / c_seconds
    print(f"ours, + classify    start-up {c_startup:5.2f} s  {c_seconds:6.2f} s  {c_rate:8,.0f} texts/s  "
          f"(and sentiment, pain points, effort with {args.models or 'the shipped models'})")
    print("languages: " + ", ".join(f"{k} {v:,}" for k, v in out["language"].value_counts().items()))

    texts, languages = out["clean_text"], out["language"]
    b_startup, b_seconds, b_lemmas = time_baseline(texts, languages)
    d_startup, d_seconds = time_baseline_default_install(texts, languages)
    is_ru = (languages == "ru").to_numpy()
    russian = frame[is_ru].reset_index(drop=True)
    _, ru_seconds, _ = time_ours(russian, args.jobs, classify=False)
    ru_rate = len(russian) / ru_seconds
    print(f"baseline: spacy.blank(lang) + lemmatizer (pymorphy3 for ru/uk, lookup for en) + nlp.pipe, language "
          f"given, nothing else; Russian texts only: {len(russian):,}")
    print(f"{'':42s} {'start-up':>9s} {'texts/s':>9s} {'ours':>6s}   {'ru texts/s':>10s} {'ours':>6s}")
    print(f"{'ours, text stages':42s} {startup:8.2f}s {ours_rate:9,.0f} {'':6s}   {ru_rate:10,.0f}")
    for name, b_start, b_secs in (("baseline, default install (dawg-python)", d_startup, d_seconds),
                                  ("baseline, our environment (DAWG2 C ext.)", b_startup, b_seconds)):
        rate, ru_base = len(frame) / sum(b_secs.values()), is_ru.sum() / b_secs["ru"]
        print(f"{name:42s} {b_start:8.2f}s {rate:9,.0f} {ours_rate / rate:5.1f}x   {ru_base:10,.0f} "
              f"{ru_rate / ru_base:5.1f}x")
    ours_agree, n_tokens = agreement_ours(out)
    print(f"lemma agreement with pymorphy3's top parse (ru, uk; {n_tokens:,} tokens): ours {ours_agree:.2%}, "
          f"baseline {agreement_baseline(b_lemmas):.2%}")


if __name__ == "__main__":
    main()
