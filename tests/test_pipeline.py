"""The whole job on a small hand-made week: items, reconciliation, outputs, escaping."""

import json

import pandas as pd
import pytest

from feedback_mining.pipeline import run_job
from feedback_mining.report import render_html, write_outputs


def assert_reconciles(result):
    """Every row read is used or rejected; emptied fields are listed but are not rejected rows."""
    for name, counts in result.manifest["reconciliation"].items():
        mine = result.rejects[result.rejects["source"] == name]
        assert counts["rows_read"] == counts["rows_used"] + counts["rows_rejected"], name
        assert counts["rows_rejected"] == (mine["action"] == "row rejected").sum(), name
        assert counts["fields_emptied"] == (mine["action"] == "field emptied").sum(), name


def test_reconciliation_and_items(week, config):
    result = run_job(config, frames=week)
    rec = result.manifest["reconciliation"]
    assert rec["surveys"] == {"rows_read": 4, "rows_used": 3, "rows_rejected": 1, "reconciles": True,
                              "fields_emptied": 0}
    assert rec["comments"] == {"rows_read": 2, "rows_used": 2, "rows_rejected": 0, "reconciles": True,
                               "fields_emptied": 0}
    assert rec["tickets"] == {"rows_read": 2, "rows_used": 2, "rows_rejected": 0, "reconciles": True,
                              "fields_emptied": 0}
    assert_reconciles(result)
    items = result.items.set_index("item_id")
    assert sorted(items.index) == ["comment:R9", "survey:R1", "survey:R2", "survey:R3", "ticket:T2"]
    r1 = items.loc["survey:R1"]
    assert r1["ticket_id"] == "T1" and r1["touchpoint"] == "call_center"
    assert set(r1["pain_points"].split(";")) == {"waiting", "transfer", "technical"}  # comment + ticket texts
    assert "<PHONE>" in r1["clean_text"] and "916" not in r1["clean_text"]
    assert (r1["effort"], r1["effort_source"]) == (pytest.approx(5 / 6), "survey")
    assert items.loc["ticket:T2", "effort_source"] == "estimated"
    assert result.manifest["week"] == "2026-W47"
    assert result.manifest["texts"]["redactions"]["phone"] == 1


def test_outputs_are_written_and_consistent(week, config, tmp_path):
    result = run_job(config, frames=week)
    assert_reconciles(result)
    written = write_outputs(result, tmp_path / "out")
    assert set(written) == {"touchpoints.csv", "pain_points.csv", "items.parquet", "rejects.csv", "report.html",
                            "summary.md", "touchpoints.xlsx", "run.json", "review.csv"}
    touchpoints = pd.read_csv(written["touchpoints.csv"])
    assert touchpoints["contributed_effort"].is_monotonic_decreasing
    assert touchpoints["share"].sum() == pytest.approx(1.0)
    drill = pd.read_csv(written["pain_points.csv"]).groupby("touchpoint")["contributed_effort"].sum()
    assert drill.reindex(touchpoints["touchpoint"]).fillna(0).to_numpy() == pytest.approx(
        touchpoints["contributed_effort"].to_numpy())
    rejects = pd.read_csv(written["rejects.csv"])
    assert rejects["file"].isna().all()  # frames given in memory come from no file
    assert rejects.drop(columns="file").to_dict("records") == [{"source": "surveys", "row": 5, "id": "R4",
                                           "reason": "ces 'abc' is not a number in 1-7", "column": "ces",
                                           "action": "row rejected"}]
    items = pd.read_parquet(written["items.parquet"])
    assert len(items) == 5 and not items["clean_text"].str.contains("916").any()
    assert json.loads(written["run.json"].read_text())["reconciliation"]["surveys"]["reconciles"]
    assert not list((tmp_path / "out").glob(".writing-*"))


def test_a_failing_write_leaves_previous_outputs(week, config, tmp_path, monkeypatch):
    result = run_job(config, frames=week)
    assert_reconciles(result)
    write_outputs(result, tmp_path)
    before = (tmp_path / "summary.md").read_text()
    def disk_full(*args):
        raise OSError("disk full")
    monkeypatch.setattr("feedback_mining.report.render_summary", disk_full)  # fails after some files are written
    result.manifest["week"] = "2026-W48"
    with pytest.raises(OSError):
        write_outputs(result, tmp_path)
    assert (tmp_path / "summary.md").read_text() == before
    assert "2026-W48" not in (tmp_path / "run.json").read_text()
    assert not list(tmp_path.glob(".writing-*"))


