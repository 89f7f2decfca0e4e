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
import re
import warnings
import zipfile
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from feedback_mining.errors import InputError

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
    """The file's bytes, or an InputError that says what is wrong with the path."""
    try:
        return path.read_bytes()
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
    """Decode an export: a BOM, else UTF-8 (a few stray bytes replaced), else the likeliest legacy code page;
    returns the text and notes for anything guessed."""
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
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    if len(re.findall(r"[^\x00-\x7f\ufffd]", text)) >= 10 * replaced:
        return text, [f"not valid UTF-8: {replaced} stray byte(s) replaced by U+FFFD"]
    encoding = guess_legacy_encoding(data)
    return data.decode(encoding, errors="replace"), [f"not UTF-8: decoded as {encoding} (guessed)"]


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
    sample = b"\n".join(re.findall(rb"[^\n]*[\x80-\xff][^\n]*", data[:1 << 20])[:300])
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
    text, notes = decode_bytes(data)
    text = check_text(data, text, "a CSV/TSV file")
    frame, more = parse_delimited(text, sep, hints)
    return frame, notes + more


def parse_delimited(text: str, sep: str | None = None, hints=()) -> tuple[pd.DataFrame, list[str]]:
    """Parse delimited text: the C parser when rows can be numbered without it, else `parse_records`."""
    text = text.rstrip("\r\n")
    sep = sep or sniff_delimiter(text)
    frame = parse_fast(text, sep, hints)
    if frame is not None:
        return frame, []
    with unlimited_fields():
        lines = io.StringIO(text, newline="").readlines()
        records = [r for r in read_records(lines, sep) if r.problem or "".join(r.fields).strip()]
    if not records:
        raise Unreadable("the file is empty; export it again with a header row and the data")
    return frame_from_records(records, hints, sep, "line")


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
    try:
        with unlimited_fields():
            head = list(itertools.islice(csv.reader(io.StringIO(text[:1 << 20], newline=""), delimiter=sep),
                                         HEADER_SCAN))
    except csv.Error:
        return None
    if not head or find_header(head, hints) != 0:
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, na_filter=False, engine="c",
                            skip_blank_lines=True)
    except (pd.errors.ParserError, ValueError, IndexError):
        return None
    if len(frame) != text.count("\n") + 1:
        return None
    body = frame.iloc[1:].set_axis(column_names(frame.iloc[0].tolist()), axis=1)
    return drop_blank_rows(body.assign(_row=np.arange(2, len(frame) + 1)))


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
    below) is reported on its first line, and reading resumes on the next."""
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
    """Rows below the header as a frame of strings; a row with more filled cells than the header is kept as
    malformed (`_malformed`), a shorter one is padded."""
    h = find_header([r.fields for r in records], hints)
    names = column_names(records[h].fields)
    width = len(names)
    skipped = (f"skipped {h} {unit}(s) above the header ({unit} {records[0].line}-{records[h - 1].line}); "
               f"the header is {unit} {records[h].line}")
    notes = [skipped] if h else []
    values, problems = [], []
    for _, fields, problem in records[h + 1:]:
        if len(fields) != width:
            if not problem and len(fields) > width and "".join(fields[width:]).strip():
                problem = f"malformed {unit} with {len(fields)} fields, expected {width}: {sep.join(fields)[:60]!r}"
            fields = (fields + [""] * width)[:width]
        values.append(fields)
        problems.append(problem)
    frame = pd.DataFrame(values, columns=names, dtype=object).astype(str)
    frame["_row"] = np.array([r.line for r in records[h + 1:]], dtype=int)
    if any(problems):
        frame["_malformed"] = problems
    return frame, notes


# ---------------------------------------------------------------- other formats


def read_xlsx(data: bytes, sheet: str | None = None, hints=(), **_) -> tuple[pd.DataFrame, list[str]]:
    """The first (or the named) sheet of a workbook; `_row` is the Excel row number."""
    import openpyxl

    if what_is(data) != "an XLSX workbook":
        raise wrong_format(data, "an XLSX workbook")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's "no default style" and the like
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = pick_sheet(book, sheet)
            ws.reset_dimensions()  # some writers store a wrong sheet size; read every row
            rows = enumerate(ws.iter_rows(values_only=True), 1)
            records = [Record(i, [cell_text(v) for v in row]) for i, row in rows]
        finally:
            book.close()
    records = [r for r in records if "".join(r.fields).strip()]
    if not records:
        raise Unreadable(f"sheet {ws.title!r} is empty; pick the sheet holding the data with --sheet")
    return frame_from_records(records, hints, ",", "row")


def sheet_names(path: Path) -> list[str]:
    """The sheet names of an XLSX workbook, in order; empty when it is not one."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True)
            try:
                return list(book.sheetnames)
            finally:
                book.close()
    except Exception:  # noqa: BLE001 - not a workbook: no sheets to suggest
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
    """A Parquet file as strings; `_row` is the record's position from 1."""
    if data.startswith(b"PAR1") and not data.endswith(b"PAR1"):
        raise Unreadable("the Parquet file is cut short (no footer); copy or export it again")
    if what_is(data) != "a Parquet file":
        raise wrong_format(data, "a Parquet file")
    frame = pd.read_parquet(io.BytesIO(data))
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    frame.columns = column_names(list(frame.columns))
    return frame.assign(_row=np.arange(1, len(frame) + 1)), []


def read_jsonl(data: bytes, hints=(), **_) -> tuple[pd.DataFrame, list[str]]:
    """JSON Lines (one object per line; `_row` is the line) or a JSON array of objects (its position)."""
    text, notes = decode_bytes(data)
    text = check_text(data, text, "a JSON Lines file")
    items = json_array(text)
    if items is None:
        items = [(number, line) for number, line in enumerate(text.split("\n"), 1) if line.strip()]
        items = [(number, *json_object(line)) for number, line in items]
    keys = list(dict.fromkeys(k for _, obj, _ in items for k in obj))
    frame = pd.DataFrame([[json_text(obj.get(k)) for k in keys] for _, obj, _ in items], columns=keys, dtype=object)
    frame = frame.astype(str)
    frame.columns = column_names(keys)
    frame["_row"] = np.array([number for number, _, _ in items], dtype=int)
    if any(problem for _, _, problem in items):
        frame["_malformed"] = [problem for _, _, problem in items]
    return frame, notes


def json_array(text: str):
    """(position, object, problem) for each element of a JSON array, or None when the text is not one."""
    if not text.lstrip().startswith("["):
        return None
    try:
        values = json.loads(text)
    except ValueError:
        return None
    if not isinstance(values, list):
        return None
    return [(i, v, "") if isinstance(v, dict) else (i, {}, f"not a JSON object: {json.dumps(v)[:60]}")
            for i, v in enumerate(values, 1)]


def json_object(line: str) -> tuple[dict, str]:
    """(object, "") for a line holding a JSON object, else ({}, why not)."""
    try:
        value = json.loads(line)
    except ValueError as e:
        return {}, f"malformed JSON ({e.msg}): {line.strip()[:60]!r}"
    return (value, "") if isinstance(value, dict) else ({}, f"not a JSON object: {line.strip()[:60]!r}")


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

    return (ValueError, KeyError, OSError, EOFError, SyntaxError, zipfile.BadZipFile, csv.Error,
            InvalidFileException, pyarrow.ArrowException)

