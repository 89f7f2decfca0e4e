"""Cleaning and redaction rules, one table of cases each (input, expected)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback_mining.clean import (
    PLACEHOLDERS,
    clean_text,
    clean_texts,
    drop_quoted_reply,
    html_to_text,
    plain_texts,
    redact_names,
    redact_names_in_lines,
)



@pytest.fixture(scope="module", autouse=True)
def _ner_loaded():
    """natasha's NER and the Ukrainian dictionary load in about a second, once: not in a timed hypothesis example."""
    clean_texts(["Дякую Олені, Роман Гнатюк"])


# the NER (a CNN in numpy) and libphonenumber take tens of milliseconds on some texts: more on a busy machine
slow_rules = settings(deadline=None)

CLEAN_CASES = [
    ("<p>Hi&nbsp;<b>there</b></p><script>alert(1)</script>", "Hi there"),
    ("<style>p{color:red}</style>Текст", "Текст"),
    ("Still broken.\n-----Original Message-----\nWe fixed it", "Still broken."),
    ("Не работает\n\nОт: Служба поддержки\nОтвет: перезагрузите", "Не работает"),
    ("Thanks\nOn Mon, 16 Nov 2026 at 10:02, Support <s@example.com> wrote:\n> old", "Thanks"),
    ("خراب است\nارسال شده از تلفن همراه", "خراب است"),
    ("Жду ответа\nОтправлено с iPhone", "Жду ответа"),
    ("new text\n> quoted line\n> another", "new text"),
    ("ﬁle ＡＢＣ", "file ABC"),  # NFKC
    ("a\x00b\u200bc\u202e", "abc"),  # NUL, zero-width space, RTL override
    ("می\u200cخواهم", "می\u200cخواهم"),  # Persian ZWNJ kept
    ("  many \n\n  spaces\t", "many spaces"),
    ("Отлично 👍😊", "Отлично 👍😊"),  # emoji kept
    ("price < 5 and > 3", "price < 5 and > 3"),  # not a tag
    ("ÐŸÑ€Ð¸Ð²ÐµÑ‚, Ð¶Ð´Ñƒ", "Привет, жду"),  # UTF-8 read as cp1252
    ("Ïðèâåò, æäó îòâåòà", "Привет, жду ответа"),  # cp1251 read as latin-1
    ("Café déjà vu", "Café déjà vu"),  # real accents stay
    ("fÃ¼r Sie", "für Sie"),
    ("Thanks for nothing.\nBest regards,\nJohn Smith", "Thanks for nothing."),  # sign-off and name
    ("Верните деньги.\nС уважением,\nИван", "Верните деньги."),
    ("شماره ۱۲۳ ٤٥٦", "شماره 123 456"),  # Persian and Arabic-Indic digits
    ("&lt;b&gt;bold&lt;/b&gt; &amp; co", "<b>bold</b> & co"),  # entities decoded once, then plain text
]


@pytest.mark.parametrize("raw, expected", CLEAN_CASES)
def test_cleaning_rules(raw, expected):
    assert clean_text(raw) == expected


