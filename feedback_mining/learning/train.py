"""Train and evaluate the three models: `feedback-mining train` and `feedback-mining evaluate`.

Training reads its sources (`--data` files, or a `--recipe`: `feedback_mining.learning.sources`), keeps every held-out
and validation row out of everything (vocabulary, cross-validation, fitting), fits the model on the rest and
reports, on rows it never saw (`feedback_mining.learning.evaluation`): our held-out split, each real source's held-out
rows, the validation sources, and, for each real source, a model trained without it (leave-one-source-out),
next to a plain TF-IDF + logistic regression (ridge for effort) baseline on the same rows. `--tune` picks the
word part's regularisation by 5-fold cross-validation on our own training rows (the other sources stay in every
fold's training rows). `--task all` trains the three models on one shared featuriser, so the classify stage
transforms each batch once.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from dataclasses import replace

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold

from feedback_mining.learning import labelled, metrics
from feedback_mining.learning.cards import score_text, size
from feedback_mining.classify import ModelClassifier, SentimentLexicon, Taxonomy, classify
from feedback_mining.errors import UsageError
from feedback_mining.learning.evaluation import Baseline, effort_by_sentiment, evaluate, evaluate_sources, headline, summary_line
from feedback_mining.learning.mappings import describe as describe_mapping
from feedback_mining.learning.models import MODEL_CLASSES, PAIN_POINT_IDS, SENTIMENT_LABELS, TextFeatures
from feedback_mining.learning.registry import library_versions, load_model, save_model, shipped_dir
from feedback_mining.learning.sources import Source, load_recipe, source_spec, sources_from_files
from feedback_mining.learning.training_data import PreparedTexts, TaskData

TASKS = ("sentiment", "pain_points", "effort")
# regularisation: defaults chosen by `--tune` on our training files; the grids `--tune` searches
DEFAULTS = {"sentiment": {"C": 8.0}, "pain_points": {"C": 8.0}, "effort": {"alpha": 1.0}}
GRIDS = {"sentiment": {"C": [2.0, 8.0, 32.0, 128.0]}, "pain_points": {"C": [2.0, 8.0, 32.0, 128.0]},
         "effort": {"alpha": [0.3, 1.0, 3.0]}}
ATTRIBUTIONS = {  # by source name, for model cards (../shared/data/README.md)
    "banking77": "BANKING77: Casanueva, Temcinas, Gerz, Henderson, Vulic (2020), \"Efficient Intent Detection with "
                 "Dual Sentence Encoders\", PolyAI-LDN/task-specific-datasets, CC BY 4.0; intents mapped to pain "
                 "points by models/training/banking77_mapping.toml",
    "ru_cedr": "CEDR: Sboev et al. (2021), \"Data-Driven Model for Emotion Detection in Russian Texts\", sag111/CEDR, "
               "Apache-2.0; sentiment derived from the crowd's emotion labels",
    "en_vader_amazon_snippets": "VADER Amazon snippets: Hutto & Gilbert (2014), \"VADER: A Parsimonious Rule-based "
                                "Model for Sentiment Analysis of Social Media Text\", cjhutto/vaderSentiment, MIT "
                                "(Copyright (c) 2016 C.J. Hutto); texts from Hu & Liu (2004)",
    "en_cfpb_complaints": "CFPB: Consumer Financial Protection Bureau, Consumer Complaint Database (US government "
                          "data); issues mapped to pain points by models/training/cfpb_mapping.toml",
    "ru_opensentimentcorpus": "OpenSentimentCorpus: Poletaev & Paramonov (2022), CC BY-SA 3.0 (validation only)",
}
USER_WEIGHT_RULE = ("train --base: the user's rows, weighed among themselves as any source's (sentiment: each class "
                    "alike), are scaled to carry the given share (--user-share, default 0.3) of the task's training "
                    "weight; the base's rows keep the weights they have in the base's training")
LEXICON_ATTRIBUTION = ("Valence lexicons (feedback_mining/resources/valence_*.tsv): Russian spread from our seed "
                       "words over navec embeddings (natasha, MIT); English from the VADER lexicon (Hutto & Gilbert "
                       "2014, MIT, Copyright (c) 2016 C.J. Hutto)")


def estimator(task: str, **params):
    """The estimator behind a task's featuriser (logistic regression, or ridge for effort)."""
    if task == "effort":
        return Ridge(**{**DEFAULTS["effort"], **params})
    balanced = {"class_weight": "balanced"} if task == "pain_points" else {}  # rare ids: F1-optimal near p = 0.5
    return LogisticRegression(**{**DEFAULTS[task], **balanced, **params}, max_iter=3000)


