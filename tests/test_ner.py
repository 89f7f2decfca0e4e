"""`ner.per_spans` finds what natasha's own tagger finds, on whole texts and on the windows `names` sends it."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback_mining import names, ner
from tests.pii_corpus import CORPUS, parse_case

TEXTS = [parse_case(case)[0] for cases in CORPUS.values() for case in cases]
EDGES = ["", " ", "...", "Вера", "Вера Павловна", "Роман Толстого лежит на столе", "и Вера, и Надежда, и Любовь",
         "Спасибо Сергею Петрову! " * 120]  # the last one longer than a block of positions


def natasha_spans(texts):
    return [[(s.start, s.stop) for s in markup.spans if s.type == "PER"] for markup in ner.ner_tagger().map(texts)]


def windows(texts):
    return [text[start:stop] for text in texts for start, stop in names.ner_windows(text)]


@pytest.mark.parametrize("texts", [TEXTS, EDGES, windows(TEXTS)], ids=["texts", "edges", "windows"])
def test_same_spans_as_natasha(texts):
    assert ner.per_spans(texts) == natasha_spans(texts)


def test_same_spans_whatever_the_batch():
    texts = TEXTS + EDGES
    alone = [ner.per_spans([text])[0] for text in texts]
    assert ner.per_spans(texts) == alone == natasha_spans(texts)


def test_the_token_products_stay_bounded(monkeypatch):
    monkeypatch.setattr(ner, "MAX_TOKENS", 5)
    ner._projections.cache_clear()
    texts = windows(TEXTS)
    assert [ner.per_spans([text])[0] for text in texts] == natasha_spans(texts)
    assert len(ner._projections().index) <= 5 + max(len(t.split()) * 3 for t in texts)
    ner._projections.cache_clear()


# what razdel joins across a space's neighbour, or not: dashes, underscores, numbers with . , / \, smileys
TRICKY = ["какой- то", "какой -то", "что-то и — вот", "1 .5", "1. 5", "1 ,5 и 2, 3", "1/ 2", "3 /4", "a\\ 1",
          "_x y_ z", "- 5", "5 -", ":-) ;) =((( :( ", "т.е. и т.д.", "yahoo! Yahoo !", "Δσ mβж ΔP", "«Вера» (Роман)",
          "№5 5% $5 5$", "a-b-c d--e ** ***", "?! ... …", "слово.", ".слово", "2.", ".2", "-", "—", "7-8 лет"]


def test_razdel_words_are_razdel_tokens():
    import random

    from razdel import tokenize

    rng = random.Random(3)
    alphabet = list("аб Вя zZ 19 -—_.,/\\:;()!?«»\"'%…Δ") + ["  ", "\n"]
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    ner._CHUNK_TOKENS.clear()
    for text in TRICKY + TEXTS + EDGES + fuzz + fuzz:  # the second time from the chunk cache
        assert ner.razdel_words(text) == [t.text for t in tokenize(text)], text
    assert ner._CHUNK_TOKENS  # chunks were cached, not all sent to razdel whole


@given(st.lists(st.tuples(st.sampled_from(["Вера", "Павловна", "в", "Москве", ",", "ООО", "Вера"]),
                          st.integers(0, 7)), max_size=12))
def test_person_spans_are_slovnets_bio_spans(tagged):
    """Any tag sequence, `<pad>` and I- after O included, gives the PER spans slovnet's own `bio_spans` gives."""
    from slovnet.bio import bio_spans
    from slovnet.markup import find_tokens

    words, tags = [word for word, _ in tagged], [tag for _, tag in tagged]
    text = " ".join(words)
    vocab = ner.ner_tagger().infer.decoder.tags_vocab
    expected = [(s.start, s.stop) for s in bio_spans(find_tokens(text, words), [vocab.decode(t) for t in tags])
                if s.type == "PER"]
    parts, _ = ner._tag_parts()
    assert ner._person_spans(text, words, [parts[t] for t in tags]) == expected
