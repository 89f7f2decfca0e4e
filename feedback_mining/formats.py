"""File formats: turn an export's bytes into a frame of strings with each row's number in the file (`_row`).

CSV/TSV: encoding by BOM, else UTF-8, else the legacy code page whose decoding reads most like words
(cp1251 Russian/Ukrainian Excel, cp1252 Western, cp1256 Persian Windows); delimiter sniffed among , ; tab |;
the header may follow title or blank lines. A clean file goes through pandas' C parser; a file with blank
lines, multi-line fields, junk above the header or malformed lines goes through the csv module, which
numbers every record by the line it starts on and keeps malformed lines as rows (`_malformed` says why).
XLSX (first sheet or a named one, header row found the same way), Parquet and JSON Lines are read too.
Anything unreadable raises InputError naming the file and what to do.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import os
import re
import stat
import warnings
import zipfile
import zlib
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from feedback_mining import limits
from feedback_mining.errors import InputError
from feedback_mining.limits import exceeded

DELIMITERS = [",", ";", "\t", "|"]
HEADER_SCAN = 30  # the header is among the first rows that are not blank
LEGACY_ENCODINGS = ["cp1251", "cp1252", "cp1256"]  # ties go to the first
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
SIGNATURES = [  # leading bytes -> what the file really is
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive"), (b"PAR1", "a Parquet file"),
    (b"\xd0\xcf\x11\xe0", "an old-style .xls workbook (or an encrypted .xlsx)"), (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3\x00", "an SQLite database"), (b"7z\xbc\xaf", "a 7-Zip archive"), (b"Rar!", "a RAR archive"),
]
EXPORT_HINT = "export it as CSV (UTF-8), XLSX, Parquet or JSON Lines, with the matching suffix"


class Unreadable(Exception):
    """A file this module cannot read; load_table adds the file's name."""


class Record(NamedTuple):
    line: int  # where the record starts in the file (line, or Excel row)
    fields: list[str]
    problem: str = ""  # why the record cannot be used as it is


# ---------------------------------------------------------------- entry point


def load_table(path: Path, sheet: str | None = None, hints=()) -> pd.DataFrame:
    """Read a CSV, TSV, Parquet, JSON Lines or XLSX file into a frame of strings with `_row` numbers (and
    `_malformed` reasons when some lines could not be split). `hints` are column names expected in the
    header; `frame.attrs["notes"]` says how the file was read when that was not obvious."""
    path = Path(path)
    data = read_bytes(path)
    suffix = path.suffix.lower()
    reader = READERS.get(suffix, read_delimited)
    try:
        if not data or data.isspace():
            raise Unreadable("the file is empty; export it again with a header row and the data")
        frame, notes = reader(data, sep="\t" if suffix == ".tsv" else None, sheet=sheet, hints=hints)
    except Unreadable as e:
        raise InputError(path, str(e)) from None
    except read_errors() as e:
        raise InputError(path, f"cannot read it as {suffix or 'CSV'} ({type(e).__name__}: {e}); {EXPORT_HINT}") \
            from None
    frame.attrs["notes"] = notes
    return frame


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file (never a device, a FIFO or a socket, even behind a link), up to the size
    limit; an InputError says what is wrong with the path."""
    limit = limits.current().file_bytes
    try:
        check_regular(path, os.stat(path))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())  # what was opened, if the path changed since the stat
            check_regular(path, info)
            if info.st_size > limit:
                raise InputError(path, exceeded("file_bytes", info.st_size))
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise InputError(path, "file not found; check the path or the config") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file; give the path of the export inside it") from None
    except PermissionError:
        raise InputError(path, "permission denied; make the file readable for this user (or copy it) "
                               "and run again") from None
    except OSError as e:
        raise InputError(path, f"cannot read the file ({e.strerror or e}); copy it to a local disk and run again") \
            from None
    if len(data) > limit:  # a file that grew, or one whose size the file system does not know
        raise InputError(path, exceeded("file_bytes", f"more than {limit:,}"))
    return data


NOT_REGULAR = [(stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket")]


def check_regular(path: Path, info: os.stat_result) -> None:
    """Refuse anything but a regular file: reading /dev/zero never ends, opening a FIFO waits for a writer."""
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError
    if not stat.S_ISREG(info.st_mode):
        kind = next((what for test, what in NOT_REGULAR if test(info.st_mode)), "not a file")
        target = os.path.realpath(path)
        link = f" (a link to {target})" if os.path.islink(path) else ""
        raise InputError(path, f"is {kind}{link}, not a regular file; only exported files are read: save the data "
                               "to a file and give its path")


def what_is(data: bytes) -> str | None:
    """What a binary file is, from its first bytes ("a PNG image"), or None for anything else."""
    kind = next((what for magic, what in SIGNATURES if data.startswith(magic)), None)
    if kind == "a Parquet file" and not data.endswith(b"PAR1"):
        return None  # text that happens to start with PAR1, or a Parquet file cut short (read_parquet says so)
    if kind == "a ZIP archive":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return kind
        return "an XLSX workbook" if "xl/workbook.xml" in names else kind
    return kind


def wrong_format(data: bytes, expected: str) -> Unreadable:
    """The error for a file that is not what its suffix says."""
    kind = what_is(data) or "text"
    rename = {"an XLSX workbook": ".xlsx", "a Parquet file": ".parquet", "text": ".csv"}.get(kind)
    fix = f"rename it to {rename}" if rename else EXPORT_HINT
    return Unreadable(f"this is {kind}, not {expected}; {fix}")


# ---------------------------------------------------------------- text


def decode_bytes(data: bytes) -> tuple[str, list[str]]:
    """Decode an export: a BOM, else UTF-8, else the likeliest legacy code page; a UTF-8 file with a few lines
    in a code page (rows pasted from an old export) has those lines read in it, and stray bytes replaced.
    Returns the text and notes for anything guessed."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), []
    encoding = utf16_without_bom(data)
    if encoding:
        return data.decode(encoding, errors="replace"), [f"decoded as {encoding} (no BOM)"]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    spans = not_utf8_lines(data)
    pieces, starts = [], [0, *(end for _, end in spans)]
    for (start, end), previous in zip(spans, starts):
        pieces.append(data[previous:start].decode("utf-8"))
    pieces.append(data[starts[-1]:].decode("utf-8"))
    if not any(not piece.isascii() for piece in pieces):  # no UTF-8 beyond ASCII: the file is in a code page
        encoding = guess_legacy_encoding(data)
        return data.decode(encoding, errors="replace"), [f"not UTF-8: decoded as {encoding} (guessed)"]
    return mixed_lines(data, spans, pieces)


