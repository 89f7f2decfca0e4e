"""Model folders of users: one with some of the tasks takes the rest from the shipped models and says so, cards
that describe the user's data and model, progress of `train`, and the examples of `train --help`."""

import json
from pathlib import Path

import pytest

from feedback_mining.classify import LexiconClassifier, load_classifier, model_sources
from feedback_mining.cli import main
from feedback_mining.pipeline import run_job
from feedback_mining.learning.registry import ModelError, shipped_dir
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


# ---------------------------------------------------------------- cards of user-trained models


@pytest.fixture(scope="module")
def tuned_effort(labelled) -> Path:
    """`train --task effort --tune --data labelled.csv`: a small model whose tuning score is a negated MAE."""
    out = labelled.parent / "tuned"
    assert main(["train", "--task", "effort", "--data", str(labelled), "--out", str(out), "--tune", "--quiet",
                 "--no-cross-domain"]) == 0
    return out


def card_line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


def test_a_user_card_names_the_users_data_not_the_teams(sentiment_only, labelled):
    from feedback_mining.learning.registry import file_sha256
    text = (sentiment_only / "sentiment.card.md").read_text(encoding="utf-8")
    trained_on = card_line(text, "- Trained on:")
    assert trained_on == (f"- Trained on: labelled (`labelled.csv`, 280 rows, sha256 `{file_sha256(labelled)[:12]}`).")
    assert "written by the team" not in text and "ours" not in trained_on


def test_a_user_card_gives_a_small_file_in_kb(sentiment_only):
    card = json.loads((sentiment_only / "sentiment.card.json").read_text())
    n = card["artefact"]["size_bytes"]
    assert n < 1e6  # before: "(0.11 MB)", and "(0.1 MB)" or "(0.0 MB)" on stderr
    line = card_line((sentiment_only / "sentiment.card.md").read_text(encoding="utf-8"), "- artefact:")
    assert f"({n / 1e3:.1f} KB)" in line and "MB" not in line


def test_a_user_card_gives_the_tuning_score_as_a_positive_loss(tuned_effort):
    card = json.loads((tuned_effort / "effort.card.json").read_text())
    assert card["tuning"]["score"] == "-mae" and all(v < 0 for v in card["tuning"]["cv_scores"].values())
    line = card_line((tuned_effort / "effort.card.md").read_text(encoding="utf-8"), "- tuning:")
    alpha = card["tuning"]["best"]["alpha"]
    assert line.startswith(f"- tuning: alpha = {alpha}, chosen from [0.3, 1.0, 3.0] by 5-fold cross-validation")
    mae = -card["tuning"]["cv_scores"]["1.0"]
    assert "mean MAE per alpha: " in line and f"1.0 {mae:.4f}" in line and "-0." not in line


@pytest.mark.parametrize("name, value, shown", [
    ("neg_log_loss", -0.41234, "log loss 0.412"),  # scikit-learn's negated scorer
    ("-mae", -0.1171, "MAE 0.117"),
    ("log_loss", -0.0, "log loss 0.000"),  # every probability 1: not "-0.0"
    ("log_loss", 0.00042, "log loss 0.00042"),  # small, yet not 0.000
    ("macro_f1", 0.8525, "macro-F1 0.853"),
])
def test_scores_are_shown_with_their_sign_and_enough_digits(name, value, shown):
    from feedback_mining.learning.cards import score_text
    assert score_text(name, value) == shown


def test_only_sources_flagged_own_are_written_by_the_team():
    from feedback_mining.learning.cards import limits
    data = [{"source": "ours", "path": "feedback_ru.csv", "rows": 10, "sha256": "a" * 64},
            {"source": "export", "path": "/home/me/export.csv", "rows": 1234, "sha256": "b" * 64}]
    card = {"data": data, "metrics": {}, "sources": [
        {"name": "ours", "own": True, "validation": False, "languages": ["ru"]},
        {"name": "export", "own": False, "validation": False, "languages": ["ru"]}]}
    assert limits(card)[0] == ("- Trained on: ours (written by the team), export (`export.csv`, 1,234 rows, sha256 "
                               "`bbbbbbbbbbbb`).")


