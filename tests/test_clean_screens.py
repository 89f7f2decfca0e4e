"""The batch screens of `clean.clean_texts` are at least as wide as the rules they skip."""

import sys

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_mining.clean import (_OBFUSCATED_SCREEN, _REDACT_SCREENS, _SPACE_SCREEN, _matches, clean_text, clean_texts,
                                   collapse_whitespace, redact_obfuscated_emails)

SPACES = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]


def test_the_space_screen_knows_every_whitespace_character():
    texts = [f"a{c}b" for c in SPACES if c != " "] + ["a  b", " a", "a ", "a b"]
    assert _matches(texts, _SPACE_SCREEN)[_SPACE_SCREEN].tolist() == [True] * (len(texts) - 1) + [False]


@given(st.lists(st.text(alphabet=["a", "б", " ", "\n", "\u00a0", "\u2009", "\t", "\x1f", "\u200b"], max_size=12),
                max_size=20))
@settings(max_examples=500, deadline=None)
def test_a_text_the_space_screen_passes_is_already_collapsed(texts):
    for text, screened in zip(texts, _matches(texts, _SPACE_SCREEN)[_SPACE_SCREEN]):
        assert screened or collapse_whitespace(text) == text


PARTS = ["a", "Б", " ", "  ", "\n", "<", "b>", "&amp;", "@x.ru", "12", "4111 1111 1111 1111", "—", "От: ", "ﬁ",
         "\u00a0", "Вера ", "Сергей ", "оператор ", "> ", "-- ", "4111", " ", "-", "1111", "UA21", " 3223",
         "40817810099910004312", "4081 7810 0999 1000 4312", "۱۲۳۴", "٤٥٦٧", "паспорт ", "+7 916 123-45-67",
         "ivan at gmail dot com", " at ", "петров собака yandex точка ru", "эт ", "поэт", "what ", "(at)", "Эт"]


@given(st.lists(st.lists(st.sampled_from(PARTS), max_size=10).map("".join), max_size=12))
@settings(max_examples=600, deadline=None)
def test_the_batch_cleans_like_the_reference(texts):
    assert clean_texts(texts) == [clean_text(text) for text in texts]


@given(st.lists(st.lists(st.sampled_from(PARTS), max_size=6).map("".join), min_size=1, max_size=30))
@settings(max_examples=300, deadline=None)
def test_screens_read_in_one_pass_are_each_screen_alone(texts):
    patterns = tuple(dict.fromkeys(_REDACT_SCREENS.values()))
    found = _matches(texts, *patterns)
    array = pa.array(texts, pa.large_string())
    for pattern in patterns:  # the union picks the rows, each pattern decides them: the same as a pass of its own
        assert found[pattern].tolist() == pc.match_substring_regex(array, pattern).to_pylist(), pattern


NEIGHBOURS = st.sampled_from(["", " ", "  ", "(", ")", "[", "<", ">", "x", "é", "д", "_", "1", "ǅ", "\u0300", "\n"])
AT_WORDS = st.sampled_from(["at", "AT", "At", "эт", "Эт", "собака", "Собака", "@", "a t", "эта", "cat"])


@given(st.tuples(st.sampled_from(["ivan", "i.petrov", "", "x"]), NEIGHBOURS, AT_WORDS, NEIGHBOURS,
                 st.sampled_from(["gmail", "mail", ""]), st.sampled_from([".", " dot ", " точка ", "(dot)", " "]),
                 st.sampled_from(["com", "ru", "xyz"]), NEIGHBOURS).map("".join))
@settings(max_examples=1500, deadline=None)
def test_a_text_the_obfuscated_email_screen_passes_keeps_its_addresses(text):
    assert _matches([text], _OBFUSCATED_SCREEN)[_OBFUSCATED_SCREEN][0] or redact_obfuscated_emails(text) == text