def known_pain_points(taxonomy: Taxonomy) -> list[str]:
    return list(PAIN_POINT_IDS) + [pp for pp in taxonomy.ids if pp not in PAIN_POINT_IDS]


# ---------------------------------------------------------------- fitting


def _fold_score(task, X, Xt, y, w, train, test, params, known=None) -> float:
    model = MODEL_CLASSES[task](features=None, estimator=estimator(task, **params))
    model.features_, model.languages_ = None, {}
    yt = y.iloc[train] if isinstance(y, pd.DataFrame) else y[train]
    if task == "sentiment":  # the word part alone; calibration does not change the predicted label
        fitted = estimator(task, **params).fit(Xt[train], yt, sample_weight=None if w is None else w[train])
        return metrics.label_metrics(y[test], fitted.predict(Xt[test]), SENTIMENT_LABELS)["macro_f1"]
    extra = {"known": known.iloc[train].reset_index(drop=True)} if known is not None else {}
    model._fit_estimator(Xt[train], yt.reset_index(drop=True) if isinstance(yt, pd.DataFrame) else yt,
                         None if w is None else w[train], **extra)
    if task == "effort":
        return -float(np.mean(np.abs(model.predict_features(Xt[test], X.iloc[test]) - y[test])))
    proba = model.predict_proba_features(Xt[test], X.iloc[test])
    truth = y.iloc[test][list(model.classes_)].to_numpy()
    return metrics._multilabel(truth, (proba >= 0.5).astype(int), list(model.classes_))["macro_f1"]


def tune(task, X, Xt, y, w=None, ours=None, folds: int = 5, seed: int = 0, known=None,
         progress=None) -> tuple[dict, dict]:
    """Pick the task's regularisation by k-fold cross-validation on the training rows (held-out rows are
    never here). Folds cut only `ours` (rows of our own files); other rows stay in every fold's training.
    `progress(message)` hears of each candidate value once its folds are scored."""
    ours = np.arange(len(X)) if ours is None else ours
    extra = np.setdiff1d(np.arange(len(X)), ours)
    strat = y[ours] if task == "sentiment" else np.zeros(len(ours))
    splitter = (StratifiedKFold if task == "sentiment" else KFold)(folds, shuffle=True, random_state=seed)
    splits = [(np.concatenate([ours[a], extra]), ours[b]) for a, b in splitter.split(ours, strat)]
    (name, values), = GRIDS[task].items()
    scoring = "-mae" if task == "effort" else "macro_f1"
    say = progress or (lambda message: None)
    say(f"{len(values)} candidates of {name} x {len(splits)} folds on {len(X):,} texts")
    fits = Parallel(n_jobs=-1, return_as="generator")(delayed(_fold_score)(task, X, Xt, y, w, a, b, {name: v}, known)
                                                      for v in values for a, b in splits)
    scores = []
    for score in fits:
        scores.append(score)
        if len(scores) % len(splits) == 0:
            done = len(scores) // len(splits)
            say(f"{done}/{len(values)} candidates ({name} = {values[done - 1]}: mean "
                f"{score_text(scoring, np.mean(scores[-len(splits):]))})")
    by_value = {v: np.array(scores[i * len(splits):(i + 1) * len(splits)]) for i, v in enumerate(values)}
    means = {v: float(s.mean()) for v, s in by_value.items()}
    top = max(means, key=means.get)
    bar = means[top] - by_value[top].std(ddof=1) / np.sqrt(len(splits))
    # one-standard-error rule: the most regularised value within one standard error of the best, since the
    # models will meet real feedback that is further from the training texts than any fold is
    strongest = min if name == "C" else max
    best = strongest(v for v in values if means[v] >= bar)
    return {name: best}, {"grid": {name: values}, "cv_folds": folds, "score": scoring,
                          "cv_scores": {str(k): round(v, 4) for k, v in means.items()}, "best_cv": top,
                          "rule": "one standard error", "best": {name: best}}


