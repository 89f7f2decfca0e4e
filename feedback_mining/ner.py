"""natasha's slovnet NER (Russian news, navec embeddings), run over many short texts at once.

The same model as `natasha.NewsNERTagger.map`, arranged for thousands of windows of a dozen words (what `names`
asks about): slovnet pads every batch of 8 texts to its longest and runs each layer batch by batch; here all the
texts' tokens stand in one sequence, one zero position between two texts, and each layer runs over blocks of that
sequence. The zero position is what slovnet's padding gives a text's edges (the pad embedding is zero and every
layer zeroes padded positions again), so each text is computed as alone. Tokens are razdel's, as slovnet's (each
distinct chunk between spaces tokenised once: `razdel_words`).
The first convolution (990 inputs a position) is summed from each token's products with its weights, computed
once per token form, and the later ones from one product per kernel offset; the same weights in another order of
summation, so a score may differ in its last bits from slovnet's: `tests/test_ner.py` checks the spans against
natasha's own (they were also identical on all 4,556 windows of 40,000 real texts). The CRF does slovnet's
arithmetic.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from feedback_mining.word_caches import trim

BLOCK = 512  # positions per matrix product: large enough for BLAS, small enough to stay in the CPU cache
MAX_TOKENS = 20_000  # token forms whose first-layer products are kept (60 MB; 40,000 real texts need 7,000)


@lru_cache(maxsize=1)
def ner_tagger():
    """natasha's slovnet NER for Russian news (navec embeddings), from natasha's wheel; loaded once per process."""
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


def _layer_in_blocks(layer, x: np.ndarray, zero: np.ndarray) -> np.ndarray:
    """One CNN layer (conv, ReLU, batch norm) over positions x (positions x channels), block by block, with the
    zero positions zeroed after it, as slovnet zeroes padding. The convolution is one product per kernel offset
    with the positions shifted by it, summed: no copy of each position's window (slovnet's `im2col`), 14% faster,
    the same weights summed in another order (see the module's docstring)."""
    conv, norm = layer.conv, layer.norm
    filters, in_dim, kernel = conv.weight.shape
    weights = [np.ascontiguousarray(conv.weight.array[:, :, k].T) for k in range(kernel)]  # in x filters each
    padded = np.concatenate([np.zeros((conv.padding, in_dim), x.dtype), x, np.zeros((conv.padding, in_dim), x.dtype)])
    out = np.empty((len(x), filters), dtype=x.dtype)
    for start in range(0, len(x), BLOCK):
        stop = min(start + BLOCK, len(x))
        y = padded[start:stop] @ weights[0]
        for k in range(1, kernel):
            y += padded[start + k:stop + k] @ weights[k]
        y += conv.bias.array
        y = y.clip(0)
        out[start:stop] = (y - norm.mean.array) / norm.std.array * norm.weight.array + norm.bias.array
    out[zero] = 0
    return out


def _emissions(rows: np.ndarray, zero: np.ndarray) -> np.ndarray:
    """The tag scores of every position of the joined sequence (slovnet's `Tag.__call__` without the batch)."""
    model = ner_tagger().infer.model
    layers = model.encoder.layers
    x = _first_layer(layers[0], rows, zero)
    for layer in layers[1:]:
        x = _layer_in_blocks(layer, x, zero)
    return model.head(x)


class _Projections:
    """The first convolution's products with each token's embedding (its word's and its shape's), per kernel
    offset, computed once per token form: the first layer is then three look-ups a position instead of a
    product with 990 inputs (a product with the same weights, summed in another order: see `tests`)."""

    def __init__(self, model, encoder):
        conv = model.encoder.layers[0].conv
        self.filters, _, self.kernel = conv.weight.shape
        assert self.kernel == 3 and conv.padding == 1, "the first layer is slovnet's kernel of 3"
        word_dim = model.emb.word.dim
        weight = conv.weight.array.transpose(1, 2, 0)  # in x kernel x filters
        self.word_weight = np.ascontiguousarray(weight[:word_dim]).reshape(word_dim, -1)
        self.shape_rows = model.emb.shape.weight.array @ weight[word_dim:].reshape(-1, self.kernel * self.filters)
        self.model, self.encoder = model, encoder
        self.rows = [np.zeros((1, self.filters), dtype=weight.dtype) for _ in range(self.kernel)]  # row 0: padding
        self.index: dict[str, int] = {"": 0}  # "": a zero position between two texts
        self.looked_up = 0  # tokens asked about, for the benchmarks' hit rate (len(index) - 1 were new)

    def lookup(self, tokens: list[str]) -> np.ndarray:
        """Row numbers of the tokens, computing the rows of tokens not seen before."""
        self.looked_up += len(tokens)
        if len(self.index) > MAX_TOKENS:  # bounded memory: 3 KB a token form; the next ones start again
            self.rows, self.index = [rows[:1] for rows in self.rows], {"": 0}
        index = self.index
        new = list(dict.fromkeys(t for t in tokens if t not in index))
        if new:
            from slovnet.shape import word_shape

            words, shapes = self.encoder.words_vocab, self.encoder.shapes_vocab
            word_ids = np.array([words.encode(t.lower()) for t in new])
            shape_ids = np.array([shapes.encode(word_shape(t)) for t in new])
            products = self.model.emb.word(word_ids) @ self.word_weight + self.shape_rows[shape_ids]
            first = len(self.rows[0])
            index.update({t: first + i for i, t in enumerate(new)})
            f = self.filters
            self.rows = [np.concatenate([rows, products[:, k * f:(k + 1) * f]]) for k, rows in enumerate(self.rows)]
        return np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))


