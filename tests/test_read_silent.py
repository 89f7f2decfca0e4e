"""Silent corruption of input: mixed encodings, Parquet ids that turn into floats, short and broken lines,
implausible dates, tickets closed before they were opened, and raw lines that must never reach an output.
Each case ends in a reason in rejects.csv or a note, never in a quietly wrong value."""

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from feedback_mining.cli import main
from feedback_mining.config import Config
from feedback_mining.formats import parse_delimited
from feedback_mining.join import build_items, empty_frame
from feedback_mining.read import OPTIONAL, REQUIRED, read_source, validate_source
from tests.conftest import frame


def no_comments() -> pd.DataFrame:
    return validate_source(empty_frame(REQUIRED["comments"] + OPTIONAL["comments"]), "comments", Config()).rows


def reconciles(source) -> bool:
    return source.rows_read == len(source.rows) + source.rows_rejected


# ---------------------------------------------------------------- mixed encodings


def test_cp1251_lines_in_a_utf8_file_are_read_in_cp1251_with_a_note(tmp_path):
    lines = ["response_id,touchpoint,submitted_at,ces"]
    for i in range(1, 13):
        encoding = "cp1251" if i in (3, 7, 11) else "utf-8"
        lines.append(f"R{i},{'Колл-центр' if i % 2 else 'Мобильное приложение'},2026-11-17,3".encode(encoding))
    data = b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n"
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    source = read_source("surveys", path, Config())
    assert set(source.rows["touchpoint"]) == {"call_center", "mobile_app"}  # no mojibake touchpoints
    assert source.notes == ["3 line(s) were not UTF-8 and were read as cp1251 (guessed): lines 4, 8, 12; "
                            "the rest is UTF-8"]


@pytest.mark.parametrize("bad, text, note", [
    ("Отлично, спасибо".encode("cp1251"), "Отлично, спасибо", "read as cp1251"),
    ("Très bien".encode("cp1252"), "Très bien", "read as cp1252"),
    (b"ok \xff", "ok \ufffd", "1 stray byte(s) replaced by U+FFFD (line 3)"),  # one byte: no words to read
])
def test_each_line_that_is_not_utf8_is_read_on_its_own(bad, text, note):
    from feedback_mining.formats import decode_bytes
    decoded, notes = decode_bytes("response_id,text\nR1,Долго ждал\nR2,".encode() + bad + "\nR3,ещё\n".encode())
    assert decoded.splitlines()[2] == f"R2,{text}" and note in notes[0]


# ---------------------------------------------------------------- Parquet ids


def test_parquet_integer_ids_with_a_null_stay_integers_and_join(tmp_path):
    tickets = pa.table({"ticket_id": pa.array([5001, 5002, None], pa.int64()),
                        "customer_id": pa.array([1001, None, 1003], pa.int64()),
                        "touchpoint": ["chat", "chat", "email"],
                        "created_at": ["2026-11-16T09:00:00"] * 3, "body": ["help", "again", "hi"]})
    pq.write_table(tickets, tmp_path / "t.parquet")
    floats = tickets.set_column(1, "customer_id", pa.array([1001.0, None, 1003.0]))  # as pandas writes it
    pq.write_table(floats, tmp_path / "f.parquet")
    surveys = validate_source(frame([{"response_id": "R1", "customer_id": "1001", "touchpoint": "chat",
                                      "submitted_at": "2026-11-17T10:00:00", "ces": "2"}]), "surveys", Config())
    for name in ("t.parquet", "f.parquet"):
        read = read_source("tickets", tmp_path / name, Config())
        assert read.rows[["ticket_id", "customer_id"]].values.tolist() == [["5001", "1001"], ["5002", ""]]
        assert read.rejects["reason"].tolist() == ["empty ticket_id"]
        items, _ = build_items(surveys.rows, no_comments(), read.rows, 14)
        assert items.loc[items["response_id"] == "R1", "ticket_id"].tolist() == ["5001"]


# ---------------------------------------------------------------- short and broken lines


HEADER = "response_id,touchpoint,submitted_at,comment,ces\n"


@pytest.mark.parametrize("body, ids, malformed, short", [
    # a line break inside the comment (4th of 5 fields): 4 + 2 - 1 = 5 fields in two lines
    ("R1,web,2026-11-17,waited\nfor ages,4\nR2,app,2026-11-18,ok,5\n", ["R1", "", "R2"],
     ["broken record: an unquoted line break inside a field (lines 2-3)"] * 2 + [""], ["", "", ""]),
    # three lines: 3 + 2 + 2 - 2 = 5
    ("R1,web,2026-11-17\n,x\n,4\n", ["R1", "", ""],
     ["broken record: an unquoted line break inside a field (lines 2-4)"] * 3, ["", "", ""]),
    # a line break inside the last field: the second half is one field under a complete row
    ("R1,web,2026-11-17,4,waited\nfor ages\nR2,app,2026-11-18,5,ok\n", ["R1", "", "R2"],
     ["", "a line of one field below a complete row (lines 2-3)", ""], ["", "", ""]),
    # a short row that is not part of a broken one: kept, padded, noted
    ("R1,web,2026-11-17\nR2,app,2026-11-18,fine,5\n", ["R1", "R2"], ["", ""],
     ["row has 3 of 5 fields: the last 2 read as empty", ""]),
    # more fields than the header: the reason gives counts, never the line
    ("R1,web,2026-11-17,one,4,secret,text\n", ["R1"], ["malformed line with 7 fields, expected 5"], [""]),
])
def test_short_and_broken_lines(body, ids, malformed, short):
    table, _ = parse_delimited(HEADER + body)
    assert table["response_id"].tolist() == ids
    got = table["_malformed"].tolist() if "_malformed" in table else [""] * len(table)
    assert [g[:len(m)] for g, m in zip(got, malformed)] == malformed
    assert (table["_short"].tolist() if "_short" in table else [""] * len(table)) == short


