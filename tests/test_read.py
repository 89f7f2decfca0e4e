"""Reading exports: touchpoint names, schema errors, row rejects and emptied fields with reasons, encodings,
delimiters, row numbers, XLSX/Parquet/JSON Lines, clear failures, reconciliation. Every fixture file is made
here, in tmp_path."""

import csv
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from feedback_mining.cli import main
from feedback_mining.config import Config
from feedback_mining.errors import InputError, UsageError
from feedback_mining import formats
from feedback_mining.formats import guess_legacy_encoding, parse_delimited, sniff_delimiter
from feedback_mining.read import load_table, normalise_touchpoint_names, read_source, validate_source
from tests.conftest import frame

GOOD = {"response_id": "R0", "touchpoint": "web", "submitted_at": "2026-11-17", "ces": "4"}


def reconciles(source) -> bool:
    return source.rows_read == len(source.rows) + len(source.rejects)


def write(path: Path, content, encoding="utf-8") -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


# ---------------------------------------------------------------- touchpoints and schema


@pytest.mark.parametrize("raw, expected", [
    ("Call Center", "call_center"),
    ("call-center", "call_center"),
    ("  CALL   CENTER ", "call_center"),
    ("call - center", "call_center"),
    ("Колл-центр", "call_center"),  # built-in alias
    ("Mobile App", "mobile_app"),
    ("", "unknown"),
    ("Kiosk", "kiosk"),  # unknown names pass through, normalised
])
def test_touchpoint_names(raw, expected):
    from feedback_mining.read import default_aliases
    assert normalise_touchpoint_names(pd.Series([raw]), default_aliases()).iloc[0] == expected


def test_config_aliases_extend_the_built_in_ones():
    config = Config(touchpoint_aliases={"Kiosk Terminal": "branch"})
    rows = frame([{"response_id": "R1", "touchpoint": "kiosk-terminal", "submitted_at": "2026-11-17"}])
    assert validate_source(rows, "surveys", config).rows.loc[0, "touchpoint"] == "branch"


def test_missing_column_names_the_file_and_the_closest_column(tmp_path):
    path = write(tmp_path / "s.csv", "responseid,touchpoint,submitted_at\nR1,web,2026-11-17\n")
    with pytest.raises(InputError, match=r"s\.csv.*'response_id'.*closest: \['responseid'\]"):
        read_source("surveys", path, Config())


def test_column_mapping_from_config(tmp_path):
    path = write(tmp_path / "s.csv", "id,channel,date\nR1,web,2026-11-17\n")
    config = Config(columns={"surveys": {"response_id": "id", "touchpoint": "channel", "submitted_at": "date"}})
    assert read_source("surveys", path, config).rows.loc[0, "response_id"] == "R1"


@pytest.mark.parametrize("header, mapping", [
    ("Response ID,Touchpoint,Submitted At", {}),  # case and spaces
    ("\ufeffresponse_id, touchpoint ,SUBMITTED_AT", {}),  # a second BOM, padding
    ("response-id,TouchPoint,submitted.at", {}),  # punctuation
    ("ID ,Channel,Date", {"response_id": "id", "touchpoint": "channel", "submitted_at": "date"}),  # mapped loosely
])
def test_header_names_match_loosely(tmp_path, header, mapping):
    path = write(tmp_path / "s.csv", f"{header}\nR1,web,2026-11-17\n")
    rows = read_source("surveys", path, Config(columns={"surveys": mapping})).rows
    assert rows.loc[0, ["response_id", "touchpoint"]].tolist() == ["R1", "website"]  # web: a built-in alias


def test_loose_header_match_never_guesses_between_two_columns(tmp_path):
    path = write(tmp_path / "c.csv", "response_id,Text,TEXT\nR1,a,b\n")
    with pytest.raises(InputError, match="needs a column 'text'"):
        read_source("comments", path, Config())


def test_an_exact_name_wins_over_a_loose_one(tmp_path):
    path = write(tmp_path / "c.csv", "response_id,TEXT,text\nR1,upper,exact\n")
    assert read_source("comments", path, Config()).rows.loc[0, "text"] == "exact"


# ---------------------------------------------------------------- rows: the policy


