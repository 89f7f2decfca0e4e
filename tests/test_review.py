"""The weekly loop: the review queue (review.py), corrections that stick (corrections.py), their config and flags."""

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from feedback_mining.cli import main
from feedback_mining.config import config_from_dict, load_config
from feedback_mining.learning.corrections import apply_corrections, load_corrections
from feedback_mining.errors import InputError, UsageError
from feedback_mining.formats import load_table
from feedback_mining.learning.labelled import TASK_COLUMNS
from feedback_mining.pipeline import run_job
from feedback_mining.rank import drill_down
from feedback_mining.report import write_outputs
from feedback_mining.learning.review import LABEL_COLUMNS, review_csv, review_queue, text_key
from feedback_mining.learning.sources import read_task, sources_from_files

IDS = ["waiting", "technical", "transfer"]


def items(rows: list[tuple]) -> pd.DataFrame:
    """Items from (touchpoint, language, text, sentiment confidence, p_waiting, effort) tuples."""
    frame = pd.DataFrame(rows, columns=["touchpoint", "language", "clean_text", "sentiment_confidence", "p_waiting",
                                        "effort"])
    return frame.assign(item_id=[f"survey:R{i}" for i in range(len(frame))], sentiment="negative",
                        sentiment_low_confidence=frame["sentiment_confidence"] < 0.5, p_technical=0.0, p_transfer=0.0,
                        pain_points=(frame["p_waiting"] >= 0.5).map({True: "waiting", False: ""}),
                        pain_point_evidence="{}", effort_source="estimated", effort_estimate=frame["effort"])


# ---------------------------------------------------------------- the queue


@pytest.mark.parametrize("unsure, sure", [
    (("unsure sentiment", 0.40, 0.0, 0.5), ("sure sentiment", 0.95, 0.0, 0.5)),  # confidence 0.40 vs 0.95
    (("pain point on the line", 0.95, 0.52, 0.5), ("pain point clear", 0.95, 0.98, 0.5)),  # p 0.52 vs 0.98
    (("no pain point, barely", 0.95, 0.45, 0.5), ("no pain point", 0.95, 0.01, 0.5)),  # p 0.45 vs 0.01
    (("same doubt, more effort", 0.60, 0.0, 1.0), ("same doubt, less effort", 0.60, 0.0, 0.2)),  # impact breaks ties
])
def test_an_uncertain_text_ranks_above_a_confident_one(unsure, sure):
    queue = review_queue(items([("web", "en", *sure), ("web", "en", *unsure), ("web", "en", *sure)]))
    assert queue["text"].tolist() == [unsure[0], sure[0]]  # the copy of `sure` is listed once


def test_the_queue_covers_every_touchpoint_and_language_present():
    rows = [("call_center", "ru", f"очень долго ждал {i}", 0.36, 0.5, 1.0) for i in range(20)]  # the most uncertain
    rows += [("website", "uk", "все добре", 0.99, 0.0, 0.0), ("mobile_app", "fa", "خیلی خوب بود", 0.98, 0.0, 0.0),
             ("call_center", "en", "fine, thanks", 0.97, 0.0, 0.1), ("website", "ru", "нормально", 0.9, 0.0, 0.0)]
    rows += [("chat", "und", "", 1.0, 0.0, 1.0)]  # no text: nothing to review
    queue = review_queue(items(rows), size=4)
    assert set(queue["touchpoint"]) == {"call_center", "website", "mobile_app"}
    assert set(queue["language"]) == {"ru", "uk", "fa", "en"}
    assert queue["reason"].str.startswith("covers").all()
    longer = review_queue(items(rows), size=10)
    assert longer["text"].tolist()[4] == "нормально"  # every (touchpoint, language) pair next, then the rest
    assert longer["text"].str.startswith("очень долго ждал").sum() == 6 and longer["reason"][5].startswith("sentiment")


def test_exact_duplicates_are_listed_once_with_their_count():
    rows = [("web", "en", "App  crashes", 0.6, 0.0, 0.5), ("chat", "en", "app crashes", 0.6, 0.0, 0.5),
            ("web", "en", "app crashes\n", 0.6, 0.0, 0.5), ("web", "en", "another text", 0.6, 0.0, 0.5)]
    queue = review_queue(items(rows))
    assert len(queue) == 2 and queue.loc[0, "n_items"] == 3 and "3 items share this text" in queue.loc[0, "reason"]
    assert text_key(pd.Series(["App  Crashes \n", "'=SUM(A1)", "'ok"])).tolist() == ["app crashes", "=sum(a1)", "'ok"]


