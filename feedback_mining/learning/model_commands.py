"""The `train` and `evaluate` subcommands: their flags here, their work in `feedback_mining.learning.train` (imported
only when one of them runs, so the other commands start without loading scikit-learn)."""

from __future__ import annotations

import argparse
from pathlib import Path

TASKS = ("sentiment", "pain_points", "effort")

TRAIN_EXAMPLES = """examples:
  feedback-mining train --task sentiment --data labelled.csv --out my_models/
  feedback-mining train --task all --data ours.csv ../shared/data/ru_cedr/data.csv --language ru --out my_models/
  feedback-mining train --task pain_points --data complaints.csv --mapping my_issue_mapping.toml --out my_models/
  feedback-mining train --task all --recipe models/training/recipe.toml --out models --tune   # the shipped models
  feedback-mining train --task sentiment --data corrections.csv --base shipped --out my_models/  # your corrections

A labelled file has text, an optional language, and label (negative/neutral/positive; rows labelled mixed or
ambiguous are left out) / pain_points (;-joined ids) / effort (0-1). Each --data file is one source: 20% of its
rows are held out by a hash of the text, and a file that is not ours (no `own = true` in a recipe) is also left
out whole once, to measure the model on a domain it never saw. A recipe (feedback_mining/learning/sources.py) sets per
source its language, label renames, weight, which part of the sentiment model it trains, a pain-point mapping,
or that it only validates.

--base shipped (or a model folder) retrains the base on its own training data (re-assembled from its cards) plus
your --data files, whose rows carry --user-share (30%) of the training weight; it prints the base model against
the new one on your held-out rows and on the base's held-out split, and writes label_issues.csv to --out: rows
of your files that look mislabelled (cleanlab), in the labelled-file format with a `reason`, for review."""

EVALUATE_EXAMPLES = """examples:
  feedback-mining evaluate --task sentiment --data labelled.csv                 # shipped model, held-out rows
  feedback-mining evaluate --task sentiment --data real.csv --split all --model my_models/
  feedback-mining evaluate --task sentiment --recipe models/training/recipe.toml    # per source"""


def add_commands(commands) -> None:
    """The `train` and `evaluate` subcommands of the CLI."""
    train = commands.add_parser("train", help="train a model on labelled data (metrics as JSON on stdout)",
                                description="Train a model, evaluate it on rows it never saw (held-out, "
                                            "validation and leave-one-source-out) next to a TF-IDF + logistic "
                                            "regression baseline, and save it with a model card and a registry "
                                            "entry in --out.", epilog=TRAIN_EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("--task", required=True, choices=[*TASKS, "all"],
                       help="all: the three models on one shared featuriser (how the shipped models are trained)")
    train.add_argument("--out", required=True, type=Path, help="model directory (registry.json is updated)")
    train.add_argument("--tune", action="store_true", help="choose the regularisation by 5-fold cross-validation")
    train.add_argument("--no-cross-domain", dest="cross_domain", action="store_false",
                       help="skip the leave-one-source-out models (one extra fit per real source)")
    train.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    train.add_argument("--base", metavar="shipped|DIR",
                       help="retrain this model folder (shipped: the shipped models) on its training data plus --data")
    train.add_argument("--base-data", type=Path, metavar="DIR",
                       help="with --base: where the base's public sets are when its recipe's paths do not resolve "
                            "(DIR/<folder>/<file>, e.g. ../shared/data)")
    train.add_argument("--allow-missing-base", action="store_true",
                       help="with --base: train without base files that cannot be found (the cards name them)")
    train.add_argument("--user-share", type=float, default=0.3, metavar="SHARE",
                       help="with --base: the share of each task's training weight your rows carry (default 0.3)")
    evaluate_ = commands.add_parser("evaluate", help="metrics of a model on labelled data (JSON on stdout)",
                                    description="Evaluate a model (default: the shipped one) on labelled data.",
                                    epilog=EVALUATE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    evaluate_.add_argument("--task", required=True, choices=TASKS)
    evaluate_.add_argument("--model", type=Path, help="a model directory written by train (default: shipped models)")
    evaluate_.add_argument("--split", choices=["held-out", "all"], default="held-out",
                           help="held-out: only the rows training never sees (default); all: every row (data the "
                                "model was not trained on)")
    for parser in (train, evaluate_):
        parser.add_argument("--data", type=Path, nargs="+", help="labelled files, one source each")
        parser.add_argument("--recipe", type=Path, help="a TOML file of sources (models/training/recipe.toml)")
        parser.add_argument("--language", help="the language of --data rows that have none (ru, uk, fa, en)")
        parser.add_argument("--mapping", type=Path, help="pain points of --data files from an issue/intent column, "
                            "by a mapping file (models/training/cfpb_mapping.toml shows the format)")
        parser.add_argument("--taxonomy", type=Path, help="pain-point term file (default: built-in)")
        parser.add_argument("--sentiment-lexicon", type=Path, help="sentiment term file (default: built-in)")


def command_train(args) -> int:
    from feedback_mining.learning.train import command_train as run
    return run(args)


def command_evaluate(args) -> int:
    from feedback_mining.learning.train import command_evaluate as run
    return run(args)
