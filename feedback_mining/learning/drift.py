"""Drift: how far this week's texts are from the texts the models learned from, per language, every run.

Per language (each distinct text once; `und` left out): the share of word tokens the models never saw (their
word vocabularies), the mean sentiment confidence and the low-confidence share next to the same figures on the
training sources' held-out rows, the predicted label mix and its distance from the held-out mix, the language
mix next to the training mix, and a domain-classifier score: the cross-validated ROC AUC of a logistic
regression telling this week's texts from a same-size sample of held-out training texts (0.5: indistinguishable,
1: a different kind of text), Evidently's approach to text drift. Its features are what the models see of a
text (`DESCRIPTORS`: the share of known words, the domain gate's coverage, the sentiment confidence, the top
pain-point probability, the pain points found), not its words: on words, the example week (AUC 0.97 for
Russian) and general Russian sentences (0.97) were equally far from our training texts (the example's letters
have greetings and signatures), so the score could not tell harmless style from a change of domain; on the
descriptors they are 0.65 and 0.94. The training side comes from `models/drift_reference.npz`
(`models/training/build_drift_reference.py`: numbers per text, no text).
`drift_warnings` turns the figures past `THRESHOLDS` into plain-language warnings; `alerts` lists them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE_FILE = "drift_reference.npz"
REFERENCE_KEY = "drift_reference"  # its entry in the models' registry.json
DESCRIPTORS = ("known_share", "coverage", "sentiment_confidence", "top_pain_point", "pain_points_found")
MIN_TEXTS = 50  # distinct texts of a language this week before its figures are judged (and a domain score runs)
MAX_SAMPLE = 1000  # texts per side of the domain classifier, so it stays well under a second
BINS = 8  # quantile bins per descriptor
FOLDS = 3
LABELS = ("negative", "neutral", "positive")
LANGUAGE_NAMES = {"ru": "Russian", "uk": "Ukrainian", "fa": "Persian", "en": "English", "other": "other-language"}

# When a figure is past its threshold the run warns (and `--fail-on alerts` fails). Chosen between the example
# week and real off-domain text (general Russian sentences of OpenSentimentCorpus); the README's drift table
# has both columns.
THRESHOLDS = {
    "unseen_token_share": 0.25,  # more than a quarter of the words are unknown to the models
    "low_confidence_rise": 0.20,  # low-confidence share this much above the held-out rows' share
    "label_shift": 0.35,  # total variation distance between the predicted label mix and the held-out mix
    "domain_auc": 0.80,  # a classifier tells this week's texts from the training texts this easily
    "untrained_language_share": 0.10,  # texts in languages the models have (almost) no training texts for
}
UNTRAINED_BELOW = 20  # training texts a language needs to count as trained (the models' `min_language_rows`)
MESSAGES = {
    "unseen_token_share": "{pct} of {language} words are unknown to the models: check the review queue and "
                          "consider retraining",
    "low_confidence_rise": "{pct} of {language} sentiment predictions are low-confidence (held-out texts: {ref}): "
                           "check the review queue and consider retraining",
    "label_shift": "the {language} sentiment mix moved {pct} from the held-out texts' mix (negative {neg}, "
                   "neutral {neu}, positive {pos}): check that the texts are still customer feedback",
    "domain_auc": "{language} texts are easy to tell from the training texts (domain classifier AUC {auc}): "
                  "they are a different kind of text; check the input and consider retraining",
    "untrained_language_share": "{pct} of the texts are in languages the models were not trained on ({languages}): "
                                "their predictions rest on shared character n-grams only",
}


# ---------------------------------------------------------------- the reference


@dataclass
class Reference:
    """The training texts' side: per language the `descriptors` of a sample of held-out training texts, and `meta`
    (see the build script)."""

    samples: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    source: str = ""

    def language(self, lang: str) -> dict:
        return self.meta.get("languages", {}).get(lang, {})


def descriptors(texts: pd.DataFrame, classifier) -> np.ndarray:
    """What the models see of each text, one row per text, columns `DESCRIPTORS` (reads `features`,
    `sentiment_confidence` and the `p_<id>` columns)."""
    vocabulary = model_vocabulary(classifier)
    features = texts["features"].fillna("").astype(str)
    known = np.array([_known(text.split(), vocabulary) for text in features])
    gate = getattr(getattr(classifier, "models", {}).get("sentiment"), "gate_", None)
    coverage = gate.coverage(features.tolist()) if gate is not None else known
    p = texts[[c for c in texts.columns if c.startswith("p_")]].to_numpy(float)
    p = p if p.shape[1] else np.zeros((len(texts), 1))
    confidence = pd.to_numeric(texts["sentiment_confidence"], errors="coerce").fillna(0.5).to_numpy()
    return np.c_[known, coverage, confidence, p.max(axis=1), (p >= 0.5).sum(axis=1)].astype(np.float32)


def _known(tokens: list[str], vocabulary) -> float:
    words = [t for t in tokens if not _NOT_A_WORD.fullmatch(t)]
    return sum(w in vocabulary for w in words) / len(words) if words else 0.0


_NOT_A_WORD = re.compile(r"[\d\W_]+")


def parse_reference(arrays, source: str = "") -> Reference:
    """A Reference from the arrays of `drift_reference.npz` (a mapping of name -> array)."""
    meta = json.loads(str(arrays["meta"]))
    return Reference({lang: np.asarray(arrays[lang], dtype=np.float32) for lang in meta.get("languages", {})},
                     meta, source)


def reference_dirs() -> list[Path]:
    """Where the reference may be: the installed shipped models, then the source tree's `models/`."""
    from feedback_mining.learning.registry import shipped_dir

    return list(dict.fromkeys([shipped_dir(), Path(__file__).resolve().parents[2] / "models"]))


