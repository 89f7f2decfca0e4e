"""The `train` and `evaluate` subcommands: their flags here, their work in `feedback_mining.train` (imported
only when one of them runs, so the other commands start without loading scikit-learn)."""

from __future__ import annotations

from pathlib import Path

TASKS = ("sentiment", "pain_points", "effort")


def add_commands(commands) -> None:
    """The `train` and `evaluate` subcommands of the CLI."""
    train = commands.add_parser("train", help="train a model on labelled data (metrics as JSON on stdout)",
                                description="Train a model, compare it with a TF-IDF + logistic regression baseline "
                                            "on the held-out rows (20%, chosen by a hash of the text), and save it "
                                            "with a model card and a registry entry in --out.")
    train.add_argument("--task", required=True, choices=[*TASKS, "all"],
                       help="all: the three models on one shared featuriser (how the shipped models are trained)")
    train.add_argument("--data", required=True, type=Path, nargs="+", help="labelled files: text, optional language, "
                       "and label (sentiment) / pain_points (;-joined ids) / effort (0-1)")
    train.add_argument("--out", required=True, type=Path, help="model directory (registry.json is updated)")
    train.add_argument("--tune", action="store_true", help="choose the regularisation by 5-fold cross-validation")
    train.add_argument("--banking77", type=Path, help="BANKING77 train.csv: adds mapped English pain-point rows")
    train.add_argument("--banking77-mapping", type=Path, help="intent -> pain point mapping (default: the repo's)")
    evaluate_ = commands.add_parser("evaluate", help="metrics of a model on labelled data (JSON on stdout)",
                                    description="Evaluate a model (default: the shipped one) on labelled data.")
    evaluate_.add_argument("--task", required=True, choices=TASKS)
    evaluate_.add_argument("--data", required=True, type=Path, nargs="+")
    evaluate_.add_argument("--model", type=Path, help="a model directory written by train (default: shipped models)")
    evaluate_.add_argument("--split", choices=["held-out", "all"], default="held-out",
                           help="held-out: only the rows training never sees (default); all: every row (data the "
                                "model was not trained on)")
    for parser in (train, evaluate_):
        parser.add_argument("--taxonomy", type=Path, help="pain-point term file (default: built-in)")
        parser.add_argument("--sentiment-lexicon", type=Path, help="sentiment term file (default: built-in)")




def command_train(args) -> int:
    from feedback_mining.train import command_train as run
    return run(args)


def command_evaluate(args) -> int:
    from feedback_mining.train import command_evaluate as run
    return run(args)
