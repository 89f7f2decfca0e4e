"""A batch of texts split into tokens once, for every pass that reads the same column.

The classify stage reads each text's negation-marked lemmas (`features`) five times: the term pass, the word
n-grams, two domain gates and the valence evidence. `Tokens` splits the batch once and numbers its distinct
forms, so a dictionary look-up costs one call per distinct form (`lookup`), not one per token, and the passes
share the split.
"""

from __future__ import annotations

from itertools import chain

import numpy as np


class Tokens:
    """The whitespace-split tokens of a batch of texts: `codes` (each token as an index into `forms`, the
    batch's distinct tokens in order of first appearance; `index` maps a form to its code) and `starts` (text
    `i` is `codes[starts[i]:starts[i + 1]]`).

    >>> t = Tokens(["a b", "", "b c b"])
    >>> t.forms, t.codes.tolist(), t.starts.tolist()
    (['a', 'b', 'c'], [0, 1, 1, 2, 1], [0, 2, 2, 5])
    """

    def __init__(self, texts):
        split = [t.split() for t in texts]
        self.starts = np.zeros(len(split) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, split), dtype=np.int64, count=len(split)), out=self.starts[1:])
        tokens = list(chain.from_iterable(split))
        self.forms = list(dict.fromkeys(tokens))
        self.index = dict(zip(self.forms, range(len(self.forms))))
        self.codes = np.fromiter(map(self.index.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    @classmethod
    def of(cls, texts) -> Tokens:
        """`texts` split (a `Tokens` passes through)."""
        return texts if isinstance(texts, Tokens) else cls(texts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.starts)

    def rows(self) -> np.ndarray:
        """The text of each token."""
        return np.repeat(np.arange(len(self)), self.lengths)

    def lookup(self, table: dict, default, dtype=float) -> np.ndarray:
        """`table.get(token, default)` for every token, asked once per distinct form."""
        values = np.array([table.get(form, default) for form in self.forms], dtype=dtype)
        return values[self.codes]

    def take(self, rows) -> Tokens:
        """The tokens of the given texts (in that order), sharing this batch's forms."""
        rows = np.asarray(rows, dtype=np.int64)
        lengths = self.lengths[rows]
        out = Tokens.__new__(Tokens)
        out.forms, out.index, out.starts = self.forms, self.index, np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=out.starts[1:])
        within = np.arange(out.starts[-1]) - np.repeat(out.starts[:-1], lengths)
        out.codes = self.codes[np.repeat(self.starts[rows], lengths) + within]
        return out
