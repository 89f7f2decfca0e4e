"""One source in several files: `--tickets 'exports/tickets-*.csv'`."""

import json

import pandas as pd
import pytest

from feedback_mining.cli import main
from feedback_mining.config import Config
from feedback_mining.errors import InputError
from feedback_mining.read import read_source


def write(path, rows):
    pd.DataFrame(rows).to_csv(path, index=False)


def test_a_pattern_reads_every_matching_file_and_rows_keep_their_file(tmp_path):
    write(tmp_path / "surveys-1.csv", [{"response_id": "R1", "touchpoint": "app", "submitted_at": "2026-11-17",
                                        "ces": "5"},
                                       {"response_id": "R2", "touchpoint": "app", "submitted_at": "bad", "ces": "5"}])
    write(tmp_path / "surveys-2.csv", [{"response_id": "R3", "touchpoint": "web", "submitted_at": "2026-11-18",
                                        "ces": "6"},
                                       {"response_id": "R1", "touchpoint": "web", "submitted_at": "2026-11-18",
                                        "ces": "6"}])
    source = read_source("surveys", tmp_path / "surveys-*.csv", Config())
    assert source.rows_read == 4 and sorted(source.rows["response_id"]) == ["R1", "R3"]
    issues = source.issues()[["file", "row", "id"]].values.tolist()
    assert issues == [["surveys-1.csv", 3, "R2"], ["surveys-2.csv", 3, "R1"]]  # R1 again in the second file
    assert [p.name for p in source.files] == ["surveys-1.csv", "surveys-2.csv"]


def test_a_pattern_that_matches_nothing_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no file matches"):
        read_source("surveys", tmp_path / "nothing-*.csv", Config())


def test_run_json_lists_the_files_of_a_pattern(tmp_path):
    write(tmp_path / "t-a.csv", [{"ticket_id": f"T{i}", "customer_id": f"C{i}", "touchpoint": "chat",
                                  "created_at": "2026-11-17", "body": "долго ждал ответа"} for i in range(3)])
    write(tmp_path / "t-b.csv", [{"ticket_id": f"U{i}", "customer_id": f"C{i}", "touchpoint": "app",
                                  "created_at": "2026-11-18", "body": "all good"} for i in range(2)])
    out = tmp_path / "out"
    assert main(["run", "--tickets", str(tmp_path / "t-*.csv"), "--out", str(out), "--quiet", "--no-history"]) == 0
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    tickets = manifest["inputs"]["tickets"]
    assert [f["path"].rsplit("/", 1)[-1] for f in tickets["files"]] == ["t-a.csv", "t-b.csv"]
    assert manifest["reconciliation"]["tickets"] == {"rows_read": 5, "rows_used": 5, "rows_rejected": 0,
                                                     "reconciles": True, "fields_emptied": 0}
    assert "file" in pd.read_csv(out / "rejects.csv").columns
