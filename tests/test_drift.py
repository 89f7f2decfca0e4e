"""Drift: the example week is within every threshold, a week of off-domain text is past them; the figures, the
reference file and the history's drift table."""

import itertools
import random
import shutil

import numpy as np
import pandas as pd
import pytest

from feedback_mining.learning import drift
from feedback_mining.classify import load_classifier
from feedback_mining.config import Config
from feedback_mining.example import write_example
from feedback_mining.history import load_drift, store_drift
from feedback_mining.pipeline import collect_texts, enrich_in_chunks, read_inputs
from feedback_mining.learning.registry import ModelError

# general Russian sentences, nothing a customer would write about a service
SUBJECTS = ["Древние римляне", "Молодые астрономы", "Северные племена", "Средневековые монахи", "Полярные медведи",
            "Горные реки", "Тропические бабочки", "Античные философы", "Вулканические острова", "Перелётные журавли"]
VERBS = ["веками изучали", "неторопливо населяли", "воспевали в балладах", "окружали легендами",
         "пересекали на плотах", "наблюдали в телескопы", "описывали в летописях", "украшали мозаикой"]
OBJECTS = ["созвездия южного полушария", "ледники Гренландии", "пирамиды древнего Египта", "хребты Тянь-Шаня",
           "коралловые рифы", "берёзовые рощи", "мраморные колоннады", "кочевые стойбища", "болотистые низины"]
ENDINGS = ["задолго до нашей эры.", "на рассвете весеннего равноденствия.", "под сенью вековых сосен.",
           "вдали от шумных столиц.", "во времена великих географических открытий.", "среди туманных фьордов."]


def off_domain_texts(n: int = 200, seed: int = 0) -> list[str]:
    """`n` distinct general-domain Russian sentences (astronomy, history, nature)."""
    sentences = [" ".join(parts) for parts in itertools.product(SUBJECTS, VERBS, OBJECTS, ENDINGS)]
    return random.Random(seed).sample(sentences, n)


@pytest.fixture(scope="module")
def classifier():
    return load_classifier()


@pytest.fixture(scope="module")
def example_texts(classifier, tmp_path_factory):
    config = Config(**write_example(tmp_path_factory.mktemp("example")))
    return enrich_in_chunks(collect_texts(read_inputs(config)), classifier, 20_000)


@pytest.fixture(scope="module")
def example_drift(classifier, example_texts):
    return drift.measure(example_texts, classifier)


@pytest.fixture(scope="module")
def off_domain_drift(classifier):
    texts = pd.DataFrame({"source": "comments", "key": "x", "text": off_domain_texts(), "language": ""})
    return drift.measure(enrich_in_chunks(texts, classifier, 20_000), classifier)


def test_example_week_is_below_every_threshold(example_drift):
    assert example_drift["warnings"] == []
    rows = {r["language"]: r for r in example_drift["languages"]}
    assert {"ru", "uk", "fa", "en"} <= set(rows)
    th = drift.THRESHOLDS
    for lang in ("ru", "uk", "fa", "en"):
        r = rows[lang]
        assert r["n_texts"] >= drift.MIN_TEXTS
        assert r["unseen_token_share"] < th["unseen_token_share"]
        assert r["low_confidence_share"] - r["ref_low_confidence_share"] < th["low_confidence_rise"]
        assert r["label_shift"] < th["label_shift"]
        assert 0.4 < r["domain_auc"] < th["domain_auc"]
    assert example_drift["untrained_language_share"] < th["untrained_language_share"]


def test_off_domain_week_is_above_the_thresholds(off_domain_drift):
    ru = next(r for r in off_domain_drift["languages"] if r["language"] == "ru")
    assert ru["unseen_token_share"] > drift.THRESHOLDS["unseen_token_share"]
    assert ru["domain_auc"] > drift.THRESHOLDS["domain_auc"]
    fired = {(w["language"], w["metric"]) for w in off_domain_drift["warnings"]}
    assert {("ru", "unseen_token_share"), ("ru", "domain_auc")} <= fired
    message = next(w["message"] for w in off_domain_drift["warnings"] if w["metric"] == "unseen_token_share")
    assert message.endswith("of Russian words are unknown to the models: check the review queue and consider "
                            "retraining")


def test_drift_is_fast_on_the_example_week(classifier, example_texts):
    import time

    reference = drift.load_reference()
    start = time.perf_counter()
    drift.measure(example_texts, classifier, reference=reference)
    assert time.perf_counter() - start < 3  # about 0.5 s; the bound leaves room for a slow CI machine


# ---------------------------------------------------------------- the figures, table-driven


@pytest.mark.parametrize("features, vocabulary, expected", [
    (["a b c d"], {"a", "b"}, 0.5),
    (["a 12 b", "c"], {"a", "b"}, 1 / 3),   # digits are not words
    (["", ""], {"a"}, np.nan),
    (["a b"], set(), np.nan),               # no models, no vocabulary
])
def test_unseen_share(features, vocabulary, expected):
    got = drift.unseen_share(pd.Series(features), frozenset(vocabulary))
    assert got == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize("week, reference, expected", [
    ({"negative": 0.5, "neutral": 0.3, "positive": 0.2}, {"negative": 0.5, "neutral": 0.3, "positive": 0.2}, 0.0),
    ({"negative": 1.0}, {"positive": 1.0}, 1.0),
    ({"negative": 0.6, "neutral": 0.2, "positive": 0.2}, {"negative": 0.4, "neutral": 0.4, "positive": 0.2}, 0.2),
    ({}, {"negative": 1.0}, np.nan),
])
def test_label_shift(week, reference, expected):
    assert drift.label_shift(week, reference) == pytest.approx(expected, nan_ok=True)