def test_the_queue_holds_the_model_guesses_and_a_reason():
    queue = review_queue(items([("web", "en", "I waited and waited", 0.45, 0.55, 0.8)]))
    row = queue.iloc[0]
    assert list(queue.columns[:5]) == LABEL_COLUMNS
    assert (row["label"], row["pain_points"], row["effort"]) == ("negative", "waiting", 0.8)
    assert (row["model_label"], row["model_pain_points"], row["model_effort"]) == ("negative", "waiting", 0.8)
    assert "confidence 0.45" in row["reason"] and "waiting at p 0.55" in row["reason"]
    assert review_queue(items([("web", "en", "x", 0.4, 0.0, 0.5)]), size=0).empty


def test_review_csv_cannot_run_a_formula_in_excel():
    queue = review_queue(items([("web", "en", "=HYPERLINK(\"http://x\")", 0.4, 0.0, 0.5),
                                ("web", "en", "- slow", 0.5, 0.0, 0.5)]))
    assert sorted(review_csv(queue)["text"]) == ["'- slow", "'=HYPERLINK(\"http://x\")"]
    assert sorted(text_key(review_csv(queue)["text"])) == sorted(text_key(queue["text"]))


# ---------------------------------------------------------------- review.csv and the weekly loop


@pytest.fixture
def week_one(week, config, tmp_path):
    """Week 1 run and written; its review.csv."""
    write_outputs(run_job(config, frames=week), tmp_path / "w1", config=config)
    return tmp_path / "w1" / "review.csv"


@pytest.mark.parametrize("task", list(TASK_COLUMNS))
def test_train_reads_review_csv_as_a_labelled_file(week_one, task):
    rows = read_task(sources_from_files([week_one])[0], task, IDS)  # what `train --task ... --data` reads
    assert len(rows) == 3 and rows["text"].str.contains("<PHONE>").any()  # redacted text only
    assert not rows["text"].str.contains("916").any()


def corrected(review, path, changes: dict[str, dict]):
    """Write `review` with the rows whose text starts with a key of `changes` changed (column -> value)."""
    frame = load_table(review).drop(columns="_row")
    for start, values in changes.items():
        for column, value in values.items():
            frame.loc[frame["text"].str.startswith(start), column] = value
    frame.to_csv(path, index=False)
    return path


def week_two(week):
    """The same texts under other ids: new ticket ids and customers, the orphan comment under another response id."""
    tickets = week["tickets"].assign(ticket_id=["X1", "X2"], customer_id=["C1", "C7"])
    comments = week["comments"].assign(response_id=["R1", "R99"])
    return {**week, "tickets": tickets, "comments": comments}


def test_a_correction_in_week_one_still_applies_in_week_two(week, config, week_one, tmp_path):
    reviewed = corrected(week_one, tmp_path / "reviewed.csv", {
        "Help": {"label": "neutral", "pain_points": "waiting;technical", "effort": "0,9"},  # decimal comma
        "Ждал": {"effort": "0.1", "pain_points": "waiting"},  # a CES answer's effort: kept
    })
    config = dataclasses.replace(config, corrections=[reviewed])
    result = run_job(config, frames=week_two(week))
    item = result.items.set_index("item_id")
    help_ticket, r1 = item.loc["ticket:X2"], item.loc["survey:R1"]
    assert (help_ticket["sentiment"], help_ticket["pain_points"], help_ticket["effort"]) == \
           ("neutral", "waiting;technical", 0.9)
    assert help_ticket["label_source"] == "corrected" and help_ticket["sentiment_confidence"] == 1.0
    assert (r1["pain_points"], r1["effort"], r1["effort_source"]) == ("waiting", 5 / 6, "survey")  # CES 2 stays
    assert item.loc["comment:R99", "label_source"] == "model"
    pains = drill_down(result.parts).set_index(["touchpoint", "pain_point"])  # the ranking uses the corrections
    assert ("email", "technical") in pains.index and ("call_center", "transfer") not in pains.index
    counts = result.manifest["corrections"]
    assert {k: counts[k] for k in ("items", "sentiment", "pain_points", "effort", "effort_kept_ces")} == \
           {"items": 2, "sentiment": 2, "pain_points": 2, "effort": 1, "effort_kept_ces": 1}
    assert counts["changed"] == {"sentiment": 1, "pain_points": 2, "effort": 1}
    out = write_outputs(result, tmp_path / "w2", config=config)
    assert json.loads(out["run.json"].read_text())["corrections"]["items"] == 2
    assert "2 items took a reviewer's correction" in out["report.html"].read_text()
    assert pd.read_parquet(out["items.parquet"])["label_source"].value_counts().to_dict() == \
           {"model": 3, "corrected": 2}


def test_an_untouched_review_file_changes_nothing_until_a_row_is_marked(week, config, week_one, tmp_path):
    as_is = corrections_of(week_one)
    assert as_is.table.empty and as_is.rows_read == 3
    marked = corrected(week_one, tmp_path / "marked.csv", {"App": {"reviewed": "x"}})
    result = run_job(dataclasses.replace(config, corrections=[week_one, marked]), frames=week)
    assert result.items.loc[result.items["label_source"] == "corrected", "item_id"].tolist() == ["comment:R9"]
    assert result.manifest["corrections"]["changed"] == {"sentiment": 0, "pain_points": 0, "effort": 0}