@lru_cache(maxsize=1)
def _projections() -> _Projections:
    infer = ner_tagger().infer
    return _Projections(infer.model, infer.encoder)


def _first_layer(layer, rows: np.ndarray, zero: np.ndarray) -> np.ndarray:
    """The first CNN layer: out[t] = sum over offsets k of token[t + k - 1]'s product at k, then ReLU, norm."""
    before, here, after = _projections().rows
    norm, bias = layer.norm, layer.conv.bias.array
    padded = np.concatenate([[0], rows, [0]])
    out = np.empty((len(rows), len(bias)), dtype=here.dtype)
    for start in range(0, len(rows), 4 * BLOCK):
        stop = min(start + 4 * BLOCK, len(rows))
        y = before[padded[start:stop]] + here[padded[start + 1:stop + 1]] + after[padded[start + 2:stop + 2]] + bias
        y = y.clip(0)
        out[start:stop] = (y - norm.mean.array) / norm.std.array * norm.weight.array + norm.bias.array
    out[zero] = 0
    return out


def _decode(emissions: np.ndarray, bounds: list[tuple[int, int]]) -> list[np.ndarray]:
    """The CRF's best tag ids of each text, texts of the same length decoded together (as slovnet, masked)."""
    crf = ner_tagger().infer.model.head.crf
    out: list[np.ndarray | None] = [None] * len(bounds)
    by_length: dict[int, list[int]] = {}
    for row, (start, stop) in enumerate(bounds):
        by_length.setdefault(stop - start, []).append(row)
    for length, rows in by_length.items():
        for first in range(0, len(rows), 256):
            some = rows[first:first + 256]
            batch = np.stack([emissions[bounds[r][0]:bounds[r][1]] for r in some])
            for r, tags in zip(some, crf.decode(batch, np.ones(batch.shape[:2], dtype=bool))):
                out[r] = tags
    return out


# razdel joins two atoms only when no space is between them, and looks past a space only for a dash or an
# underscore next to it (`какой-` `то`), or a `.` `,` `/` `\` next to a number (`1.` `5`): a chunk of text
# between spaces that starts and ends otherwise has the same tokens wherever it stands
_JOINS_ACROSS = frozenset("‑–—−-_")
_BETWEEN_NUMBERS = frozenset(".,/\\")
_CHUNK_TOKENS: dict[str, list[str]] = {}  # chunk -> its razdel tokens