def load_reference(directory: Path | None = None) -> Reference | None:
    """The reference of `directory` (None: the first of `reference_dirs` listing one), its sha256 checked against
    that folder's registry.json; None when no folder has one."""
    from feedback_mining.learning.registry import REGISTRY, ModelError, file_sha256

    for folder in [Path(directory)] if directory is not None else reference_dirs():
        try:
            entry = json.loads((folder / REGISTRY).read_text(encoding="utf-8")).get(REFERENCE_KEY)
        except (OSError, ValueError):
            continue
        path = folder / str((entry or {}).get("file", REFERENCE_FILE))
        if not entry or Path(entry.get("file", "")).name != entry.get("file") or not path.is_file():
            continue
        if file_sha256(path) != entry.get("sha256"):
            raise ModelError(f"{path}: sha256 does not match {folder / REGISTRY}; restore the file or rebuild it "
                             "with `python models/training/build_drift_reference.py`")
        with np.load(path, allow_pickle=False) as arrays:
            return parse_reference(arrays, str(path))
    return None


# ---------------------------------------------------------------- the figures


def model_vocabulary(classifier) -> frozenset[str]:
    """Every word token a classifier's models learned from: their word unigrams and domain-gate vocabularies."""
    words: set[str] = set()
    for model in getattr(classifier, "models", {}).values():
        features = getattr(model, "features_", None)
        words.update(w for w in getattr(features, "word_vocabulary_", {}) if " " not in w)
        gate = getattr(model, "gate_", None)
        words.update(getattr(gate, "vocabulary_", ()), getattr(gate, "stop_words_", ()))
    return frozenset(words)


def training_languages(classifier, reference: Reference | None) -> dict[str, int]:
    """Training texts per language: the reference's counts, else the sentiment model's `languages_`."""
    if reference is not None and reference.meta.get("languages"):
        return {k: int(v.get("texts", 0)) for k, v in reference.meta["languages"].items()}
    for model in getattr(classifier, "models", {}).values():
        if getattr(model, "languages_", None):
            return dict(model.languages_)
    return {}


def unseen_share(features: pd.Series, vocabulary: frozenset[str]) -> float:
    """The share of word tokens (in `features`, digits left out) not in `vocabulary`; NaN without tokens."""
    tokens = pd.Series(" ".join(features.fillna("").astype(str)).split(), dtype=object)
    tokens = tokens[~tokens.str.fullmatch(r"[\d\W_]+")]
    if not len(tokens) or not vocabulary:
        return float("nan")
    return float(1 - tokens.isin(vocabulary).mean())