REDACT_CASES = [
    ("пишите на ivan.petrov@mail.ru", "пишите на <EMAIL>"),
    ("мой номер +7 916 123-45-67", "мой номер <PHONE>"),
    ("звоните 8 (495) 123-45-67", "звоните <PHONE>"),
    ("тел. +380 67 123 4567", "тел. <PHONE>"),
    ("شماره 0912 345 6789", "شماره <PHONE>"),
    ("+98 912 345 6789", "<PHONE>"),
    ("card 4111 1111 1111 1111 charged", "card <CARD> charged"),
    ("IBAN UA21 3223 1300 0002 6007 2335 6600 1", "IBAN <IBAN>"),
    ("reset https://bank.example/reset?token=abc123", "reset <URL>"),
    ("Спасибо, Сергей Иванов!", "Спасибо, <NAME> <NAME>!"),  # pymorphy3 knows names and surnames
    ("Оператор Марина Ивановна помогла", "Оператор <NAME> <NAME> помогла"),
    ("Дякую, Олена Петренко", "Дякую, <NAME> <NAME>"),  # listed first name, then the surname after it
    ("Thanks Sarah Connor", "Thanks <NAME> <NAME>"),
    ("سلام، زهرا هستم", "سلام، <NAME> هستم"),
    # must NOT be redacted
    ("Вера в лучшее осталась, Москва", "Вера в лучшее осталась, Москва"),  # "faith", a city
    ("Приложение не работает", "Приложение не работает"),
    ("заказ №123456 не пришёл", "заказ №123456 не пришёл"),
    ("списали 1 500 руб. дважды", "списали 1 500 руб. дважды"),
    ("order 4111 1111 1111 1112", "order 4111 1111 1111 1112"),  # fails the Luhn check
    ("ждал 45 минут, с 10:30 до 11:15", "ждал 45 минут, с 10:30 до 11:15"),
    ("2026-11-17", "2026-11-17"),
]


@pytest.mark.parametrize("raw, expected", REDACT_CASES)
def test_redaction_rules(raw, expected):
    assert clean_text(raw) == expected


def test_a_quote_marker_opening_the_text_keeps_what_follows():
    assert drop_quoted_reply("-----Original Message-----\nreal text") == "\nreal text"


@slow_rules
@given(st.text(max_size=300))
def test_cleaning_never_fails_and_is_idempotent(text):
    once = clean_text(text)
    assert isinstance(once, str)
    assert clean_text(once) == once


@slow_rules
@given(st.text(alphabet="0123456789 +-()", min_size=10, max_size=40))
def test_redacted_text_keeps_no_long_digit_runs_of_cards(text):
    out = clean_text("card " + text)
    for placeholder in PLACEHOLDERS:
        out = out.replace(placeholder, "")
    assert isinstance(out, str)


@pytest.mark.parametrize("raw", [
    "", "   \n\t ", "😡😡😡", "\x00\x00\x00", "\u202e\u202dabc", "a" * 1_000_000, bytes(range(256)).decode("latin-1"),
    "Привет مرحبا hello 你好", "<" * 5000, "<a href='" + "x" * 100_000,
])
def test_bad_input_gives_a_defined_output(raw):
    out = clean_text(raw)
    assert isinstance(out, str) and len(out) <= 20_000
    assert "\x00" not in out and "\u202e" not in out


@slow_rules
@given(st.from_regex(r"\+7 9\d\d \d{3}-\d\d-\d\d|0912 \d{3} \d{4}|[a-z]{3,8}\.[a-z]{2,6}@mail\.ru", fullmatch=True),
       st.sampled_from(["звоните ", "call me at ", "شماره "]), st.sampled_from(["", " please", " спасибо"]))
def test_personal_data_never_survives_in_any_context(pii, before, after):
    out = clean_text(before + pii + after)
    assert pii not in out and ("<PHONE>" in out or "<EMAIL>" in out)


@given(st.integers(min_value=1, max_value=10**6))
def test_prices_and_order_numbers_stay(number):
    for text in (f"заказ №{number}", f"{number} руб.", f"order #{number}"):
        assert str(number) in clean_text(text)


def test_html_with_broken_markup_does_not_crash():
    assert "text" in html_to_text("<div><p>text</div></span><<>>")


# pieces that trigger every rule, and the characters around which screens and rules could disagree
PIECES = ["Привет", "Сергей", "Иванов", "Олена Петренко", "Sarah", "Mark", "زهرا", " ", "\n", "\r\n", "\t", "От:",
          "from :",
          "--", "-- ", "Regards,", "С уважением,", "написал(а):", "> q", "wrote:", "Sent from my iPhone",
          "4111 1111 1111 1111", "1234 5678 9012 3456", "+7 916 123-45-67", "0912 345 6789", "a@b.co",
          "www.x.com/a?t=1",
          "http://y", "UA21 3223 1300 0002 6007 2335 6600 1", "۱۲۳", "١٢", "１２", "№5", "&amp;", "&lt;NAME&gt;",
          "<b>x</b>", "<br>", "<script>x</script>", "ÐŸÑ€Ð¸", "Ïðèâåò", "\u200b", "\u202e", "\x00", "ﬁ", "😀", "\u2028",
          "\xa0", "१२३४", "\ud800", "a", "1"]