def test_a_clean_looking_file_with_a_short_row_leaves_the_fast_path(monkeypatch):
    table, _ = parse_delimited(HEADER + "R1,web,2026-11-17,a,1\nR2,web,2026-11-17,b\n")
    assert table["_short"].tolist() == ["", "row has 4 of 5 fields: the last 1 read as empty"]
    table, _ = parse_delimited(HEADER + "R1,web,2026-11-17,a,\nR2,web,2026-11-17,,\n")  # empty fields: not short
    assert "_short" not in table


def test_broken_and_short_rows_reach_rejects_with_their_lines(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(HEADER + "R1,web,2026-11-17,waited\nfor ages,4\nR2,app,2026-11-18\nR3,app,2026-11-18,ok,5\n")
    source = read_source("surveys", path, Config())
    assert source.rows["response_id"].tolist() == ["R2", "R3"] and reconciles(source)
    issues = source.issues()[["row", "id", "action"]].values.tolist()
    assert issues == [[2, "R1", "row rejected"], [3, "", "row rejected"], [4, "R2", "field emptied"]]


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("value", ["9999-12-31", "1677-09-22", "2200-01-01", "31.12.9999"])
def test_implausible_dates_are_rejected_not_ranked(value):
    rows = [{"response_id": "R1", "touchpoint": "web", "submitted_at": "2026-11-17", "ces": "3"},
            {"response_id": "R2", "touchpoint": "web", "submitted_at": value, "ces": "3"}]
    source = validate_source(frame(rows), "surveys", Config())
    assert source.rows["response_id"].tolist() == ["R1"]
    assert source.rejects.loc[0, "reason"].startswith(f"implausible submitted_at '{value}': outside 1990-01-01 to ")


def test_an_implausible_optional_date_is_emptied():
    rows = [{"response_id": "R1", "text": "ok", "submitted_at": "9999-01-01"}]
    source = validate_source(frame(rows), "comments", Config())
    assert source.rows["submitted_at"].isna().all()
    assert source.field_issues["reason"].str.startswith("implausible submitted_at '9999-01-01'").all()


def test_a_ticket_closed_before_it_was_created_has_closed_at_emptied():
    rows = [{"ticket_id": "T1", "customer_id": "C1", "touchpoint": "chat", "created_at": "2026-11-17T10:00:00",
             "closed_at": "2026-11-10T10:00:00", "body": "help"},
            {"ticket_id": "T2", "customer_id": "C2", "touchpoint": "chat", "created_at": "2026-11-17T10:00:00",
             "closed_at": "2026-11-17T12:00:00", "body": "help"}]
    source = validate_source(frame(rows), "tickets", Config())
    assert source.rows["closed_at"].isna().tolist() == [True, False]
    assert source.field_issues[["id", "column", "reason", "action"]].values.tolist() == [
        ["T1", "closed_at", "closed_at '2026-11-10T10:00:00' is before created_at '2026-11-17T10:00:00'",
         "field emptied"]]
    surveys = validate_source(frame([{"response_id": "R0", "touchpoint": "web", "submitted_at": "2026-11-17"}]),
                              "surveys", Config()).rows
    items, _ = build_items(surveys, no_comments(), source.rows, 14)
    assert not (items["resolution_hours"] < 0).any()


def test_a_long_value_is_cut_in_its_reason():
    source = validate_source(frame([{"response_id": "R1", "touchpoint": "web", "submitted_at": "x" * 500}]),
                             "surveys", Config())
    assert source.rejects.loc[0, "reason"] == "unparseable submitted_at '" + "x" * 40 + "…'"


# ---------------------------------------------------------------- raw lines never reach an output


def test_raw_lines_of_malformed_rows_reach_no_output(tmp_path):
    surveys = tmp_path / "surveys.csv"
    surveys.write_text(HEADER + "".join(f"R{i},web,2026-11-17,fine,{i % 7 + 1}\n" for i in range(30))
                       + "X1,web,2026-11-17,SECRET-ONE has,too,many,fields\n"
                       + "X2,web,2026-11-17,first half\nSECRET-TWO second half,4\n"
                       + 'X3,web,"SECRET-THREE never closed\n' + "R99,web,2026-11-18,ok,3\n")
    comments = tmp_path / "comments.jsonl"
    comments.write_text(json.dumps({"response_id": "R1", "text": "fine"}) + "\n"
                        + '{"response_id": "C2", "text": "SECRET-FOUR, cut\n' + '["SECRET-FIVE"]\n')
    out = tmp_path / "out"
    assert main(["run", "--surveys", str(surveys), "--comments", str(comments), "--out", str(out), "--quiet",
                 "--no-history"]) == 0
    rejects = pd.read_csv(out / "rejects.csv", keep_default_na=False)
    assert len(rejects) == 6  # X1, both parts of X2, X3, and two comment lines
    for name in ("rejects.csv", "run.json", "report.html", "summary.md"):
        assert "SECRET" not in (out / name).read_text(encoding="utf-8"), name
    reasons = json.loads((out / "run.json").read_text())["rejects_by_reason"]
    assert "broken record: an unquoted line break inside a field (lines …); quote the field or remove the line " \
           "break" in reasons
