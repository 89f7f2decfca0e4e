"""The lexicon classifier: term syntax, negation, evidence, and a taxonomy edit changing predictions."""

import json

import numpy as np
import pandas as pd
import pytest

from feedback_mining.analyse import analyse_text
from feedback_mining.classify import LexiconClassifier, SentimentLexicon, Taxonomy, classify
from feedback_mining.terms import TermMatcher


def features(text, lang):
    return analyse_text(text, lang)[1].split()


@pytest.mark.parametrize("terms, text, lang, hit", [
    (["ждать"], "Ждали два часа", "ru", True),
    (["wait*"], "I waited forever", "en", True),
    (["wait*"], "not waiting anymore", "en", False),  # negated
    (["долго"], "не долго", "ru", False),
    (["не работать"], "приложение не работает", "ru", True),
    (["работать"], "приложение не работает", "ru", False),
    (["другой отдел"], "перевели в другой отдел", "ru", True),
    (["другой отдел"], "другой сотрудник отдела", "ru", False),  # not contiguous
    (["ждать"], "ждать не пришлось", "ru", False),  # negated "had to" after
    (["ждать"], "не пришлось ждать", "ru", False),  # ... and before
    (["чекати"], "чекати не довелося", "uk", False),
    (["чекати"], "не треба було чекати", "uk", False),  # two words before
    (["wait*"], "I didn't have to wait", "en", False),
    (["wait*"], "I had to wait", "en", True),
    (["منتظر*"], "خیلی منتظر ماندم", "fa", True),
])
def test_term_matching(terms, text, lang, hit):
    matcher = TermMatcher.from_lists({"x": terms}, lang)
    assert bool(matcher.matches(features(text, lang))) is hit


def test_pain_points_carry_probability_and_evidence(term_files):
    classifier = LexiconClassifier(Taxonomy(term_files[0]), SentimentLexicon(term_files[1]))
    frame = pd.DataFrame({"clean_text": ["Ждал в очереди долго, потом ошибка", "Всё удобно, спасибо 👍", ""],
                          "language": ["ru", "ru", "und"]})
    out = classify(frame.assign(features=[analyse_text(t, l)[1] for t, l in zip(frame.clean_text, frame.language)]),
                   classifier)
    assert out.loc[0, "pain_points"] == "waiting;technical"  # most probable first
    scores = json.loads(out.loc[0, "pain_point_scores"])
    assert scores["waiting"] > scores["technical"] > 0.5
    assert sorted(json.loads(out.loc[0, "pain_point_evidence"])["waiting"]) == ["долго", "ждать", "очередь"]
    assert out["sentiment"].tolist() == ["negative", "positive", ""]
    assert out.loc[0, "effort_estimate"] > out.loc[1, "effort_estimate"]
    assert pd.isna(out.loc[2, "effort_estimate"])


def test_editing_the_taxonomy_file_changes_predictions(term_files, tmp_path):
    text = "Курьер опоздал на три часа"
    feats = analyse_text(text, "ru")[1]
    before = LexiconClassifier(Taxonomy(term_files[0]), SentimentLexicon(term_files[1]))
    assert before.classify_text(feats, text)["scores"] == {}
    edited = tmp_path / "edited.toml"
    edited.write_text(term_files[0].read_text(encoding="utf-8") +
                      '\n[pain_points.delivery]\nru = ["курьер", "опоздать"]\n', encoding="utf-8")
    after = LexiconClassifier(Taxonomy(edited), SentimentLexicon(term_files[1]))
    assert list(after.classify_text(feats, text)["scores"]) == ["delivery"]
    assert after.taxonomy.ids[-1] == "delivery"


@pytest.mark.parametrize("text, lang, sentiment", [
    ("Очень удобно", "ru", "positive"),
    ("Не удобно", "ru", "negative"),  # negation flips
    ("terrible 😡", "en", "negative"),
    ("great 👍", "en", "positive"),
    ("Подскажите часы работы", "ru", "neutral"),
])
def test_sentiment_lexicon(term_files, text, lang, sentiment):
    classifier = LexiconClassifier(Taxonomy(term_files[0]), SentimentLexicon(term_files[1]))
    assert classifier.classify_text(analyse_text(text, lang)[1], text)["sentiment"] == sentiment


def test_shipped_term_files_load_and_cover_every_pain_point():
    taxonomy = Taxonomy()
    ids = ["waiting", "repeat_contact", "transfer", "channel_switch", "repeat_info", "process_complexity",
           "information", "technical", "unresolved", "staff", "delivery", "billing"]
    assert taxonomy.ids[:12] == ids
    for pp in ids:
        for lang in ("en", "ru", "uk", "fa"):
            assert taxonomy.pain_points[pp].get(lang), f"{pp} has no {lang} terms"
    SentimentLexicon()


