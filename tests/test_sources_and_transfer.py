"""Training sources, mappings, the evidence features and what makes the models hold up off their domain.

Everything here runs on small frames the test builds or on our own labelled files; nothing reads ../shared/data.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from feedback_mining.analyse import analyse
from feedback_mining.classify import SentimentLexicon, Taxonomy, lexicon_frame
from feedback_mining.clean import clean
from feedback_mining.cli import main
from feedback_mining.errors import UsageError
from feedback_mining.learning.mappings import read_mapped
from feedback_mining.learning.models import DomainGate, EffortModel, PainPointModel, SentimentModel, TextFeatures
from feedback_mining.learning.sources import load_recipe, read_task, sources_from_files
from feedback_mining.terms import TermMatcher
from feedback_mining.learning.valence import EVIDENCE_COLUMNS, evidence, lexicon

ROOT = Path(__file__).resolve().parent.parent
TRAINING = ROOT / "models" / "training"
IDS = ["waiting", "billing", "staff", "technical"]


def prepared(texts, lang) -> pd.DataFrame:
    frame = pd.DataFrame({"text": texts, "language": lang}).pipe(clean, text_col="text").pipe(analyse)
    return lexicon_frame(frame, Taxonomy(), SentimentLexicon())[0]


# ---------------------------------------------------------------- evidence features


@pytest.mark.parametrize("text, lang, column, sign", [
    ("Ужасный сервис", "ru", "valence_negative", 1),
    ("Прекрасный день", "ru", "valence_positive", 1),
    ("не плохой банк", "ru", "valence_positive", 1),  # a negated word counts for the other side
    ("terrible service", "en", "valence_negative", 1),
    ("not bad at all", "en", "valence_positive", 1),
    ("ну и ладно :)", "ru", "emoticon_positive", 1),
    ("опять сломалось((", "ru", "emoticon_negative", 1),
    ("Ждал 40 минут на линии", "ru", "terms_pain_points", 1),  # a described pain point is a complaint anywhere
    ("Заседание комиссии перенесли на четверг", "ru", "valence_compound", 0),
])
def test_evidence_features(text, lang, column, sign):
    row = evidence(prepared([text], lang))[0]
    value = row[EVIDENCE_COLUMNS.index(column)]
    assert (value > 0) if sign else (abs(value) < 1e-6), dict(zip(EVIDENCE_COLUMNS, row.round(2)))


def test_valence_lexicons_hold_strong_words_only_and_no_names():
    ru, en = lexicon("ru"), lexicon("en")
    assert ru["ужасный"] < -0.7 < 0.7 < ru["отличный"] and en["terrible"] < 0 < en["great"]
    assert all(abs(v) >= 0.35 for v in ru.values())  # negated forms are half as strong
    assert "банк" not in ru and "иван" not in ru and lexicon("uk") == {}


# ---------------------------------------------------------------- the domain gate


def test_domain_gate_is_high_on_familiar_words_and_low_on_others():
    gate = DomainGate(stop_words=1, min_df=1).fit(["ждать оператор долго", "оператор ждать", "приложение ошибка",
                                                   "оператор"])
    coverage = gate.coverage(["ждать оператор", "министр заявить указ", "ждать министр", "оператор", ""])
    assert list(coverage) == [1.0, 0.0, 0.5, 0.0, 0.0]  # "оператор", in most texts, is the one stop word
    g = gate.transform(["приложение ошибка", "министр заявить указ"])
    assert g[0] > 0.99 and g[1] < 0.01


# ---------------------------------------------------------------- models off their domain


def our_texts(per_language=None, seed=1) -> pd.DataFrame:
    frames = [pd.read_csv(TRAINING / f"feedback_{lang}.csv", keep_default_na=False, dtype=str) for lang in ("ru", "en")]
    return pd.concat([f.sample(per_language, random_state=seed) if per_language else f for f in frames],
                     ignore_index=True)


@pytest.fixture(scope="module")
def fitted():
    """The sentiment model on our ru and en files, classes weighed alike as `train` does."""
    from sklearn.utils.class_weight import compute_sample_weight

    rows = our_texts()
    X = prepared(rows["text"].tolist(), rows["language"].tolist())
    y, features = rows["label"].to_numpy(), TextFeatures().fit(X)
    w = compute_sample_weight("balanced", y)
    sentiment = SentimentModel(features=features, estimator=LogisticRegression(C=4, max_iter=2000))
    sentiment.fit_transformed(X, features.transform(X), y, w)
    return rows, X, sentiment


NEWS = ["В северных районах области ожидается переменная облачность и слабый ветер",
        "Министерство опубликовало новую редакцию правил учёта земельных участков",
        "The museum opened its east wing in March",
        "Volunteers planted two hundred trees along the river"]


def test_unfamiliar_text_without_evidence_is_neutral_not_negative():
    import copy

    from feedback_mining.learning.registry import load_model, shipped_dir

    shipped, _ = load_model(shipped_dir(), "sentiment")
    X = prepared(NEWS, ["ru", "ru", "en", "en"])
    assert not evidence(X).any()  # no valence word, emoticon or term: nothing says this is a complaint
    assert (shipped.familiarity(X) < 0.5).all()
    assert (shipped.predict(X) == "neutral").all(), shipped.predict(X)
    words_only = copy.copy(shipped)
    words_only.evidence_ = None  # the word-based part alone, as the models were before the gate
    assert (words_only.predict(X) != "neutral").any()  # what the gate prevents


def test_familiar_feedback_is_still_read_by_its_words(fitted):
    rows, X, sentiment = fitted
    assert (rows["label"] == "negative").mean() > 0.5  # the training mix leans negative, like ours
    assert np.median(sentiment.familiarity(X)) > 0.9
    X2 = prepared(["Третий раз звоню, 40 минут ждал ответа оператора, так и не решили",
                   "Спасибо, всё быстро и удобно, оператор вежливый"], "ru")
    assert list(sentiment.predict(X2)) == ["negative", "positive"]


def test_effort_of_an_unfamiliar_neutral_text_is_what_neutral_texts_cost():
    rows = our_texts(400, seed=2)
    X = prepared(rows["text"].tolist(), rows["language"].tolist())
    y = rows["effort"].astype(float).to_numpy()
    labels = rows["label"].to_numpy()
    structure = pd.DataFrame({c: (labels == c).astype(float) for c in ("negative", "neutral", "positive")})
    model = EffortModel().fit(X, y, structure=structure)
    news = prepared(NEWS[:3], "ru")
    neutral = pd.DataFrame({"negative": [0.1] * 3, "neutral": [0.8] * 3, "positive": [0.1] * 3})
    estimated = model.predict(news, structure=neutral)
    assert np.abs(estimated - y[labels == "neutral"].mean()).max() < 0.1
    assert model.predict(news).mean() > estimated.mean() + 0.05  # the word part alone overstates it


def test_partial_labels_train_only_their_own_pain_points():
    X = prepared(["долго ждал ответа", "ждал очень долго", "списали деньги дважды", "снова списали деньги",
                  "всё хорошо спасибо", "хороший сервис", "ждал и списали деньги", "ждал долго, списали деньги"],
                 "ru")
    y = pd.DataFrame({"waiting": [1, 1, 0, 0, 0, 0, 0, 0], "billing": [0, 0, 1, 1, 0, 0, 1, 1]})
    known = y.astype(bool) | pd.DataFrame({c: [True] * 6 + [False] * 2 for c in y.columns})
    full = PainPointModel().fit(X, y)
    partial = PainPointModel().fit(X, y, known=known)
    # the last two rows talk of waiting but are filed under billing: as negatives they pull waiting down
    waiting = list(partial.classes_).index("waiting")
    assert partial.predict_proba(X)[6, waiting] > full.predict_proba(X)[6, waiting]


# ---------------------------------------------------------------- sources, recipes, mappings


def test_recipe_keys_are_checked_with_a_suggestion(tmp_path):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text('[[source]]\nname = "x"\npath = "x.csv"\nlanguge = "ru"\n', encoding="utf-8")
    with pytest.raises(UsageError, match="unknown key 'languge' \\(did you mean 'language'\\?\\)"):
        load_recipe(recipe)


def test_labels_are_renamed_dropped_or_kept_for_evaluation(tmp_path):
    data = tmp_path / "data.csv"
    pd.DataFrame({"text": ["a", "b", "c", "d", "e"], "label": ["POS", "neg", "mixed", "neutral", "ambiguous"]}) \
        .to_csv(data, index=False)
    recipe = tmp_path / "recipe.toml"
    recipe.write_text('[[source]]\nname = "set"\npath = "data.csv"\nlanguage = "en"\nlabels = { pos = "positive", '
                      'neg = "negative" }\ntrain_labels = ["negative", "positive"]\n', encoding="utf-8")
    (source,) = load_recipe(recipe)
    rows = read_task(source, "sentiment", IDS)
    assert list(rows["label"]) == ["positive", "negative", "neutral"]  # mixed and ambiguous are left out
    assert set(rows["language"]) == {"en"} and source.train_labels == ("negative", "positive")


def test_a_mapping_maps_issues_and_sub_issues_and_refuses_unknown_issues(tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('issue = "label"\nsub_issue = "sub"\npartial = true\n[issues]\n"Fees" = ["billing"]\n'
                       '[sub_issues]\n"Calls / Rude agent" = ["staff"]\n[lists]\nunmapped = ["Calls", "Fraud"]\n',
                       encoding="utf-8")
    data = tmp_path / "complaints.csv"
    pd.DataFrame({"text": ["t1", "t2", "t3", "t4", "t5"], "label": ["Fees", "Calls", "Calls", "Fraud", ""],
                  "sub": ["", "Rude agent", "Other", "", ""]}).to_csv(data, index=False)
    rows = read_mapped(data, mapping, IDS)
    assert list(rows["text"]) == ["t1", "t2"] and list(rows["pain_points"]) == ["billing", "staff"]
    assert rows["_partial"].all() and list(rows["_row"]) == [2, 3]
    pd.DataFrame({"text": ["t"], "label": ["Mortgage"], "sub": [""]}).to_csv(data, index=False)
    with pytest.raises(UsageError, match="Mortgage.*in no list"):
        read_mapped(data, mapping, IDS)


def test_the_shipped_mappings_and_recipe_are_consistent():
    sources = {s.name: s for s in load_recipe(TRAINING / "recipe.toml")}
    assert sources["ours"].own and sources["ru_opensentimentcorpus"].validation
    assert not sources["ru_opensentimentcorpus"].trains("sentiment")  # validation only: never trained on
    assert sources["ru_cedr"].sentiment_part == "evidence"
    for name in ("en_cfpb_complaints", "banking77"):
        assert sources[name].pain_point_mapping.exists() and sources[name].tasks == ("pain_points",)


def test_train_leaves_each_other_source_out_and_the_card_says_so(tmp_path, capsys):
    a, b = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    rows = our_texts(120, seed=3)
    rows[rows["language"] == "ru"].to_csv(a, index=False)
    rows[rows["language"] == "en"].to_csv(b, index=False)
    out = tmp_path / "models"
    assert main(["train", "--task", "sentiment", "--data", str(a), str(b), "--out", str(out), "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["cross_domain"]) == {"ours", "theirs"}  # neither file is marked ours: both left out once
    assert report["cross_domain"]["theirs"]["on_source"]["n"] == 120
    card = (out / "sentiment.card.md").read_text()
    assert "trained without it (leave-one-source-out)" in card and "| theirs |" in card


def test_train_refuses_data_and_recipe_together(tmp_path, capsys):
    assert main(["train", "--task", "sentiment", "--data", "x.csv", "--recipe", "r.toml", "--out", str(tmp_path)]) == 2
    assert "not both" in capsys.readouterr().err


# ---------------------------------------------------------------- the term matchers, united


def test_united_matcher_finds_what_each_matcher_finds():
    taxonomy, lexicon_ = Taxonomy(), SentimentLexicon()
    union = TermMatcher.union({"pp:": taxonomy.matcher, "": lexicon_.matcher})
    for text in ["долго ждал, не удобно и ужасно", "no wait at all, great service", "списали дважды, спасибо"]:
        tokens = prepared([text], "ru" if not text.isascii() else "en")["features"][0].split()
        expected = sorted([(f"pp:{lbl}", t, i) for lbl, t, i in taxonomy.matcher.matches(tokens)]
                          + lexicon_.matcher.matches(tokens))
        assert sorted(union.matches(tokens)) == expected


def test_sources_from_files_names_a_data_csv_by_its_folder():
    (source,) = sources_from_files([Path("../shared/data/ru_cedr/data.csv")], language="ru")
    assert source.name == "ru_cedr" and source.language == "ru" and not source.own
