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
