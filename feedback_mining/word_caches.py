"""Bounds for the per-process caches of word-form analyses (lemmas, name kinds, shapes, language votes, term
candidates).

The text stages analyse each distinct word form once and remember the answer, which is what makes them fast
(`benchmarks/text_throughput.py` prints every cache's hit rate). A week's vocabulary is bounded, but real text
keeps bringing new forms (typos, names, numbers glued to words), so over a long run or a huge week the caches
would grow with the input: about 350 bytes for each new form (its lemma and its term candidates, more for a
capitalised word). Each cache is therefore cut back to its newest half once it holds more than `LIMIT`
entries, at the start of a batch, so a cache never holds more than `LIMIT` plus one batch's new forms. A cut
costs only the look-ups it forgets; answers are the same (tested).
"""

from __future__ import annotations

from itertools import islice

LIMIT = 200_000  # entries per cache: about 70 MB for the lemma cache, far above a week's ordinary vocabulary


def trim(cache: dict, limit: int | None = None) -> int:
    """Drop the oldest entries of a dict cache holding more than `limit` (default `LIMIT`) until half of
    `limit` remain (dicts keep insertion order); returns how many were dropped."""
    limit = LIMIT if limit is None else limit
    if len(cache) <= limit:
        return 0
    drop = len(cache) - limit // 2
    for key in list(islice(cache, drop)):
        del cache[key]
    return drop


def over_limit(cache, limit: int | None = None) -> bool:
    """Whether a cache (any sized container) holds more than `limit` (default `LIMIT`) entries."""
    return len(cache) > (LIMIT if limit is None else limit)
