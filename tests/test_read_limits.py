"""Bounded resources: hostile inputs (a million columns, a sheet that expands to millions of rows, a 1 GiB
cell, /dev/zero, a FIFO, a 200 MB line, deep JSON, a damaged workbook) stop with exit 2 naming the file and the
limit, within seconds. Limits are lowered through their environment variables so every file here is small."""

import io
import json
import os
import signal
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from feedback_mining import formats, limits
from feedback_mining.cli import main
from feedback_mining.config import Config
from feedback_mining.errors import InputError, UsageError
from feedback_mining.read import read_source, reject_reasons, validate_source
from tests.conftest import frame

HEADER = ["response_id", "touchpoint", "submitted_at", "ces"]


@contextmanager
def within(seconds: int):
    """Fail instead of hanging when the block takes longer (opening a FIFO blocks until a writer comes)."""
    def late(*_):
        raise TimeoutError(f"took more than {seconds} s")
    old = signal.signal(signal.SIGALRM, late)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def exits_2(tmp_path, capsys, path: Path, *fragments: str) -> str:
    """Run on `path` as the surveys; assert exit 2 with one line naming the file and holding `fragments`."""
    with within(20):
        code = main(["run", "--surveys", str(path), "--out", str(tmp_path / "out"), "--quiet", "--no-history"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"feedback-mining: error: {path}: "), err
    for fragment in fragments:
        assert fragment in err, err
    return err


def sheet_xml(rows: list[str]) -> bytes:
    return ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<sheetData>" + "".join(rows) + "</sheetData></worksheet>").encode()


def cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def workbook_with_sheet(path: Path, xml: bytes, extra: dict[str, bytes] | None = None) -> Path:
    """A workbook made by openpyxl whose first sheet's XML is replaced by `xml` (hand-made rows), plus members."""
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info))
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return path


def header_row() -> str:
    return "<row>" + "".join(cell(h) for h in HEADER) + "</row>"


# ---------------------------------------------------------------- the limits themselves


def test_limits_come_from_the_environment(monkeypatch):
    assert limits.current() == limits.Limits()
    monkeypatch.setenv("FEEDBACK_MINING_MAX_COLUMNS", "5_000")
    monkeypatch.setenv("FEEDBACK_MINING_MAX_FILE_BYTES", "4G")
    assert (limits.current().columns, limits.current().file_bytes) == (5000, 4 << 30)
    monkeypatch.setenv("FEEDBACK_MINING_MAX_COLUMNS", "lots")
    with pytest.raises(UsageError, match="FEEDBACK_MINING_MAX_COLUMNS='lots': give a whole number"):
        limits.current()


def test_every_limit_has_a_variable_and_a_readme_line():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert set(limits.LIMITS) == {f.name for f in limits.dataclasses.fields(limits.Limits)}
    for variable, _, _ in limits.LIMITS.values():
        assert f"`{variable}`" in readme


# ---------------------------------------------------------------- columns


def wide(path: Path, n: int) -> Path:
    columns = HEADER + [f"extra_{i}" for i in range(n - len(HEADER))]
    row = ["R1", "web", "2026-11-17", "3"] + [""] * (n - len(HEADER))
    if path.suffix == ".csv":
        path.write_text(",".join(columns) + "\n" + ",".join(row) + "\n")
    elif path.suffix == ".jsonl":
        path.write_text(json.dumps(dict(zip(columns, row))) + "\n")
    else:
        table = pd.DataFrame([row], columns=columns)
        table.to_parquet(path) if path.suffix == ".parquet" else table.to_excel(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_too_many_columns(tmp_path, capsys, monkeypatch, suffix):
    monkeypatch.setenv("FEEDBACK_MINING_MAX_COLUMNS", "40")
    path = wide(tmp_path / f"s{suffix}", 41)
    exits_2(tmp_path, capsys, path, "41 columns, over the limit of 40 columns", "FEEDBACK_MINING_MAX_COLUMNS=41")
    monkeypatch.setenv("FEEDBACK_MINING_MAX_COLUMNS", "41")  # raised: the same file reads
    assert len(read_source("surveys", path, Config()).rows) == 1


def test_a_million_column_header_stops_at_once(tmp_path, capsys):
    path = tmp_path / "s.csv"  # 7.9 MB, one line: over the line limit before anything is split
    path.write_text(",".join(f"c{i:06d}" for i in range(1_000_000)) + "\nR1\n")
    exits_2(tmp_path, capsys, path, "the length of line 1 is 7,999,999 bytes", "FEEDBACK_MINING_MAX_LINE_BYTES")
    path.write_text(",".join(f"c{i}" for i in range(3000)) + "\nR1\n")  # short enough a line, too wide
    exits_2(tmp_path, capsys, path, "the width of the header is 3,000 columns, over the limit of 2,000 columns")


def test_a_data_line_of_delimiters_keeps_no_more_fields_than_the_limit(monkeypatch):
    monkeypatch.setenv("FEEDBACK_MINING_MAX_COLUMNS", "10")
    text = "response_id,text\n\nR1,a" + "," * 50 + "\nR2," + "x," * 30 + "\n"
    table, _ = formats.parse_delimited(text, hints=["response_id", "text"])
    assert table["_malformed"].tolist() == ["", "malformed line with 32 fields, more than the limit of 10 columns"]


# ---------------------------------------------------------------- lines


def test_a_long_line_without_a_newline_stops_before_decoding(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FEEDBACK_MINING_MAX_LINE_BYTES", "1000")
    path = tmp_path / "s.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\nR1," + b"x" * 5000)
    exits_2(tmp_path, capsys, path, "the length of line 2 is 5,003 bytes, over the limit of 1,000 bytes",
            "FEEDBACK_MINING_MAX_LINE_BYTES=5003")
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"response_id": "' + b"x" * 5000 + b'"}')
    exits_2(tmp_path, capsys, path, "the length of line 1 is 5,019 bytes")