@pytest.mark.parametrize("row, action, column, reason", [
    ({"response_id": ""}, "row rejected", "response_id", "empty response_id"),
    ({"response_id": "R1", "ces": "abc"}, "row rejected", "ces", "ces 'abc' is not a number in 1-7"),
    ({"response_id": "R1", "ces": "9"}, "row rejected", "ces", "ces '9' is not a number in 1-7"),
    ({"response_id": "R1", "ces": "десять"}, "row rejected", "ces", "ces 'десять' is not a number in 1-7"),
    ({"response_id": "R1", "submitted_at": "yesterday"}, "row rejected", "submitted_at",
     "unparseable submitted_at 'yesterday'"),
    ({"response_id": "R1", "submitted_at": ""}, "row rejected", "submitted_at", "empty submitted_at"),
    # a bad score on a survey that keeps another score or a comment: the field is emptied
    ({"response_id": "R1", "nps": "11"}, "field emptied", "nps", "nps '11' is not a number in 0-10"),
    ({"response_id": "R1", "ces": "9", "csat": "4"}, "field emptied", "ces", "ces '9' is not a number in 1-7"),
    ({"response_id": "R1", "ces": "abc", "comment": "долго"}, "field emptied", "ces",
     "ces 'abc' is not a number in 1-7"),
])
def test_bad_survey_values_are_recorded_with_a_reason(row, action, column, reason):
    source = validate_source(frame([GOOD, {**GOOD, **row}]), "surveys", Config())
    issues = source.issues()
    assert issues[["row", "column", "reason", "action"]].values.tolist() == [[3, column, reason, action]]
    assert len(source.rejects) == (action == "row rejected")  # rejects holds rows only
    assert reconciles(source) and source.rows_read == 2
    if action == "field emptied":
        assert source.rows[column].isna().tolist() == [False, True] or GOOD.get(column) is None


@pytest.mark.parametrize("source, row, action, column", [
    ("tickets", {"created_at": "вчера"}, "row rejected", "created_at"),
    ("tickets", {"created_at": ""}, "row rejected", "created_at"),
    ("tickets", {"closed_at": "never"}, "field emptied", "closed_at"),
    ("tickets", {"contacts": "two"}, "field emptied", "contacts"),
    ("tickets", {"transfers": "-1"}, "field emptied", "transfers"),
    ("comments", {"submitted_at": "32.01.2026"}, "field emptied", "submitted_at"),
    ("comments", {"text": "  "}, "row rejected", "text"),
])
def test_ticket_and_comment_policy(source, row, action, column):
    good = {"tickets": {"ticket_id": "T1", "customer_id": "C1", "touchpoint": "chat", "created_at": "2026-11-17",
                        "body": "help", "closed_at": "2026-11-18", "contacts": "2", "transfers": "0"},
            "comments": {"response_id": "R1", "text": "ok", "submitted_at": "2026-11-17"}}[source]
    bad = {**good, **row, ID[source]: "X2"}
    result = validate_source(frame([good, bad]), source, Config())
    assert result.issues()[["row", "id", "column", "action"]].values.tolist() == [[3, "X2", column, action]]
    assert reconciles(result)


ID = {"tickets": "ticket_id", "comments": "response_id"}


