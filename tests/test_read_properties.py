"""Property-based tests: whatever bytes an export holds, reading gives a result that reconciles, or a clean
usage error (exit 2); never a traceback, never a row lost, never a wrong row number."""

import csv
import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_mining import formats
from feedback_mining.config import Config
from feedback_mining.errors import UsageError
from feedback_mining.formats import parse_delimited
from feedback_mining.read import read_source

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# the characters that break CSV files, plus letters in the four languages and stray control characters
MESSY = st.text(alphabet=st.sampled_from(list(',;\t|"\'\n\r \x00\x0bR1ab7Дя\u06cc\u06f5é\ufeff-–:.')), max_size=300)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1251", "cp1256", "latin-1"])


def check_reconciles(source, text_lines: int | None = None):
    assert source.rows_read == len(source.rows) + len(source.rejects)
    rows = pd.concat([source.rows["_row"], source.rejects["row"]])
    assert rows.is_unique and (rows >= 1).all()
    if text_lines is not None:
        assert (rows <= text_lines).all()


def read_or_usage_error(tmp_path, name, data, source="comments"):
    path = tmp_path / name
    path.write_bytes(data)
    try:
        return read_source(source, path, Config())
    except UsageError as e:
        assert str(e).startswith(str(path))
        return None


@SETTINGS
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".tsv", ".jsonl", ".xlsx", ".parquet"]))
def test_random_bytes_read_or_fail_cleanly(tmp_path, data, suffix):
    source = read_or_usage_error(tmp_path, "x" + suffix, data)
    if source is not None:
        check_reconciles(source)


@SETTINGS
@given(body=MESSY, encoding=ENCODINGS, header=st.sampled_from(["response_id,text\n", "response_id;text\n",
                                                              "Title\n\nresponse_id\ttext\n", ""]))
def test_messy_csv_reads_and_reconciles(tmp_path, body, encoding, header):
    data = (header + body).encode(encoding, errors="replace")
    source = read_or_usage_error(tmp_path, "c.csv", data)
    if source is not None:
        check_reconciles(source)


@settings(SETTINGS, max_examples=40)
@given(body=MESSY, source=st.sampled_from(["surveys", "tickets"]))
def test_messy_values_in_every_column_read_and_reconcile(tmp_path, body, source):
    header = {"surveys": "response_id,touchpoint,submitted_at,ces,csat,nps,happiness,comment",
              "tickets": "ticket_id,customer_id,touchpoint,created_at,subject,closed_at,contacts,reopened"}[source]
    text = f"{header}\nR0,web,2026-11-17,5,4,9,8,ok\n{body}\n"
    result = read_or_usage_error(tmp_path, "s.csv", text.encode(), source)
    if result is not None:
        check_reconciles(result, text_lines=len(io.StringIO(text, newline="").readlines()))


CELL = st.text(alphabet=st.sampled_from(list('ab Я۵,;"\n\r\t|')), max_size=12)


@SETTINGS
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=12),
       blanks=st.sets(st.integers(0, 12)), sep=st.sampled_from([",", ";", "\t", "|"]),
       end=st.sampled_from(["\n", "\r\n"]))
def test_row_numbers_are_the_lines_records_start_on(rows, blanks, sep, end):
    rows = [r for r in rows if any(c.strip() for c in r)] or [["x", "", ""]]
    out, starts, line = io.StringIO(), [], 2
    out.write(sep.join(["response_id", "text", "language"]) + "\n")
    for i, row in enumerate(rows):
        record = io.StringIO()
        # csv.writer quotes a field with a line break only if the break is in its line terminator
        quoting = csv.QUOTE_ALL if end == "\n" else csv.QUOTE_MINIMAL
        csv.writer(record, delimiter=sep, lineterminator=end, quoting=quoting).writerow(row)
        starts.append(line)
        out.write(record.getvalue())
        line += record.getvalue().count("\n") + record.getvalue().count("\r") - record.getvalue().count("\r\n")
        if i in blanks:
            out.write(end)
            line += 1
    table, _ = parse_delimited(out.getvalue(), sep)
    assert table["_row"].tolist() == starts
    assert table[["response_id", "text", "language"]].values.tolist() == rows


@SETTINGS
@given(rows=st.lists(st.lists(st.text(alphabet="ab7Я ", max_size=6), min_size=2, max_size=2), max_size=10))
def test_fast_and_careful_parsers_agree(rows):
    text = "response_id,text\n" + "".join(f"{a},{b}\n" for a, b in rows)
    fast, _ = parse_delimited(text)
    original = formats.parse_fast
    formats.parse_fast = lambda *a: None
    try:
        careful, _ = parse_delimited(text)
    finally:
        formats.parse_fast = original
    pd.testing.assert_frame_equal(fast.reset_index(drop=True), careful.reset_index(drop=True), check_dtype=False)
