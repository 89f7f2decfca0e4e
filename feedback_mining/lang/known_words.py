"""The analyses of common Cyrillic word forms, made once when the file is built instead of in every run's processes.

`resources/known_words.tsv.gz` holds, for each Cyrillic form of natasha's navec vocabulary (the 250,000 most
frequent forms of a Russian news corpus; no feedback text), its Russian lemma (`ru.lemma`) and its name kind
(`names.cyrillic_kind` of the capitalised form). Most forms of real feedback are among them, so a run looks
them up instead of asking pymorphy3 (5-10 µs a form, paid again by each worker process). The results are the
same: the file is built by `models/training/build_known_words.py` from the very functions it stands in for,
and it is used only when the installed pymorphy3 dictionaries and the names list are the ones it was built
with; otherwise every form is analysed as before (`tests/test_known_words.py` recomputes every entry).
`FEEDBACK_MINING_KNOWN_WORDS=0` turns the file off (the benchmarks measure with and without it).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata, resources

FILE = "resources/known_words.tsv.gz"
PACKAGES = ("pymorphy3", "pymorphy3-dicts-ru", "pymorphy3-dicts-uk")


@dataclass(frozen=True)
class KnownWords:
    """lemmas: ё-folded lower-case form -> its `ru.lemma`; kinds: lower-case form -> the (kind, cases) of
    `names.cyrillic_kind(form.capitalize())`. Empty when the file does not apply."""

    lemmas: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    why_not: str = ""  # why the file is not used ("" when it is)


def fingerprint() -> dict[str, str]:
    """What the file's analyses depend on besides our code: the pymorphy3 packages' versions and the names list."""
    found = {}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "missing"
    names = resources.files("feedback_mining").joinpath("resources/names.toml").read_bytes()
    found["names.toml"] = hashlib.sha256(names).hexdigest()[:16]
    return found


def write(path, forms: list[str], lemmas: list[str], kinds: list[tuple[str, frozenset[str]]], source: str) -> None:
    """The file: a JSON header line, then one line each of forms, lemmas ("" when the same as the ё-folded form)
    and kind codes (one character each), tab-separated and sorted by form, gzip-compressed (deterministically)."""
    table = sorted(set(kinds), key=lambda kind: (kind[0], sorted(kind[1])))
    code = {kind: chr(ord("0") + i) for i, kind in enumerate(table)}
    header = {"source": source, "built_with": fingerprint(), "forms": len(forms),
              "kinds": [[kind, sorted(cases)] for kind, cases in table]}
    folded = [form.replace("ё", "е") for form in forms]
    lines = [json.dumps(header, ensure_ascii=False), "\t".join(forms),
             "\t".join("" if lemma == fold else lemma for lemma, fold in zip(lemmas, folded)),
             "".join(code[kind] for kind in kinds)]
    with open(path, "wb") as out:
        out.write(gzip.compress("\n".join(lines).encode(), compresslevel=9, mtime=0))


def read(data: bytes) -> KnownWords:
    """The tables of a file's bytes, or empty ones (with the reason) when it was built for other dictionaries."""
    header, forms, lemmas, codes = gzip.decompress(data).decode().split("\n")
    header = json.loads(header)
    built, installed = header["built_with"], fingerprint()
    if built != installed:
        changed = ", ".join(f"{key} {built.get(key)} -> {installed.get(key)}" for key in installed
                            if built.get(key) != installed.get(key))
        return KnownWords(why_not=f"built for other versions ({changed}); rebuild it with "
                                  "`python models/training/build_known_words.py`")
    forms, lemmas = forms.split("\t"), lemmas.split("\t")
    table = [(kind, frozenset(cases)) for kind, cases in header["kinds"]]
    folded = [form.replace("ё", "е") if "ё" in form else form for form in forms]
    distinct: dict[str, str] = {}  # one string per lemma, not one per form (about 10 MiB less)
    lemmas = [distinct.setdefault(lemma, lemma) if lemma else fold for lemma, fold in zip(lemmas, folded)]
    return KnownWords(lemmas=dict(zip(folded, lemmas)), kinds=dict(zip(forms, [table[ord(c) - ord("0")]
                                                                               for c in codes])))


@lru_cache(maxsize=1)
def known_words() -> KnownWords:
    """The shipped file's tables, read once per process (about 0.15 s, 40 MiB); empty, with a warning, when they do not
    apply to the installed dictionaries (the run is then slower, never different)."""
    if os.environ.get("FEEDBACK_MINING_KNOWN_WORDS", "1") == "0":
        return KnownWords(why_not="turned off (FEEDBACK_MINING_KNOWN_WORDS=0)")
    path = resources.files("feedback_mining").joinpath(FILE)
    if not path.is_file():
        return KnownWords(why_not=f"{FILE} is missing")
    found = read(path.read_bytes())
    if found.why_not:
        warnings.warn(f"{FILE} is not used, every word form is analysed instead: {found.why_not}", stacklevel=2)
    return found