def test_labelled_answers_decimal_commas_and_local_dates_are_read():
    rows = [{**GOOD, "response_id": "R1", "ces": "7 - Strongly agree", "submitted_at": "21.11.2026 14:05"},
            {**GOOD, "response_id": "R2", "ces": "5 – легко", "submitted_at": "1405/08/30"},
            {**GOOD, "response_id": "R3", "ces": "4,0", "submitted_at": "۱۴۰۵/۰۸/۳۰"},
            {**GOOD, "response_id": "R4", "ces": "۶", "submitted_at": "46347"}]
    source = validate_source(frame(rows), "surveys", Config())
    assert source.rows["ces"].tolist() == [7.0, 5.0, 4.0, 6.0]
    assert source.rows["submitted_at"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-21"] * 4
    assert source.issues().empty


def test_duplicate_ids_keep_the_first():
    rows = [{**GOOD, "response_id": "R1", "ces": str(c)} for c in (2, 6, 5)]
    source = validate_source(frame(rows), "surveys", Config())
    assert source.rows["ces"].tolist() == [2.0]
    assert source.rejects[["row", "reason"]].values.tolist() == [[3, "duplicate response_id"],
                                                                 [4, "duplicate response_id"]]


def test_a_rejected_row_does_not_make_the_next_one_a_duplicate():
    rows = [{**GOOD, "response_id": "R1", "submitted_at": "never"}, {**GOOD, "response_id": "R1"}]
    source = validate_source(frame(rows), "surveys", Config())
    assert source.rows["_row"].tolist() == [3]
    assert source.rejects["reason"].tolist() == ["unparseable submitted_at 'never'"]


# ---------------------------------------------------------------- CSV: encodings, delimiters


TEXTS = {  # (encoding, texts) as the exports write them
    "cp1251": ["Долго ждал", "Дякую, все дуже швидко", "Її не було"],
    "cp1256": ["پشتيباني جواب نداد", "خيلي طول کشيد"],  # Persian Windows writes the Arabic yeh
    "cp1252": ["Très bien, déjà vu", "Größe passt"],
}


@pytest.mark.parametrize("encoding, text", [(e, t) for e, texts in TEXTS.items() for t in texts])
def test_legacy_code_pages_are_told_apart(tmp_path, encoding, text):
    path = write(tmp_path / "c.csv", f'response_id,text\nR1,"{text}"\n', encoding)
    assert read_source("comments", path, Config()).rows.loc[0, "text"] == text
    assert guess_legacy_encoding(path.read_bytes()) == encoding


@pytest.mark.parametrize("encoding, sep", [("utf-8-sig", ","), ("utf-16", "\t"), ("utf-16-le", ";"), ("cp1251", ";"),
                                           ("utf-8", "|"), ("utf-16-be", ","), ("cp1256", ",")])
def test_csv_encodings_and_delimiters(tmp_path, encoding, sep):
    text = "پشتيباني جواب نداد" if encoding == "cp1256" else "Долго ждал"
    data = (sep.join(["response_id", "text"]) + "\n" + sep.join(["R1", text]) + "\n\n").encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # with a BOM, as Excel writes it
        data = ("\ufeff" + data.decode(encoding)).encode(encoding)
    table = load_table(write(tmp_path / "c.csv", data))
    assert table.loc[0, "text"] == text and len(table) == 1


@pytest.mark.parametrize("text, sep", [
    ("a,b,c\n1,2,3\n", ","),
    ("a;b;c\n1;2,5;3\n4;5,5;6\n", ";"),  # decimal commas inside ;-separated fields
    ("a\tb\n1\t2\n", "\t"),
    ("a|b\n1|2\n", "|"),
    ('a,b\n"x;y;z",2\n"p;q",3\n', ","),  # delimiters inside quotes do not count
    ("sep=;\na;b\n1;2\n", ";"),  # Excel's hint line
    ("Report, week 47\na;b;c\n1;2;3\n4;5;6\n", ";"),  # a title line with a comma
])
def test_delimiter_sniffing(text, sep):
    assert sniff_delimiter(text) == sep


def test_excel_sep_line_is_not_the_header():
    table, _ = parse_delimited("sep=;\nresponse_id;text\nR1;a\n", hints=["response_id", "text"])
    assert table[["response_id", "text", "_row"]].values.tolist() == [["R1", "a", 3]]


# ---------------------------------------------------------------- CSV: row numbers, junk, malformed lines


def csv_text(rows: list[list[str]], blank_after: set[int] = frozenset()) -> tuple[str, list[int]]:
    """CSV text of rows (the first is the header) with blank lines after some rows, and each data row's line."""
    out, lines, line = io.StringIO(), [], 1
    for i, row in enumerate(rows):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(row)
        if i:
            lines.append(line)
        out.write(buffer.getvalue())
        line += buffer.getvalue().count("\n")
        if i in blank_after:
            out.write("\n")
            line += 1
    return out.getvalue(), lines


def test_row_numbers_are_lines_even_after_multi_line_fields_and_blank_lines():
    rows = [["response_id", "text"], ["R1", "one\nline two\nline three"], ["R2", "ok"], ["R3", 'say "hi"\n'],
            ["R4", "last"]]
    text, lines = csv_text(rows, blank_after={1, 3})
    table, _ = parse_delimited(text)
    assert table["_row"].tolist() == lines == [2, 6, 7, 10]
    assert table["text"].tolist() == [r[1] for r in rows[1:]]


def test_clean_files_take_the_fast_path_and_number_rows_from_2(monkeypatch):
    from feedback_mining import formats
    calls = []
    monkeypatch.setattr(formats, "read_records", lambda *a: calls.append(a) or iter(()))
    table, _ = parse_delimited("response_id,text\nR1,a\nR2,b\n")
    assert table["_row"].tolist() == [2, 3] and not calls


def test_malformed_lines_are_rejected_with_their_line_not_dropped(tmp_path):
    path = write(tmp_path / "c.csv", "response_id,text\nR1,fine\n\nR2,too,many,fields\nR3,ok\nR4,trailing,,\n")
    source = read_source("comments", path, Config())
    assert source.rows["response_id"].tolist() == ["R1", "R3", "R4"]  # empty extra fields are not malformed
    assert source.rejects[["row", "id"]].values.tolist() == [[4, "R2"]]
    assert source.rejects.loc[0, "reason"].startswith("malformed line with 4 fields, expected 2")
    assert reconciles(source)


@pytest.mark.parametrize("tail", ['R4,"multi\nline"\n', "R4,last\n"])  # a later quote, or none: EOF
def test_a_stray_quote_rejects_its_line_and_reading_goes_on(tmp_path, tail):
    path = write(tmp_path / "c.csv", 'response_id,text\nR1,fine\nR2,"never closed\nR3,ok\n' + tail)
    source = read_source("comments", path, Config())
    assert source.rows[["response_id", "_row"]].values.tolist() == [["R1", 2], ["R3", 4], ["R4", 5]]
    assert source.rejects[["row", "id"]].values.tolist() == [[3, "R2"]]
    assert source.rejects.loc[0, "reason"].startswith("broken quoting")


def test_title_and_blank_lines_above_the_header_are_skipped_and_noted(tmp_path):
    text = "Survey export;;\nWeek 47;;\n\nresponse_id;touchpoint;submitted_at\nR1;web;17.11.2026 10:00\n"
    source = read_source("surveys", write(tmp_path / "s.csv", text), Config())
    assert source.rows[["response_id", "_row"]].values.tolist() == [["R1", 5]]
    assert source.notes == ["skipped 2 line(s) above the header (line 1-2); the header is line 4"]


def test_junk_and_delimiter_only_lines_among_the_rows(tmp_path):
    text = "response_id,touchpoint,submitted_at\nR1,web,2026-11-17\n,,\nTotal: 2 rows\nR2,app,2026-11-18\n"
    source = read_source("surveys", write(tmp_path / "s.csv", text), Config())
    assert source.rows["response_id"].tolist() == ["R1", "R2"]
    assert source.rejects[["row", "id"]].values.tolist() == [[4, ""]]  # a note below the data is not an id
    assert source.rejects.loc[0, "reason"].startswith("a line of one field below a complete row (lines 2-4)")
    assert reconciles(source) and source.rows_read == 3  # the ",," line holds nothing: like a blank line


@pytest.mark.parametrize("blank_line", ["", "\n"])  # fast path, then the csv module
def test_fields_longer_than_the_csv_module_limit(tmp_path, blank_line):
    body = "слово " * 40_000  # 240,000 characters, above the csv module's 131,072 default
    text = f'response_id,text\nR1,"{body}"\n{blank_line}R2,short\n'
    source = read_source("comments", write(tmp_path / "c.csv", text), Config())
    assert source.rows["text"].str.len().tolist() == [len(body), 5]


def test_stray_bytes_in_utf8_are_replaced_and_noted(tmp_path):
    data = "response_id,text\nR1,Долго ждал ответа оператора\nR2,ok".encode() + b" \xff\n"
    source = read_source("comments", write(tmp_path / "c.csv", data), Config())
    assert source.rows.loc[0, "text"] == "Долго ждал ответа оператора"
    assert "stray byte" in source.notes[0]


# ---------------------------------------------------------------- other formats


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".xlsx", ".tsv"])
def test_other_formats(tmp_path, suffix):
    from feedback_mining.report import write_table
    path = tmp_path / f"t{suffix}"
    write_table(pd.DataFrame({"response_id": ["R1", "R2"], "text": ["a", "b"]}), path)
    source = read_source("comments", path, Config())
    assert source.rows["text"].tolist() == ["a", "b"]
    assert source.rows["_row"].tolist() == {".parquet": [1, 2], ".jsonl": [1, 2]}.get(suffix, [2, 3])


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                if value is not None:
                    sheet.cell(r, c, value)
    book.save(path)
    return path