def test_hostile_text_is_escaped_in_the_report(week, config):
    week["comments"].loc[0, "text"] = "<script>alert('x')</script><img src=x onerror=alert(1)> долго ждал"
    week["comments"].loc[1, "text"] = "&lt;script&gt;alert(2)&lt;/script&gt; ошибка"
    result = run_job(config, frames=week)
    assert_reconciles(result)
    from feedback_mining.rank import drill_down, overall_scores, rank_touchpoints
    page = render_html(rank_touchpoints(result.parts), drill_down(result.parts), result.items, result.manifest,
                       overall_scores(result.parts))
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


BAD_TEXTS = ["", "   \n\t ", "😡😡😡", "\x00\x00 abc \x00", "\u202eevil\u202c text", "a" * 1_000_000,
             bytes(range(256)).decode("latin-1"), "Привет مرحبا hello 你好", "12345 !!!"]


def test_bad_texts_get_a_defined_output():
    from feedback_mining.classify import load_classifier
    from feedback_mining.pipeline import enrich_texts
    out = enrich_texts(pd.DataFrame({"text": BAD_TEXTS}), load_classifier("lexicon"), "text")
    assert len(out) == len(BAD_TEXTS)
    assert out.loc[[0, 1, 2, 8], "language"].tolist() == ["und"] * 4
    assert out.loc[[0, 1, 2, 8], "lemmas"].tolist() == ["", "", "", "12345"]
    assert not out["clean_text"].str.contains("\x00|\u202e").any()
    assert out["clean_text"].str.len().max() <= 20_000


def test_text_warnings_are_counted_in_run_json(week, config):
    week["comments"].loc[0, "text"] = "x" * 30_000 + " долго ждал"
    week["comments"].loc[1, "text"] = "\u202eevil\u202c 😡😡"
    warnings = run_job(config, frames=week).manifest["texts"]["warnings"]
    assert warnings["longer_than_20000_chars (cut)"] == 1
    assert warnings["control_or_bidi_characters (removed)"] == 1


def test_repeated_texts_are_enriched_once_and_flagged_after_the_first():
    from feedback_mining.classify import load_classifier
    from feedback_mining.pipeline import enrich_texts
    texts = ["Долго ждал ответа", "Долго ждал ответа", "долго ждал ответа", "Thanks!", "Долго ждал ответа", ""]
    frame = pd.DataFrame({"text": texts, "language": ["", "", "", "", "uk", ""]}, index=[10, 11, 12, 13, 14, 15])
    out = enrich_texts(frame, load_classifier("lexicon"), "text")
    assert out.index.tolist() == frame.index.tolist() and out["text"].tolist() == texts
    assert out["language"].tolist() == ["ru", "ru", "ru", "en", "uk", "und"]  # a given language is its own text
    assert out["duplicate"].tolist() == [False, True, True, False, True, False]  # same clean text, any case
    single = [enrich_texts(frame.iloc[[i]], load_classifier("lexicon"), "text").iloc[0] for i in range(len(frame))]
    same = lambda a, b: a == b or (pd.isna(a) and pd.isna(b))  # noqa: E731
    for column in ("clean_text", "lemmas", "features", "sentiment", "effort_estimate"):
        assert all(map(same, out[column], [row[column] for row in single])), column


def test_enriching_an_enriched_table_refreshes_its_columns():
    from feedback_mining.pipeline import enrich_texts
    frame = pd.DataFrame({"text": ["Не удобно"], "clean_text": ["stale"], "lemmas": ["stale"], "ticket_id": ["T1"]})
    out = enrich_texts(frame, None, "text")
    assert out[["clean_text", "lemmas", "features", "ticket_id"]].iloc[0].tolist() == [
        "Не удобно", "не удобно", "не_удобно", "T1"]


def test_warm_up_loads_what_the_first_batch_would_and_changes_no_result():
    """`warm_up` (run by each worker process as it starts) leaves the detectors and the NER loaded, and a batch
    enriched after it equals one enriched before it."""
    from feedback_mining.language import lingua_detector
    from feedback_mining.ner import ner_tagger
    from feedback_mining.pipeline import WARM_UP_TEXTS, enrich_texts, warm_up

    frame = pd.DataFrame({"text": ["Оператор Роман помог быстро", "Вера в лучшее не помогла, ждал час",
                                   "The app crashed twice", *WARM_UP_TEXTS]})
    before = enrich_texts(frame, None, with_hash=True)
    warm_up()
    assert lingua_detector.cache_info().currsize == 3 and ner_tagger.cache_info().currsize == 1
    pd.testing.assert_frame_equal(enrich_texts(frame, None, with_hash=True), before)
