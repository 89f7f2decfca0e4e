"""Leak and survival rates of the redaction rules on the annotated corpus (`pii_corpus`), per type and language.

An item leaks when any of its words (2+ characters, `\\w` runs) is still in the cleaned comment, unless the word
also appears in the comment outside the items ("at" in "call me at"). A `{ok|...}` item survives when its text,
after the cleaning rules alone (Persian digits become ASCII), is still in the cleaned comment.
"""

from __future__ import annotations

import re
from collections import defaultdict

from feedback_mining.clean import CLEAN_RULES, clean_texts
from tests.pii_corpus import CORPUS, _ITEM, parse_case

_WORD = re.compile(r"\w{2,}")


def _cleaned_only(text: str) -> str:
    for rule in CLEAN_RULES:
        text = rule(text)
    return text


def evaluate(corpus: dict[str, list[str]] = CORPUS) -> tuple[dict, list[str]]:
    """(type, language) -> [items, failures] (leaks, or for `ok` lost items), and a line per failure."""
    figures: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    for lang, cases in corpus.items():
        parsed = [parse_case(case) for case in cases]
        outputs = clean_texts([text for text, _ in parsed])
        for case, (text, items), out in zip(cases, parsed, outputs):
            outside = set(_WORD.findall(_ITEM.sub(" ", case)))
            left = set(_WORD.findall(out))
            for kind, value in items:
                if kind == "ok":
                    failed = _cleaned_only(value) not in out
                else:
                    failed = bool((set(_WORD.findall(value)) - outside) & left)
                figures[kind, lang][0] += 1
                figures[kind, lang][1] += failed
                if failed:
                    failures.append(f"{lang} {kind:7s} {value!r}: {out}")
    return dict(figures), failures


def table(figures: dict) -> str:
    """A Markdown table: per type, items and leaks (or losses, for `ok`) per language and overall."""
    langs = list(CORPUS)
    lines = ["| type | " + " | ".join(langs) + " | all |", "|---" * (len(langs) + 2) + "|"]
    for kind in sorted({k for k, _ in figures}, key=lambda k: (k == "ok", k)):
        cells = []
        for lang in [*langs, None]:
            n, bad = [sum(v[i] for (k, lg), v in figures.items() if k == kind and lang in (None, lg))
                      for i in (0, 1)]
            cells.append(f"{bad}/{n}" if n else "-")
        label = "ok (lost / kept items)" if kind == "ok" else f"{kind} (leaked / items)"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