@slow_rules
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), max_size=12))
def test_the_batch_path_cleans_exactly_like_the_text_by_text_rules(texts):
    assert clean_texts(texts) == [clean_text(text) for text in texts]


@slow_rules
@given(st.lists(st.text(max_size=60), max_size=8))
def test_the_batch_path_agrees_on_any_text(texts):
    assert clean_texts(texts) == [clean_text(text) for text in texts]


def test_only_texts_the_first_rules_leave_alone_count_as_plain():
    texts = ["Всё хорошо, заказ №12", "a<b>b</b>", "x &amp; y", "a\x00b", "ÐŸÑ€Ð¸", "ＡＢＣ", "۱۲", "ok\r\nok"]
    assert plain_texts(texts).tolist() == [True] + [False] * 7


def test_names_are_redacted_alike_one_line_at_a_time_or_together():
    lines = ["Спасибо, Сергей Иванов", "Thanks Sarah", "Москва и Вера", "سلام، زهرا هستم", "", "<NAME> Smith"]
    assert redact_names_in_lines(lines) == [redact_names(line) for line in lines]
    assert redact_names_in_lines(["two\nlines Sarah"]) == ["two\nlines <NAME>"]


# the same word form, in a context that makes it a name and in one that does not: the per-word caches (shape,
# dictionary verdict, cue and surname tests) hold what a word is alone, never the decision in a text
SAME_WORD_TWO_CONTEXTS = [
    ("Вера в лучшее помогает", "Вера в лучшее помогает"),
    ("Оператор Вера помогла", "Оператор <NAME> помогла"),
    ("Mark my words", "Mark my words"),
    ("Thanks Mark, all sorted", "Thanks <NAME>, all sorted"),
    ("امید دارم درست شود", "امید دارم درست شود"),
    ("با آقای امید صحبت کردم", "با آقای <NAME> صحبت کردم"),
    ("تقوی کار خوبی کرد", "تقوی کار خوبی کرد"),  # a word in no list: a name only after a title
    ("سلام آقای تقوی", "سلام آقای <NAME>"),
]


@pytest.mark.parametrize("order", [1, -1])
def test_a_word_seen_before_is_still_decided_by_its_context(order):
    cases = SAME_WORD_TWO_CONTEXTS[::order]
    texts = [text for text, _ in cases]
    assert redact_names_in_lines(texts) == [expected for _, expected in cases]
    assert [redact_names(text) for text in texts] == [expected for _, expected in cases]


@pytest.mark.parametrize("text", ["@A000", "Звонил Иван Петров, +7 916 123-45-67", "mail john@example.com",
                                  "счёт 40817810099910004312"])
def test_placeholders_survive_a_second_cleaning(text):
    once = clean_text(text)
    assert "<" in once and clean_text(once) == once and clean_texts([once]) == [once]


@pytest.mark.parametrize("text, kept, redacted", [
    ("I used Bill Pay on the site", "Bill Pay", None),
    ("Closing Mark Home Loans sent it", "Mark Home Loans", None),
    ("I called Wells Fargo and Citi bank", "Wells Fargo", None),
    ("Dear Sir/Madam In 2020 I applied", "Madam In", None),
    ("Thanks Bill, great help", None, "Bill"),
    ("Bill Smith called me back", None, "Smith"),
    ("I called Alex yesterday", None, "Alex"),
])
def test_company_and_product_words_of_complaints_are_not_names(text, kept, redacted):
    out = clean_texts([text])[0]
    assert (kept is None or kept in out) and (redacted is None or redacted not in out)
