"""Throughput of the text stages (clean -> detect -> analyse -> classify) against a straightforward spaCy pipeline.

    python benchmarks/text_throughput.py [--texts 50000] [--typos 0.1] [--jobs -1] [--models lexicon|DIR]

The corpus is a week of the built-in example data (comments and tickets in ru, uk, fa, en and others),
optionally with random typos in a share of the words so the vocabulary, and so the lemma-cache misses,
look more like real text. The baseline is what one would write first: per language, `spacy.blank(lang)`
with spaCy's pymorphy3 lemmatizer (ru, uk) or lookup lemmatizer (en) and `nlp.pipe`, given the language
for free and doing nothing else (no cleaning, detection or classification). Start-up (loading dictionaries
and models) is timed separately from the steady state. Lemma agreement: the share of our Russian and
Ukrainian lemmas equal to pymorphy3's most probable parse of the same token, and the same for the baseline.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback_mining.analyse import tokenize  # noqa: E402
from feedback_mining.classify import load_classifier  # noqa: E402
from feedback_mining.example import make_example  # noqa: E402
from feedback_mining.lang.ru import morph_analyzer  # noqa: E402
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


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_start() -> None:
    """Forget every cache and worker process, so a measurement starts as a fresh run would."""
    from joblib.externals.loky import get_reusable_executor

    from feedback_mining import analyse

    get_reusable_executor().shutdown(wait=True)
    analyse._LEMMATIZERS.clear()


def time_ours(frame: pd.DataFrame, jobs: int, models=None) -> tuple[float, float, pd.DataFrame]:
    """Start-up: dictionaries, lookups, lingua and the worker processes, warmed on a few words (the lemma
    caches stay cold: the week's own words are all analysed inside the timed run)."""
    cold_start()
    start = time.perf_counter()
    classifier = load_classifier(models)
    warm = pd.DataFrame({"text": ["ok", "ок", "добре", "خوب", "gut"] * (PARALLEL_MIN_TEXTS // 5)})
    enrich_in_chunks(warm, classifier, 20_000, n_jobs=jobs)
    startup = time.perf_counter() - start
    start = time.perf_counter()
    out = enrich_in_chunks(frame, classifier, 20_000, n_jobs=jobs)
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
    args = parser.parse_args(argv)

    frame = week_of_texts(args.texts, args.typos)
    words = frame["text"].str.lower().str.findall(r"\w+").explode()
    print(f"corpus: {len(frame):,} texts, {len(words):,} words, {words.nunique():,} distinct word forms, "
          f"typo rate {args.typos:.0%}")

    startup, seconds, out = time_ours(frame, args.jobs, args.models)
    ours_rate = len(frame) / seconds
    print(f"ours      start-up {startup:6.2f} s   {seconds:7.2f} s   {ours_rate:9,.0f} texts/s   "
          f"(clean, detect, analyse, classify with {args.models or 'the shipped models'}; jobs={args.jobs})   "
          f"peak RSS {peak_rss_mib():,.0f} MiB (main process)")
    print("languages: " + ", ".join(f"{k} {v:,}" for k, v in out["language"].value_counts().items()))

    b_startup, b_seconds, b_lemmas = time_baseline(out["clean_text"], out["language"])
    base_rate = len(frame) / sum(b_seconds.values())
    print(f"baseline  start-up {b_startup:6.2f} s   {sum(b_seconds.values()):7.2f} s   {base_rate:9,.0f} texts/s   "
          f"(spacy.blank + lemmatizer + nlp.pipe per language, language given, nothing else)")
    print(f"speed-up on the whole week: {ours_rate / base_rate:.1f}x")

    russian = frame[out["language"].to_numpy() == "ru"].reset_index(drop=True)
    _, ru_seconds, ru_out = time_ours(russian, args.jobs, args.models)
    ru_rate, ru_base = len(russian) / ru_seconds, (out["language"] == "ru").sum() / b_seconds["ru"]
    print(f"Russian texts only ({len(russian):,}): ours {ru_rate:,.0f} texts/s, spacy.blank('ru') + pymorphy3 "
          f"lemmatizer {ru_base:,.0f} texts/s: {ru_rate / ru_base:.1f}x")
    ours_agree, n_tokens = agreement_ours(out)
    print(f"lemma agreement with pymorphy3's top parse (ru, uk; {n_tokens:,} tokens): ours {ours_agree:.2%}, "
          f"baseline {agreement_baseline(b_lemmas):.2%}")


if __name__ == "__main__":
    main()