def prediction_stats(texts: pd.DataFrame) -> dict:
    """`n, mean_confidence, low_confidence_share, labels` of the texts with a sentiment (reads `sentiment`,
    `sentiment_confidence`, `sentiment_low_confidence`)."""
    rated = texts[texts["sentiment"].isin(LABELS)] if "sentiment" in texts else texts.iloc[:0]
    if rated.empty:
        return {"n": 0, "mean_confidence": None, "low_confidence_share": None, "labels": {}}
    mix = rated["sentiment"].value_counts(normalize=True).reindex(LABELS, fill_value=0.0)
    return {"n": len(rated), "mean_confidence": round(float(rated["sentiment_confidence"].mean()), 4),
            "low_confidence_share": round(float(rated["sentiment_low_confidence"].astype(bool).mean()), 4),
            "labels": {k: round(float(v), 4) for k, v in mix.items()}}


def label_shift(labels: dict, reference: dict) -> float:
    """Total variation distance between two label mixes (0 same, 1 disjoint); NaN when either is unknown."""
    if not labels or not reference:
        return float("nan")
    return round(0.5 * sum(abs(labels.get(k, 0.0) - reference.get(k, 0.0)) for k in LABELS), 4)


def domain_auc(week: np.ndarray, reference: np.ndarray, seed: int = 0) -> float:
    """Cross-validated ROC AUC of a logistic regression telling `week` rows from `reference` rows (descriptors,
    each cut into quantile bins of the reference, so that a change of shape counts, not only of the mean), on
    equal samples of at most `MAX_SAMPLE` each; NaN when either side has fewer than `MIN_TEXTS` rows."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    n = min(len(week), len(reference), MAX_SAMPLE)
    if n < MIN_TEXTS:
        return float("nan")
    rng = np.random.default_rng(seed)
    X = np.r_[week[rng.choice(len(week), n, replace=False)], reference[rng.choice(len(reference), n, replace=False)]]
    X = _binned(X, reference)
    y = np.r_[np.ones(n), np.zeros(n)]
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    scores = cross_val_predict(LogisticRegression(C=1.0, solver="liblinear"), X, y, cv=folds,
                               method="decision_function")
    return round(float(roc_auc_score(y, scores)), 4)


def _binned(X: np.ndarray, reference: np.ndarray, bins: int = BINS) -> np.ndarray:
    """One-hot quantile bins of each column (edges from the reference), as a dense 0/1 matrix."""
    columns = []
    for j in range(X.shape[1]):
        edges = np.unique(np.quantile(reference[:, j], np.linspace(0, 1, bins + 1)[1:-1]))
        codes = np.searchsorted(edges, X[:, j], side="right")
        columns.append(np.eye(len(edges) + 1, dtype=np.float32)[codes])
    return np.hstack(columns)


def drift_table(texts: pd.DataFrame, classifier, reference: Reference | None, seed: int = 0) -> pd.DataFrame:
    """One row per language of this week's distinct texts (reads `language, features, duplicate, sentiment,
    sentiment_confidence, sentiment_low_confidence, p_<id>`): `language, n_texts, share_of_texts, training_texts,
    training_share, unseen_token_share, mean_confidence, low_confidence_share, ref_mean_confidence,
    ref_low_confidence_share, label_negative, label_neutral, label_positive, label_shift, domain_auc`."""
    distinct = texts[~texts["duplicate"].astype(bool)] if "duplicate" in texts else texts
    distinct = distinct[~distinct["language"].isin(["und", ""])]
    vocabulary, training = model_vocabulary(classifier), training_languages(classifier, reference)
    total_training = sum(training.values()) or np.nan
    rows = []
    for lang, group in distinct.groupby("language", sort=False):
        stats = prediction_stats(group)
        held = (reference.language(lang).get("held_out") if reference is not None else None) or {}
        week_labels, ref_labels = stats["labels"], held.get("labels") or {}
        sample = reference.samples.get(lang) if reference is not None else None
        auc = domain_auc(descriptors(group, classifier), sample, seed) \
            if sample is not None and len(group) >= MIN_TEXTS else float("nan")
        rows.append({"language": lang, "n_texts": len(group), "share_of_texts": len(group) / len(distinct),
                     "training_texts": int(training.get(lang, 0)),
                     "training_share": training.get(lang, 0) / total_training,
                     "unseen_token_share": unseen_share(group["features"], vocabulary),
                     "mean_confidence": stats["mean_confidence"], "low_confidence_share": stats["low_confidence_share"],
                     "ref_mean_confidence": held.get("mean_confidence"),
                     "ref_low_confidence_share": held.get("low_confidence_share"),
                     **{f"label_{k}": week_labels.get(k) for k in LABELS},
                     "label_shift": label_shift(week_labels, ref_labels), "domain_auc": auc})
    columns = ["language", "n_texts", "share_of_texts", "training_texts", "training_share", "unseen_token_share",
               "mean_confidence", "low_confidence_share", "ref_mean_confidence", "ref_low_confidence_share",
               *(f"label_{k}" for k in LABELS), "label_shift", "domain_auc"]
    table = pd.DataFrame(rows, columns=columns).astype({c: float for c in columns[2:] if c != "training_texts"})
    return table.sort_values(["n_texts", "language"], ascending=[False, True]).reset_index(drop=True)


# ---------------------------------------------------------------- judging them


def untrained_share(table: pd.DataFrame) -> tuple[float, list[str]]:
    """The share of this week's texts in languages with fewer than `UNTRAINED_BELOW` training texts, and those."""
    untrained = table[table["training_texts"] < UNTRAINED_BELOW]
    return float(untrained["share_of_texts"].sum()), untrained["language"].tolist()


def _pct(value) -> str:
    return f"{value:.0%}"


def drift_warnings(table: pd.DataFrame) -> list[dict]:
    """`{check, language, metric, value, threshold, message}` per figure past its `THRESHOLDS` entry (languages
    with at least `MIN_TEXTS` distinct texts and `UNTRAINED_BELOW` training texts; the language mix over all)."""
    out = []

    def add(metric, lang, value, **words):
        out.append({"check": "drift", "language": lang, "metric": metric, "value": round(float(value), 4),
                    "threshold": THRESHOLDS[metric], "message": MESSAGES[metric].format(**words)})

    judged = (table["n_texts"] >= MIN_TEXTS) & (table["training_texts"] >= UNTRAINED_BELOW)  # others: the mix
    for r in table[judged].itertuples():
        name = LANGUAGE_NAMES.get(r.language, r.language)
        if r.unseen_token_share > THRESHOLDS["unseen_token_share"]:
            add("unseen_token_share", r.language, r.unseen_token_share, pct=_pct(r.unseen_token_share), language=name)
        rise = r.low_confidence_share - r.ref_low_confidence_share
        if rise > THRESHOLDS["low_confidence_rise"]:
            add("low_confidence_rise", r.language, rise, pct=_pct(r.low_confidence_share), language=name,
                ref=_pct(r.ref_low_confidence_share))
        if r.label_shift > THRESHOLDS["label_shift"]:
            add("label_shift", r.language, r.label_shift, pct=_pct(r.label_shift), language=name,
                neg=_pct(r.label_negative), neu=_pct(r.label_neutral), pos=_pct(r.label_positive))
        if r.domain_auc > THRESHOLDS["domain_auc"]:
            add("domain_auc", r.language, r.domain_auc, language=name, auc=f"{r.domain_auc:.2f}")
    share, languages = untrained_share(table)
    if share > THRESHOLDS["untrained_language_share"]:
        add("untrained_language_share", None, share, pct=_pct(share),
            languages=", ".join(LANGUAGE_NAMES.get(x, x) for x in languages))
    return out


def measure(texts: pd.DataFrame, classifier, seed: int = 0, reference: Reference | None = None) -> dict:
    """Run.json's `drift`: `languages` (the table's rows), `untrained_language_share`, `warnings`, `thresholds`,
    `reference` (its file; None without one: no held-out figures or domain score then). `reference` None: the
    shipped one (`load_reference`)."""
    reference = reference if reference is not None else load_reference()
    table = drift_table(texts, classifier, reference, seed)
    records = json.loads(table.to_json(orient="records"))  # NaN -> null
    return {"languages": records, "untrained_language_share": round(untrained_share(table)[0], 4),
            "warnings": drift_warnings(table), "thresholds": dict(THRESHOLDS), "min_texts": MIN_TEXTS,
            "reference": (reference.source or None) if reference is not None else None}


def trend(stored: pd.DataFrame, week: str, current: dict, metrics=("unseen_token_share", "domain_auc")) -> list[dict]:
    """Rows `week, language, <metrics>` of the stored weeks before `week` and this one, oldest first."""
    before = stored[stored["week"] < week] if len(stored) else stored
    now = pd.DataFrame(current.get("languages", [])).assign(week=week)
    rows = pd.concat([before, now], ignore_index=True) if len(before) else now
    if rows.empty:
        return []
    rows = rows.reindex(columns=["week", "language", *metrics])
    return json.loads(rows.sort_values(["week", "language"]).to_json(orient="records"))
