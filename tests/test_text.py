"""Language detection, lemmas and negation marks, on short real-looking lines per language."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback_mining.analyse import analyse, analyse_batch, analyse_text, mark_negation, tokenize
from feedback_mining.lang.fa import normalise as normalise_persian
from feedback_mining.language import detect, detect_language

LANGUAGE_CASES = [
    ("Очень долго ждал ответа оператора", "ru"),
    ("Приложение не работает уже третий день", "ru"),
    ("Дуже довго чекав на відповідь", "uk"),
    ("Застосунок не працює, що робити?", "uk"),
    ("پشتیبانی خیلی دیر جواب داد", "fa"),
    ("اپلیکیشن باز نمی‌شود", "fa"),
    ("I waited for an hour on hold", "en"),
    ("The app keeps crashing", "en"),
    ("Die Lieferung kam zu spät", "other"),
    ("", "und"),
    ("😡😡😡 !!!", "und"),
    ("12345", "und"),
    ("Всё хорошо", "ru"),
    ("спасибо большое", "ru"),
    ("дякую вам", "uk"),
    ("Привіт", "uk"),
    ("все добре, дуже швидко", "uk"),
    ("Долго, но сделали", "ru"),
    ("خیلی خوب بود", "fa"),
    ("مرسی", "fa"),
    ("شكرا جزيلا على الخدمة", "other"),  # Arabic
    ("Рахмет, бәрі жақсы", "other"),  # Kazakh
    ("thanks!", "en"),
    ("Merci beaucoup pour votre aide", "other"),
    ("Çok yavaş teslimat", "other"),  # Turkish
    ("приложение crash-ится постоянно", "ru"),  # mixed scripts: Cyrillic dominates
    ("Вопрос решили за один звонок.", "ru"),  # no telltale letter: words only the Russian dictionary knows
    ("Загалом нормально.", "uk"),  # ... only the Ukrainian one
    ("Огидно.", "uk"),
    ("Проблема так и не решена.", "ru"),
    ("Çok ilgili bir çalışan.", "other"),  # Latin with diacritics and no English word
    ("Café was great, thanks", "en"),
    ("Polite and helpful staff.", "en"),  # few function words, but English word forms
    ("Thanks, <NAME> <NAME> <NAME> <NAME>", "en"),  # placeholders are no language's words
]


@pytest.mark.parametrize("text, expected", LANGUAGE_CASES)
def test_language_detection_on_short_texts(text, expected):
    assert detect_language(text) == expected


def test_a_given_language_is_kept():
    frame = pd.DataFrame({"clean_text": ["Очень долго", "Очень долго"], "language": ["uk", ""]})
    assert detect(frame)["language"].tolist() == ["uk", "ru"]


LEMMA_CASES = [
    ("Ждали в очереди", "ru", "ждать в очередь"),
    ("операторы переключали", "ru", "оператор переключать"),
    ("списали деньги дважды", "ru", "списать деньга дважды"),
    ("чекали в черзі", "uk", "чекати в черга"),
    ("оператори не відповідають", "uk", "оператор не відповідати"),
    ("The App CRASHED", "en", "the app crash"),
    ("كتاب‌هاي", "fa", "کتاب"),  # ZWNJ-marked plural suffix off
    ("تنها", "fa", "تنها"),  # "alone": not a plural
]


@pytest.mark.parametrize("text, lang, lemmas", LEMMA_CASES)
def test_lemmas_of_inflected_forms(text, lang, lemmas):
    assert analyse_text(text, lang)[0] == lemmas


@pytest.mark.parametrize("text, lang, features", [
    ("не удобно", "ru", "не_удобно"),
    ("Ни разу не ответили", "ru", "ни_раз не_ответить"),
    ("it is not easy", "en", "it be not_easy"),
    ("it didn't work", "en", "it do not_work"),
    ("اپلیکیشن باز نمیشه", "fa", "اپلیکیشن باز نه_میشه"),
])
def test_negation_is_attached_to_the_next_word(text, lang, features):
    assert analyse_text(text, lang)[1] == features


def test_tokenize_and_persian_normalisation():
    assert tokenize("Ёлки, didn't!") == ["елки", "did", "not"]
    assert normalise_persian("۱۲۳ كيك") == "123 کیک"
    assert mark_negation(["не"]) == []


PERSIAN_CASES = [
    ("كتاب", "کتاب"),  # Arabic kaf and yeh -> Persian
    ("مي خواهم", "می\u200cخواهم"),  # the verbal prefix joined with a ZWNJ
    ("نمي شود", "نمی\u200cشود"),
    ("کتاب ها", "کتاب\u200cها"),  # plural suffix joined with a ZWNJ
    ("بزرگ ترین", "بزرگ\u200cترین"),
    ("۰۹۱۲ ٣٤٥", "0912 345"),  # Persian and Arabic-Indic digits
    ("کِتابْ", "کتاب"),  # diacritics dropped
    ("سلام\u200c\u200c", "سلام"),  # stray and doubled ZWNJ
    ("تنها", "تنها"),  # untouched: "alone" only looks like a plural
]


@pytest.mark.parametrize("raw, expected", PERSIAN_CASES)
def test_persian_normalisation(raw, expected):
    assert normalise_persian(raw) == expected


@pytest.mark.parametrize("text, lang, lemmas", [
    ("кур’єра не було", "uk", "кур'єр не бути"),  # apostrophe kept inside the word, typographic one folded
    ("пам'ять", "uk", "пам'ять"),
    ("Waited, took, crashes", "en", "wait take crash"),
    ("می‌خواهم کتاب‌های", "fa", "میخواهم کتاب"),
])
def test_lemmas_per_language(text, lang, lemmas):
    assert analyse_text(text, lang)[0] == lemmas


@pytest.mark.parametrize("text, features", [
    ("پیک نرسید", "پیک نه_رسید"),  # negative verb prefix ن
    ("اصلا راضی نیستم", "اصلا نه_راضی"),  # negation after the word
    ("نشانی را نوشتم", "نشانی را نوشتم"),  # "address" is not a negated verb
])
def test_persian_negation(text, features):
    assert analyse_text(text, "fa")[1] == features


@pytest.mark.parametrize("text, lang, features", [
    ("no wait at all", "en", "no_wait at all"),
    ("без очереди", "ru", "без_очередь"),
    ("без затримок", "uk", "без_затримка"),
])
def test_without_and_no_negate_the_next_word(text, lang, features):
    assert analyse_text(text, lang)[1] == features


TOKENS = {"ru": ["не", "ни", "без", "небо", "очень", "удобно", "ждали", "Очереди", ".", ",", "5", "ё"],
          "uk": ["не", "ні", "без", "кур’єр", "кур'єра", "чекали", "черзі", "!"],
          "en": ["not", "never", "no", "cannot", "didn't", "wait", "easy", "nothing", "."],
          "fa": ["نه", "نمیشه", "نیستم", "راضی", "خوب", "نرسید", "کتاب‌ها", "می خواهم", "نان"],
          "other": ["не", "not", "نه", "no", "x", "Y"]}


@given(st.sampled_from(sorted(TOKENS)).flatmap(lambda lang: st.tuples(st.just(lang), st.lists(
    st.lists(st.sampled_from(TOKENS[lang] + [" ", "  ", "\x01"]), max_size=7).map(" ".join), max_size=10))))
def test_a_batch_is_analysed_exactly_like_its_texts_one_by_one(case):
    lang, texts = case
    lemmas, features = analyse_batch(texts, lang)
    assert list(zip(lemmas, features)) == [analyse_text(text, lang) for text in texts]


def test_analyse_fills_each_row_from_its_own_language():
    frame = pd.DataFrame({"clean_text": ["не удобно", "not easy", "راضی نیستم", "не удобно"],
                          "language": ["ru", "en", "fa", "uk"]})
    out = analyse(frame)
    assert out["features"].tolist() == ["не_удобно", "not_easy", "نه_راضی", "не_удобно"]
    assert out["lemmas"].tolist()[:2] == ["не удобно", "not easy"]


def _week_words(lang: str) -> list[str]:
    from feedback_mining.example import make_example

    texts = make_example(seed=3, n_surveys=400)["comments"]["text"].dropna().tolist()
    return sorted({w for t in texts for w in tokenize(t, lang)})


TRICKY_WORDS = ["еще", "елка", "все", "стали", "мой", "три", "печь", "дня", "ну-ка", "кофе", "пиво", "хрущевка",
                "сколько", "оно", "ооооочень", "спасибки", "кур'єр", "їжака", "черзі", "ііі", "и", "о", "вера", "ёж",
                "приложуха", "перезвонили", "zoom", "wi-fi", "эй", "ммм"]


@pytest.mark.parametrize("lang", ["ru", "uk"])
def test_the_fast_top_normal_form_is_pymorphy3s_top_parse(lang):
    from feedback_mining.lang.ru import morph_analyzer, top_normal_form

    morph = morph_analyzer(lang)
    words = TRICKY_WORDS + _week_words(lang)
    assert [top_normal_form(w, lang) for w in words] == [morph.parse(w)[0].normal_form for w in words]


@pytest.mark.parametrize("lang", ["ru", "uk"])
def test_dictionary_parses_are_pymorphy3s(lang):
    from feedback_mining.lang.ru import dictionary_parses, morph_analyzer

    morph = morph_analyzer(lang)
    words = TRICKY_WORDS + _week_words(lang) + ["вера", "роман", "надія", "олені", "путин", "сергей", "москва"]
    for word in words:
        found = dictionary_parses(word, lang)
        if found is not None:
            known = morph.word_is_known(word)
            assert found == ([(p.tag, p.score) for p in morph.parse(word)] if known else []), word
            if len(word) > 1:  # what `names` asks: capitalised words of two letters or more parse alike
                assert found == ([(p.tag, p.score) for p in morph.parse(word.capitalize())] if known else []), word


@given(st.text(alphabet="абвЖжіїaZé\u0627\u06cc\ufb50\u0500 1.,", max_size=40))
def test_the_script_is_the_one_the_letter_counts_give(text):
    from feedback_mining import language

    sample = text[:400]
    present = [name for name, rx in language._SCRIPTS.items() if rx.search(sample)]
    counts = {name: language._letter_count(name, sample) for name in present}
    assert language.dominant_script(text) == (max(counts, key=counts.get) if present else None)


@pytest.mark.parametrize("lang", ["ru", "uk"])
@given(words=st.lists(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ'-", min_size=1, max_size=12),
                      min_size=1, max_size=30))
def test_the_first_unit_with_a_parse_gives_pymorphy3s_top_normal_form(lang, words):
    """Words no dictionary knows (random letters, mostly): the units walked in order, stopped at the first
    parse, agree with pymorphy3's whole parse."""
    from feedback_mining.lang.ru import _first_unit_normal_form, morph_analyzer

    morph = morph_analyzer(lang)
    assert [_first_unit_normal_form(morph, w) for w in words] == [morph.parse(w)[0].normal_form for w in words]