@pytest.mark.parametrize("task, trained_on, size", [
    ("sentiment", "- Trained on: ours (written by the team), ru_cedr (`data.csv`, 8,637 rows", "(1.93 MB)"),
    ("pain_points", "- Trained on: ours (written by the team), en_cfpb_complaints (`data.csv`", "(4.72 MB)"),
    ("effort", "- Trained on: ours (written by the team).", "(1.26 MB)"),
])
def test_the_shipped_cards_still_render_the_shipped_wording(task, trained_on, size):
    """What `train --task all --recipe models/training/recipe.toml` writes, from the shipped cards (no retraining)."""
    from feedback_mining.learning.cards import render_card
    card = json.loads((shipped_dir() / f"{task}.card.json").read_text())
    text = render_card(card)
    assert card_line(text, "- Trained on:").startswith(trained_on) and size in card_line(text, "- artefact:")
    assert card_line(text, "- tuning:").startswith(f"- tuning: {next(iter(card['tuning']['best']))} = ")
    assert "mean MAE per alpha: 0.3 0.1171, 1.0 0.1169" in text if task == "effort" else "mean macro-F1 per C" in text


# ---------------------------------------------------------------- progress of train


@pytest.fixture(scope="module")
def two_files(tmp_path_factory) -> list[str]:
    """Two labelled files (ru+uk, fa+en), so training also leaves each out once."""
    root, rows = tmp_path_factory.mktemp("two"), sample()
    rows.iloc[:140].to_csv(root / "east.csv", index=False)
    rows.iloc[140:].to_csv(root / "west.csv", index=False)
    return [str(root / "east.csv"), str(root / "west.csv")]


def test_train_tells_each_long_step_on_stderr(two_files, tmp_path, capfd):
    assert main(["train", "--task", "effort", "--data", *two_files, "--out", str(tmp_path), "--tune"]) == 0
    out, err = capfd.readouterr()
    lines = err.splitlines()
    assert "tuning effort: 3 candidates of alpha x 5 folds on 233 texts" in lines
    assert [line[:29] for line in lines if line.startswith("tuning effort: ") and "/3" in line] == [
        f"tuning effort: {k}/3 candidates" for k in (1, 2, 3)]
    assert "tuning effort: 1/3 candidates (alpha = 0.3: mean MAE 0." in err
    assert "effort: cross-domain 1/2: a model without east" in lines
    assert "effort: cross-domain 2/2: a model without west" in lines
    done = next(line for line in lines if line.startswith("effort: trained on"))
    import re
    assert re.fullmatch(r"effort: trained on 233 texts in \d+\.\d s; held-out bin macro-F1 0\.\d{3}, MAE 0\.\d{3} "
                        r"\(east\)", done), done
    assert re.search(r"effort: saved .*effort\.skops \(\d+\.\d KB\)", err)
    assert json.loads(out)["artefact"]["file"] == "effort.skops"  # the result stays on stdout


def test_train_quiet_prints_nothing_but_the_result(two_files, tmp_path, capfd):
    assert main(["train", "--task", "effort", "--data", *two_files, "--out", str(tmp_path), "--tune", "--quiet"]) == 0
    out, err = capfd.readouterr()
    assert err == "" and json.loads(out)["artefact"]["file"] == "effort.skops"
    assert main(["train", "--task", "effort", "--data", str(tmp_path / "none.csv"), "--out", str(tmp_path),
                 "--quiet"]) == 2
    assert "none.csv" in capfd.readouterr().err  # errors still do


# ---------------------------------------------------------------- examples in --help


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_help_shows_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and "\nexamples:\n" in out
    assert f"\n  feedback-mining {command} --task " in out  # kept as written (RawDescriptionHelpFormatter)


def example_lines():
    from feedback_mining.learning.model_commands import EVALUATE_EXAMPLES, TRAIN_EXAMPLES
    return [line.split("#")[0].strip() for text in (TRAIN_EXAMPLES, EVALUATE_EXAMPLES)
            for line in text.splitlines() if line.strip().startswith("feedback-mining ")]


@pytest.mark.parametrize("line", example_lines())
def test_every_help_example_parses(line):
    import shlex

    from feedback_mining.cli import build_parser
    args = build_parser().parse_args(shlex.split(line)[1:])
    assert args.command in ("train", "evaluate") and (args.data or args.recipe)
    assert not args.recipe or (Path(__file__).resolve().parent.parent / args.recipe).is_file()
