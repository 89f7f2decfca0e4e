"""English: spaCy's lookup lemmatizer table (spacy-lookups-data), loaded once."""

from functools import lru_cache

from feedback_mining.lang import Language


@lru_cache(maxsize=None)
def lemma_table():
    """spaCy's English word -> lemma lookup table (a spaCy `Table`: keys are hashed, so use `.get(word)`)."""
    from spacy.lookups import load_lookups

    try:
        return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    except ValueError as e:
        raise RuntimeError("English lemmas need the spacy-lookups-data package: pip install spacy-lookups-data") from e


def lemma(word: str) -> str:
    """`waited` -> `wait`, `took` -> `take`, `crashes` -> `crash`; unknown words stay."""
    return lemma_table().get(word, word)


LANGUAGE = Language("en", frozenset({"not", "never", "cannot", "no"}), lemma)  # "no wait at all"