@given(st.lists(st.text(max_size=30), min_size=1, max_size=8), st.sampled_from(["ru", "en", "other"]))
def test_words_split_in_arrow_are_the_words_tokenize_finds(texts, lang):
    """Any code point (Hypothesis draws from all of Unicode): the batch's Arrow split, where it answers,
    gives the lemmas `analyse_text` gives text by text."""
    from feedback_mining.analyse import _lemmas_in_arrow

    found = _lemmas_in_arrow(texts, lang)
    if found is not None:
        assert found == [analyse_text(text, lang)[0] for text in texts]
    assert analyse_batch(texts, lang) == tuple(map(list, zip(*[analyse_text(text, lang) for text in texts])))


def test_a_letter_without_a_unicode_name_passes_through_the_lemmatiser():
    """pymorphy3 asks each letter's Unicode name, and Tangut letters have none: the word is kept as written."""
    assert analyse_text("Привет 𗀀 мир", "ru") == ("привет 𗀀 мир", "привет 𗀀 мир")
    assert analyse_text("Привіт 𗀀", "uk")[0] == "привіт 𗀀"


def test_placeholders_are_no_scripts_letters():
    """`<NAME>` is redaction's, not Latin text: a Cyrillic text full of them stays Cyrillic."""
    from feedback_mining import language

    assert language.dominant_script("<NAME> <NAME> <NAME>, да") == "cyrillic"
    assert language.dominant_script("<URL> <EMAIL>") is None
    assert language.dominant_script("<NAME> okay, да") == "latin"  # four Latin letters against two Cyrillic ones


def test_features_without_negation_are_the_lemmas_string_itself():
    """Held once in memory and in a worker's pickled result, not as an equal copy."""
    lemmas, features = analyse_batch(["не удобно ждать", "всё хорошо"], "ru")
    assert features[0] == "не_удобно ждать" and features[1] is lemmas[1]