def fit_task(task: str, data: TaskData, mask, features: TextFeatures | None = None, tune_params: bool = False,
             params: dict | None = None, progress=None):
    """A model of `task` fitted on the rows in `mask` (its featuriser fitted on their word rows unless a fitted
    one is given), and its tuning; `progress(message)` hears of each long step."""
    say = progress or (lambda message: None)
    mask = np.asarray(mask, dtype=bool)
    X, y = data.rows(mask)
    words = ~data.evidence_only[mask]
    features = features or TextFeatures().fit(X[words])
    Xt, w = features.transform(X), data.weights(mask)
    tuning = {}
    if tune_params:
        tune_rows = words if task == "sentiment" else np.ones(len(X), dtype=bool)
        ours = np.flatnonzero(data.own[mask][tune_rows])
        sub = np.flatnonzero(tune_rows)
        ys = y[tune_rows] if not isinstance(y, pd.DataFrame) else y[tune_rows].reset_index(drop=True)
        known = data.known(mask) if task == "pain_points" else None
        params, tuning = tune(task, X.iloc[sub].reset_index(drop=True), Xt[sub], ys, w[sub],
                              ours if len(ours) else None,
                              known=None if known is None else known.iloc[sub].reset_index(drop=True),
                              progress=lambda message: say(f"tuning {task}: {message}"))
    model = MODEL_CLASSES[task](features=features, estimator=estimator(task, **(params or {})))
    say(f"{task}: fitting on {len(X):,} texts" + (f" ({params})" if params else ""))
    extra = {"evidence_only": ~words} if task == "sentiment" else {}
    if task == "effort":
        extra = {"structure": data.structure(mask)}
    if task == "pain_points":
        extra = {"known": data.known(mask)}
    return model.fit_transformed(X, Xt, y, w, **extra), tuning


def cross_domain(task: str, data: TaskData, params: dict, progress=None) -> dict:
    """Leave-one-source-out: for each real trained source, a model fitted without it (featuriser included), on
    all its rows, and on our held-out rows (what adding the source does to our own texts)."""
    out = {}
    ours_held = data.held_out & data.own
    trained = [s for s in data.sources if not s.validation and (data.train & data.of(s.name)).any()]
    left_out = [s for s in trained if not s.own] if len(trained) > 1 else []  # a lone source: nothing to leave
    for k, source in enumerate(left_out, 1):
        if progress:
            progress(f"{task}: cross-domain {k}/{len(left_out)}: a model without {source.name}")
        without = data.train & ~data.of(source.name)
        try:
            labelled.check_learnable(data.frame, task, data.y, without)
        except UsageError:
            continue  # the other sources alone cannot train the task (e.g. one class only)
        model, _ = fit_task(task, data, without, params=params)
        on_source = evaluate(task, model, *data.rows(data.of(source.name)))
        out[source.name] = {"on_source": on_source, **(
            {"ours_held_out": headline(task, evaluate(task, model, *data.rows(ours_held)))} if ours_held.any() else {})}
    return out


# ---------------------------------------------------------------- the commands


def read_sources(args) -> list[Source]:
    if getattr(args, "base", None) and getattr(args, "recipe", None):
        raise UsageError("--base trains on the base's own sources plus your --data files; give no --recipe")
    if getattr(args, "recipe", None):
        if args.data:
            raise UsageError("give --data files or a --recipe, not both (a recipe lists its files)")
        return load_recipe(args.recipe)
    if not args.data:
        raise UsageError("no labelled data: give --data FILE (one per file) or --recipe RECIPE.toml")
    return sources_from_files(args.data, getattr(args, "language", None), getattr(args, "mapping", None))


class Training:
    """The rows of each task, read and prepared once; `sources` one list for every task, or a list per task."""

    def __init__(self, sources: list[Source] | dict, tasks, taxonomy: Taxonomy, lexicon: SentimentLexicon):
        self.ids = known_pain_points(taxonomy)
        self.sources = sources if isinstance(sources, dict) else {task: sources for task in tasks}
        prepared = PreparedTexts(taxonomy, lexicon)
        self.tasks = {task: TaskData(task, self.sources[task], self.ids, prepared) for task in tasks}


