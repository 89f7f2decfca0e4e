"""Reading exports: touchpoint names, schema errors, row rejects with reasons, encodings, reconciliation."""

import pandas as pd
import pytest

from feedback_mining.config import Config
from feedback_mining.errors import InputError
from feedback_mining.read import load_table, normalise_touchpoint_names, read_source, validate_source
from tests.conftest import frame


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
    path = tmp_path / "s.csv"
    path.write_text("responseid,touchpoint,submitted_at\nR1,web,2026-11-17\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"s\.csv.*'response_id'.*closest: \['responseid'\]"):
        read_source("surveys", path, Config())


def test_column_mapping_from_config(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id,channel,date\nR1,web,2026-11-17\n", encoding="utf-8")
    config = Config(columns={"surveys": {"response_id": "id", "touchpoint": "channel", "submitted_at": "date"}})
    assert read_source("surveys", path, config).rows.loc[0, "response_id"] == "R1"


@pytest.mark.parametrize("row, reason", [
    ({"response_id": "", "ces": "5"}, "empty response_id"),
    ({"response_id": "R1", "ces": "abc"}, "ces 'abc' is not a number in 1-7"),
    ({"response_id": "R1", "ces": "9"}, "ces '9' is not a number in 1-7"),
    ({"response_id": "R1", "nps": "11"}, "nps '11' is not a number in 0-10"),
    ({"response_id": "R1", "submitted_at": "yesterday"}, "unparseable submitted_at 'yesterday'"),
])
def test_bad_survey_rows_are_rejected_with_a_reason(row, reason):
    good = {"response_id": "R0", "touchpoint": "web", "submitted_at": "2026-11-17", "ces": "4"}
    source = validate_source(frame([good, {**good, **row}]), "surveys", Config())
    assert list(source.rejects["reason"]) == [reason]
    assert list(source.rejects["row"]) == [3]  # header is row 1
    assert len(source.rows) + len(source.rejects) == source.rows_read == 2


def test_duplicate_ids_keep_the_first():
    rows = [{"response_id": "R1", "touchpoint": "web", "submitted_at": "2026-11-17", "ces": str(c)} for c in (2, 6)]
    source = validate_source(frame(rows), "surveys", Config())
    assert source.rows["ces"].tolist() == [2.0]
    assert source.rejects["reason"].tolist() == ["duplicate response_id"]


def test_decimal_comma_scores_are_numbers():
    rows = frame([{"response_id": "R1", "touchpoint": "web", "submitted_at": "2026-11-17", "ces": "4,0"}])
    assert validate_source(rows, "surveys", Config()).rows.loc[0, "ces"] == 4.0


@pytest.mark.parametrize("encoding, sep", [("utf-8-sig", ","), ("utf-16", "\t"), ("cp1251", ";"), ("utf-8", "|")])
def test_csv_encodings_and_delimiters(tmp_path, encoding, sep):
    path = tmp_path / "c.csv"
    text = sep.join(["response_id", "text"]) + "\n" + sep.join(["R1", "Долго ждал"]) + "\n\n"
    path.write_bytes(text.encode(encoding))
    table = load_table(path)
    assert table.loc[0, "text"] == "Долго ждал" and len(table) == 1


def test_malformed_lines_are_rejected_not_dropped(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("response_id,text\nR1,fine\nR2,too,many,fields\nR3,ok\n", encoding="utf-8")
    source = read_source("comments", path, Config())
    assert source.rows["response_id"].tolist() == ["R1", "R3"]
    assert source.rejects["reason"].str.startswith("malformed line with 4 fields").tolist() == [True]
    assert source.rows_read == len(source.rows) + len(source.rejects)


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".xlsx", ".tsv"])
def test_other_formats(tmp_path, suffix):
    from feedback_mining.report import write_table
    path = tmp_path / f"t{suffix}"
    write_table(pd.DataFrame({"response_id": ["R1", "R2"], "text": ["a", "b"]}), path)
    assert read_source("comments", path, Config()).rows["text"].tolist() == ["a", "b"]


def test_missing_and_empty_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_table(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_table(tmp_path / "empty.csv")
