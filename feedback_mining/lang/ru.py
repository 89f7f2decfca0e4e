"""Russian: pymorphy3's most probable parse, `ё` folded to `е`."""

import re
from functools import lru_cache

from feedback_mining.lang import Language
from feedback_mining.lang.known_words import known_words


@lru_cache(maxsize=None)
def morph_analyzer(lang: str = "ru"):
    """The pymorphy3 analyser for `ru` or `uk`, built once per process (a dictionary package per language)."""
    import pymorphy3

    try:
        return pymorphy3.MorphAnalyzer(lang=lang)
    except ValueError as e:  # the dictionary package is missing
        raise RuntimeError(f"pymorphy3 has no {lang!r} dictionary: pip install pymorphy3-dicts-{lang}") from e


_CYRILLIC = re.compile(r"[\u0400-\u04ff]+")


@lru_cache(maxsize=None)
def _dictionary_first(lang: str) -> bool:
    """Whether pymorphy3's first analysers are its dictionary and units that take no lower-case Cyrillic word
    (abbreviated names take capitals, Roman numbers and Latin words Latin letters): then a word the dictionary
    knows gets the dictionary's parses alone, as `top_normal_form` assumes."""
    from pymorphy3.units import (AbbreviatedFirstNameAnalyzer, AbbreviatedPatronymicAnalyzer, DictionaryAnalyzer,
                                 LatinAnalyzer, RomanNumberAnalyzer)

    units, group = morph_analyzer(lang)._units, []
    for unit, terminal in units:
        group.append(unit)
        if terminal:
            break
    others = (AbbreviatedFirstNameAnalyzer, AbbreviatedPatronymicAnalyzer, LatinAnalyzer, RomanNumberAnalyzer)
    letters_upper = all(all(letter.isupper() for letter in getattr(unit, "_letters_set", ())) for unit in group)
    return type(group[0]) is DictionaryAnalyzer and all(type(u) in others for u in group[1:]) and letters_upper


@lru_cache(maxsize=None)
def _tag_names(lang: str) -> list[str]:
    """Each dictionary tag's string, by tag id: the key P(tag|word) is stored under is `word:tag`."""
    return [str(tag) for tag in morph_analyzer(lang).dictionary.gramtab]


def top_normal_form(word: str, lang: str = "ru") -> str:
    """`morph_analyzer(lang).parse(word)[0].normal_form` for a lower-case word, three to four times faster for the
    words the dictionary knows: pymorphy3 would build every dictionary parse, score each by P(tag|word) and sort
    them (stably); the top one is the first of the most probable, or the first when none has a probability, so only
    its normal form is built. Other words take pymorphy3's own path (`tests/test_text.py` compares the two)."""
    morph = morph_analyzer(lang)
    found = morph.dictionary.words.similar_items(word, morph.char_substitutes) if _CYRILLIC.fullmatch(word) and \
        _dictionary_first(lang) else None
    if not found:
        try:
            return _first_unit_normal_form(morph, word)
        except ValueError:  # pymorphy3 asks `unicodedata.name` of each letter: Tangut letters (U+17000-18D08) have none
            return word
    dictionary, estimator = morph.dictionary, morph.prob_estimator
    fixed_word, parses = found[0]
    best = (*parses[0], fixed_word)
    if estimator is None or (len(found) == 1 and len(parses) == 1):  # one parse, or no probabilities: the first
        return dictionary.build_normal_form(*best)
    paradigms, names, prob, best_prob = dictionary.paradigms, _tag_names(lang), estimator.p_t_given_w.get, 0
    for fixed_word, parses in found:
        for para_id, idx in parses:
            paradigm = paradigms[para_id]
            found_prob = prob(f"{word}:{names[paradigm[len(paradigm) // 3 + idx]]}", 0)  # build_tag_info, unrolled
            if found_prob > best_prob:
                best, best_prob = (para_id, idx, fixed_word), found_prob
    return dictionary.build_normal_form(*best)


def _first_unit_normal_form(morph, word: str) -> str:
    """`morph.parse(word)[0].normal_form` without the later units' parses: pymorphy3 keeps its units' parses in
    order unless P(tag|word) knows the word (then it sorts by it), so with no `word:` key in that table the top
    parse is the first one of the first unit that has any (for an unknown word, the costly suffix guesses of
    the last units are often not needed)."""
    estimator, lower = morph.prob_estimator, word.lower()
    if estimator is None or not estimator.p_t_given_w.keys(lower + ":"):
        seen: set = set()
        for analyzer, _ in morph._units:
            parses = analyzer.parse(word, lower, seen)
            if parses:
                return parses[0][2]
    return morph.parse(word)[0].normal_form


def dictionary_parses(word: str, lang: str = "ru") -> list | None:
    """(tag, score) of each of `morph_analyzer(lang).parse(word)`, in its order, for a lower-case Cyrillic word:
    [] when the dictionary does not know it, None when pymorphy3's own path must answer (other words). Scores are
    P(tag|word), or 1/n when none is known (uk has no probabilities: 1.0 each)."""
    morph = morph_analyzer(lang)
    if not (_CYRILLIC.fullmatch(word) and _dictionary_first(lang)):
        return None
    build_tag, estimator = morph.dictionary.build_tag_info, morph.prob_estimator
    tags = [build_tag(para_id, idx) for _, parses in morph.dictionary.words.similar_items(word, morph.char_substitutes)
            for para_id, idx in parses]
    if estimator is None or not tags:
        return [(tag, 1.0) for tag in tags]
    probs = [estimator.p_t_given_w.prob(word, tag) for tag in tags]
    if sum(probs) == 0:
        return [(tag, 1.0 / len(tags)) for tag in tags]  # pymorphy3: 1.0 * (1 / the sum of the scores)
    return sorted(zip(tags, probs), key=lambda parse: parse[1], reverse=True)


def lemma(word: str) -> str:
    """`очереди` -> `очередь`, `ждали` -> `ждать`; numbers and Latin words pass through. A common form's lemma
    is looked up (`known_words`), the others analysed."""
    found = known_words().lemmas.get(word)
    return analysed_lemma(word) if found is None else found


def analysed_lemma(word: str) -> str:
    """`lemma`, from pymorphy3's dictionary (what `known_words` holds for the common forms)."""
    if not word.isalpha() or word.isascii():
        return word
    return top_normal_form(word).replace("ё", "е")


LANGUAGE = Language("ru", frozenset({"не", "ни", "без"}), lemma)  # "без очереди" is no waiting
