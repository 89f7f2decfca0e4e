"""The learned models: metrics against hand-computed values, training on a small sample, the registry refusing
tampered files, the taxonomy file and negation moving predictions, bad labelled input, unseen languages."""

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback_mining.learning import metrics
from feedback_mining.classify import (
    ModelClassifier,
    SentimentLexicon,
    Taxonomy,
    classify,
    lexicon_frame,
    load_classifier,
)
from feedback_mining.cli import main
from feedback_mining.learning.models import SentimentModel, TextFeatures, char_wb_ngrams, word_ngrams
from feedback_mining.pipeline import enrich_texts
from feedback_mining.learning.registry import ModelError, load_model, load_models, shipped_dir

TRAINING = Path(__file__).resolve().parent.parent / "models" / "training"


def sample(per_language: int = 70, seed: int = 0) -> pd.DataFrame:
    """A small, fixed sample of our labelled files (the tests never read ../shared/data)."""
    frames = [pd.read_csv(TRAINING / f"feedback_{lang}.csv", keep_default_na=False, dtype=str)
              .sample(per_language, random_state=seed) for lang in ("ru", "uk", "fa", "en")]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The three models trained on 280 rows through the CLI, as a data scientist would."""
    root = tmp_path_factory.mktemp("train")
    sample().to_csv(root / "labelled.csv", index=False)
    out = root / "models"
    for task in ("sentiment", "pain_points", "effort"):
        assert main(["train", "--task", task, "--data", str(root / "labelled.csv"), "--out", str(out)]) == 0
    return root, out


# ---------------------------------------------------------------- metrics, by hand


def test_label_metrics_match_hand_computed_values():
    y_true = ["negative", "negative", "neutral", "positive", "positive", "positive"]
    y_pred = ["negative", "neutral", "neutral", "positive", "negative", "positive"]
    m = metrics.sentiment_metrics(y_true, y_pred, ["ru", "ru", "ru", "en", "en", "en"],
                                  ("negative", "neutral", "positive"))
    # negative: tp 1 fp 1 fn 1 -> P 1/2 R 1/2 F1 1/2; neutral: tp 1 fp 1 fn 0 -> 2/3; positive: tp 2 fp 0 fn 1 -> 4/5
    assert m["per_class"]["negative"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert m["per_class"]["neutral"]["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["per_class"]["positive"]["f1"] == pytest.approx(0.8)
    assert m["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0.8) / 3, abs=1e-4)
    assert m["confusion"] == {"labels": ["negative", "neutral", "positive"], "matrix": [[1, 1, 0], [0, 1, 0], [1, 0, 2]]}
    # ru: negative F1 2/3 (tp 1, fn 1), neutral F1 2/3 (tp 1, fp 1); positive has no ru support -> not averaged
    assert m["per_language"]["ru"]["macro_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["per_language"]["en"] == {"macro_f1": pytest.approx(0.8), "accuracy": pytest.approx(2 / 3, abs=1e-4),
                                       "n": 3, "neutral_as_negative": None}  # no neutral text in en
    assert m["neutral_as_negative"] == 0.0 and m["per_language"]["ru"]["neutral_as_negative"] == 0.0


def test_neutral_called_negative_and_low_confidence_are_counted():
    y_true = ["neutral", "neutral", "neutral", "neutral", "negative"]
    y_pred = ["negative", "neutral", "negative", "positive", "negative"]
    m = metrics.sentiment_metrics(y_true, y_pred, ["ru"] * 5, ("negative", "neutral", "positive"))
    assert m["neutral_as_negative"] == 0.5  # 2 of the 4 neutral texts
    proba = np.array([[0.4, 0.3, 0.3], [0.1, 0.8, 0.1], [0.9, 0.05, 0.05], [0.3, 0.3, 0.4], [0.45, 0.3, 0.25]])
    low = metrics.low_confidence(y_true, proba, np.array(["negative", "neutral", "positive"]), threshold=0.5)
    # below 0.5: rows 0 (wrong), 3 (wrong), 4 (right); the rest: rows 1 (right), 2 (wrong)
    assert low == {"threshold": 0.5, "share": 0.6, "accuracy_low": pytest.approx(1 / 3, abs=1e-4),
                   "accuracy_rest": 0.5}
    assert list(m)[:4] == ["macro_f1", "per_language", "per_class", "confusion"]


def test_multilabel_metrics_match_hand_computed_values():
    truth = [[1, 0], [1, 1], [0, 0], [0, 1]]
    predicted = [[1, 0], [0, 1], [1, 0], [0, 0]]
    m = metrics.multilabel_metrics(truth, predicted, ["en"] * 4, ["waiting", "billing"])
    # waiting: tp 1 fp 1 fn 1 -> F1 1/2; billing: tp 1 fp 0 fn 1 -> P 1 R 1/2 F1 2/3
    assert m["confusion"]["waiting"] == {"tp": 1, "fp": 1, "fn": 1, "tn": 1}
    assert m["per_class"]["billing"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3, abs=1e-4),
                                         "support": 2}
    assert m["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2, abs=1e-4)
    assert m["micro_f1"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 2), abs=1e-4)  # tp 2, fp 1, fn 2
    assert m["none_accuracy"] == 0.0  # row 3 has none but got waiting


def test_effort_metrics_match_hand_computed_values():
    truth, predicted = [0.0, 0.5, 0.9, 0.7], [0.2, 0.3, 0.8, 0.4]
    m = metrics.effort_metrics(truth, predicted, ["en"] * 4)
    assert m["mae"] == pytest.approx((0.2 + 0.2 + 0.1 + 0.3) / 4)
    assert m["rmse"] == pytest.approx(np.sqrt((0.04 + 0.04 + 0.01 + 0.09) / 4), abs=1e-4)
    # bins: truth low, medium, high, high; predicted low, low, high, medium
    assert list(metrics.effort_bins(truth)) == ["low", "medium", "high", "high"]
    assert m["confusion"]["matrix"] == [[1, 0, 0], [1, 0, 0], [0, 1, 1]]
    # low: tp 1 fp 1 -> 2/3; medium: tp 0 -> 0; high: tp 1 fn 1 -> 2/3
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0 + 2 / 3) / 3, abs=1e-4)
    assert metrics.effort_bins([1 / 3, 2 / 3, 0.3333])[0:2].tolist() == ["medium", "high"]


# ---------------------------------------------------------------- features


def test_cached_transform_equals_scikit_learn():
    texts = ["Ждал ждал долго", "App crashed again!!", "ok", "خیلی منتظر ماندم", "ждал 2 часа"]
    X = pd.DataFrame({"clean_text": texts, "features": ["ждать ждать долго", "app crash again", "ok", "منتظر", "ждать"]})
    features = TextFeatures(char_min_df=1, word_min_df=1).fit(X)
    from feedback_mining.learning.models import _texts
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(_texts(X))
    ours = features.transform(X)[:, :len(features.char_vocabulary_)]
    assert abs(ours - reference.transform(_texts(X))).max() < 1e-6
    words = TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True).fit(X["features"])
    block = features.transform(X)[:, len(features.char_vocabulary_):-len(features.lexicon_columns_) or None]
    assert abs(block - words.transform(X["features"])).max() < 1e-6
    assert char_wb_ngrams("ok", 2, 4) == [" o", "ok", "k ", " ok", "ok ", " ok "]


WORDS = ["ждал", "ждал", "a", "ok", "App", "crashed!!", "خیلی", "می\u200cخواهم", "0000", "@user", "👍", "ё",
         "очень-очень-длинное-слово", "x\u0301y", "ΟΔΟΣ", "İstanbul", "日本", "#"]


def reference_chars(features, X):
    """The character block as `TextFeatures` built it before (texts normalised whole, each word's n-grams as
    strings): the fast path must give the same matrix, entry order included (the models sum in that order)."""
    from scipy import sparse

    from feedback_mining.learning.models import _texts, _weigh

    texts = _texts(X).tolist()
    words = list(dict.fromkeys(" ".join(texts).split()))
    position = {w: i for i, w in enumerate(words)}
    grams = [[c for c in map(features.char_vocabulary_.get, char_wb_ngrams(w, *features.char_ngram_range))
              if c is not None] for w in words]
    by_word = sparse.csr_matrix((np.ones(sum(map(len, grams)), np.float32), [c for g in grams for c in g],
                                 np.r_[0, np.cumsum([len(g) for g in grams])]),
                                shape=(len(words), len(features.char_vocabulary_)))
    codes = [position[w] for text in texts for w in text.split()]
    by_text = sparse.csr_matrix((np.ones(len(codes), np.float32), codes,
                                 np.r_[0, np.cumsum([len(t.split()) for t in texts])]), shape=(len(texts), len(words)))
    return _weigh((by_text @ by_word).tocsr(), features.char_idf_)


@pytest.fixture(scope="module")
def shipped_features():
    return load_classifier().models["sentiment"].features_


def test_char_grams_in_numpy_equal_string_by_string(shipped_features):
    from feedback_mining.learning.models import CharGrams

    for vocabulary in (shipped_features.char_vocabulary_, {" a": 0, "a ": 1, " ab": 2, "ab ": 3, "b": 4, " ": 5}):
        grams = CharGrams(vocabulary, 2, 5)
        assert grams.usable
        for words in (WORDS, [w for w in WORDS if w != "👍"]):  # beyond the Basic Multilingual Plane, and not
            fast, slow = grams.columns(words), grams._each(words)
            assert fast[0].tolist() == slow[0].tolist() and fast[1].tolist() == slow[1].tolist()


def test_feature_matrix_equals_the_reference_exactly(shipped_features):
    texts = ["Ждал  ждал ДОЛГО, @FlyNorthAir 52 мин", "", "  ", "App crashed again!! 👍", "خیلی منتظر ماندم",
             "ΟΔΟΣ İstanbul x\u0301y", "ok"] * 3
    X = pd.DataFrame({"clean_text": texts, "features": ["ждать ждать долго", "", "", "app crash again", "منتظر",
                                                       "οδος istanbul", "не_удобно ok"] * 3})
    ours = shipped_features._chars(X["clean_text"].fillna("").astype(str))
    reference = reference_chars(shipped_features, X)
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(ours, part), getattr(reference, part)), part
    features = X["features"]
    words, each = shipped_features._words(features), shipped_features._words_each(features)
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(words, part), getattr(each, part)), part


def test_words_kept_from_earlier_batches_give_the_reference_matrix(shipped_features, monkeypatch):
    from feedback_mining.learning import models

    features = copy.deepcopy(shipped_features)
    batches = [["Ждал долго, оператор не ответил", "App crashed again!!"], ["ждал ДОЛГО", "оператор 12 мин", ""],
               ["новое слово", "App ждал"]] * 3
    monkeypatch.setattr(models, "over_limit", lambda cache: len(cache) > 6)  # emptied now and then, too
    for texts in batches:
        X = pd.DataFrame({"clean_text": texts})
        ours, reference = features._chars(X["clean_text"]), reference_chars(features, X)
        for part in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(ours, part), getattr(reference, part)), part
    kept = features.word_grams_[str(X["clean_text"].dtype)]
    assert 0 < len(kept.words) <= 6 + 5 and len(kept.indptr) == len(kept.words) + 1


def test_a_vocabulary_cut_by_max_features_is_read_pair_by_pair():
    from feedback_mining.learning.models import _bigram_index

    assert _bigram_index({"a": 0, "b": 1, "a b": 2})[0]
    assert not _bigram_index({"a": 0, "a b": 1})[0]  # "b" was cut: "a b" must be looked up as a string
    X = pd.DataFrame({"clean_text": ["a b c", "a b", "b c d"], "features": ["a b c", "a b", "b c d"]})
    features = TextFeatures(char_min_df=1, word_min_df=1, word_max_features=4).fit(X)
    words = features._words(X["features"])
    assert np.array_equal(words.toarray(), features._words_each(X["features"]).toarray())
    again = TextFeatures(char_min_df=1, word_min_df=1).fit(X)
    again._words(X["features"])  # its look-up tables built
    other = X.assign(features=["y x", "x y z", "z a"])
    again.fit(other)  # ... and dropped with the vocabulary they were built from
    assert np.array_equal(again._words(other["features"]).toarray(), again._words_each(other["features"]).toarray())
    assert again._chars(other["clean_text"]).nnz == reference_chars(again, other).nnz


# ---------------------------------------------------------------- training and evaluation


def test_train_writes_model_card_and_registry(trained):
    _root, out = trained
    registry = json.loads((out / "registry.json").read_text())
    assert set(registry["models"]) == {"sentiment", "pain_points", "effort"}
    card = json.loads((out / "sentiment.card.json").read_text())
    assert card["data"][0]["sha256"] and card["held_out"]["held_out_rows"] > 0
    assert set(card["metrics"]["held_out"]["labelled"]["per_language"]) == {"ru", "uk", "fa", "en"}
    assert card["library_versions"]["scikit-learn"] and "train --task sentiment" in card["training_command"]
    assert card["metrics"]["baseline_held_out"]["n"] == card["metrics"]["held_out"]["labelled"]["n"]
    text = (out / "sentiment.card.md").read_text()
    assert "## Held-out rows of each trained source" in text and "| labelled | 47 |" in text
    assert "Every figure is on held-out rows" in text  # one file, no other domain: the card says so


def test_evaluate_prints_metrics_that_recompute_from_predictions(trained, capsys):
    root, out = trained
    capsys.readouterr()
    assert main(["evaluate", "--task", "sentiment", "--data", str(root / "labelled.csv"), "--model", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result)[:4] == ["macro_f1", "per_language", "per_class", "confusion"]
    from feedback_mining.classify import SentimentLexicon, Taxonomy
    from feedback_mining.learning.sources import sources_from_files
    from feedback_mining.learning.train import known_pain_points
    from feedback_mining.learning.training_data import PreparedTexts, TaskData
    data = TaskData("sentiment", sources_from_files([root / "labelled.csv"]), known_pain_points(Taxonomy()),
                    PreparedTexts(Taxonomy(), SentimentLexicon()))
    X, y = data.rows(data.held_out)
    model, _ = load_model(out, "sentiment")
    from sklearn.metrics import f1_score
    assert result["macro_f1"] == pytest.approx(f1_score(y, model.predict(X), average="macro"), abs=1e-4)
    assert result["n"] == len(y) == sum(np.array(result["confusion"]["matrix"]).ravel())
    assert main(["evaluate", "--task", "effort", "--data", str(root / "labelled.csv"), "--model", str(out)]) == 0
    effort = json.loads(capsys.readouterr().out)
    assert {"mae", "rmse", "macro_f1"} <= set(effort) and effort["confusion"]["labels"] == ["low", "medium", "high"]


def test_held_out_rows_never_reach_training(trained):
    from feedback_mining.learning.labelled import held_out_mask, split_bucket
    assert split_bucket("Ждал 40 минут!") == split_bucket("ждал 15 минут")
    texts = sample()["text"]
    mask = held_out_mask(texts)
    assert 0.1 < mask.mean() < 0.3
    model, _ = load_model(trained[1], "sentiment")
    assert sum(model.languages_.values()) == (~mask).sum()


@pytest.mark.parametrize("rows, message", [
    ([("Ждал долго", "negative"), ("", "positive")], "row 3: empty text"),
    ([("Ждал долго", "negative"), ("ok", "great")], "row 3: label ['great'] is not one of"),
    ([(f"text {chr(97 + i % 26)}{chr(97 + i // 26)}", "negative") for i in range(40)],
     "every training row has label 'negative'"),
    ([(f"text {chr(97 + i)}", "negative" if i % 2 else "positive") for i in range(10)], "need at least 20"),
])
def test_bad_labelled_files_exit_2_naming_rows(tmp_path, capsys, rows, message):
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(tmp_path / "bad.csv", index=False)
    assert main(["train", "--task", "sentiment", "--data", str(tmp_path / "bad.csv"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_unknown_pain_point_id_names_the_row(tmp_path, capsys):
    pd.DataFrame({"text": ["a", "b", "c"], "pain_points": ["waiting", "", "queue;billing"]}).to_csv(
        tmp_path / "bad.csv", index=False)
    assert main(["train", "--task", "pain_points", "--data", str(tmp_path / "bad.csv"), "--out", str(tmp_path)]) == 2
    assert "row 4: unknown pain point id(s) ['queue']" in capsys.readouterr().err


# ---------------------------------------------------------------- the registry


def test_a_tampered_model_file_is_refused(trained, tmp_path):
    import shutil
    copy = tmp_path / "models"
    shutil.copytree(trained[1], copy)
    load_model(copy, "effort")
    with open(copy / "effort.skops", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelError, match="does not match the registry"):
        load_model(copy, "effort")


def test_unlisted_or_outside_files_are_refused(trained, tmp_path):
    import shutil
    copy = tmp_path / "models"
    shutil.copytree(trained[1], copy)
    registry = json.loads((copy / "registry.json").read_text())
    registry["models"]["effort"]["file"] = "../elsewhere.skops"
    del registry["models"]["sentiment"]
    (copy / "registry.json").write_text(json.dumps(registry))
    with pytest.raises(ModelError, match="inside the directory"):
        load_model(copy, "effort")
    with pytest.raises(ModelError, match="lists no 'sentiment' model"):
        load_model(copy, "sentiment")
    with pytest.raises(ModelError, match="no model registry"):
        load_models(tmp_path / "nowhere")
    registry["models"]["effort"]["file"] = "effort.skops"
    registry["models"]["effort"]["versions"]["scikit-learn"] = "0.24.2"
    (copy / "registry.json").write_text(json.dumps(registry))
    with pytest.raises(ModelError, match="scikit-learn 0.24.2"):
        load_model(copy, "effort")


def test_shipped_models_are_listed_small_and_load():
    registry = json.loads((shipped_dir() / "registry.json").read_text())
    assert set(registry["models"]) == {"sentiment", "pain_points", "effort"}
    for entry in registry["models"].values():
        assert (shipped_dir() / entry["file"]).stat().st_size < 25e6
        assert (shipped_dir() / entry["card"]).exists()
    models, _info, _ = load_models()
    assert set(models) == {"sentiment", "pain_points", "effort"}


# ---------------------------------------------------------------- predictions


@pytest.fixture(scope="module")
def shipped():
    return load_classifier()


def enrich(classifier, texts, lang):
    return enrich_texts(pd.DataFrame({"text": texts, "language": lang}), classifier)


@pytest.mark.parametrize("said, negated, lang", [
    ("Ждали очень долго, часа два", "Ждать не пришлось, всё за пять минут", "ru"),
    ("I was on hold for two hours", "No queue at all, walked straight up to the desk", "en"),
    ("Чекав дві години на лінії", "Черги не було взагалі, одразу прийняли", "uk"),
])
def test_negation_flips_a_pain_point(shipped, said, negated, lang):
    out = enrich(shipped, [said, negated], lang)
    assert "waiting" in out.loc[0, "pain_points"].split(";")
    assert "waiting" not in out.loc[1, "pain_points"].split(";")
    assert out.loc[0, "p_waiting"] > 0.5 > out.loc[1, "p_waiting"]


def test_editing_the_taxonomy_file_changes_model_predictions(shipped, tmp_path):
    text = "Застрял на шаге с загрузкой селфи"
    before = enrich(shipped, [text], "ru")
    taxonomy = Path(__file__).resolve().parent.parent / "feedback_mining" / "resources" / "taxonomy.toml"
    edited = tmp_path / "taxonomy.toml"
    source = taxonomy.read_text(encoding="utf-8")
    assert source.count('"написать заявление", "анкета"') == 1
    edited.write_text(source.replace('"написать заявление", "анкета"', '"написать заявление", "загрузка селфи", "анкета"')
                      + '\n[pain_points.stuck]\nru = ["застрять"]\n', encoding="utf-8")
    models, info, directory = load_models()
    after = enrich(ModelClassifier(models, Taxonomy(edited), SentimentLexicon(), directory, info), [text], "ru")
    assert after.loc[0, "p_process_complexity"] > before.loc[0, "p_process_complexity"] + 0.2
    assert json.loads(after.loc[0, "pain_point_evidence"])["process_complexity"] == ["загрузка селфи"]
    assert after.loc[0, "p_stuck"] == pytest.approx(0.65)  # only in the taxonomy: found by its term
    assert "stuck" in after.loc[0, "pain_points"].split(";") and "p_stuck" not in before


def test_unseen_language_gets_a_prediction_with_lower_confidence(trained):
    model, _ = load_model(trained[1], "sentiment")
    X = pd.DataFrame({"clean_text": ["Ужасный сервис, ждал два часа"] * 2, "features": ["ужасный сервис ждать два час"] * 2,
                      "language": ["ru", "other"]})
    proba = model.predict_proba(X)
    assert proba.shape == (2, 3) and proba[1].max() < proba[0].max()
    assert model.predict(X)[1] in ("negative", "neutral", "positive")


def test_classify_takes_any_estimator_with_predict_proba(term_files):
    class Always:
        classes_ = np.array(["negative", "neutral", "positive"], dtype=object)

        def predict_proba(self, X):
            return np.tile([0.1, 0.2, 0.7], (len(X), 1))

    classifier = ModelClassifier({"sentiment": Always()}, Taxonomy(term_files[0]), SentimentLexicon(term_files[1]))
    frame = pd.DataFrame({"clean_text": ["Ждал в очереди", ""], "features": ["ждать в очередь", ""],
                          "language": ["ru", "und"]})
    out = classify(frame, classifier)
    assert out["sentiment"].tolist() == ["positive", ""] and out.loc[0, "sentiment_confidence"] == 0.7
    assert out.loc[0, "pain_points"] == "waiting"  # no pain-point model: the terms
    assert set(lexicon_frame(frame, classifier.taxonomy, classifier.lexicon)[0]) >= {"hits_waiting", "hits_positive"}


def test_model_classifier_pickles_as_a_reference_to_its_registry(shipped):
    import pickle
    blob = pickle.dumps(shipped)
    assert len(blob) < 10_000
    again = pickle.loads(blob)
    assert again.ids == shipped.ids and again.version == shipped.version


def test_shipped_sentiment_model_is_a_text_model():
    models, _, _ = load_models()
    assert isinstance(models["sentiment"], SentimentModel)
    assert models["sentiment"].features_.fingerprint_ == models["pain_points"].features_.fingerprint_


def test_run_records_model_versions_and_hashes(week, config):
    from feedback_mining.pipeline import run_job
    result = run_job(config, frames=week)
    models = result.manifest["models"]
    registry = json.loads((shipped_dir() / "registry.json").read_text())["models"]
    for task in ("sentiment", "pain_points", "effort"):
        assert models[task]["sha256"] == registry[task]["sha256"] and models[task]["version"]
    assert models["taxonomy"] == "test-1"


def test_enrich_uses_a_given_model_directory(trained, tmp_path):
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["Ждал в очереди два часа 😡", "Спасибо, всё быстро"]}).to_csv(source, index=False)
    assert main(["enrich", str(source), "--out", str(tmp_path / "out.csv"), "--models", str(trained[1])]) == 0
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["sentiment"].tolist()[1] in ("positive", "neutral") and out["effort_estimate"].between(0, 1).all()
    assert main(["enrich", str(source), "--out", str(tmp_path / "o.csv"), "--models", str(tmp_path / "none")]) == 2


def test_readme_model_table_is_the_cards():
    from feedback_mining.learning.cards import readme_table
    root = Path(__file__).resolve().parent.parent
    cards = {t: json.loads((root / "models" / f"{t}.card.json").read_text())
             for t in ("sentiment", "pain_points", "effort")}
    assert readme_table(cards) in (root / "README.md").read_text(encoding="utf-8"), \
        "README's model table differs from the cards: paste feedback_mining.learning.cards.readme_table(cards)"


def test_emoticons_counted_in_one_scan_as_text_by_text():
    from feedback_mining.learning.valence import _FROWN, _SMILE, emoticon_counts

    texts = [":D", "))", "ok :-) :) ((", "(:", "a)\n)b", ";-(((", "=)", "İİ :(", "", "x:d", "5))", "((", ":'("]
    rng = np.random.default_rng(0)
    texts += ["".join(rng.choice(list(":;=()-'dD5 a\n"), 12)) for _ in range(2000)]
    for pattern, counts in zip((_SMILE, _FROWN), emoticon_counts(texts)):
        assert counts.tolist() == [len(pattern.findall(t.lower())) if "(" in t or ")" in t else 0 for t in texts]
    assert [c.tolist() for c in emoticon_counts([])] == [[], []]


def test_words_normalised_in_one_pass_as_texts_are():
    from feedback_mining.learning.models import _normalise, _normalise_words

    words = WORDS + ["@Ivan_Petrov", "a@b@c", "٣٤", "x12y", "ΣΑΣ", "@", "@@x"]
    column = pd.Series(words).astype(str)
    assert _normalise_words(words, column.dtype) == _normalise(column).tolist()
    assert _normalise_words([], column.dtype) == []