@pytest.mark.parametrize("lengths, chunk, too_long", [
    ([10, 10, 10], 4, None),
    ([10, 11, 10], 4, 2),  # the second line, cut by chunk ends
    ([3] * 50 + [11], 7, 51),  # the last line, no newline after it
    ([11], 1 << 20, 1),
    ([0, 0, 10, 0], 3, None),  # blank lines
])
def test_line_lengths_are_measured_across_chunks(monkeypatch, lengths, chunk, too_long):
    monkeypatch.setenv("FEEDBACK_MINING_MAX_LINE_BYTES", "10")
    data = b"\n".join(b"x" * n for n in lengths)
    if too_long is None:
        formats.check_lines(data, chunk)
    else:
        with pytest.raises(formats.Unreadable, match=f"the length of line {too_long} "):
            formats.check_lines(data, chunk)


def test_a_200_mb_line_stops_within_a_second(tmp_path, capsys):
    path = tmp_path / "s.csv"
    with path.open("wb") as f:
        f.write(b"response_id,text\nR1,")
        f.write(b"x" * (200 << 20))  # sparse writes would not test the scan: real bytes
    exits_2(tmp_path, capsys, path, "the length of line 2 is more than 67,108,8",
            "FEEDBACK_MINING_MAX_LINE_BYTES above 1048576")


# ---------------------------------------------------------------- XLSX