def mixed_lines(data: bytes, spans: list[tuple[int, int]], pieces: list[str]) -> tuple[str, list[str]]:
    """A UTF-8 text whose lines at `spans` are not UTF-8: each read in the code page the bad lines read best in
    when it gives words, else as UTF-8 with its stray bytes replaced (U+FFFD); a note for each kind."""
    encoding = guess_legacy_encoding(b"\n".join(data[a:b] for a, b in spans))
    legacy, stray, replaced = [], [], 0
    text, line, previous = [], 1, 0
    for (start, end), piece in zip(spans, pieces):
        line += data.count(b"\n", previous, start)
        previous = start
        raw = data[start:end]
        as_legacy = raw.decode(encoding, errors="replace")
        if reads_as_words(as_legacy):
            legacy.append(line)
            text += [piece, as_legacy]
        else:
            stray.append(line)
            as_utf8 = raw.decode("utf-8", errors="replace")
            replaced += as_utf8.count("\ufffd")
            text += [piece, as_utf8]
    text.append(pieces[-1])
    notes = []
    if legacy:
        notes.append(f"{len(legacy)} line(s) were not UTF-8 and were read as {encoding} (guessed): "
                     f"{line_list(legacy)}; the rest is UTF-8")
    if stray:
        notes.append(f"not valid UTF-8: {replaced} stray byte(s) replaced by U+FFFD ({line_list(stray)})")
    return "".join(text), notes


def line_list(lines: list[int], shown: int = 10) -> str:
    """"lines 14, 27" or "lines 14, 27, ... (40 in all)"."""
    listed = ", ".join(map(str, lines[:shown]))
    return f"line {listed}" if len(lines) == 1 else \
        f"lines {listed}" + (f", ... ({len(lines):,} in all)" if len(lines) > shown else "")


_BAD_LINES: ContextVar[list] = ContextVar("bad_lines")


def _skip_line(error: UnicodeDecodeError):
    """Codec error handler: note the line holding the bad byte, resume after it."""
    data = error.object
    start = data.rfind(b"\n", 0, error.start) + 1
    end = data.find(b"\n", error.end)
    end = len(data) if end < 0 else end
    _BAD_LINES.get().append((start, end))
    return "", end


codecs.register_error("feedback_mining.skip_line", _skip_line)


def not_utf8_lines(data: bytes) -> list[tuple[int, int]]:
    """(start, end) byte offsets of the lines that are not valid UTF-8 (without their line break)."""
    token = _BAD_LINES.set([])
    try:
        data.decode("utf-8", errors="feedback_mining.skip_line")
        return _BAD_LINES.get()
    finally:
        _BAD_LINES.reset(token)


def reads_as_words(text: str) -> bool:
    """Whether a decoded line's letters beyond ASCII form words (see `plausible_word`): at least two such
    letters, four in five of them in plausible words of two letters or more (not "я" from one stray byte)."""
    words = [w for w in re.findall(r"[^\W\d_]+", text) if not w.isascii()]
    letters = sum(map(len, words))
    return letters >= 2 and sum(len(w) for w in words if len(w) >= 2 and plausible_word(w)) >= 0.8 * letters


def utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as a zero byte in every other position of ASCII text."""
    head = data[:4000]
    half = len(head) // 2
    if half < 2:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def guess_legacy_encoding(data: bytes) -> str:
    """The code page under which the non-ASCII lines read most like words (see `plausible_word`)."""
    sample = b"\n".join([line for line in data[:1 << 20].split(b"\n") if not line.isascii()][:300])
    scores = []
    for encoding in LEGACY_ENCODINGS:
        try:
            words = re.findall(r"[^\W\d_]+", sample.decode(encoding))
        except UnicodeDecodeError:
            scores.append(-1.0)
            continue
        words = [w for w in words if not w.isascii()]
        scores.append(sum(len(w) for w in words if plausible_word(w)) / max(sum(map(len, words)), 1))
    return LEGACY_ENCODINGS[scores.index(max(scores))]


def plausible_word(word: str) -> bool:
    """A word in one script, cased like a word ("Долго", "été"; not "УбЗг", "Äîëãî", "نîëمî")."""
    scripts = {_script(ch) for ch in word}
    if len(scripts - {"ascii"}) != 1 or ("ascii" in scripts and scripts != {"ascii", "latin"}):
        return False
    cased = word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())
    if "cyrillic" in scripts:
        return cased
    if "latin" in scripts:
        return cased and sum(not ch.isascii() for ch in word) <= sum(ch.isascii() for ch in word) + 1
    return "arabic" in scripts


def _script(ch: str) -> str:
    code = ord(ch)
    if code < 128:
        return "ascii"
    if 0xC0 <= code <= 0x24F:
        return "latin"
    if 0x400 <= code <= 0x4FF:
        return "cyrillic"
    if 0x600 <= code <= 0x6FF or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    return "other"


def check_text(data: bytes, text: str, expected: str) -> str:
    """Refuse binary files (a PNG or a ZIP named .csv); drop stray NUL characters."""
    if what_is(data):
        raise wrong_format(data, expected)
    sample = text[:4096]
    controls = sum(ch < " " and ch not in "\t\n\r" for ch in sample)
    if controls >= 3 and controls > 0.05 * len(sample):
        raise Unreadable(f"this does not look like text (control characters); {EXPORT_HINT}")
    if not text.strip():
        raise Unreadable("the file is empty; export it again with a header row and the data")
    return text.replace("\x00", "") if "\x00" in text else text


# ---------------------------------------------------------------- delimited text


def read_delimited(data: bytes, sep: str | None = None, hints=(), **_) -> tuple[pd.DataFrame, list[str]]:
    """Decode and parse a CSV/TSV export."""
    if what_is(data):
        raise wrong_format(data, "a CSV/TSV file")
    check_lines(data)
    body = plain_utf8(data)  # checked once, for both ways of reading it without one whole-file string
    if body is not None:
        frame = parse_fast_utf8(body, sep, hints)
        if frame is not None:
            return frame, []
        blocks = parse_utf8_blocks(body, sep, hints)
        if blocks is not None:
            return blocks
    text, notes = decode_bytes(data)
    text = check_text(data, text, "a CSV/TSV file")
    frame, more = parse_delimited(text, sep, hints)
    return frame, notes + more


def parse_delimited(text: str, sep: str | None = None, hints=()) -> tuple[pd.DataFrame, list[str]]:
    """Parse delimited text: the C parser when rows can be numbered without it, else `parse_records`."""
    text = text.rstrip("\r\n")
    sep = sep or sniff_delimiter(text)
    check_header_width(text, sep, hints)
    frame = parse_fast(text, sep, hints)
    if frame is not None:
        return frame, []
    with unlimited_fields():
        lines = io.StringIO(text, newline="").readlines()
        records = [r for r in read_records(lines, sep) if r.problem or "".join(r.fields).strip()]
    if not records:
        raise Unreadable("the file is empty; export it again with a header row and the data")
    return frame_from_records(records, hints, sep, "line")


def check_lines(data: bytes, chunk: int = 1 << 26) -> None:
    """Refuse a file with a line longer than the limit before decoding it (a 200 MB line is no export's row),
    scanning the bytes in chunks for line breaks."""
    limit = limits.current().line_bytes
    line, start = 1, 0  # the current line's number and the offset it starts at
    for offset in range(0, len(data), chunk):
        size = min(chunk, len(data) - offset)
        breaks = np.flatnonzero(np.frombuffer(data, np.uint8, size, offset) == 10) + offset
        if len(breaks):
            lengths = np.diff(np.concatenate([[start - 1], breaks])) - 1
            if lengths.max() > limit:
                at = int(np.argmax(lengths > limit))
                raise Unreadable(exceeded("line_bytes", int(lengths[at]), f"the length of line {line + at:,}"))
            line, start = line + len(breaks), int(breaks[-1]) + 1
        so_far = offset + size - start
        if so_far > limit:  # stop here: the rest of the line is not worth scanning
            seen = so_far if offset + size == len(data) else f"more than {so_far - 1:,}"
            raise Unreadable(exceeded("line_bytes", seen, f"the length of line {line:,}"))


def check_header_width(text: str, sep: str, hints=()) -> None:
    """Refuse a header with more fields than the column limit before the parsers build a column for each."""
    head = text[:HEADER_SCAN * limits.current().line_bytes]
    try:
        with unlimited_fields():
            reader = csv.reader(io.StringIO(head, newline=""), delimiter=sep)
            rows = list(itertools.islice(reader, HEADER_SCAN))
    except csv.Error:
        return  # broken quoting: the careful parser reports it line by line
    if rows:
        h = find_header(rows, hints)
        if len(rows[h]) > limits.current().columns:
            raise Unreadable(exceeded("columns", len(rows[h]), "the width of the header"))


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; tab | that splits the first lines into the same number of fields most often
    (quoted parts ignored); an Excel `sep=;` first line says it outright."""
    declared = re.match(r"sep=(.)\r?\n", text)
    if declared:
        return declared.group(1)
    sample = re.sub(r'"(?:[^"]|"")*"', '""', text[:65536])
    lines = [line for line in re.split(r"\r\n|\r|\n", sample)[:50] if line.strip()]

    def consistency(sep):  # (how many lines share the commonest count, that count)
        counts = Counter(n for n in (line.count(sep) for line in lines) if n)
        return max(((lines, n) for n, lines in counts.items()), default=(0, 0))

    scores = [consistency(sep) for sep in DELIMITERS]
    return DELIMITERS[scores.index(max(scores))]


def parse_fast(text: str, sep: str, hints=()) -> pd.DataFrame | None:
    """pandas' C parser, when rows are numbered by their position: header first, no blank lines, no multi-line
    fields, no malformed lines (one line per record). None when the careful parser is needed."""
    if text.count("\r") != text.count("\r\n") or "\n\n" in text or "\r\n\r\n" in text:
        return None  # lone CR line ends, or blank lines: rows are not numbered by position
    if not header_comes_first(text[:1 << 20], sep, hints):
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, na_filter=False, engine="c",
                            skip_blank_lines=True)
    except (pd.errors.ParserError, ValueError, IndexError):
        return None
    if len(frame) != text.count("\n") + 1 or has_short_rows(frame, text, sep):
        return None
    body = frame.iloc[1:].set_axis(column_names(frame.iloc[0].tolist()), axis=1)
    return drop_blank_rows(body.assign(_row=np.arange(2, len(frame) + 1)))


