"""Engines and partitions: a week split into partitions, run here or on a local Dask cluster of two workers,
gives the same figures as the week in one piece."""

import json

import numpy as np
import pandas as pd
import pytest

from feedback_mining.cli import main
from feedback_mining.config import Config
from feedback_mining.example import write_example
from feedback_mining.partitions import SeenTexts, assign_partitions, split_sources, tree_sum
from feedback_mining.pipeline import run_job

N_SURVEYS = 900


@pytest.fixture(scope="module")
def week_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("week")
    paths = write_example(folder, n_surveys=N_SURVEYS)
    return [arg for name, path in paths.items() for arg in (f"--{name}", str(path))]


def run(tmp_path_factory, week_files, name, *flags):
    out = tmp_path_factory.mktemp(name) / "out"
    code = main(["run", *week_files, "--out", str(out), "--quiet", "--no-history", "--bootstrap", "60",
                 "--by", "language", *flags])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def whole(tmp_path_factory, week_files):
    return run(tmp_path_factory, week_files, "whole")


@pytest.fixture(scope="module")
def split(tmp_path_factory, week_files):
    return run(tmp_path_factory, week_files, "split", "--partition-size", "300")


@pytest.fixture(scope="module")
def split_one_process(tmp_path_factory, week_files):
    return run(tmp_path_factory, week_files, "split1", "--partition-size", "300", "--jobs", "1")


@pytest.fixture(scope="module")
def on_dask(tmp_path_factory, week_files):
    pytest.importorskip("distributed")
    return run(tmp_path_factory, week_files, "dask", "--partition-size", "300", "--engine", "dask", "--workers", "2")


def figures(out, name):
    return pd.read_csv(out / name).sort_values(list(pd.read_csv(out / name).columns[:2])).reset_index(drop=True)


def assert_same_figures(a, b, tolerance=1e-9):
    for name in ("touchpoints.csv", "pain_points.csv", "touchpoints_by_language.csv"):
        x, y = figures(a, name), figures(b, name)
        assert list(x.columns) == list(y.columns) and len(x) == len(y), name
        numeric = x.select_dtypes("number").columns
        assert len(numeric) > 5
        np.testing.assert_allclose(x[numeric].to_numpy(float), y[numeric].to_numpy(float), rtol=0, atol=tolerance,
                                   err_msg=name)
        text = [c for c in x.columns if c not in numeric]
        pd.testing.assert_frame_equal(x[text], y[text], check_dtype=False)


def test_a_week_in_partitions_gives_the_figures_of_the_week_in_one_piece(whole, split):
    manifest = json.loads((split / "run.json").read_text(encoding="utf-8"))
    assert manifest["engine"]["partitions"] > 2 and manifest["engine"]["engine"] == "local"
    assert json.loads((whole / "run.json").read_text(encoding="utf-8"))["engine"]["partitions"] == 1
    assert_same_figures(whole, split)


def test_partitions_finished_by_a_worker_give_the_figures_of_one_process(split, split_one_process):
    # with 2 cores a worker makes each partition's items while this process enriches the next one's texts
    assert_same_figures(split, split_one_process, tolerance=0)
    pd.testing.assert_frame_equal(pd.read_parquet(split / "items.parquet"),
                                  pd.read_parquet(split_one_process / "items.parquet"))
    runs = [json.loads((out / "run.json").read_text()) for out in (split, split_one_process)]
    assert runs[0]["engine"]["partitions"] == runs[1]["engine"]["partitions"] > 1
    assert runs[0]["reconciliation"] == runs[1]["reconciliation"]


def test_the_dask_engine_gives_the_local_engines_figures(split, on_dask):
    manifest = json.loads((on_dask / "run.json").read_text(encoding="utf-8"))
    assert manifest["engine"]["engine"] == "dask" and manifest["engine"]["workers"] == 2
    assert manifest["engine"]["partitions"] == json.loads((split / "run.json").read_text())["engine"]["partitions"]
    assert_same_figures(split, on_dask)
    local, remote = json.loads((split / "run.json").read_text()), manifest
    for key in ("reconciliation", "items", "texts"):
        assert local[key] == remote[key], key
    assert local["drift"]["languages"] == remote["drift"]["languages"]


def test_items_parquet_holds_every_item_once_whatever_the_engine(whole, split, on_dask):
    frames = [pd.read_parquet(out / "items.parquet").sort_values("item_id").reset_index(drop=True)
              for out in (whole, split, on_dask)]
    assert (on_dask / "items.parquet").is_dir() and (split / "items.parquet").is_file()
    assert frames[0]["item_id"].is_unique and len(frames[0]) == json.loads((whole / "run.json").read_text())["items"]["total"]
    for other in frames[1:]:
        assert list(other["item_id"]) == list(frames[0]["item_id"])
        np.testing.assert_allclose(other["effort"].to_numpy(float), frames[0]["effort"].to_numpy(float), atol=1e-12)
        assert (other["sentiment"] == frames[0]["sentiment"]).all()
    pd.testing.assert_frame_equal(frames[1], frames[2], check_dtype=False)


def test_the_report_and_review_queue_are_the_same_in_partitions(whole, split, on_dask):
    a, b, c = (pd.read_csv(out / "review.csv") for out in (whole, split, on_dask))
    assert len(a) == len(b) == len(c) > 0
    assert b.equals(c)  # both engines queue the same texts, in the same order
    # a split week picks its queue among each partition's most uncertain and highest-effort items: nearly the
    # same texts as the whole week's queue (a text's copies in other partitions weigh less)
    assert len(set(a["item_id"]) & set(b["item_id"])) >= 0.9 * len(a)
    assert (split / "report.html").read_text(encoding="utf-8").count("<blockquote") == \
        (whole / "report.html").read_text(encoding="utf-8").count("<blockquote")


