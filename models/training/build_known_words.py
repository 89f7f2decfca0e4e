"""Build `feedback_mining/resources/known_words.tsv.gz`: the Russian lemma and the name kind of each Cyrillic word
form of natasha's navec vocabulary, so that runs look them up instead of asking pymorphy3.

    python models/training/build_known_words.py

The forms are navec's (`navec_news_v1_1B_250K_300d_100q`, MIT: the 250,000 most frequent forms of a Russian news
corpus, shipped in natasha's wheel); no feedback text is read. Each analysis is made by the function the file
stands in for (`lang.ru.analysed_lemma`, `names._cyrillic_kind`) with the installed pymorphy3 dictionaries, whose versions
the file records (`lang/known_words.py` uses it only with those). Rebuild after changing either function, the
names list or the dictionaries; `tests/test_known_words.py` fails until then.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from feedback_mining import names  # noqa: E402
from feedback_mining.lang import known_words, ru  # noqa: E402

OUT = ROOT / "feedback_mining" / known_words.FILE
SOURCE = "navec_news_v1_1B_250K_300d_100q (natasha's wheel)"


def navec_forms() -> list[str]:
    """navec's Cyrillic words (letters only, lower case), sorted."""
    from natasha import NewsEmbedding

    return sorted({w for w in NewsEmbedding().vocab.words if w.isalpha() and not w.isascii() and w == w.lower()
                   and all("\u0400" <= c <= "\u04ff" for c in w)})


def analyses(forms: list[str]) -> tuple[list[str], list[tuple[str, frozenset[str]]]]:
    """Each form's lemma (of its ё-folded form, as the tokenizer gives it) and its capitalised form's name kind."""
    lemmas = [ru.analysed_lemma(form.replace("ё", "е")) for form in forms]
    return lemmas, [names._cyrillic_kind(form.capitalize()) for form in forms]


def main() -> None:
    start = time.perf_counter()
    forms = navec_forms()
    lemmas, kinds = analyses(forms)
    known_words.write(OUT, forms, lemmas, kinds, SOURCE)
    print(f"{OUT.relative_to(ROOT)}: {len(forms):,} forms, {OUT.stat().st_size / 1e6:.1f} MB, "
          f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