BATCH = [
    "в обработка уже неделя", "ждать в", "обработка", "", "так и не_решить вопрос", "в лс написать",  # a pair
    "по круг по круг", "ждать не_прийтись", "один и то же один и то же", "не_удобно не_работать",  # across texts
    "хороший", "wait waited waiting", "в", "в в в обработка",
]


def test_batch_matching_equals_matching_each_text():
    """The batch pass (screened positions, one split) finds what `matches` finds text by text."""
    from feedback_mining.tokens import Tokens

    def matcher():
        return TermMatcher.union({"pp:": Taxonomy().matcher, "": SentimentLexicon().matcher})

    texts = BATCH + [features(t, lang) and " ".join(features(t, lang)) for t, lang in [
        ("Ждали в очереди два часа, перевели в другой отдел", "ru"), ("Так и не решили мою проблему", "ru"),
        ("I had to call again and again, nobody helped", "en"), ("Не довелося чекати", "uk")]]
    filler = [f"слово{i} в" for i in range(1200)]  # enough distinct forms for the Arrow screen too
    for batch in (texts, texts + filler + texts):
        one = matcher()
        expected = {i: found for i, text in enumerate(batch) if (found := one.matches(text.split()))}
        assert dict(matcher().batch_matches(batch, Tokens(batch))) == expected
        assert len(expected) >= 10
    both = matcher()  # the batch path learns on top of what the text path learnt, and the other way round
    assert [both.matches(t.split()) for t in texts[:5]] == [one.matches(t.split()) for t in texts[:5]]
    assert dict(both.batch_matches(batch, Tokens(batch))) == expected


def test_tokens_split_once_and_take_rows():
    from feedback_mining.tokens import Tokens

    tokens = Tokens(["a b", "", "b  c b", "d"])
    assert tokens.forms == ["a", "b", "c", "d"] and tokens.starts.tolist() == [0, 2, 2, 5, 6]
    assert tokens.lookup({"b": 1.0}, 0.0).tolist() == [0, 1, 1, 0, 1, 0]
    part = tokens.take([3, 0, 1])
    assert [[part.forms[c] for c in part.codes[s:e]] for s, e in zip(part.starts, part.starts[1:])] == \
        [["d"], ["a", "b"], []]


def test_tokens_split_in_arrow_as_python_splits():
    """Arrow's whitespace is Python's for every code point; lone surrogates (no UTF-8) are split in Python."""
    from feedback_mining.tokens import Tokens

    points = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    texts = ["".join(f"a{chr(c)}b" for c in points[i:i + 5000]) for i in range(0, len(points), 5000)]
    texts += ["  a b  ", " ", "", "x\u3000y", "\ud800 x"]
    for part in (texts[:-1], texts[-3:]):
        tokens = Tokens(part)
        assert [[tokens.forms[c] for c in tokens.codes[s:e]] for s, e in zip(tokens.starts, tokens.starts[1:])] == \
            [t.split() for t in part]


def test_tokens_look_up_in_arrow_as_in_python():
    from feedback_mining.tokens import Tokens

    words = [f"w{i}" for i in range(1500)]  # enough forms for the Arrow path
    tokens = Tokens([" ".join(words[i:i + 7]) for i in range(0, 1500, 3)] + ["", "w3 zz w3"])
    table = {f"w{i}": i * 0.5 for i in range(0, 1500, 2)} | {"zz": -1.0}
    python = tokens._lookup_in_python(table, 9.0, float)
    assert np.array_equal(tokens.lookup(table, 9.0, float), python) and (python == 9.0).any()
    table["w1"] = 4.0  # a table of another size is read again
    again = tokens.lookup(table, 9.0, float)
    assert np.array_equal(again, tokens._lookup_in_python(table, 9.0, float)) and 4.0 in again
    mixed = {1: 2.0, "w4": 3.0}  # keys Arrow cannot hold as strings: the Python path answers
    assert np.array_equal(tokens.lookup(mixed, 0.0), tokens._lookup_in_python(mixed, 0.0, float))
    vocabulary = {w: j for j, w in enumerate(words[::-1])}
    assert tokens.lookup(vocabulary, -1, np.int64).tolist() == [vocabulary.get(tokens.forms[c], -1)
                                                                for c in tokens.codes]
