"""Helpers of the text benchmarks: real corpora, cold caches, per-stage times and cache hit rates.

A real corpus is read from files (`real_texts`), optionally as random pairs of its sentences (`pairs`), so that
there are many distinct texts made of real words. Caches are per process and per word form (or per window);
`forget_caches` empties them so that every measurement starts as a fresh run would, and `cache_rates` runs the
stages once more with counting dictionaries to say how often each cache answered.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

import numpy as np
import pandas as pd

from feedback_mining import analyse as analyse_module
from feedback_mining import clean as clean_module
from feedback_mining import language as language_module
from feedback_mining import names, ner
from feedback_mining.analyse import analyse
from feedback_mining.clean import clean
from feedback_mining.formats import load_table
from feedback_mining.lang.known_words import known_words
from feedback_mining.language import detect

# the per-process caches the text stages rely on: (label, module, attribute); dicts keyed by word form
DICT_CACHES = [("name screen (word may be a name)", names, "_SCREENED"),
               ("name kinds (pymorphy3, capitalised words)", names, "_KINDS"),
               ("name token shapes", names, "_SHAPES"),
               ("language dictionary votes", language_module, "_VOTES")]
OPTIONAL_DICT_CACHES: list = []  # (label, module, attribute) of caches some versions of the stages have


def real_texts(paths, column: str, pairs: int = 0, seed: int = 1) -> pd.DataFrame:
    """The distinct texts of `column` in the files, in order; with `pairs`, that many distinct texts each made of
    two different sentences joined by a space, index pairs drawn with `numpy.random.default_rng(seed)`."""
    sentences = pd.concat([load_table(p, hints=[column])[column] for p in paths], ignore_index=True)
    sentences = sentences.dropna().astype(str).drop_duplicates().tolist()
    if not pairs:
        return pd.DataFrame({"text": sentences})
    rng, seen, n = np.random.default_rng(seed), {}, len(sentences)
    if pairs > n * (n - 1):
        raise ValueError(f"--pairs {pairs}: {n} sentences make at most {n * (n - 1)} pairs")
    while len(seen) < pairs:
        i, j = rng.integers(0, n, 2)
        if i != j:
            seen.setdefault(sentences[i] + " " + sentences[j], None)
    return pd.DataFrame({"text": list(seen)})


def cpu_seconds() -> float | None:
    """CPU seconds used so far by this process and its children alive (the joblib workers), or None without
    psutil: on a busy machine the CPU a run takes says more than its wall time."""
    try:
        import psutil
    except ImportError:
        return None
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:  # ended meanwhile
            continue
    return total


def word_forms(texts: pd.Series) -> tuple[int, int]:
    """(words, distinct lower-cased word forms) of the texts."""
    words = texts.str.lower().str.findall(r"\w+").explode().dropna()
    return len(words), words.nunique()


def _dict_caches():
    return [(label, module, attr) for label, module, attr in DICT_CACHES + OPTIONAL_DICT_CACHES
            if hasattr(module, attr)]


def forget_caches() -> None:
    """Empty every per-word cache of the text stages in this process (the models stay loaded)."""
    analyse_module._LEMMATIZERS.clear()
    for _, module, attr in _dict_caches():
        getattr(module, attr).clear()
    for module in (names, clean_module, language_module, ner):
        for value in vars(module).values():
            if hasattr(value, "cache_clear") and getattr(value, "__name__", "").startswith("_"):
                value.cache_clear()


def stage_times(frame: pd.DataFrame) -> dict[str, float]:
    """Seconds of each text stage on the whole frame, one process, caches cold: clean (with redaction), detect,
    analyse (lemmas, negation features) and duplicates, as `pipeline.enrich_texts` chains them."""
    forget_caches()
    seconds, out = {}, frame[["text"]]
    for name, stage in (("clean", clean), ("detect", detect), ("analyse", analyse), ("duplicates", _duplicates)):
        start = time.perf_counter()
        out = stage(out)
        seconds[name] = time.perf_counter() - start
    return seconds


def _duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    lowered = frame["clean_text"].str.lower()
    return frame.assign(duplicate=lowered.duplicated() & (lowered != ""))


class CountingDict(dict):
    """A dict that counts the `get` calls that found a value (a cache hit) and those that did not."""

    def __init__(self, *args):
        super().__init__(*args)
        self.hits = self.misses = 0

    def get(self, key, default=None):
        value = super().get(key, default)
        if value is default:
            self.misses += 1
        else:
            self.hits += 1
        return value


@contextmanager
def _counting():
    swapped = []
    for label, module, attr in _dict_caches():
        counting = CountingDict()
        swapped.append((label, module, attr, getattr(module, attr)))
        setattr(module, attr, counting)
    try:
        yield swapped
    finally:
        for _, module, attr, original in swapped:
            setattr(module, attr, original)


def cache_rates(frame: pd.DataFrame) -> dict[str, tuple[int, float]]:
    """Cache label -> (look-ups, hit rate) over one cold single-process run of the text stages on the frame.
    The lemma caches count tokens looked up against the distinct forms they had to analyse."""
    forget_caches()
    with _counting() as swapped:
        out = frame[["text"]].pipe(clean).pipe(detect).pipe(analyse)
        footprint = cache_footprint()
        kinds = [word.lower() for word in names._KINDS if word == word.lower().capitalize()]  # the counting copy
        known_kinds = (len(names._KINDS), sum(w in known_words().kinds for w in kinds) / max(1, len(names._KINDS)))
        rates = {label: (module.__dict__[attr].hits + module.__dict__[attr].misses,
                         module.__dict__[attr].hits / max(1, module.__dict__[attr].hits + module.__dict__[attr].misses))
                 for label, module, attr, _ in swapped}
    for lang, lemmatizer in sorted(analyse_module._LEMMATIZERS.items()):
        tokens = int(out.loc[out["language"] == lang, "lemmas"].str.split().str.len().sum())
        rates[f"lemmas ({lang}): forms analysed / tokens"] = (tokens, 1 - len(lemmatizer.cache_) / max(1, tokens))
    rates["known words: the name kinds of new forms"] = known_kinds  # found in the shipped file: no pymorphy3
    known = known_words()
    if "ru" in analyse_module._LEMMATIZERS:  # the new forms the shipped file answered (a hit: no pymorphy3)
        forms = analyse_module._LEMMATIZERS["ru"].cache_
        rates["known words: the ru lemmas of new forms"] = (len(forms), sum(f in known.lemmas for f in forms)
                                                            / max(1, len(forms)))
    projections = ner._projections.cache_info().currsize and ner._projections()
    if projections and projections.looked_up:
        rates["NER token products (first layer): new / tokens"] = (
            projections.looked_up, 1 - (len(projections.index) - 1) / projections.looked_up)
    for module in (names, clean_module):
        for name, value in vars(module).items():
            if hasattr(value, "cache_info") and name.startswith("_") and value.cache_info().maxsize != 1:
                info = value.cache_info()
                if info.hits + info.misses:
                    rates[f"{module.__name__.split('.')[-1]}.{name}"] = (info.hits + info.misses,
                                                                          info.hits / (info.hits + info.misses))
    forget_caches()
    return rates, footprint


def cache_footprint() -> tuple[int, float]:
    """(entries, MiB) of the per-word dict caches and lemma caches now: keys and values by `sys.getsizeof`,
    each distinct value once, plus the tables; the memory a run's vocabulary costs a process (bounded by
    `word_caches.LIMIT` entries a cache)."""
    caches = [getattr(module, attr) for _, module, attr in _dict_caches()]
    caches += [lemmatizer.cache_ for lemmatizer in analyse_module._LEMMATIZERS.values()]
    entries, size = 0, 0
    for cache in caches:
        entries += len(cache)
        values = {id(v): v for v in cache.values()}
        size += sys.getsizeof(cache) + sum(map(sys.getsizeof, cache)) + sum(map(sys.getsizeof, values.values()))
    return entries, size / 2**20