def test_xlsx_header_below_a_title_with_excel_row_numbers(tmp_path):
    from datetime import datetime
    path = workbook(tmp_path / "s.xlsx", {"Export": [
        ["Customer survey, week 47"], [], [None, None],
        ["Response ID", "Touchpoint", "Submitted at", "CES"],
        ["R1", "Web", datetime(2026, 11, 17, 10, 0), 5],  # a date cell, a number cell
        [],
        [1002, "App", "1405/08/30", "7 - Strongly agree"],  # a numeric id, a Jalali date, a labelled answer
    ]})
    source = read_source("surveys", path, Config())
    assert source.rows[["response_id", "ces", "_row"]].values.tolist() == [["R1", 5.0, 5], ["1002", 7.0, 7]]
    assert source.rows["submitted_at"].dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2026-11-17 10:00",
                                                                                  "2026-11-21 00:00"]
    assert "skipped 1 row(s) above the header (row 1-1); the header is row 4" in source.notes


@pytest.mark.parametrize("sheet, expected", [(None, "first"), ("Second", "second"), ("2", "second")])
def test_xlsx_sheet_by_name_or_number(tmp_path, sheet, expected):
    path = workbook(tmp_path / "c.xlsx", {name: [["response_id", "text"], ["R1", name.lower()]]
                                          for name in ("First", "Second")})
    assert read_source("comments", path, Config(sheet={"*": sheet} if sheet else {})).rows.loc[0, "text"] == expected