def _stands_alone(chunk: str) -> bool:
    if len(chunk) == 1:
        return True
    first, last = chunk[0], chunk[-1]
    return not (first in _JOINS_ACROSS or last in _JOINS_ACROSS or first in _BETWEEN_NUMBERS and chunk[1].isdigit()
                or last in _BETWEEN_NUMBERS and chunk[-2].isdigit())


def razdel_words(text: str) -> list[str]:
    """The texts of razdel's tokens of `text` (what slovnet's `tokenize` gives), tokenising each distinct chunk
    between spaces once; a text with a chunk whose tokens could depend on its neighbours goes to razdel whole."""
    from razdel import tokenize

    out, cache = [], _CHUNK_TOKENS
    for chunk in text.split():
        found = cache.get(chunk)
        if found is None:
            if not _stands_alone(chunk):
                return [token.text for token in tokenize(text)]
            found = cache[chunk] = [token.text for token in tokenize(chunk)]
        out += found
    return out


@lru_cache(maxsize=1)
def _blas_threads():
    """The process's threadpool controller, made once: making one reads the loaded libraries (/proc/self/maps),
    about 4 ms, which `threadpool_limits` would do on every call."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def per_spans(texts: list[str]) -> list[list[tuple[int, int]]]:
    """natasha's PER spans (start, stop) of each text, the same as `NewsNERTagger.map` finds. One BLAS thread:
    the CNN's matrix products are small (measured six times faster on 2 busy cores)."""
    trim(_CHUNK_TOKENS)
    words = [razdel_words(text) for text in texts]
    keep = [row for row, found in enumerate(words) if found]
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    if not keep:
        return out
    tokens, bounds = [], []  # the texts' tokens in one sequence, "" (row 0: zeros) before each text and at the end
    for row in keep:
        tokens.append("")
        bounds.append((len(tokens), len(tokens) + len(words[row])))
        tokens += words[row]
    tokens.append("")
    with _blas_threads().limit(limits=1, user_api="blas"):
        rows = _projections().lookup(tokens)
        tags = _decode(_emissions(rows, rows == 0), bounds)
    parts, begins_person = _tag_parts()
    for row, found in zip(keep, tags):
        if (found == begins_person).any():  # a span opens only at a B- tag
            out[row] = _person_spans(texts[row], words[row], [parts[tag] for tag in found.tolist()])
    return out


@lru_cache(maxsize=1)
def _tag_parts() -> tuple[list[tuple[str, str | None]], int]:
    """(each tag id's (part, type): `B-PER` -> ("B", "PER"), `O` -> ("O", None); the id of `B-PER`)."""
    vocab = ner_tagger().infer.decoder.tags_vocab
    parts = [vocab.decode(tag).partition("-") for tag in range(len(vocab.items))]
    return [(part, kind or None) for part, _, kind in parts], parts.index(("B", "-", "PER"))


def _person_spans(text: str, words: list[str], parts: list[tuple[str, str | None]]) -> list[tuple[int, int]]:
    """slovnet's `bio_spans(find_tokens(text, words), tags)`, its PER spans: a B- tag opens a span of its type,
    an I- tag (of any type) extends the open one, O closes it (`<pad>` does nothing); each word is found in the
    text after the one before."""
    spans, open_type, start, stop, at = [], None, 0, 0, 0
    for word, (part, kind) in zip(words, parts):
        begin = text.find(word, at)
        at = begin + len(word)
        if part == "O" or part == "B":
            if open_type == "PER":
                spans.append((start, stop))
            open_type, start, stop = kind, begin, at  # O: kind None, nothing open
        elif part == "I":
            stop = at
    if open_type == "PER":
        spans.append((start, stop))
    return spans