def table(**overrides) -> pd.DataFrame:
    """A one-language drift table within every threshold, with `overrides`."""
    row = {"language": "fa", "n_texts": 400, "share_of_texts": 1.0, "training_texts": 1700, "training_share": 0.1,
           "unseen_token_share": 0.1, "mean_confidence": 0.8, "low_confidence_share": 0.05,
           "ref_mean_confidence": 0.8, "ref_low_confidence_share": 0.04, "label_negative": 0.6,
           "label_neutral": 0.2, "label_positive": 0.2, "label_shift": 0.1, "domain_auc": 0.6}
    return pd.DataFrame([{**row, **overrides}])


@pytest.mark.parametrize("overrides, metric, words", [
    ({}, None, None),
    ({"unseen_token_share": 0.32}, "unseen_token_share", "32% of Persian words are unknown to the models"),
    ({"low_confidence_share": 0.30}, "low_confidence_rise", "30% of Persian sentiment predictions"),
    ({"label_shift": 0.5}, "label_shift", "Persian sentiment mix moved 50%"),
    ({"domain_auc": 0.93}, "domain_auc", "AUC 0.93"),
    ({"language": "other", "training_texts": 0, "unseen_token_share": 0.9}, "untrained_language_share",
     "100% of the texts are in languages the models were not trained on (other-language)"),
    ({"unseen_token_share": 0.9, "n_texts": drift.MIN_TEXTS - 1}, None, None),  # too few texts to judge
])
def test_drift_warnings(overrides, metric, words):
    warnings = drift.drift_warnings(table(**overrides))
    assert [w["metric"] for w in warnings] == ([metric] if metric else [])
    if words:
        assert words in warnings[0]["message"]
        assert warnings[0]["threshold"] == drift.THRESHOLDS[metric]


def test_domain_auc_is_near_half_for_the_same_distribution_and_near_one_for_another():
    rng = np.random.default_rng(1)
    same = drift.domain_auc(rng.random((300, 5)), rng.random((300, 5)))
    other = drift.domain_auc(rng.random((300, 5)) + 0.8, rng.random((300, 5)))
    assert abs(same - 0.5) < 0.1 and other > 0.95
    assert np.isnan(drift.domain_auc(rng.random((10, 5)), rng.random((300, 5))))  # too few texts


# ---------------------------------------------------------------- the reference


def test_reference_is_small_verified_and_holds_no_text(tmp_path):
    reference = drift.load_reference()
    assert reference is not None and set(reference.samples) >= {"ru", "uk", "fa", "en"}
    path = next(d for d in drift.reference_dirs() if (d / drift.REFERENCE_FILE).exists()) / drift.REFERENCE_FILE
    assert path.stat().st_size < 2 * 1024 * 1024
    assert all(s.shape[1] == len(drift.DESCRIPTORS) and s.dtype == np.float32 for s in reference.samples.values())
    copy = tmp_path / "models"
    copy.mkdir()
    shutil.copy(path.parent / "registry.json", copy)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    (copy / drift.REFERENCE_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256 does not match"):
        drift.load_reference(copy)
    assert drift.load_reference(tmp_path) is None  # no registry, no reference


def test_without_a_reference_the_domain_score_is_missing_not_an_error(classifier):
    texts = pd.DataFrame({"source": "comments", "key": "x", "text": off_domain_texts(60), "language": ""})
    measured = drift.measure(enrich_in_chunks(texts, classifier, 20_000), classifier, reference=drift.Reference())
    ru = measured["languages"][0]
    assert ru["domain_auc"] is None and ru["ref_low_confidence_share"] is None
    assert ru["unseen_token_share"] > drift.THRESHOLDS["unseen_token_share"]


# ---------------------------------------------------------------- the history


def test_drift_is_stored_per_week_replaced_on_rerun_and_trended(tmp_path, off_domain_drift, example_drift):
    path = tmp_path / "h.duckdb"
    store_drift(path, "2026-W46", example_drift)
    store_drift(path, "2026-W47", example_drift)
    store_drift(path, "2026-W47", off_domain_drift)  # a rerun replaces the week
    stored = load_drift(path)
    assert sorted(stored["week"].unique()) == ["2026-W46", "2026-W47"]
    w47 = stored[stored["week"] == "2026-W47"].set_index("language")
    assert w47.loc["ru", "warnings"] >= 2 and w47.loc["ru", "unseen_token_share"] > 0.25
    trend = drift.trend(stored, "2026-W48", example_drift)
    assert [r["week"] for r in trend][:1] == ["2026-W46"] and trend[-1]["week"] == "2026-W48"
    assert load_drift(tmp_path / "none.duckdb").empty
