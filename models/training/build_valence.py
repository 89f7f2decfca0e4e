"""Build the valence lexicons `feedback_mining/resources/valence_{ru,en}.tsv`: lemma -> valence in [-1, 1].

    pip install ".[lexicons]" && python models/training/build_valence.py

- **ru**: the seed words of `resources/valence_seeds_ru.toml` (written by the team) spread over the 250,000 word
  forms of natasha's navec embeddings (`navec_news_v1_1B_250K_300d_100q`, MIT): a logistic regression on the
  word vectors tells polar from neutral seeds, a second one positive from negative, and a form's valence is
  P(polar) * (2 P(positive | polar) - 1). Forms are mapped to our lemmas (pymorphy3's most probable parse) and a
  lemma's valence is the mean of its forms'; seeds keep +1 / -1 / 0.
- **en**: the VADER lexicon (Hutto & Gilbert 2014, vaderSentiment, MIT), 7,500 words rated -4..+4 by ten people;
  word entries only (no emoticons: our tokens are words), mapped to our lemmas, the mean of a lemma's words,
  divided by 3 and clipped to [-1, 1].
Only strong entries are kept (|valence| >= STRONG after scaling): the classifiers count strong words, so the
files stay small and readable. No labelled sentiment data is read, so the lexicons are independent of every set
the models are evaluated on (`ru_opensentimentcorpus`, the leave-one-source-out folds).
"""

from __future__ import annotations

import hashlib
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from feedback_mining.analyse import lemmatizer  # noqa: E402

RESOURCES = ROOT / "feedback_mining" / "resources"
STRONG = {"ru": 0.7, "en": 0.5}  # en: a VADER mean of 1.5 or more, of 4
C = 0.1  # strong regularisation: ~800 seeds in 300 dimensions (chosen on the first half of ru_opensentimentcorpus)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def navec_path() -> Path:
    try:
        import natasha
    except ImportError:
        sys.exit("the Russian lexicon is spread over natasha's navec embeddings: pip install '.[lexicons]'")
    return Path(natasha.__file__).parent / "data" / "emb" / "navec_news_v1_1B_250K_300d_100q.tar"


def spread_seeds(vectors: np.ndarray, index: dict[str, int], seeds: dict[str, list[str]]) -> np.ndarray:
    """Valence of every form from the seeds, by the two regressions on the word vectors."""
    from sklearn.linear_model import LogisticRegression

    rows = {k: [index[w] for w in (s.replace("ё", "е") for s in words) if w in index] for k, words in seeds.items()}
    polar_rows = rows["positive"] + rows["negative"]
    X = vectors[polar_rows + rows["neutral"]]
    polar = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(
        X, np.r_[np.ones(len(polar_rows)), np.zeros(len(rows["neutral"]))])
    sign = LogisticRegression(C=C, max_iter=3000).fit(
        vectors[polar_rows], np.r_[np.ones(len(rows["positive"])), np.zeros(len(rows["negative"]))])
    valence = polar.predict_proba(vectors)[:, 1] * (2 * sign.predict_proba(vectors)[:, 1] - 1)
    for key, value in (("positive", 1.0), ("negative", -1.0), ("neutral", 0.0)):
        valence[rows[key]] = value
    return valence


def by_lemma(forms: dict[str, float], lang: str) -> dict[str, float]:
    """The mean valence of each lemma's forms."""
    lemma, groups = lemmatizer(lang), defaultdict(list)
    for form, value in forms.items():
        groups[lemma(form)].append(value)
    return {k: float(np.mean(v)) for k, v in groups.items()}


PROPER = {"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr", "Init"}


def common_word(form: str) -> bool:
    """A Russian dictionary word that is not a name, place or abbreviation (navec holds many of those, and the
    regressions extrapolate wildly on them)."""
    from feedback_mining.lang.ru import morph_analyzer

    if not form.isalpha() or not all("а" <= c <= "я" or c == "ё" for c in form):
        return False
    morph = morph_analyzer("ru")
    return morph.word_is_known(form) and not any(PROPER & p.tag.grammemes for p in morph.parse(form)[:1])


def russian() -> tuple[dict[str, float], list[str]]:
    from navec import Navec

    path, seeds_path = navec_path(), RESOURCES / "valence_seeds_ru.toml"
    navec = Navec.load(path)
    seeds = tomllib.loads(seeds_path.read_text(encoding="utf-8"))
    words = navec.vocab.words
    valence = spread_seeds(navec.pq.unpack(), {w: i for i, w in enumerate(words)},
                           {k: seeds[k] for k in ("positive", "negative", "neutral")})
    cyrillic = {w: float(v) for w, v in zip(words, valence) if common_word(w)}
    lemmas = by_lemma(cyrillic, "ru")
    for key, value in (("positive", 1.0), ("negative", -1.0)):
        for seed in seeds[key]:
            if " " not in seed:
                lemmas[lemmatizer("ru")(seed.lower().replace("ё", "е"))] = value
    source = [f"navec {path.name} sha256 {sha256(path)} (natasha, MIT)",
              f"seeds {seeds_path.name} version {seeds['version']} sha256 {sha256(seeds_path)}",
              f"two logistic regressions on the word vectors, C={C}; "
              "lemma = mean of its forms (dictionary words only, no names)"]
    return lemmas, source


def english() -> tuple[dict[str, float], list[str]]:
    try:
        import vaderSentiment
    except ImportError:
        sys.exit("the English lexicon is VADER's: pip install '.[lexicons]'")
    path = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    words = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, mean = line.split("\t")[:2]
        if word.isalpha():
            words[word.lower()] = float(mean)
    lemmas = {k: float(np.clip(v / 3.0, -1.0, 1.0)) for k, v in by_lemma(words, "en").items()}
    source = [f"VADER {path.name} sha256 {sha256(path)}: Hutto & Gilbert (2014), \"VADER: A Parsimonious "
              "Rule-based Model for Sentiment Analysis of Social Media Text\", cjhutto/vaderSentiment, "
              "MIT License, Copyright (c) 2016 C.J. Hutto",
              "word entries, mean of a lemma's words / 3, clipped to [-1, 1]"]
    return lemmas, source


def write(lang: str, lemmas: dict[str, float], source: list[str]) -> Path:
    kept = {k: round(v, 3) for k, v in sorted(lemmas.items()) if abs(v) >= STRONG[lang] and k.isalpha()}
    path = RESOURCES / f"valence_{lang}.tsv"
    header = [f"# {lang} valence lexicon: lemma <TAB> valence in [-1, 1]; written by models/training/build_valence.py",
              *[f"# {line}" for line in source], f"# kept: |valence| >= {STRONG[lang]}, {len(kept)} lemmas"]
    path.write_text("\n".join(header + [f"{k}\t{v}" for k, v in kept.items()]) + "\n", encoding="utf-8")
    positive = sum(v > 0 for v in kept.values())
    print(f"{path.relative_to(ROOT)}: {len(kept):,} lemmas ({positive:,} positive, {len(kept) - positive:,} negative)")
    return path


def main() -> None:
    for lang, build in (("ru", russian), ("en", english)):
        write(lang, *build())


if __name__ == "__main__":
    main()