def shared_features(training: Training) -> TextFeatures:
    """One featuriser for all tasks, fitted on the texts that train a word part."""
    texts = [d.X[d.train & ~d.evidence_only] for d in training.tasks.values()]
    frame = pd.concat(texts, ignore_index=True).drop_duplicates(subset=["clean_text", "language"])
    return TextFeatures().fit(frame.reset_index(drop=True))


def train_one(task, data: TaskData, args, shared, progress=None, params: dict | None = None) -> dict:
    """Fit, evaluate everywhere, and return what the card and the report need; `params` unless `--tune`."""
    model, tuning = fit_task(task, data, data.train, shared, args.tune, params=params, progress=progress)
    result = {"model": model, "tuning": tuning, **evaluate_sources(task, model, data)}
    ours_train, ours_held = data.train & data.own, data.held_out & data.own
    if ours_held.any() and ours_train.any():
        baseline = Baseline(task).fit(*data.rows(ours_train))
        result["baseline_held_out"] = evaluate(task, baseline, *data.rows(ours_held))
    if getattr(args, "cross_domain", True):
        result["cross_domain"] = cross_domain(task, data, tuning.get("best") or params or {}, progress)
    return result


def done_line(task: str, data: TaskData, result: dict, seconds: float) -> str:
    """`sentiment: trained on 6,120 texts in 41.2 s; held-out macro-F1 0.852` (of our source, else the first)."""
    own = next((s.name for s in data.sources if s.own and s.name in result["held_out"]), None)
    name = own or next(iter(result["held_out"]), None)
    line = f"{task}: trained on {int(data.train.sum()):,} texts in {seconds:.1f} s"
    if name is None:
        return line
    m, metric = result["held_out"][name], "bin macro-F1" if task == "effort" else "macro-F1"
    return (f"{line}; held-out {metric} {m['macro_f1']:.3f}" + (f", MAE {m['mae']:.3f}" if "mae" in m else "")
            + (f" ({name})" if len(result["held_out"]) > 1 else ""))


def command_train(args) -> int:
    """`feedback-mining train`: fit, evaluate on unseen rows, save model, card and registry entry."""
    say = (lambda *a: None) if getattr(args, "quiet", False) else (lambda *a: print(*a, file=sys.stderr, flush=True))
    tasks = TASKS if args.task == "all" else (args.task,)
    taxonomy, lexicon = Taxonomy(args.taxonomy), SentimentLexicon(args.sentiment_lexicon)
    start = time.perf_counter()
    sources, base, users = training_sources(args, tasks, say)
    training = Training(sources, tasks, taxonomy, lexicon)
    for task, data in training.tasks.items():
        say(f"{task}: {len(data.frame):,} labelled rows from {len(data.sources)} source(s): {int(data.train.sum()):,} "
            f"training, {int(data.held_out.sum()):,} held out, {int(data.validation.sum()):,} validation only")
    say(f"read and prepared in {time.perf_counter() - start:.1f} s")
    shared = shared_features(training) if len(tasks) > 1 else None
    command = "feedback-mining " + shlex.join(str(a) for a in getattr(args, "argv", sys.argv[1:]))
    results = {}
    for task in tasks:
        t0 = time.perf_counter()
        trained = [s for s in training.tasks[task].sources if not s.validation]
        real = [s.name for s in trained if not s.own] if len(trained) > 1 else []
        left_out = f", then once without each of {', '.join(real)}" if args.cross_domain and real else ""
        say(f"{task}: training{' with --tune' if args.tune else ''}{left_out}")
        params = base.params(task) if base else None
        results[task] = train_one(task, training.tasks[task], args, shared, say, params)
        say(done_line(task, training.tasks[task], results[task], time.perf_counter() - t0))
        if base:
            results[task]["retrain"] = retrained(task, training.tasks[task], results[task], base, users, say)
    if "effort" in results and {"sentiment", "pain_points"} <= set(results):
        say("effort: estimated effort by sentiment on rows never trained on")
        results["effort"]["by_sentiment"] = effort_calibration(training, results, taxonomy, lexicon)
    report = {}
    if base:
        report["label_issues"] = write_label_issues(training, results, users, args.out, say)
    for task in tasks:
        r = results[task]
        card = model_card(task, r, training.tasks[task], command)
        entry = save_model(r["model"], args.out, task, card)
        say(f"{task}: saved {args.out / entry['file']} ({size(entry['size_bytes'])})")
        for line in training_lines(task, r):
            say("  " + line)
        report[task] = {k: v for k, v in card["metrics"].items()} | {"artefact": entry} | (
            {"retrain": card["retrain"]} if "retrain" in card else {})
    if len(tasks) == 1:
        report = report[tasks[0]] | ({"label_issues": report["label_issues"]} if "label_issues" in report else {})
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def training_sources(args, tasks, say) -> tuple[list[Source] | dict, object, list[str]]:
    """The sources to train on, the base (`--base`, else None) and the names of the user's sources: with a
    base, per task the base's re-assembled sources plus the user's `--data` files (`feedback_mining.learning.retrain`)."""
    if not getattr(args, "base", None):
        return read_sources(args), None, []
    from feedback_mining.learning.retrain import read_base, user_sources

    if getattr(args, "recipe", None) or not args.data:
        raise UsageError("--base needs your labelled files as --data (and no --recipe: the base's cards name its "
                         "sources)")
    base = read_base(args.base, tasks, args.base_data, args.allow_missing_base)
    for m in base.missing:
        say(f"base: {m['source']}: {m['path']} is missing; training without it (--allow-missing-base)")
    for c in base.changed:
        say(f"base: {c['source']}: {c['path']} is not the file the base was trained on (sha256 differs)")
    taken = {s.name for task in tasks for s in base.sources[task]}
    users = user_sources(args.data, args.language, args.mapping, args.user_share, taken)
    say(f"base: {base.label} ({base.directory}); your labels: {', '.join(s.name for s in users)}, carrying "
        f"{args.user_share:.0%} of each task's training weight")
    return {task: base.sources[task] + users for task in tasks}, base, [s.name for s in users]