def test_partitions_keep_customers_and_their_comments_together():
    surveys = pd.DataFrame({"response_id": ["R1", "R2", "R3", "R4"], "customer_id": ["C1", "C1", "", "C2"]})
    tickets = pd.DataFrame({"ticket_id": ["T1", "T2"], "customer_id": ["C1", "C2"]})
    comments = pd.DataFrame({"response_id": ["R2", "R3", "R9"]})
    rows = {"surveys": surveys, "tickets": tickets, "comments": comments}
    for n in (2, 3, 7):
        parts = assign_partitions(rows, n)
        of_survey = dict(zip(surveys["response_id"], parts["surveys"]))
        assert of_survey["R1"] == of_survey["R2"] == parts["tickets"][0]  # C1's surveys and ticket
        assert of_survey["R4"] == parts["tickets"][1]
        assert parts["comments"][0] == of_survey["R2"] and parts["comments"][1] == of_survey["R3"]
        pieces = list(split_sources(rows, n))
        assert len(pieces) == n and sum(len(p["surveys"]) for p in pieces) == len(surveys)


def test_duplicates_across_partitions_are_flagged_after_the_first_partition():
    seen = SeenTexts()
    first = seen.earlier(np.array([5, 7, 0], dtype=np.uint64))
    second = seen.earlier(np.array([7, 9, 0, 5], dtype=np.uint64))
    assert first.tolist() == [False, False, False]
    assert second.tolist() == [True, False, False, True]  # 0 is an empty text, never a duplicate


def test_duplicates_across_many_partitions_match_a_set_of_everything_seen():
    rng, seen, everything = np.random.default_rng(4), SeenTexts(), set()
    for size in rng.integers(0, 400, 40):
        hashes = rng.integers(0, 3000, size).astype(np.uint64)  # repeats within and across partitions, and 0s
        flags = seen.earlier(hashes)
        assert flags.tolist() == [h != 0 and int(h) in everything for h in hashes]
        everything |= {int(h) for h in hashes if h}
    assert len(seen.runs) <= np.log2(len(everything)) + 1 and sum(map(len, seen.runs)) == len(everything)


def test_tree_sum_adds_in_order_as_a_balanced_tree():
    assert tree_sum([1, 2, 3, 4, 5]) == 15
    assert tree_sum(["a", "b", "c"]) == "abc"  # order kept
    with pytest.raises(ValueError):
        tree_sum([])


def test_run_job_without_a_work_folder_cleans_up(week, config):
    result = run_job(config, week)
    path = result.items_path
    assert path.exists() and len(pd.read_parquet(path)) == len(result.items)
    del result
    import gc

    gc.collect()
    assert not path.exists()


def test_engine_settings_are_checked():
    from feedback_mining.config import config_from_dict
    from feedback_mining.errors import UsageError

    with pytest.raises(UsageError, match="engine"):
        config_from_dict({"engine": "spark"})
    with pytest.raises(UsageError, match="partition_size"):
        config_from_dict({"partition_size": 0})
    assert config_from_dict({"engine": "dask", "workers": 3}).workers == 3
    assert Config().engine == "local"


def test_large_inputs_are_read_by_a_process_of_their_own_with_the_same_results(tmp_path_factory, week_files, split,
                                                                               monkeypatch):
    from feedback_mining import pipeline

    monkeypatch.setattr(pipeline, "READ_APART_BYTES", 0)
    apart = run(tmp_path_factory, week_files, "apart", "--partition-size", "300")
    assert_same_figures(split, apart)
    a, b = (json.loads((out / "run.json").read_text()) for out in (split, apart))
    assert a["reconciliation"] == b["reconciliation"] and a["warnings"] == b["warnings"]
    assert pd.read_csv(split / "rejects.csv").equals(pd.read_csv(apart / "rejects.csv"))


def test_an_input_error_in_the_reading_process_reaches_the_run(tmp_path, monkeypatch, capsys):
    from feedback_mining import pipeline

    monkeypatch.setattr(pipeline, "READ_APART_BYTES", 0)
    (tmp_path / "surveys.csv").write_text("id,when\n1,2\n", encoding="utf-8")
    assert main(["run", "--surveys", str(tmp_path / "surveys.csv"), "--out", str(tmp_path / "out")]) == 2
    assert "surveys.csv" in capsys.readouterr().err


def test_a_rerun_replaces_items_parquet_whether_it_was_a_file_or_a_folder(tmp_path, week_files):
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    base = ["run", *week_files, "--out", str(out), "--quiet", "--no-history", "--bootstrap", "20",
            "--partition-size", "300"]
    for engine in ("dask", "local", "dask"):
        assert main([*base, "--engine", engine]) == 0, engine
        assert (out / "items.parquet").is_dir() == (engine == "dask")
        assert len(pd.read_parquet(out / "items.parquet")) == json.loads((out / "run.json").read_text())["items"]["total"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # nothing left aside


def test_the_dask_engine_without_dask_says_how_to_install_it(tmp_path, week_files, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("dask") or name.startswith("distributed"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    code = main(["run", *week_files, "--out", str(tmp_path / "out"), "--quiet", "--no-history", "--engine", "dask",
                 "--partition-size", "300"])
    assert code == 2 and 'pip install "feedback-mining[dask]"' in capsys.readouterr().err


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path, week_files, capsys):
    pytest.importorskip("distributed")
    code = main(["run", *week_files, "--out", str(tmp_path / "out"), "--quiet", "--no-history", "--engine", "dask",
                 "--scheduler", "tcp://127.0.0.1:9", "--partition-size", "300"])
    assert code == 2 and "cannot reach the Dask scheduler" in capsys.readouterr().err
