"""The fast paths of `names` against the plain forms they replace."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_mining import names
from tests.pii_corpus import CORPUS, parse_case

PLAIN_SCREEN = re.compile("|".join(p.pattern for p in names.SCREEN_KINDS))  # the four kinds, one after the other
LETTERS = "аВяЯёЁіІїЇєЄґҐ'’-aAzZeEÀàöÖøÿO Mc\u0600\u06cc\u06ff\u200c.,!1"


@given(st.text(alphabet=LETTERS, max_size=40))
@settings(max_examples=3000, deadline=None)
def test_the_screen_finds_the_words_the_four_patterns_find(text):
    assert names._SCREEN.findall(text) == PLAIN_SCREEN.findall(text)


def test_the_screen_on_the_corpus():
    for cases in CORPUS.values():
        for case in cases:
            text = parse_case(case)[0]
            assert names._SCREEN.findall(text) == PLAIN_SCREEN.findall(text), text


# words that make the screen say yes, no, or "only with a cue": names sure and maybe, words no dictionary knows,
# cues, all caps, Latin names listed and not, firms, and the punctuation that ends a token or a sentence
WORDS = ["Сергей", "Вера", "Роман", "Трешак", "Ахмедзянов", "Москва", "оператор", "Оператору", "спасибо", "пан",
         "компании", "ИВАНОВ", "ИВАН", "МТС", "ОЧЕНЬ", "Вася-", "Вася-Пупкин", "Олені", "дякую", "звонил", "agent",
         "Turner", "Kowalczyk", "Sarah", "Mark", "Dear", "Consumer", "Hello", "This", "Mr", "named", "thanks",
         "Equifax", "ask", "McAllister", "И", ".", ",", "!", "-", "'", "5", "был", "at", "в"]


def _reference(text: str) -> str:
    """`names.redact` with the NER's spans, text by text and unscreened."""
    return names.redact(text, names.per_spans_in_windows([text])[0])


@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=9).map(" ".join), min_size=1, max_size=8))
@settings(max_examples=300, deadline=None)
def test_the_batch_screen_skips_no_text_the_rules_would_change(texts):
    assert names.redact_all(texts) == [_reference(text) for text in texts]


def test_a_word_in_no_list_is_a_name_after_a_role_but_not_after_a_greeting():
    texts = ["I spoke to agent Turner yesterday", "менеджер Ахмедзянов помог",
             "Dear Consumer Financial Protection Bureau", "Hello This is about my card", "Оператор МТС ОЧЕНЬ груб"]
    assert names.redact_all(texts) == ["I spoke to agent <NAME> yesterday", "менеджер <NAME> помог", *texts[2:]]
    assert names.redact_all(texts) == [_reference(text) for text in texts]


@given(st.text(alphabet=LETTERS + "<>NAME_²\u0301\t\n…?", max_size=60))
@settings(max_examples=2000, deadline=None)
def test_token_offsets_and_shapes_are_the_plain_ones(text):
    tokens = names._Tokens(text)
    assert [tokens.start(i) for i in range(len(tokens.words))] == [m.start() for m in names._TOKEN.finditer(text)]
    assert tokens.shapes == [names._shape(w) if w[0] in names._SHAPED_FIRST else "" for w in tokens.words]
    assert tokens.marked == [i for i, shape in enumerate(tokens.shapes) if shape in names._MARKED]
