"""The shipped analyses of common word forms (`lang/known_words.py`) are the ones the code would make."""

import gzip
import json
import sys
import warnings
from importlib import resources
from pathlib import Path

import pytest

from feedback_mining import names
from feedback_mining.lang import known_words as kw
from feedback_mining.lang import ru

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models" / "training"))
from build_known_words import analyses  # noqa: E402


def shipped_bytes() -> bytes:
    return resources.files("feedback_mining").joinpath(kw.FILE).read_bytes()


def test_the_shipped_file_applies_to_the_installed_dictionaries():
    found = kw.known_words()
    assert found.why_not == "", found.why_not
    assert len(found.lemmas) > 200_000 and len(found.kinds) > 200_000


def test_every_shipped_analysis_is_the_one_the_code_makes():
    """Each lemma and name kind recomputed (about 4 s): fails after a change to `ru.analysed_lemma`,
    `names._cyrillic_kind` or the names list until the file is rebuilt."""
    _, forms, _, _ = gzip.decompress(shipped_bytes()).decode().split("\n")
    forms = forms.split("\t")
    table = kw.known_words()
    lemmas, kinds = analyses(forms)
    wrong_lemmas = [(f, table.lemmas[f.replace("ё", "е")], lemma) for f, lemma in zip(forms, lemmas)
                    if table.lemmas[f.replace("ё", "е")] != lemma]
    wrong_kinds = [(f, table.kinds[f], kind) for f, kind in zip(forms, kinds) if table.kinds[f] != kind]
    assert not wrong_lemmas[:10] and not wrong_kinds[:10]


def test_lookups_and_analyses_agree_through_the_public_functions():
    table = kw.known_words()
    for form in ["очереди", "ждали", "оператора", "приложение", "всё", "все", "вера", "роман", "москва"]:
        assert ru.lemma(form) == ru.analysed_lemma(form)
        assert names.cyrillic_kind(form.capitalize()) == names._cyrillic_kind(form.capitalize())
    assert "очереди" in table.lemmas and "вера" in table.kinds  # the look-ups above did take the file's path
    assert ru.lemma("зaпрос") == ru.analysed_lemma("зaпрос")  # a Latin `a` inside: not in the file


def test_a_file_built_for_other_dictionaries_is_not_used(monkeypatch):
    header, *rest = gzip.decompress(shipped_bytes()).decode().split("\n")
    header = json.loads(header)
    header["built_with"]["pymorphy3-dicts-ru"] = "0.0.1"
    other = gzip.compress("\n".join([json.dumps(header), *rest]).encode())
    found = kw.read(other)
    assert found.lemmas == {} and found.kinds == {}
    assert "pymorphy3-dicts-ru 0.0.1 ->" in found.why_not and "build_known_words.py" in found.why_not

    monkeypatch.setattr(kw, "read", lambda _: found)  # as if the shipped file were that one
    kw.known_words.cache_clear()
    try:
        with pytest.warns(UserWarning, match="is not used, every word form is analysed"):
            assert kw.known_words().lemmas == {}
    finally:
        kw.known_words.cache_clear()


def test_the_file_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("FEEDBACK_MINING_KNOWN_WORDS", "0")
    kw.known_words.cache_clear()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            found = kw.known_words()
        assert found.lemmas == {} and "turned off" in found.why_not
        assert ru.lemma("очереди") == "очередь"  # analysed instead
    finally:
        kw.known_words.cache_clear()


def test_written_files_are_deterministic(tmp_path):
    forms = ["ёлка", "очереди", "роман"]
    lemmas, kinds = analyses(forms)
    kw.write(tmp_path / "a.gz", forms, lemmas, kinds, "test")
    kw.write(tmp_path / "b.gz", forms, lemmas, kinds, "test")
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()
    found = kw.read((tmp_path / "a.gz").read_bytes())
    assert found.lemmas == {"елка": "елка", "очереди": "очередь", "роман": "роман"}
    assert found.kinds == dict(zip(forms, kinds))

