"""Model folders of users: one with some of the tasks takes the rest from the shipped models and says so, cards
that describe the user's data and model, progress of `train`, and the examples of `train --help`."""

import json
from pathlib import Path

import pytest

from feedback_mining.classify import LexiconClassifier, load_classifier, model_sources
from feedback_mining.cli import main
from feedback_mining.pipeline import run_job
from feedback_mining.registry import ModelError, shipped_dir
from tests.test_models import sample

TAXONOMY = Path(__file__).resolve().parent.parent / "feedback_mining" / "resources" / "taxonomy.toml"


@pytest.fixture(scope="module")
def labelled(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("labelled") / "labelled.csv"
    sample().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def sentiment_only(labelled) -> Path:
    """`train --task sentiment --data labelled.csv --out my_models/`: a folder with one of the three tasks."""
    out = labelled.parent / "my_models"
    assert main(["train", "--task", "sentiment", "--data", str(labelled), "--out", str(out), "--quiet"]) == 0
    return out


# ---------------------------------------------------------------- a folder with some of the models


def test_a_folder_with_some_tasks_takes_the_others_from_the_shipped_models(sentiment_only, week, config):
    import dataclasses
    shipped = run_job(config, frames=week)
    result = run_job(dataclasses.replace(config, models=sentiment_only), frames=week)
    models = result.manifest["models"]
    assert {t: models[t]["source"] for t in ("sentiment", "pain_points", "effort")} == {
        "sentiment": f"{sentiment_only.as_posix()}/", "pain_points": "shipped", "effort": "shipped"}
    registry = json.loads((sentiment_only / "registry.json").read_text())["models"]
    assert models["sentiment"]["sha256"] == registry["sentiment"]["sha256"]
    assert models["effort"]["sha256"] == json.loads((shipped_dir() / "registry.json").read_text())["models"][
        "effort"]["sha256"]
    # before: no effort model, so every item without a CES answer had no effort at all
    estimated = result.items["effort_source"].eq("estimated").sum()
    assert estimated == shipped.items["effort_source"].eq("estimated").sum() > 0
    assert model_sources(models) == f"sentiment from {sentiment_only.as_posix()}/, pain_points and effort shipped"


def test_run_names_each_models_folder_on_stderr_in_run_json_and_in_the_report(sentiment_only, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--example", "--out", str(out), "--models", str(sentiment_only), "--bootstrap", "20",
                 "--no-history"]) == 0
    folder = f"{sentiment_only.as_posix()}/"
    assert f"models: sentiment from {folder}, pain_points and effort shipped\n" in capsys.readouterr().err
    models = json.loads((out / "run.json").read_text())["models"]
    assert [models[t]["source"] for t in ("sentiment", "pain_points", "effort")] == [folder, "shipped", "shipped"]
    assert f"Models: sentiment: {folder}; pain_points, effort: shipped" in (out / "report.html").read_text()


@pytest.mark.parametrize("models, expected", [
    (None, "sentiment, pain_points and effort shipped"),
    ("lexicon", "term files alone (no models)"),  # still the term files alone, no shipped models
])
def test_shipped_and_lexicon_keep_their_meaning(models, expected):
    classifier = load_classifier(models)
    assert isinstance(classifier, LexiconClassifier) == (models == "lexicon")
    assert model_sources(classifier.describe()) == expected


def test_mixing_models_trained_on_other_pain_points_is_refused(labelled, tmp_path, capsys):
    """An effort model trained with a pain point that the shipped pain-point model and the run's taxonomy lack
    would read it as always absent: refused with what to do, unless the run has that taxonomy too."""
    taxonomy = tmp_path / "taxonomy.toml"
    taxonomy.write_text(TAXONOMY.read_text(encoding="utf-8") + '\n[pain_points.stuck]\nru = ["застрять"]\n',
                        encoding="utf-8")
    out = tmp_path / "effort_models"
    assert main(["train", "--task", "effort", "--data", str(labelled), "--taxonomy", str(taxonomy), "--out", str(out),
                 "--quiet", "--no-cross-domain"]) == 0
    with pytest.raises(ModelError, match=r"cannot mix .*effort model \(.*effort_models/\) was trained with \['stuck'\]"):
        load_classifier(out)
    assert load_classifier(out, taxonomy).describe()["effort"]["source"] == f"{out.as_posix()}/"
    capsys.readouterr()
    source = tmp_path / "in.csv"
    source.write_text("text\nЖдал два часа\n", encoding="utf-8")
    assert main(["enrich", str(source), "--out", str(tmp_path / "o.csv"), "--models", str(out)]) == 2
    err = capsys.readouterr().err
    assert "train the three tasks together" in err.lower() and "Traceback" not in err
