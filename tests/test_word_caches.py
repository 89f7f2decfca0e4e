"""The per-word caches of the text stages stay bounded and give the same answers when cut back."""

import pandas as pd
import pytest

from feedback_mining import analyse, language, names, word_caches
from feedback_mining.classify import combined_matcher, load_classifier
from feedback_mining.example import make_example
from feedback_mining.pipeline import enrich_texts
from feedback_mining.word_caches import over_limit, trim


def test_trim_keeps_the_newest_half_once_over_the_limit():
    cache = {f"w{i}": i for i in range(10)}
    assert trim(cache, limit=10) == 0 and len(cache) == 10
    cache["w10"] = 10
    assert trim(cache, limit=10) == 6
    assert list(cache) == ["w6", "w7", "w8", "w9", "w10"]
    assert not over_limit(cache, 5) and over_limit(cache, 4)


def _texts() -> pd.DataFrame:
    data = make_example(seed=3, n_surveys=400)
    texts = pd.concat([data["comments"]["text"], data["tickets"]["subject"] + "\n" + data["tickets"]["body"]])
    return pd.DataFrame({"text": texts.dropna().astype(str).tolist()})


def _caches(classifier) -> dict[str, int]:
    sizes = {"lemmas " + lang: len(lemmatizer.cache_) for lang, lemmatizer in analyse._LEMMATIZERS.items()}
    matcher = combined_matcher(classifier.taxonomy, classifier.lexicon)
    return sizes | {"name kinds": len(names._KINDS), "name shapes": len(names._SHAPES),
                    "name screen": len(names._SCREENED), "language votes": len(language._VOTES),
                    "term tokens": len(matcher.seen_)}


@pytest.mark.parametrize("limit", [40])
def test_text_stages_answer_the_same_with_tiny_caches(monkeypatch, limit):
    frame = _texts()
    classifier = load_classifier("lexicon")
    batches = [frame.iloc[i:i + 100] for i in range(0, len(frame), 100)]
    reference = pd.concat([enrich_texts(b, classifier) for b in batches])
    grown = _caches(classifier)
    assert grown["lemmas ru"] > 4 * limit and grown["term tokens"] > 4 * limit  # the week outgrows the limit

    monkeypatch.setattr(word_caches, "LIMIT", limit)
    out, largest = [], {}
    for batch in batches:
        out.append(enrich_texts(batch, classifier))
        largest = {k: max(largest.get(k, 0), n) for k, n in _caches(classifier).items()}
    pd.testing.assert_frame_equal(pd.concat(out), reference)
    # cut back at each batch's start: a cache holds at most the limit plus one batch's new forms
    words_per_batch = max(len(set(" ".join(b["text"]).lower().split())) for b in batches)
    for name, n in largest.items():
        assert n <= limit + words_per_batch, name
    assert largest["lemmas ru"] < grown["lemmas ru"] and largest["term tokens"] < grown["term tokens"]


def test_joined_lemmas_match_the_list_path_through_cuts_and_single_words(monkeypatch):
    monkeypatch.setattr(word_caches, "LIMIT", 6)
    fast, plain = analyse.Lemmatizer("ru"), analyse.Lemmatizer("ru")
    batches = [["очереди", "ждали", "очереди"], ["звонили", "ждали", "операторы", "\x01", "долго"],
               ["заявки", "курьеры", "отменили", "заказы", "снова", "очереди", "ждали"], [],
               ["платежи", "\ud800", "ждали"]]  # a lone surrogate: Arrow cannot hold it, the plain path answers
    for batch in batches:
        assert fast.joined(batch) == " ".join(plain.lemmas(batch))
        assert fast("банкоматы") == "банкомат"  # a single look-up leaves the Arrow mirror stale: rebuilt next batch
        assert len(fast.cache_) <= 6 + len(batch) + 1
    assert fast.joined(["очереди", "банкоматы"]) == "очередь банкомат"
    assert fast._forms is not None and "\ud800" not in fast.cache_  # the Arrow path again, after the surrogate