def test_a_sheet_with_more_rows_than_the_limit(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FEEDBACK_MINING_MAX_XLSX_ROWS", "100")
    rows = [header_row()] + ["<row>" + cell(f"R{i}") + cell("web") + cell("2026-11-17") + "</row>"
                             for i in range(150)]
    path = workbook_with_sheet(tmp_path / "s.xlsx", sheet_xml(rows))
    exits_2(tmp_path, capsys, path, "the row count of xl/worksheets/sheet1.xml is more than 100 rows, over the limit",
            "FEEDBACK_MINING_MAX_XLSX_ROWS")
    monkeypatch.setenv("FEEDBACK_MINING_MAX_XLSX_ROWS", "200")
    assert read_source("surveys", path, Config()).rows_read == 150


def test_a_row_number_far_down_the_sheet_counts_the_rows_between(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FEEDBACK_MINING_MAX_XLSX_ROWS", "1000")
    rows = [header_row(), '<row r="900000000">' + cell("R1") + "</row>"]  # openpyxl fills the gap row by row
    exits_2(tmp_path, capsys, workbook_with_sheet(tmp_path / "s.xlsx", sheet_xml(rows)),
            "the row count of sheet 'Sheet' is more than 1,000 rows")


def test_a_sheet_larger_than_the_limit_decompressed(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FEEDBACK_MINING_MAX_XLSX_BYTES", "20000")
    rows = [header_row()] + ["<row>" + cell("R1") + "</row>"] * 2000  # 70 kB of XML, 1 kB compressed
    exits_2(tmp_path, capsys, workbook_with_sheet(tmp_path / "s.xlsx", sheet_xml(rows)),
            "the decompressed size of xl/worksheets/sheet1.xml is", "over the limit of 20,000 bytes",
            "FEEDBACK_MINING_MAX_XLSX_BYTES")


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_a_cell_longer_than_the_limit(tmp_path, capsys, monkeypatch, member):
    monkeypatch.setenv("FEEDBACK_MINING_MAX_LINE_BYTES", "10000")
    rows = [header_row(), "<row>" + cell("x" * 20000 if "sheet" in member else "R1") + "</row>"]
    shared = {"xl/sharedStrings.xml": b"<sst><si><t>" + b"x" * 20000 + b"</t></si></sst>"} if "shared" in member else {}
    path = workbook_with_sheet(tmp_path / "s.xlsx", sheet_xml(rows), shared)
    exits_2(tmp_path, capsys, path, f"a cell of {member} is more than 10,000 bytes")


def test_a_20_mb_cell_stops_after_its_first_megabytes(tmp_path, capsys):
    rows = [header_row(), "<row>" + cell("x" * (20 << 20)) + "</row>"]  # 20 MB of XML, 20 kB compressed
    exits_2(tmp_path, capsys, workbook_with_sheet(tmp_path / "s.xlsx", sheet_xml(rows)),
            "a cell of xl/worksheets/sheet1.xml is more than 1,048,576 bytes")


@pytest.mark.parametrize("at, message", [(0, "invalid block type"), (0.5, "")])  # zlib's error, or a bad CRC
def test_a_damaged_deflate_stream_names_the_file(tmp_path, capsys, at, message):
    book = openpyxl.Workbook()
    rng = np.random.default_rng(0)
    for r in range(3000):
        book.active.append([f"R{r}", "web", "2026-11-17", int(rng.integers(1, 8)), f"text {rng.integers(1e9)}"])
    path = tmp_path / "s.xlsx"
    book.save(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + int(info.compress_size * at)
    data[start:start + 64] = b"\xff" * 64 if at == 0 else bytes(b ^ 0xA5 for b in data[start:start + 64])
    path.write_bytes(bytes(data))
    exits_2(tmp_path, capsys, path, "the workbook is damaged", message, "export it again")


# ---------------------------------------------------------------- not regular files, size


@pytest.mark.parametrize("target, kind", [("/dev/zero", "a character device"), ("/dev/urandom", "a character device"),
                                          ("fifo", "a named pipe (FIFO)")])
def test_only_regular_files_are_read(tmp_path, capsys, target, kind):
    path = tmp_path / "surveys.csv"
    if target == "fifo":
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    else:
        path.symlink_to(target)
    err = exits_2(tmp_path, capsys, path, f"is {kind}", "not a regular file")
    assert (f"a link to {target}" in err) == (target != "fifo")


def test_a_file_over_the_size_limit(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FEEDBACK_MINING_MAX_FILE_BYTES", "100")
    path = tmp_path / "s.csv"
    path.write_text(",".join(HEADER) + "\n" + "R1,web,2026-11-17,3\n" * 10)
    exits_2(tmp_path, capsys, path, "the file's size is 240 bytes, over the limit of 100 bytes",
            "FEEDBACK_MINING_MAX_FILE_BYTES=240")


# ---------------------------------------------------------------- JSON nesting


@pytest.mark.parametrize("depth, reason", [
    (100_000, "JSON nested too deeply (over 100 levels)"),  # Python's own parser gives up
    (150, "JSON nested 101 levels deep, over the limit of 100"),  # counted up to just past the limit
    (99, None),
])
def test_a_deeply_nested_json_line_is_rejected_not_the_run(tmp_path, depth, reason):
    good = {"response_id": "R1", "text": "fine"}
    deep = '{"response_id": "R2", "text": "x", "extra": ' + "[" * depth + "]" * depth + "}"
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(good) + "\n" + deep + "\n")
    with within(10):
        source = read_source("comments", path, Config())
    assert source.rows["response_id"].tolist() == (["R1"] if reason else ["R1", "R2"])
    assert source.rejects["reason"].tolist() == ([reason] if reason else [])


def test_a_deeply_nested_json_array_is_an_input_error(tmp_path):
    path = tmp_path / "c.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested too deeply"):
        read_source("comments", path, Config())


# ---------------------------------------------------------------- rejects: listed, then counted


def test_rejects_past_the_listing_limit_are_counted_not_listed(monkeypatch):
    monkeypatch.setenv("FEEDBACK_MINING_MAX_REJECTS_LISTED", "5")
    rows = [{"response_id": f"R{i}", "touchpoint": "web", "submitted_at": "never" if i % 2 else "", "ces": "3"}
            for i in range(20)] + [{"response_id": "OK", "touchpoint": "web", "submitted_at": "2026-11-17"}]
    source = validate_source(frame(rows), "surveys", Config())
    assert len(source.rejects) == 5 and source.rows_rejected == 20
    assert source.rows_read == len(source.rows) + source.rows_rejected
    assert reject_reasons([source]) == {"unparseable submitted_at …": 10, "empty submitted_at": 10}
    assert "20 rows rejected and 0 fields emptied: rejects.csv lists the first 5" in source.notes[-1]


def test_the_run_reconciles_with_unlisted_rejects(tmp_path, config, week, monkeypatch):
    from feedback_mining.pipeline import run_job
    monkeypatch.setenv("FEEDBACK_MINING_MAX_REJECTS_LISTED", "1")
    surveys = pd.concat([week["surveys"], frame([{"response_id": f"X{i}", "touchpoint": "web",
                                                  "submitted_at": "never"} for i in range(4)])])
    result = run_job(config, frames={**week, "surveys": surveys})
    rec = result.manifest["reconciliation"]["surveys"]
    assert (rec["rows_rejected"], rec["reconciles"], len(result.rejects[result.rejects["source"] == "surveys"])) == \
        (5, True, 1)  # R4 and X0..X3 rejected, one listed
    assert sum(result.manifest["rejects_by_reason"].values()) == 5
