"""A batch of texts split into tokens once, for every pass that reads the same column.

The classify stage reads each text's negation-marked lemmas (`features`) five times: the term pass, the word
n-grams, two domain gates and the valence evidence. `Tokens` splits the batch once and numbers its distinct
forms, so a dictionary look-up costs one call per distinct form (`lookup`), not one per token, and the passes
share the split.
"""

from __future__ import annotations

from functools import cached_property
from itertools import chain

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class Tokens:
    """The whitespace-split tokens of a batch of texts: `codes` (each token as an index into `forms`, the
    batch's distinct tokens in order of first appearance; `index` maps a form to its code) and `starts` (text
    `i` is `codes[starts[i]:starts[i + 1]]`).

    >>> t = Tokens(["a b", "", "b c b"])
    >>> t.forms, t.codes.tolist(), t.starts.tolist()
    (['a', 'b', 'c'], [0, 1, 1, 2, 1], [0, 2, 2, 5])
    """

    def __init__(self, texts):
        try:
            self._split_in_arrow(texts)
        except (pa.ArrowException, UnicodeError):  # a lone surrogate, say: Arrow holds UTF-8 only
            self._split_in_python(texts)

    def _split_in_python(self, texts) -> None:
        split = [t.split() for t in texts]
        self.starts = np.zeros(len(split) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, split), dtype=np.int64, count=len(split)), out=self.starts[1:])
        tokens = list(chain.from_iterable(split))
        self.forms = list(dict.fromkeys(tokens))
        self.codes = np.fromiter(map(self.index.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def _split_in_arrow(self, texts) -> None:
        """`str.split()` in Arrow's C++: the same whitespace (Unicode Zs and the bidi classes WS, B, S, as Python;
        `test_tokens` checks every code point), but whitespace at either end gives empty tokens, dropped here."""
        texts = pa.array(texts, type=pa.large_string())
        if isinstance(texts, pa.ChunkedArray):  # a pandas column held in several pieces
            texts = texts.combine_chunks()
        lists = pc.utf8_split_whitespace(texts)
        encoded = pc.dictionary_encode(lists.flatten())
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        self.forms = encoded.dictionary.to_pylist()
        starts = lists.offsets.to_numpy().astype(np.int64)
        if "" in self.forms:
            empty = self.forms.index("")
            kept = codes != empty
            starts = np.r_[0, np.cumsum(kept)][starts]
            codes = codes[kept]
            codes -= codes > empty
            del self.forms[empty]
        self.codes, self.starts = codes, starts

    @cached_property
    def index(self) -> dict[str, int]:
        return dict(zip(self.forms, range(len(self.forms))))

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
        if len(rows) == len(self) and np.array_equal(rows, np.arange(len(self))):
            return self
        lengths = self.lengths[rows]
        out = Tokens.__new__(Tokens)
        out.forms, out.starts = self.forms, np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=out.starts[1:])
        within = np.arange(out.starts[-1]) - np.repeat(out.starts[:-1], lengths)
        out.codes = self.codes[np.repeat(self.starts[rows], lengths) + within]
        if "index" in self.__dict__:
            out.index = self.index
        return out