FAST_BLOCK_ROWS = 200_000  # rows the C parser turns into strings at a time (a block's cells are Python objects)


def plain_utf8(data: bytes) -> bytes | None:
    """The bytes of a plain UTF-8 export without its BOM (valid UTF-8, no NUL, no other BOM), else None; checked
    in pieces, without keeping the decoded text."""
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    if any(body.startswith(bom) for bom, _ in BOMS) or utf16_without_bom(body) or b"\x00" in body:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(body), 1 << 24):
            decoder.decode(body[start:start + (1 << 24)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return body


def parse_fast_utf8(body: bytes, sep: str | None = None, hints=()) -> pd.DataFrame | None:
    """`parse_fast` on the bytes of a plain UTF-8 export (`plain_utf8`), without decoding the whole file into one
    string first: the C parser reads the bytes in blocks, so a large export costs about its own size in memory
    rather than several times it. None when the file needs the careful parser."""
    body = body.rstrip(b"\r\n")
    head = body[:1 << 20].decode("utf-8", errors="ignore")
    if not head.strip() or check_text(body[:4096], head, "a CSV/TSV file") != head:
        return None
    sep = sep or sniff_delimiter(head)
    check_header_width(head, sep, hints)
    if body.count(b"\r") != body.count(b"\r\n") or b"\n\n" in body or b"\r\n\r\n" in body:
        return None
    if not header_comes_first(head, sep, hints):
        return None
    try:
        blocks = pd.read_csv(io.BytesIO(body), sep=sep, header=None, dtype=str, na_filter=False, engine="c",
                             skip_blank_lines=True, encoding="utf-8", chunksize=FAST_BLOCK_ROWS)
        frame = pd.concat(list(blocks), ignore_index=True)
    except (pd.errors.ParserError, ValueError, IndexError):
        return None
    if len(frame) != body.count(b"\n") + 1 or has_short_rows(frame, body, sep):
        return None
    frame = frame.iloc[1:].set_axis(column_names(frame.iloc[0].tolist()), axis=1)
    return drop_blank_rows(frame.assign(_row=np.arange(2, len(frame) + 2)))


BLOCK_BYTES, BLOCKED_FROM = 8 << 20, 32 << 20  # a UTF-8 export this large is parsed in blocks of about this size


def parse_utf8_blocks(body: bytes, sep: str | None = None, hints=()) -> tuple[pd.DataFrame, list[str]] | None:
    """A large plain UTF-8 export that the fast parser cannot take (fields over several lines, blank lines) parsed
    by `parse_delimited` block by block, so memory holds one block's lines and records, not the whole file's.
    Blocks end at a line break outside quotes; each later block is parsed under the first block's header, and
    its rows are numbered by their line in the file. A record broken by an unquoted line break exactly where a
    block ends shows as two short rows rather than one broken record. None for a smaller file, and
    for a file with broken quoting (its quotes do not pair up, so blocks cannot be cut safely)."""
    if len(body) < BLOCKED_FROM:
        return None
    size = len(body)  # without the line breaks at the end (not `rstrip`: that would copy the whole file)
    while size and body[size - 1] in b"\r\n":
        size -= 1
    cuts = block_cuts(body, BLOCK_BYTES, size)
    if len(cuts) < 2:
        return None
    first, notes = parse_delimited(body[:cuts[1]].decode("utf-8"), sep, hints)
    sep = sep or sniff_delimiter(body[:1 << 16].decode("utf-8", errors="ignore"))
    names = [c for c in first.columns if c not in ("_row", "_malformed", "_short")]
    header = io.StringIO()
    csv.writer(header, delimiter=sep, lineterminator="\n").writerow(names)
    frames = [first]
    line = 1 + body.count(b"\n", 0, cuts[1])  # the file line a block starts on
    for start, end in zip(cuts[1:], [*cuts[2:], size]):
        block, more = parse_delimited(header.getvalue() + body[start:end].decode("utf-8"), sep, names)
        frames.append(block.assign(_row=block["_row"].to_numpy() + line - 2))
        line += body.count(b"\n", start, end)
        notes += [n for n in more if n not in notes]
    frame = pd.concat(frames, ignore_index=True)
    if "_malformed" in frame and frame["_malformed"].eq(BROKEN_QUOTE).any():
        return None  # a stray quote puts the cuts inside fields: the whole file is read at once instead
    for column in ("_malformed", "_short"):
        if column in frame.columns:
            frame[column] = frame[column].fillna("")
    return frame, notes


def block_cuts(body: bytes, size: int, end: int | None = None) -> list[int]:
    """Offsets where blocks of about `size` bytes of `body[:end]` start: 0, then just after a line break with an
    even number of quote characters before it (so outside any quoted field)."""
    end = len(body) if end is None else end
    cuts, quotes, last = [0], 0, 0
    target = size
    while target < end:
        at = body.find(b"\n", target, end)
        while at != -1 and (quotes + body.count(b'"', last, at)) % 2:
            at = body.find(b"\n", at + 1, end)
        if at == -1 or at + 1 >= end:
            break
        quotes, last = quotes + body.count(b'"', last, at + 1), at + 1
        cuts.append(at + 1)
        target = at + 1 + size
    return cuts


def header_comes_first(head: str, sep: str, hints=()) -> bool:
    """Whether the first line of `head` (the start of a file) is its header, as `find_header` decides."""
    try:
        with unlimited_fields():
            rows = list(itertools.islice(csv.reader(io.StringIO(head, newline=""), delimiter=sep), HEADER_SCAN))
    except csv.Error:
        return False
    return bool(rows) and find_header(rows, hints) == 0


def has_short_rows(frame: pd.DataFrame, text: str | bytes, sep: str) -> bool:
    """Whether a line has fewer fields than the header (the C parser pads it silently). Only the rows whose
    last cell is empty can be short; their lines are split again to count."""
    maybe = np.flatnonzero(frame.iloc[:, -1].to_numpy() == "")
    if not len(maybe) or frame.shape[1] == 1:
        return False
    if isinstance(text, bytes):  # the lines of the rows in question, from the offsets of the line breaks
        ends = np.flatnonzero(np.frombuffer(text, np.uint8) == 10)
        starts, ends = np.r_[0, ends + 1], np.r_[ends, len(text)]
        lines = {i: text[starts[i]:ends[i]].decode("utf-8") for i in maybe}
    else:
        lines = text.split("\n")
    widths = (len(fields) for fields in csv.reader((lines[i] for i in maybe), delimiter=sep))
    return any(width < frame.shape[1] for width in widths)


def drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Without the rows whose cells are all empty or spaces (`,,,` lines): like blank lines, they hold nothing."""
    cells = frame.drop(columns="_row")
    maybe = cells.iloc[:, 0].str.strip() == ""  # strip one column first: cheap on a clean file
    if maybe.any():
        blank = (cells[maybe].apply(lambda column: column.str.strip()) == "").all(axis=1)
        frame = frame.drop(index=blank[blank].index)
    return frame.reset_index(drop=True)


def read_records(lines: list[str], sep: str):
    """Each record of the csv module with the line it starts on (blank lines as empty records). A record over
    several lines must be quoted by the strict rules; one that is not (a stray quote swallowing the lines
    below) is reported on its first line, and reading resumes on the next. A record wider than the column
    limit keeps only that many fields (a line of 500,000 commas holds no more)."""
    most = limits.current().columns
    for record in _records(lines, sep):
        if len(record.fields) > most:
            rest = "".join(record.fields[most:]).strip()
            problem = record.problem or (f"malformed line with {len(record.fields):,} fields, more than the limit "
                                         f"of {most:,} columns" if rest else "")
            record = Record(record.line, record.fields[:most], problem)
        yield record


def _records(lines: list[str], sep: str):
    start = 0
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=sep)
        first = start + 1
        for fields in reader:
            last = start + reader.line_num
            if last > first and not well_quoted(lines[first - 1:last], sep):
                yield Record(first, next(csv.reader([lines[first - 1].rstrip("\r\n")], delimiter=sep), []),
                             BROKEN_QUOTE)
                start = first
                break
            yield Record(first, fields)
            first = last + 1
        else:
            return


BROKEN_QUOTE = ('broken quoting: the quoted field opened on this line does not close cleanly (a " inside a field '
                'must be written ""); fix the quoting')


def well_quoted(lines: list[str], sep: str) -> bool:
    """Whether these lines parse under the strict csv rules (every quote closed, nothing after a closing one)."""
    try:
        list(csv.reader(lines, delimiter=sep, strict=True))
    except csv.Error:
        return False
    return True


@contextmanager
def unlimited_fields():
    """Lift the csv module's 131072-character field limit for a while (a long ticket body is not an error)."""
    old = csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


# ---------------------------------------------------------------- header and rows


def header_key(name) -> str:
    """A column name compared loosely: case, spaces, punctuation and BOMs ignored ("Response ID" -> response_id)."""
    return re.sub(r"[\W_]+", "_", str(name).replace("\ufeff", "").casefold()).strip("_")


def find_header(rows: list[list[str]], hints=()) -> int:
    """Index of the header among the first rows: the one naming most of the `hints`, else the first row
    filled more than half as much as the fullest (title rows come first and hold a cell or two)."""
    rows = rows[:HEADER_SCAN]
    keys = {header_key(h) for h in hints}
    named = [sum(header_key(c) in keys for c in row) for row in rows]
    if named and max(named) > 0:
        return named.index(max(named))
    filled = [sum(str(c).strip() != "" for c in row) for row in rows]
    return next((i for i, n in enumerate(filled) if n > max(filled) / 2), 0)


def column_names(header: list) -> list[str]:
    """Header cells as column names: trimmed, BOM dropped, blanks named `column_3`, repeats `name_2`."""
    names, seen = [], set()
    for i, cell in enumerate(header):
        name = str(cell).replace("\ufeff", "").strip() or f"column_{i + 1}"
        base, k = name, 1
        while name in seen:
            k += 1
            name = f"{base}_{k}"
        seen.add(name)
        names.append(name)
    return names


def frame_from_records(records: list[Record], hints, sep: str, unit: str) -> tuple[pd.DataFrame, list[str]]:
    """Rows below the header as a frame of strings. A row with more filled cells than the header is kept as
    malformed (`_malformed`); in a text file a shorter line is either part of a record broken by an unquoted
    line break (`broken_records`, malformed too) or padded with a note (`_short`); XLSX rows just end early."""
    h = find_header([r.fields for r in records], hints)
    names = column_names(records[h].fields)
    width = len(names)
    if width > limits.current().columns:
        raise Unreadable(exceeded("columns", width, f"the width of the header ({unit} {records[h].line})"))
    skipped = (f"skipped {h} {unit}(s) above the header ({unit} {records[0].line}-{records[h - 1].line}); "
               f"the header is {unit} {records[h].line}")
    notes = [skipped] if h else []
    body = broken_records(records[h + 1:], width) if unit == "line" else records[h + 1:]
    values, problems, short = [], [], []
    for _, fields, problem in body:
        if len(fields) > width and not problem and "".join(fields[width:]).strip():
            problem = f"malformed {unit} with {len(fields)} fields, expected {width}"
        short.append(f"row has {len(fields)} of {width} fields: the last {width - len(fields)} read as empty"
                     if unit == "line" and len(fields) < width and not problem else "")
        values.append((fields + [""] * width)[:width])
        problems.append(problem)
    frame = pd.DataFrame(values, columns=names, dtype=object).astype(str)
    frame["_row"] = np.array([r.line for r in body], dtype=int)
    if any(problems):
        frame["_malformed"] = problems
    if any(short):
        frame["_short"] = short
    return frame, notes


def broken_records(records: list[Record], width: int) -> list[Record]:
    """Records with the pieces of one record split by an unquoted line break marked malformed (both pieces:
    neither holds the row), the later pieces blanked so a comment's second half never reads as an id:
    consecutive short lines whose fields add up to the header's (3 + 6 - 1 = 8: the broken field is in both),
    or one-field lines under a complete row (the rest of its last field, or a note below the data)."""
    out = list(records)
    i = 0
    while i < len(out):
        first, end = out[i], i + 1
        if len(first.fields) < width and not first.problem:
            total = len(first.fields)
            while end < len(out) and total < width and not out[end].problem and len(out[end].fields) < width:
                total, end = total + len(out[end].fields) - 1, end + 1
            broken = total == width and end - i > 1
            reason, start = (f"broken record: an unquoted line break inside a field (lines {first.line}-"
                             f"{out[end - 1].line}); quote the field or remove the line break"), i
        elif width > 1 and not first.problem:
            while end < len(out) and not out[end].problem and len(out[end].fields) == 1:
                end += 1
            broken = end - i > 1
            reason, start = (f"a line of one field below a complete row (lines {first.line}-{out[end - 1].line}): "
                             "the rest of its last field after an unquoted line break, or a note below the data"), i + 1
        else:
            broken = False
        if not broken:
            i += 1
            continue
        for k in range(start, end):
            out[k] = Record(out[k].line, out[k].fields if k == i else [""] * width, reason)
        i = end
    return out


# ---------------------------------------------------------------- other formats


def read_xlsx(data: bytes, sheet: str | None = None, hints=(), **_) -> tuple[pd.DataFrame, list[str]]:
    """The first (or the named) sheet of a workbook; `_row` is the Excel row number. The sheet's XML and the
    shared strings are measured (size, rows, longest cell) while decompressing, before anything is parsed."""
    import openpyxl

    if what_is(data) != "an XLSX workbook":
        raise wrong_format(data, "an XLSX workbook")
    with damaged_workbook(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's "no default style" and the like
        archive = zipfile.ZipFile(io.BytesIO(data))
        check_members(archive, sheet)
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = pick_sheet(book, sheet)
            ws.reset_dimensions()  # some writers store a wrong sheet size; read every row
            records = sheet_records(ws)
        finally:
            book.close()
    records = [r for r in records if "".join(r.fields).strip()]
    if not records:
        raise Unreadable(f"sheet {ws.title!r} is empty; pick the sheet holding the data with --sheet")
    return frame_from_records(records, hints, ",", "row")


def sheet_records(ws) -> list[Record]:
    """Each row of a sheet as a Record, within the row and column limits (gaps in row numbers count)."""
    most = limits.current()
    records = []
    for i, row in enumerate(ws.iter_rows(values_only=True), 1):
        if i > most.xlsx_rows:
            where = f"the row count of sheet {ws.title!r}"
            raise Unreadable(exceeded("xlsx_rows", f"more than {most.xlsx_rows:,}", where))
        if len(row) > most.columns:
            raise Unreadable(exceeded("columns", len(row), f"the width of row {i} of sheet {ws.title!r}"))
        records.append(Record(i, [cell_text(v) for v in row]))
    return records


@contextmanager
def damaged_workbook():
    """A damaged ZIP member (bad deflate data, a wrong checksum, cut short) as an Unreadable that says so."""
    try:
        yield
    except (zlib.error, zipfile.BadZipFile, EOFError) as e:
        raise Unreadable(f"the workbook is damaged ({e}); open it in Excel and save it again, or export it "
                         "again") from None


def check_members(archive: zipfile.ZipFile, sheet: str | None) -> None:
    """Every member within the size limit by the ZIP directory (zipfile never inflates a member past the size
    the directory gives), then the shared strings and the sheet to read measured as they decompress: all
    before openpyxl, which reads the shared strings whole and scans a sheet for its size on opening."""
    most = limits.current().xlsx_bytes
    for info in archive.infolist():
        if info.file_size > most:
            raise Unreadable(exceeded("xlsx_bytes", info.file_size, f"the decompressed size of {info.filename}"))
    for name in archive.namelist():
        if name.lower().endswith("sharedstrings.xml"):
            scan_xml(archive, name)
    paths = sheet_paths(archive)
    chosen = paths.get(sheet) if sheet in paths else (
        list(paths.values())[int(sheet) - 1] if str(sheet).isdigit() and 1 <= int(sheet) <= len(paths) else None)
    if sheet is None and paths:
        chosen = next(iter(paths.values()))
    names = set(archive.namelist())
    for name in [chosen] if chosen in names else [n for n in names if n.startswith("xl/worksheets/")]:
        scan_xml(archive, name, count_rows=True)


def sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its member in the archive, in the workbook's order (empty when the parts are missing)."""
    from xml.etree import ElementTree

    def local(tag):
        return tag.rsplit("}", 1)[-1]

    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if local(r.tag) == "Relationship"}
    paths = {}
    for e in book.iter():
        if local(e.tag) == "sheet":
            rid = next((v for k, v in e.attrib.items() if local(k) == "id"), None)
            target = targets.get(rid, "")
            paths[e.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return paths


def scan_xml(archive: zipfile.ZipFile, name: str, count_rows: bool = False, chunk: int = 1 << 22) -> None:
    """Decompress one member in chunks, counting bytes, the longest run between two tags (a cell's text) and,
    for a sheet, its rows; an Unreadable as soon as one passes its limit."""
    most = limits.current()
    total, run, rows, tail = 0, 0, 0, b""
    with archive.open(name) as f:
        while piece := f.read(chunk):
            total += len(piece)
            if total > most.xlsx_bytes:
                where = f"the decompressed size of {name}"
                raise Unreadable(exceeded("xlsx_bytes", f"more than {most.xlsx_bytes:,}", where))
            tags = np.flatnonzero(np.frombuffer(piece, np.uint8) == ord("<"))
            longest = max(run + int(tags[0]), int(np.diff(tags).max(initial=0))) if len(tags) else 0
            run = len(piece) - int(tags[-1]) - 1 if len(tags) else run + len(piece)
            if max(longest, run) > most.line_bytes:
                raise Unreadable(exceeded("line_bytes", f"more than {most.line_bytes:,}", f"a cell of {name}"))
            if count_rows:
                both = tail + piece  # a tag cut by the chunk's end is counted once, in the next
                rows, tail = rows + both.count(b"<row") + both.count(b":row"), piece[-3:]
                if rows > most.xlsx_rows:
                    raise Unreadable(exceeded("xlsx_rows", f"more than {most.xlsx_rows:,}", f"the row count of {name}"))


def sheet_names(path: Path) -> list[str]:
    """The sheet names of an XLSX workbook, in order (from its `xl/workbook.xml`); empty when it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(read_bytes(path))) as archive:
            if archive.getinfo("xl/workbook.xml").file_size > limits.current().xlsx_bytes:
                return []
            return list(sheet_paths(archive))
    except Exception:  # noqa: BLE001 - not a workbook (or not readable): no sheets to suggest
        return []


def pick_sheet(book, sheet: str | None):
    """The sheet named `sheet` (or numbered, from 1), else the first."""
    sheets = book.worksheets
    if not sheets:
        raise Unreadable("the workbook has no worksheet")
    if sheet is None:
        return sheets[0]
    if sheet in book.sheetnames:
        return book[sheet]
    if str(sheet).isdigit() and 1 <= int(sheet) <= len(sheets):
        return sheets[int(sheet) - 1]
    raise Unreadable(f"no sheet {sheet!r}; it has {book.sheetnames}; pick one with --sheet")


def cell_text(value) -> str:
    """An Excel cell as an export would write it: dates in ISO 8601, whole numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_parquet(data: bytes, **_) -> tuple[pd.DataFrame, list[str]]:
    """A Parquet file as strings; `_row` is the record's position from 1. Integer columns with nulls stay
    integers ("1001", not "1001.0", so ids still join), and so do float columns holding only whole numbers."""
    import pyarrow.parquet as pq

    if data.startswith(b"PAR1") and not data.endswith(b"PAR1"):
        raise Unreadable("the Parquet file is cut short (no footer); copy or export it again")
    if what_is(data) != "a Parquet file":
        raise wrong_format(data, "a Parquet file")
    width = len(pq.ParquetFile(io.BytesIO(data)).schema_arrow.names)
    if width > limits.current().columns:
        raise Unreadable(exceeded("columns", width, "the number of columns"))
    frame = pd.read_parquet(io.BytesIO(data), dtype_backend="numpy_nullable")
    whole = [c for c in frame.columns if whole_numbers(frame[c])]
    frame = frame.astype({c: "Int64" for c in whole})
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    frame.columns = column_names(list(frame.columns))
    notes = [f"column {c!r} holds whole numbers stored as decimals: read as 1001, not 1001.0" for c in whole]
    return frame.assign(_row=np.arange(1, len(frame) + 1)), notes


def whole_numbers(column: pd.Series) -> bool:
    """A float column whose values are all whole numbers within float precision (ids after a null crept in)."""
    if not pd.api.types.is_float_dtype(column.dtype):
        return False
    values = column.dropna().astype(float)
    return bool(len(values)) and bool(((values % 1 == 0) & (values.abs() < 2**53)).all())


def read_jsonl(data: bytes, hints=(), **_) -> tuple[pd.DataFrame, list[str]]:
    """JSON Lines (one object per line; `_row` is the line) or a JSON array of objects (its position)."""
    if not data[:256].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        check_lines(data)  # JSON Lines: before decoding (a JSON array may well be one long line)
    text, notes = decode_bytes(data)
    text = check_text(data, text, "a JSON Lines file")
    items = json_array(text)
    if items is None:
        items = [(number, line) for number, line in enumerate(text.split("\n"), 1) if line.strip()]
        items = [(number, *json_object(line)) for number, line in items]
    keys = list(dict.fromkeys(k for _, obj, _ in items for k in obj))
    if len(keys) > limits.current().columns:
        raise Unreadable(exceeded("columns", len(keys), "the number of distinct keys"))
    frame = pd.DataFrame([[json_text(obj.get(k)) for k in keys] for _, obj, _ in items], columns=keys, dtype=object)
    frame = frame.astype(str)
    frame.columns = column_names(keys)
    frame["_row"] = np.array([number for number, _, _ in items], dtype=int)
    if any(problem for _, _, problem in items):
        frame["_malformed"] = [problem for _, _, problem in items]
    return frame, notes


def json_array(text: str):
    """(position, object, problem) for each element of a JSON array, or None when the text is not one."""
    if not re.match(r"\s*\[", text):
        return None
    try:
        values = json.loads(text)
    except ValueError:
        return None
    except RecursionError:
        raise Unreadable(f"the JSON is nested too deeply to read (over {limits.current().json_depth} levels); "
                         "export it as JSON Lines or CSV") from None
    if not isinstance(values, list):
        return None
    return [(i, v, json_problem(v)) for i, v in enumerate(values, 1)]


def json_object(line: str) -> tuple[dict, str]:
    """(object, "") for a line holding a JSON object, else ({}, why not), never quoting the line."""
    try:
        value = json.loads(line)
    except ValueError as e:
        return {}, f"malformed JSON ({e.msg.removesuffix(' at')}, column {e.colno})"
    except RecursionError:
        return {}, f"JSON nested too deeply (over {limits.current().json_depth} levels)"
    problem = json_problem(value)
    return ({}, problem) if problem else (value, "")


def json_problem(value) -> str:
    """Why a parsed JSON value is no row: not an object, or nested deeper than the limit; "" for a good one."""
    if not isinstance(value, dict):
        return f"not a JSON object (a JSON {json_kind(value)})"
    most = limits.current().json_depth
    depth = json_depth(value, most)
    return f"JSON nested {depth} levels deep, over the limit of {most}" if depth > most else ""


def json_kind(value) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def json_depth(value, most: int) -> int:
    """How deep containers nest in a JSON value (an object of scalars: 1), counted without recursion and
    stopping just past `most`."""
    depth, level = 0, [value]
    while level and depth <= most:
        depth += 1
        level = [v for c in level for v in (c.values() if isinstance(c, dict) else c) if isinstance(v, (dict, list))]
    return depth


def json_text(value) -> str:
    """A JSON value as a cell: strings as they are, null empty, anything nested as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


READERS = {".csv": read_delimited, ".tsv": read_delimited, ".txt": read_delimited, ".xlsx": read_xlsx,
           ".xlsm": read_xlsx, ".parquet": read_parquet, ".jsonl": read_jsonl, ".ndjson": read_jsonl,
           ".json": read_jsonl}


def read_errors() -> tuple[type[BaseException], ...]:
    """Exceptions the format libraries raise on a damaged file (not on a bug of ours)."""
    import pyarrow
    from openpyxl.utils.exceptions import InvalidFileException

    return (ValueError, KeyError, OSError, EOFError, SyntaxError, zipfile.BadZipFile, zlib.error, csv.Error,
            InvalidFileException, pyarrow.ArrowException)