def retrained(task, data: TaskData, result: dict, base, users: list[str], say) -> dict:
    """What the card says of a retraining: the base, the user's sources and weight, and before/after."""
    from feedback_mining.learning.retrain import base_model, compare, comparison_lines

    comparison = compare(task, base_model(base, task), result["model"], data, users)
    for line in comparison_lines(task, comparison):
        say(line)
    mine = np.isin(data.frame["source"].to_numpy(), users)
    return {"base": base.describe(), "user_sources": users,
            "user_rows": {"training": int((data.train & mine).sum()), "held_out": int((data.held_out & mine).sum())},
            "user_weight": {"share": next((s.share for s in data.sources if s.name in users), None),
                            "carried": round(data.user_share(data.train), 4), "rule": USER_WEIGHT_RULE},
            "params": "chosen again by --tune" if result["tuning"] else base.params(task),
            "before_after": comparison}


def write_label_issues(training: Training, results: dict, users: list[str], out, say) -> dict:
    """Likely label errors in the user's files (`feedback_mining.learning.label_issues`), written to `out`."""
    from feedback_mining.learning.label_issues import find_issues, save_issues

    issues, checked = find_issues(training, {t: r["model"] for t, r in results.items()}, users, say)
    path = save_issues(issues, out)
    say(f"label issues: {len(issues)} of {checked} of your rows look mislabelled; written to {path} for review")
    return {"file": str(path), "rows": len(issues), "checked": int(checked)}


def training_lines(task, r) -> list[str]:
    lines = [f"{kind} {name}: {summary_line(task, m)}" for kind in ("held_out", "validation")
             for name, m in r[kind].items()]
    if "baseline_held_out" in r:
        estimator_name = "ridge" if task == "effort" else "LR"
        lines.append(f"baseline TF-IDF + {estimator_name}: {summary_line(task, r['baseline_held_out'])}")
    lines += [f"without {name}, on {name}: {summary_line(task, c['on_source'])}"
              for name, c in r.get("cross_domain", {}).items()]
    return lines


