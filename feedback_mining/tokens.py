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
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def as_strings(column) -> list[str]:
    """A column as Python strings, missing values as "": without pandas' round trip through Arrow strings
    (since pandas 3 `astype(str)` makes an Arrow-backed column, and reading it back builds every string again;
    the text stages keep their columns as Python strings)."""
    return [value if type(value) is str else "" if pd.isna(value) else str(value) for value in column.tolist()]


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
        `test_tokens` checks every code point), but whitespace at either end gives empty tokens, dropped here.
        The forms stay in Arrow (`arrow_forms`) until a caller asks for them as Python strings."""
        texts = pa.array(texts, type=pa.large_string())
        if isinstance(texts, pa.ChunkedArray):  # a pandas column held in several pieces
            texts = texts.combine_chunks()
        lists = pc.utf8_split_whitespace(texts)
        encoded = pc.dictionary_encode(lists.flatten())
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        dictionary = encoded.dictionary
        starts = lists.offsets.to_numpy().astype(np.int64)
        empty = pc.index(dictionary, pa.scalar("", dictionary.type)).as_py()
        if empty >= 0:
            kept = codes != empty
            starts = np.r_[0, np.cumsum(kept)][starts]
            codes = codes[kept]
            codes -= codes > empty
            dictionary = pa.concat_arrays([dictionary[:empty], dictionary[empty + 1:]])
        self.codes, self.starts, self.arrow_forms = codes, starts, dictionary

    @cached_property
    def forms(self) -> list[str]:
        return self.arrow_forms.to_pylist()

    @property
    def in_arrow(self) -> bool:
        """Whether the forms are in Arrow and enough that looking them up there beats a Python loop."""
        return len(self.__dict__.get("arrow_forms", ())) >= ARROW_MIN_FORMS

    @property
    def n_forms(self) -> int:
        return len(self.arrow_forms) if "arrow_forms" in self.__dict__ else len(self.forms)

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
        """`table.get(token, default)` for every token, asked once per distinct form (in Arrow when the forms
        are there: a Python dictionary look-up a form costs more than one hash join in C++)."""
        if not self.in_arrow:
            return self._lookup_in_python(table, default, dtype)
        try:
            keys, found = _arrow_table(table, dtype)
        except (pa.ArrowException, TypeError, ValueError, UnicodeError):  # keys not all strings, say
            return self._lookup_in_python(table, default, dtype)
        at = keys.positions(self.arrow_forms)
        return np.append(found, np.asarray(default, dtype=dtype))[at][self.codes]  # -1: the default

    def _lookup_in_python(self, table: dict, default, dtype) -> np.ndarray:
        return np.array([table.get(form, default) for form in self.forms], dtype=dtype)[self.codes]

    def take(self, rows) -> Tokens:
        """The tokens of the given texts (in that order), sharing this batch's forms."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == len(self) and np.array_equal(rows, np.arange(len(self))):
            return self
        lengths = self.lengths[rows]
        out = Tokens.__new__(Tokens)
        out.__dict__.update({k: self.__dict__[k] for k in ("forms", "arrow_forms", "index") if k in self.__dict__})
        out.starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=out.starts[1:])
        within = np.arange(out.starts[-1]) - np.repeat(out.starts[:-1], lengths)
        out.codes = self.codes[np.repeat(self.starts[rows], lengths) + within]
        return out


ARROW_MIN_FORMS = 1000  # below this, a batch's forms are looked up in Python


class ArrowKeys:
    """Strings in the order they were added, as one Arrow array, and where a batch's strings stand among them
    (`index_in` in C++, not a Python dictionary look-up a string): the Arrow side of a per-word cache."""

    def __init__(self, keys=()):
        self._parts = [_strings(keys)]

    def __len__(self) -> int:
        return sum(map(len, self._parts))

    def add(self, keys) -> None:
        self._parts.append(_strings(keys))

    @property
    def array(self) -> pa.Array:
        if len(self._parts) > 1:  # the pieces added since the last look-up, joined once
            self._parts = [pa.concat_arrays(self._parts)]
        return self._parts[0]

    def positions(self, values: pa.Array) -> np.ndarray:
        """Each value's position among the keys, -1 where it is not one."""
        return pc.index_in(values, value_set=self.array).fill_null(-1).to_numpy().astype(np.int64)

    def holds(self, values: pa.Array) -> np.ndarray:
        """Whether each value is a key."""
        return pc.is_in(values, value_set=self.array).to_numpy(zero_copy_only=False)


def _strings(values) -> pa.Array:
    return values.cast(pa.large_string()) if isinstance(values, pa.Array) else pa.array(list(values), pa.large_string())


_ARROW_TABLES: dict = {}  # (id(table), dtype) -> (table, its keys, its values); the table kept alive


def _arrow_table(table: dict, dtype) -> tuple[ArrowKeys, np.ndarray]:
    """A look-up table's keys as `ArrowKeys` and its values as a NumPy array, made once per table (the tables are
    fitted vocabularies and lexicons, not changed once made; a table of another size is made again)."""
    key = id(table), np.dtype(dtype).str
    entry = _ARROW_TABLES.get(key)
    if entry is None or entry[0] is not table or len(entry[2]) != len(table):
        if len(_ARROW_TABLES) >= 32:
            _ARROW_TABLES.clear()
        entry = _ARROW_TABLES[key] = (table, ArrowKeys(table), np.fromiter(table.values(), dtype=dtype,
                                                                           count=len(table)))
    return entry[1], entry[2]
