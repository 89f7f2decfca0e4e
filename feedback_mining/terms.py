"""Term matching: the engine behind the editable taxonomy and sentiment files.

Term syntax: space-separated words, analysed exactly as a text in the term's language is (lemmas,
negation marks), matched contiguously; `wait*` matches any lemma starting with `wait` (only the last word
may be a prefix); a negator in a term is attached as in the text, so `не работать` matches "не работает"
and `работать` does not. A match next to a negated "had to" ("ждать не пришлось") does not count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from feedback_mining.analyse import lemmatizer, mark_negation, tokenize
from feedback_mining.lang import get_language
from feedback_mining.tokens import ArrowKeys, Tokens
from feedback_mining.word_caches import over_limit

LANGUAGE_KEYS = ("en", "ru", "uk", "fa")
# "ждать не пришлось", "не пришлось ждать": a negated "had to" next to a match cancels it
NEGATED_NEED = {"не_прийтись", "не_надо", "не_нужно", "не_довестись", "не_прийтися", "ні_прийтися",
                "не_довестися", "не_треба", "не_потрібно", "not_have", "never_have", "not_need", "نه_میخواست"}
NEED_WINDOW = 2  # how many words before a match may hold the negated "had to" ("didn't have to wait")


def compile_term(term: str, lang: str = "other") -> tuple[str, ...]:
    """`Не работает` -> `('не_работать',)`, `waited*` -> `('waited*',)`: the term analysed exactly as a text
    in its language is (lemmas, negation marks); the last word of a `*` term is a prefix, kept as written."""
    prefix = term.strip().endswith("*")
    words = tokenize(get_language(lang).normalise(term.strip().rstrip("*")), lang)
    if not words:
        return ()
    last = words[-1].replace("\u200c", "") if prefix else lemmatizer(lang)(words[-1])
    lemmas = lemmatizer(lang).lemmas(words[:-1]) + [last]
    tokens = mark_negation(lemmas, lang)
    if prefix and tokens:
        tokens[-1] += "*"
    return tuple(tokens)


@dataclass
class TermMatcher:
    """Find which labels' terms occur in a token sequence; built from {label: [(language, term), ...]}.

    `negated_labels` ({"positive": "negative", ...}) also compiles each term's negated form ("не_удобно")
    under the other label. Token -> candidate terms is cached, and a text's distinct tokens are checked
    against the cache with set operations, so a text costs little more than splitting it.
    """

    terms: dict[str, list[tuple[str, str]]]
    negated_labels: dict[str, str] = field(default_factory=dict)
    exact_: dict[str, list[tuple[tuple[str, ...], str, str]]] = field(default_factory=dict, init=False)
    prefix_: dict[str, list[tuple[str, str]]] = field(default_factory=dict, init=False)

    @classmethod
    def from_lists(cls, terms: dict[str, list[str]], lang: str = "other") -> TermMatcher:
        """A matcher from {label: [terms]} all in one language."""
        return cls({label: [(lang, t) for t in ts] for label, ts in terms.items()})

    def __post_init__(self):
        for label, terms in self.terms.items():
            for lang, term in terms:
                tokens = compile_term(term, lang)
                if tokens:
                    self._add(tokens, label, term)
                if tokens and label in self.negated_labels and "_" not in tokens[0]:
                    for negator in get_language(lang).negators:
                        self._add((f"{negator}_{tokens[0]}", *tokens[1:]), self.negated_labels[label], f"{negator} {term}")
        self._index_prefixes()
        self._start_caches()

    @classmethod
    def union(cls, matchers: dict[str, TermMatcher]) -> TermMatcher:
        """One matcher holding the compiled terms of several, labels prefixed (`{"pp:": taxonomy_matcher}`), so
        a text is matched once; nothing is compiled again."""
        union = cls.__new__(cls)
        union.terms, union.negated_labels, union.exact_, union.prefix_ = {}, {}, {}, {}
        for prefix, matcher in matchers.items():
            union.terms.update({prefix + label: terms for label, terms in matcher.terms.items()})
            for token, entries in matcher.exact_.items():
                union.exact_.setdefault(token, []).extend((p, prefix + label, t) for p, label, t in entries)
            for token, entries in matcher.prefix_.items():
                union.prefix_.setdefault(token, []).extend((prefix + label, t) for label, t in entries)
        union._index_prefixes()
        union._start_caches()
        return union

    def _start_caches(self) -> None:
        self.candidates_: dict[str, list] = {}  # token -> terms that may start there (only tokens that have some)
        self.followers_: dict[str, set[str]] = {}  # token -> the next words its terms need, if all need one
        self.seen_: set[str] = set()
        self.seen_arrow_, self.starts_arrow_ = ArrowKeys(), ArrowKeys()  # `seen_`, `candidates_`: the batch path's

    def _index_prefixes(self) -> None:
        self.prefix_lengths_ = sorted({len(p) for p in self.prefix_})
        self.shortest_prefix_ = self.prefix_lengths_[0] if self.prefix_lengths_ else 0
        self.prefix_starts_ = {p[:self.shortest_prefix_] for p in self.prefix_}  # what a matching token starts with

    def _add(self, tokens: tuple[str, ...], label: str, term: str) -> None:
        if len(tokens) == 1 and tokens[0].endswith("*"):
            self.prefix_.setdefault(tokens[0][:-1], []).append((label, term))
        else:
            self.exact_.setdefault(tokens[0], []).append((tokens, label, term))

    def _learn(self, tokens: set[str]) -> None:
        """Work out and cache the candidate terms of tokens not seen before."""
        for token in tokens:
            found = list(self.exact_.get(token, ()))
            if token[:self.shortest_prefix_] in self.prefix_starts_:  # else no prefix term can match
                found += [((token,), label, term) for cut in self.prefix_lengths_ if cut <= len(token)
                          for label, term in self.prefix_.get(token[:cut], ())]
            if found:
                self.candidates_[token] = found
                second = {p[1] for p, _, _ in found if len(p) > 1}
                if all(len(p) > 1 for p, _, _ in found) and not any(w.endswith("*") for w in second):
                    self.followers_[token] = second  # it starts terms of several words only
        self.seen_ |= tokens
        self.seen_arrow_.add(tokens)
        self.starts_arrow_.add(t for t in tokens if t in self.candidates_)

    def _forget_if_full(self) -> None:
        """Start the token caches again once they hold more than `word_caches.LIMIT` tokens (bounded memory)."""
        if over_limit(self.seen_):
            self._start_caches()

    def matches(self, tokens: list[str]) -> list[tuple[str, str, int]]:
        """Return (label, term, position) for every match, skipping matches beside a negated "had to"."""
        self._forget_if_full()
        distinct = set(tokens)
        new = distinct - self.seen_
        if new:
            self._learn(new)
        if self.candidates_.keys().isdisjoint(distinct):
            return []
        return self.matches_at(tokens, range(len(tokens)))

    def matches_at(self, tokens: list[str], positions) -> list[tuple[str, str, int]]:
        """`matches` at the given positions only (the tokens some term starts with, in order): the rest of
        the text is context."""
        found, get, n = [], self.candidates_.get, len(tokens)
        for i in positions:
            candidates = get(tokens[i])
            if candidates is None:
                continue
            following = tokens[i + 1] if i + 1 < n else ""
            for pattern, label, term in candidates:
                if len(pattern) > 1:  # first word matched: check the second inline (cheap), the rest if any
                    second = pattern[1]
                    if second != following and (second[-1] != "*" or not following.startswith(second[:-1])):
                        continue
                    if len(pattern) > 2 and not _matches_at(tokens, i, pattern):
                        continue
                beside = tokens[max(i - NEED_WINDOW, 0):i] + tokens[i + len(pattern):i + len(pattern) + 1]
                if not NEGATED_NEED.intersection(beside):
                    found.append((label, term, i))
        return found

    def batch_matches(self, texts: list[str], tokens: Tokens) -> Iterator[tuple[int, list[tuple[str, str, int]]]]:
        """(text index, `matches(text.split())`) for each text of a batch with a match; `tokens` is the batch
        split once (`Tokens(texts)`). Only texts holding a token that some term starts with are looked at,
        and only there: the candidates of each distinct token are worked out once."""
        self._forget_if_full()
        at = self._screen_in_arrow(tokens) if tokens.in_arrow else self._screen(tokens)
        if not len(at):
            return
        text_of = np.searchsorted(tokens.starts, at, side="right") - 1
        local = (at - tokens.starts[text_of]).tolist()
        edges = [0, *(np.flatnonzero(np.diff(text_of)) + 1).tolist(), len(at)]
        for i, first, last in zip(text_of[edges[:-1]].tolist(), edges, edges[1:]):
            found = self.matches_at(texts[i].split(), local[first:last])
            if found:
                yield i, found

    def _screen(self, tokens: Tokens) -> np.ndarray:
        """The positions where a term may start: a token that starts a term of one word (or of a `*` second
        word), or one whose next token in the same text is the second word of one of its terms."""
        new = set(tokens.forms) - self.seen_
        if new:
            self._learn(new)
        forms, index = tokens.forms, tokens.index
        starts_term = np.fromiter(map(self.candidates_.__contains__, forms), dtype=bool, count=len(forms))
        needs_next = np.zeros(len(forms), dtype=bool)
        pairs = []
        for code in np.flatnonzero(starts_term).tolist():
            second = self.followers_.get(forms[code])
            if second is not None:
                needs_next[code] = True
                pairs += [code * len(forms) + index[w] for w in second if w in index]
        return _followed(tokens, len(forms), starts_term, needs_next, pairs)

    def _screen_in_arrow(self, tokens: Tokens) -> np.ndarray:
        """`_screen` with the batch's forms looked up in Arrow: only the forms that start a term become Python
        strings (a batch of real text has tens of thousands of forms, a few thousand start a term)."""
        forms = tokens.arrow_forms
        new = ~self.seen_arrow_.holds(forms)
        if new.any():
            self._learn(set(forms.filter(pa.array(new)).to_pylist()))
        starts_term = self.starts_arrow_.holds(forms)
        starting = np.flatnonzero(starts_term)
        needs_next = np.zeros(len(forms), dtype=bool)
        firsts, seconds = [], []
        for code, word in zip(starting.tolist(), forms.take(pa.array(starting)).to_pylist()):
            second = self.followers_.get(word)
            if second is not None:
                needs_next[code] = True
                firsts += [code] * len(second)
                seconds += second
        codes = ArrowKeys(forms).positions(pa.array(seconds, pa.large_string()))  # each second word's form
        known = codes >= 0
        pairs = np.asarray(firsts, np.int64)[known] * len(forms) + codes[known]
        return _followed(tokens, len(forms), starts_term, needs_next, pairs)


def _followed(tokens: Tokens, n_forms: int, starts_term: np.ndarray, needs_next: np.ndarray, pairs) -> np.ndarray:
    """The positions of the tokens that start a term, less those whose terms all need a next word the token
    does not have (`pairs`: first code * n_forms + second code of each pair of words a term starts with)."""
    at = np.flatnonzero(starts_term[tokens.codes])
    check = needs_next[tokens.codes[at]]
    if check.any():
        first = at[check]
        ends = tokens.starts[np.searchsorted(tokens.starts, first, side="right")]
        following = np.minimum(first + 1, len(tokens.codes) - 1)
        ok = (first + 1 < ends) & np.isin(tokens.codes[first] * n_forms + tokens.codes[following], pairs)
        check[np.flatnonzero(check)] = ~ok
        at = at[~check]
    return at


def _matches_at(tokens, i, pattern) -> bool:
    if i + len(pattern) > len(tokens) or tokens[i + 1] != pattern[1] and not pattern[1].endswith("*"):
        return False
    for token, want in zip(tokens[i + 1:], pattern[1:]):
        if want.endswith("*") and not token.startswith(want[:-1]) or not want.endswith("*") and token != want:
            return False
    return True