def test_xlsx_missing_sheet_lists_the_sheets(tmp_path):
    path = workbook(tmp_path / "c.xlsx", {"Data": [["response_id", "text"]]})
    with pytest.raises(InputError, match=r"c\.xlsx: no sheet 'Nope'; it has \['Data'\]"):
        load_table(path, sheet="Nope")


def test_jsonl_bad_lines_are_rejected_with_their_line(tmp_path):
    lines = ['{"response_id": "R1", "text": "a"}', "", '{"response_id": "R2", "text": ', "[1, 2]",
             '{"response_id": 3, "text": "c", "extra": {"k": null}}']
    source = read_source("comments", write(tmp_path / "c.jsonl", "\n".join(lines) + "\n"), Config())
    assert source.rows[["response_id", "_row"]].values.tolist() == [["R1", 1], ["3", 5]]
    assert source.rejects["row"].tolist() == [3, 4] and reconciles(source)


def test_a_json_array_of_objects(tmp_path):
    path = write(tmp_path / "c.json", json.dumps([{"response_id": "R1", "text": "a"}, {"response_id": "R2"}]))
    source = read_source("comments", path, Config())
    assert source.rows["response_id"].tolist() == ["R1"] and source.rejects["reason"].tolist() == ["empty text"]


# ---------------------------------------------------------------- clear failures


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def zipped(name: str) -> bytes:
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(name, "response_id,text\nR1,a\n")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("s.csv", b"", "the file is empty"),
    ("s.csv", b"\n \r\n\t\n", "the file is empty"),
    ("s.csv", b"\xef\xbb\xbf", "the file is empty"),
    ("s.csv", PNG, "this is a PNG image, not a CSV/TSV file"),
    ("s.csv", zipped("data.csv"), "this is a ZIP archive, not a CSV/TSV file"),
    ("s.csv", zipped("xl/workbook.xml"), "this is an XLSX workbook, not a CSV/TSV file; rename it to .xlsx"),
    ("s.csv", bytes(range(256)) * 20, "does not look like text"),
    ("s.parquet", b"response_id,text\nR1,a\n", "this is text, not a Parquet file; rename it to .csv"),
    ("s.parquet", b"PAR1 cut short", "the Parquet file is cut short"),
    ("s.xlsx", b"response_id,text\nR1,a\n", "this is text, not an XLSX workbook; rename it to .csv"),
    ("s.xlsx", b"\xd0\xcf\x11\xe0" + bytes(500), "old-style .xls workbook"),
    ("s.xlsx", zipped("data.csv"), "this is a ZIP archive, not an XLSX workbook"),
    ("s.jsonl", PNG, "this is a PNG image"),
])
def test_unusable_files_exit_2_with_one_line_naming_the_file(tmp_path, capsys, name, content, message):
    path = write(tmp_path / name, content)
    assert main(["run", "--surveys", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"feedback-mining: error: {path}: ") and message in err


def test_a_folder_and_an_unreadable_file_are_usage_errors(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="is a folder, not a file"):
        load_table(tmp_path)
    path = write(tmp_path / "s.csv", "response_id,text\n")

    def denied(name, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(name))
    monkeypatch.setattr(formats.os, "open", denied)
    with pytest.raises(InputError, match=r"s\.csv: permission denied; make the file readable"):
        load_table(path)


def test_missing_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_table(tmp_path / "nope.csv")


@pytest.mark.parametrize("name, content", [
    ("t.csv", "ticket_id,customer_id,touchpoint,created_at,subject\n"),
    ("t.xlsx", None),
])
def test_a_header_only_file_is_an_empty_source_with_a_note(tmp_path, config, week, name, content):
    from feedback_mining.pipeline import run_job
    header = ["ticket_id", "customer_id", "touchpoint", "created_at", "subject"]
    path = write(tmp_path / name, content) if content else workbook(tmp_path / name, {"T": [header]})
    source = read_source("tickets", path, Config())
    assert source.rows_read == 0 and source.rows.empty and reconciles(source)
    assert source.notes[-1] == "the file has a header but no rows: read as an empty source"
    frames = {k: v for k, v in week.items() if k != "tickets"}
    for k, v in frames.items():
        v.to_csv(tmp_path / f"{k}.csv", index=False)
    result = run_job(Config(**{**vars(config), "tickets": path, "surveys": tmp_path / "surveys.csv",
                               "comments": tmp_path / "comments.csv"}))
    rec = result.manifest["reconciliation"]
    assert rec["tickets"]["rows_read"] == 0 and all(r["reconciles"] for r in rec.values())
    assert result.manifest["inputs"]["tickets"]["notes"] == source.notes


def test_rejects_and_emptied_fields_reach_rejects_csv_and_run_json(tmp_path, config, capsys):
    from feedback_mining.pipeline import run_job
    surveys = write(tmp_path / "s.csv", "response_id;touchpoint;submitted_at;ces;csat\n"
                                        "R1;web;17.11.2026 10:00;7 - Strongly agree;5\n"
                                        "R2;web;17.11.2026 11:00;9;4\n"  # ces emptied, csat kept
                                        "R3;web;never;5;5\n"  # rejected
                                        "R1;app;18.11.2026 09:00;3;3\n", "cp1251")  # duplicate
    result = run_job(Config(**{**vars(config), "surveys": surveys}))
    issues = result.rejects[["source", "row", "id", "reason", "column", "action"]].values.tolist()
    assert issues == [["surveys", 3, "R2", "ces '9' is not a number in 1-7", "ces", "field emptied"],
                      ["surveys", 4, "R3", "unparseable submitted_at 'never'", "submitted_at", "row rejected"],
                      ["surveys", 5, "R1", "duplicate response_id", "response_id", "row rejected"]]
    assert result.manifest["reconciliation"]["surveys"] == {"rows_read": 4, "rows_used": 2, "rows_rejected": 2,
                                                            "reconciles": True, "fields_emptied": 1}


def test_validate_source_raises_usage_errors_not_tracebacks():
    with pytest.raises(UsageError, match="surveys needs a column 'response_id'"):
        validate_source(frame([{"id": "R1"}]), "surveys", Config())


def test_sheet_and_header_hints_reach_enrich(tmp_path):
    path = workbook(tmp_path / "in.xlsx", {"Notes": [["nothing here"]],
                                           "Data": [["Exported 2026-11-21"], [], ["id", "Comment"],
                                                    [1, "Долго ждал оператора"]]})
    argv = ["enrich", str(path), "--sheet", "Data", "--text-col", "Comment", "--out", str(tmp_path / "o.csv")]
    assert main(argv) == 0
    out = pd.read_csv(tmp_path / "o.csv")
    assert out[["id", "Comment"]].values.tolist() == [[1, "Долго ждал оператора"]] and out.loc[0, "language"] == "ru"
