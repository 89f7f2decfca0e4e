"""Russian: pymorphy3's most probable parse, `ё` folded to `е`."""

from functools import lru_cache

from feedback_mining.lang import Language


@lru_cache(maxsize=None)
def morph_analyzer(lang: str = "ru"):
    """The pymorphy3 analyser for `ru` or `uk`, built once per process (a dictionary package per language)."""
    import pymorphy3

    try:
        return pymorphy3.MorphAnalyzer(lang=lang)
    except ValueError as e:  # the dictionary package is missing
        raise RuntimeError(f"pymorphy3 has no {lang!r} dictionary: pip install pymorphy3-dicts-{lang}") from e


def lemma(word: str) -> str:
    """`очереди` -> `очередь`, `ждали` -> `ждать`; numbers and Latin words pass through."""
    if not word.isalpha() or word.isascii():
        return word
    return morph_analyzer("ru").parse(word)[0].normal_form.replace("ё", "е")


LANGUAGE = Language("ru", frozenset({"не", "ни", "без"}), lemma)  # "без очереди" is no waiting