def effort_calibration(training: Training, results: dict, taxonomy, lexicon) -> dict:
    """Estimated effort by sentiment on rows the models never trained on: our held-out texts (beside their
    labelled effort) and every real sentiment source (held-out rows, or all rows of a validation source)."""
    classifier = ModelClassifier({t: results[t]["model"] for t in TASKS}, taxonomy, lexicon)
    out = {}
    effort_data = training.tasks["effort"]
    held = effort_data.held_out & effort_data.own
    if held.any():
        X, y = effort_data.rows(held)
        labels = effort_data.frame.loc[held, "label"].str.lower().to_numpy() if "label" in effort_data.frame else None
        if labels is not None:
            out["ours_held_out"] = effort_by_sentiment(classify(X, classifier)["effort_estimate"].to_numpy(), labels, y)
    sentiment = training.tasks["sentiment"]
    for source in sentiment.sources:
        if source.own:
            continue
        rows = sentiment.of(source.name) & (sentiment.validation | sentiment.held_out)
        if rows.any():
            X, y = sentiment.rows(rows)
            out[source.name] = effort_by_sentiment(classify(X, classifier)["effort_estimate"].to_numpy(), y)
    return out


def model_card(task, r: dict, data: TaskData, command: str = "") -> dict:
    """The JSON model card: command, data fingerprint, every figure on unseen rows, libraries, date."""
    model = r["model"]
    names = {s.name for s in data.sources}
    mappings = [describe_mapping(s.pain_point_mapping) | {"source": s.name} for s in data.sources
                if task == "pain_points" and s.pain_point_mapping is not None]
    return {
        "task": task, "model": type(model).__name__, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "training_command": command,
        "data": data.fingerprint(),
        "sources": [{"name": s.name, "own": s.own, "validation": s.validation, "weight": s.weight,
                     **({"share": s.share} if s.share else {}),
                     "part": s.sentiment_part if task == "sentiment" else "all", "languages": sorted(
                         set(data.frame.loc[data.of(s.name), "language"].astype(str)) - {""})} for s in data.sources],
        "mappings": mappings,
        "attribution": [ATTRIBUTIONS[n] for n in sorted(names) if n in ATTRIBUTIONS]
        + ([LEXICON_ATTRIBUTION] if task != "pain_points" else []),
        "held_out": {"rule": labelled.HELD_OUT_RULE, "training_rows": int(data.train.sum()),
                     "held_out_rows": int(data.held_out.sum()), "validation_rows": int(data.validation.sum())},
        "features": {k: (list(v) if isinstance(v, tuple) else v) for k, v in model.features_.get_params().items()},
        "estimator": {k: v for k, v in model.estimator.get_params().items() if isinstance(v, (int, float, str))},
        "gate": _gate(model), "classes": [str(c) for c in getattr(model, "classes_", [])], "tuning": r["tuning"],
        "metrics": {"held_out": r["held_out"], "validation": r["validation"],
                    "cross_domain": r.get("cross_domain", {}), "baseline_held_out": r.get("baseline_held_out"),
                    **({"effort_by_sentiment": r["by_sentiment"]} if "by_sentiment" in r else {})},
        "languages": model.languages_, "library_versions": library_versions(),
        "source_specs": [source_spec(s) for s in data.sources],
        **({"retrain": r["retrain"]} if "retrain" in r else {}),
    }


def _gate(model) -> dict | None:
    gate = getattr(model, "gate_", None)
    if gate is None:
        return None
    return {**gate.get_params(), "vocabulary": len(gate.vocabulary_)}


def command_evaluate(args) -> int:
    """`feedback-mining evaluate`: metrics of a saved model (default: the shipped one) as JSON on stdout."""
    directory = args.model or shipped_dir()
    model, info = load_model(directory, args.task)
    taxonomy = Taxonomy(args.taxonomy)
    sources = read_sources(args)
    if args.split == "all":  # every row is evaluation data
        sources = [replace(s, validation=True) for s in sources]
    data = TaskData(args.task, sources, known_pain_points(taxonomy),
                    PreparedTexts(taxonomy, SentimentLexicon(args.sentiment_lexicon)), training=False)
    result = evaluate_sources(args.task, model, data)
    if len(result["held_out"]) + len(result["validation"]) == 1:  # one file: its metrics at the top level
        (only,) = [*result["held_out"].values(), *result["validation"].values()]
        result = only
    print(json.dumps({**result, "task": args.task, "split": args.split, "model": {"dir": str(directory), **info}},
                     indent=2, ensure_ascii=False))
    return 0