def corrections_of(*paths):
    return load_corrections(paths, IDS)


def test_a_later_file_wins_and_a_plain_labelled_file_corrects_every_row(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.xlsx"
    pd.DataFrame({"text": ["Slow  app", "ok"], "label": ["negative", "positive"]}).to_csv(first, index=False)
    pd.DataFrame({"text": ["slow app"], "label": ["Neutral"], "effort": [0.7]}).to_excel(second, index=False)
    table = corrections_of(first, second).table
    assert table.loc["slow app", "label"] == "neutral" and table.loc["slow app", "effort"] == 0.7
    assert table.loc["ok", "label"] == "positive" and pd.isna(table.loc["ok", "effort"])
    frame = pd.DataFrame({"item_id": ["a", "b"], "clean_text": ["SLOW app", "fine"], "sentiment": ["negative"] * 2,
                          "sentiment_confidence": [0.5, 0.5], "sentiment_low_confidence": [False, False],
                          "effort": [0.2, 0.2], "effort_estimate": [0.2, 0.2], "effort_source": ["estimated"] * 2,
                          "pain_points": ["", ""]})
    out, counts = apply_corrections(frame, corrections_of(first, second), [])
    assert out["sentiment"].tolist() == ["neutral", "negative"] and out["effort"].tolist() == [0.7, 0.2]
    assert out["label_source"].tolist() == ["corrected", "model"] and counts["texts_matched"] == 1


@pytest.mark.parametrize("column, value, says", [
    ("label", "negativ", "column 'label', row 3: ['negativ'] is not one of ['negative', 'neutral', 'positive']"),
    ("pain_points", "waiting;waitng", "column 'pain_points', row 3: unknown pain point id(s) ['waitng']"),
    ("effort", "1.5", "column 'effort', row 3: ['1.5'] is not a number from 0 to 1"),
    ("effort", "much", "column 'effort', row 3: ['much'] is not a number"),
])
def test_an_invalid_correction_names_the_file_row_and_column(tmp_path, column, value, says):
    path = tmp_path / "reviewed.csv"
    frame = pd.DataFrame({"text": ["fine", "slow"], "label": ["positive", "negative"], "pain_points": ["", "waiting"],
                          "effort": ["0", "0.8"]})
    frame.loc[1, column] = value
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match="reviewed.csv") as error:
        corrections_of(path)
    assert says in str(error.value)


def test_a_file_without_labels_is_refused(tmp_path):
    (tmp_path / "x.csv").write_text("text,comment\nhello,hi\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs a `text` column and any of"):
        corrections_of(tmp_path / "x.csv")


# ---------------------------------------------------------------- config and flags


def test_corrections_in_the_config_are_relative_to_it(tmp_path):
    (tmp_path / "weekly.toml").write_text('corrections = ["reviewed/w46.csv", "/abs/w47.csv"]\nreview_size = 50\n',
                                          encoding="utf-8")
    config = load_config(tmp_path / "weekly.toml")
    assert config.corrections == [tmp_path / "reviewed/w46.csv", Path("/abs/w47.csv")]
    assert config.review_size == 50
    assert config_from_dict({"corrections": "one.csv"}).corrections[0].name == "one.csv"
    with pytest.raises(UsageError, match="review_size: -1 must be at least 0"):
        config_from_dict({"review_size": -1})


def test_the_cli_takes_several_corrections_and_refuses_to_overwrite_one(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "review.csv").write_text("text,label\nok,positive\n", encoding="utf-8")
    code = main(["run", "--example", "--out", str(out), "--corrections", str(out / "review.csv")])
    assert code == 2 and "would replace the reviewed file" in capsys.readouterr().err
    code = main(["run", "--config", str(tmp_path / "missing.toml"), "--corrections", "a.csv", "--corrections", "b.csv"])
    assert code == 2  # the config is missing; the flags parsed
    from feedback_mining.cli import build_parser, config_from_args

    args = build_parser().parse_args(["run", "--corrections", "a.csv", "--corrections", "b.csv", "--review-size", "9"])
    config = config_from_args(args)
    assert [p.name for p in config.corrections] == ["a.csv", "b.csv"] and config.review_size == 9


def test_the_review_sheet_of_touchpoints_xlsx_goes_back_as_corrections(week_one):
    import openpyxl

    path = week_one.parent / "touchpoints.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if str(sheet.cell(r, 1).value).startswith("App"))
    sheet.cell(row, header.index("label") + 1).value = "positive"
    book.save(path)
    table = corrections_of(path).table
    assert table["label"].tolist() == ["positive"] and table.index.tolist() == ["app crashes with an error"]
    assert table["effort"].iloc[0] == pytest.approx(0.45, abs=0.01)
