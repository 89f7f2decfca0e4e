"""Train and evaluate the three models: `feedback-mining train` and `feedback-mining evaluate`.

Training reads labelled files, keeps the held-out rows (`labelled.HELD_OUT_RULE`) out of everything (vocabulary,
cross-validation, fitting), fits the model on the rest, and reports held-out metrics next to a plain TF-IDF +
logistic regression (ridge for effort) baseline trained on the same rows. `--tune` picks the regularisation
by 5-fold cross-validation on the training rows (the featuriser is fitted once on them; folds refit only the
estimator). `--task all` trains the three models on one shared featuriser, so the classify stage transforms
each batch once; `--banking77` adds the mapped BANKING77 queries to the pain-point training rows.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold

from feedback_mining import labelled, metrics
from feedback_mining.classify import SentimentLexicon, Taxonomy
from feedback_mining.errors import UsageError
from feedback_mining.models import MODEL_CLASSES, PAIN_POINT_IDS, SENTIMENT_LABELS, TextFeatures
from feedback_mining.registry import file_sha256, library_versions, load_model, save_model, shipped_dir

TASKS = ("sentiment", "pain_points", "effort")
# regularisation: defaults chosen by `--tune` on our training files; the grids `--tune` searches
DEFAULTS = {"sentiment": {"C": 8.0}, "pain_points": {"C": 8.0}, "effort": {"alpha": 1.0}}
GRIDS = {"sentiment": {"C": [2.0, 8.0, 32.0, 128.0]}, "pain_points": {"C": [2.0, 8.0, 32.0, 128.0]},
         "effort": {"alpha": [0.3, 1.0, 3.0]}}
BANKING77_WEIGHT = 0.1  # a BANKING77 row (a question, in one domain) counts a tenth of one of ours (see the card)
ATTRIBUTION = ("BANKING77: Casanueva, Temcinas, Gerz, Henderson, Vulic (2020), \"Efficient Intent Detection with "
               "Dual Sentence Encoders\", CC BY 4.0, PolyAI-LDN/task-specific-datasets @ "
               "57ec275d8078af65b7731c2a98be812d844a6d6b; intents mapped to pain points by "
               "models/training/banking77_mapping.toml")


def estimator(task: str, **params):
    """The estimator behind a task's featuriser (logistic regression, or ridge for effort)."""
    if task == "effort":
        return Ridge(**{**DEFAULTS["effort"], **params})
    balanced = {"class_weight": "balanced"} if task == "pain_points" else {}  # rare ids: F1-optimal near p = 0.5
    return LogisticRegression(**{**DEFAULTS[task], **balanced, **params}, max_iter=3000)


def known_pain_points(taxonomy: Taxonomy) -> list[str]:
    return list(PAIN_POINT_IDS) + [pp for pp in taxonomy.ids if pp not in PAIN_POINT_IDS]


# ---------------------------------------------------------------- fitting


def _fold_score(task, X, Xt, y, w, train, test, params) -> float:
    model = MODEL_CLASSES[task](features=None, estimator=estimator(task, **params))
    model.features_, model.languages_ = None, {}
    yt = y.iloc[train] if isinstance(y, pd.DataFrame) else y[train]
    if task == "sentiment":  # the regression alone; calibration does not change the predicted label
        fitted = estimator(task, **params).fit(Xt[train], yt, sample_weight=None if w is None else w[train])
        return metrics.label_metrics(y[test], fitted.predict(Xt[test]), SENTIMENT_LABELS)["macro_f1"]
    model._fit_estimator(Xt[train], yt, None if w is None else w[train])
    if task == "effort":
        return -float(np.mean(np.abs(model.predict_features(Xt[test], X.iloc[test]) - y[test])))
    proba = model.predict_proba_features(Xt[test], X.iloc[test])
    truth = y.iloc[test][list(model.classes_)].to_numpy()
    return metrics._multilabel(truth, (proba >= 0.5).astype(int), list(model.classes_))["macro_f1"]


def tune(task, X, Xt, y, w=None, ours=None, folds: int = 5, seed: int = 0) -> tuple[dict, dict]:
    """Pick the task's regularisation by k-fold cross-validation on the training rows (held-out rows are
    never here). Folds cut only `ours` (rows of our own files); extra rows (BANKING77) stay in training."""
    ours = np.arange(len(X)) if ours is None else ours
    extra = np.setdiff1d(np.arange(len(X)), ours)
    strat = y[ours] if task == "sentiment" else np.zeros(len(ours))
    splitter = (StratifiedKFold if task == "sentiment" else KFold)(folds, shuffle=True, random_state=seed)
    splits = [(np.concatenate([ours[a], extra]), ours[b]) for a, b in splitter.split(ours, strat)]
    (name, values), = GRIDS[task].items()
    scores = Parallel(n_jobs=-1)(delayed(_fold_score)(task, X, Xt, y, w, a, b, {name: v})
                                 for v in values for a, b in splits)
    by_value = {v: np.array(scores[i * len(splits):(i + 1) * len(splits)]) for i, v in enumerate(values)}
    means = {v: float(s.mean()) for v, s in by_value.items()}
    top = max(means, key=means.get)
    bar = means[top] - by_value[top].std(ddof=1) / np.sqrt(len(splits))
    # one-standard-error rule: the most regularised value within one standard error of the best, since the
    # models will meet real feedback that is further from the training texts than any fold is
    strongest = min if name == "C" else max
    best = strongest(v for v in values if means[v] >= bar)
    return {name: best}, {"grid": {name: values}, "cv_folds": folds, "score": "macro_f1" if task != "effort" else
                          "-mae", "cv_scores": {str(k): round(v, 4) for k, v in means.items()}, "best_cv": top,
                          "rule": "one standard error", "best": {name: best}}


def fit(task, X, y, w=None, features: TextFeatures | None = None, tune_params: bool = False, ours=None,
        params: dict | None = None):
    """A fitted model of `task` on X (its featuriser fitted here unless a fitted one is given) and its tuning."""
    features = features or TextFeatures().fit(X)
    Xt = features.transform(X)
    tuning = {}
    if tune_params:
        params, tuning = tune(task, X, Xt, y, w, ours)
    model = MODEL_CLASSES[task](features=features, estimator=estimator(task, **(params or {})))
    return model.fit_transformed(X, Xt, y, w), tuning


class Baseline:
    """The plain alternative: TF-IDF of the clean text's words + logistic regression (ridge for effort)."""

    def __init__(self, task: str):
        self.task = task

    def fit(self, X, y):
        self.vectorizer_ = TfidfVectorizer().fit(X["clean_text"])
        Xt = self.vectorizer_.transform(X["clean_text"])
        if self.task == "pain_points":
            self.columns_ = [c for c in y.columns if 0 < y[c].sum() < len(y)]
            self.models_ = [LogisticRegression(max_iter=2000).fit(Xt, y[c]) for c in self.columns_]
        else:
            self.model_ = (Ridge() if self.task == "effort" else LogisticRegression(max_iter=2000)).fit(Xt, y)
        return self

    def predict(self, X):
        Xt = self.vectorizer_.transform(X["clean_text"])
        if self.task != "pain_points":
            return self.model_.predict(Xt) if self.task == "sentiment" else np.clip(self.model_.predict(Xt), 0, 1)
        out = pd.DataFrame(0, index=range(len(X)), columns=list(PAIN_POINT_IDS))
        for c, m in zip(self.columns_, self.models_):
            out[c] = m.predict(Xt)
        return out


# ---------------------------------------------------------------- evaluation


def evaluate(task, model, X, y) -> dict:
    """Held-out metrics of a model (ours, the baseline, or any estimator over the text frame)."""
    languages = X["language"].to_numpy()
    if task == "sentiment":
        if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
            proba = np.asarray(model.predict_proba(X))
            classes = np.asarray(model.classes_, dtype=object)
            return metrics.sentiment_metrics(y, classes[proba.argmax(axis=1)], languages, SENTIMENT_LABELS, proba,
                                             classes)
        return metrics.sentiment_metrics(y, model.predict(X), languages, SENTIMENT_LABELS)
    if task == "effort":
        return metrics.effort_metrics(y, model.predict(X), languages)
    if isinstance(model, Baseline):
        predicted = model.predict(X)
    else:
        proba = np.asarray(model.predict_proba(X))
        predicted = pd.DataFrame(0, index=range(len(X)), columns=list(y.columns))
        for j, pp in enumerate(model.classes_):
            if pp in predicted:
                predicted[pp] = (proba[:, j] >= 0.5).astype(int)
    ids = [pp for pp in y.columns if y[pp].any() or predicted.reindex(columns=y.columns)[pp].any()]
    return metrics.multilabel_metrics(y[ids].to_numpy(), predicted.reindex(columns=ids, fill_value=0).to_numpy(),
                                      languages, ids)


def summary_line(task: str, result: dict) -> str:
    langs = ", ".join(f"{k} {v.get('macro_f1', 0):.3f}" for k, v in result["per_language"].items())
    extra = f", MAE {result['mae']:.3f}" if task == "effort" else ""
    return f"macro-F1 {result['macro_f1']:.3f}{extra} (by language: {langs}; n={result['n']})"


# ---------------------------------------------------------------- the commands


class Data:
    """Labelled files read, checked, split and prepared for one or all tasks."""

    def __init__(self, paths, tasks, taxonomy: Taxonomy, lexicon: SentimentLexicon):
        self.paths, self.ids = [Path(p) for p in paths], known_pain_points(taxonomy)
        frames = [labelled.read_labelled(self.paths, task, self.ids) for task in tasks]
        self.frame = frames[0].assign(**{labelled.TASK_COLUMNS[t]: f[labelled.TASK_COLUMNS[t]]
                                         for t, f in zip(tasks, frames)})
        self.train = ~labelled.held_out_mask(self.frame["text"])
        self.y = {task: labelled.targets(self.frame, task, self.ids) for task in tasks}
        for task in tasks:
            labelled.check_learnable(self.frame, task, self.y[task], self.train)
        self.X = labelled.prepare(self.frame, taxonomy, lexicon)

    def part(self, task, train: bool):
        mask = self.train if train else ~self.train
        y = self.y[task]
        return (self.X[mask].reset_index(drop=True),
                y[mask].reset_index(drop=True) if isinstance(y, pd.DataFrame) else y[mask])

    def fingerprint(self) -> list[dict]:
        return [{"path": p.name, "sha256": file_sha256(p), "rows": int((self.frame["_file"] == str(p)).sum())}
                for p in self.paths]


def train_task(task, data: Data, tune_params: bool, features=None, extra=None) -> tuple:
    """Fit `task` on the training rows (plus `extra` rows: X, y, weights) and evaluate it and the baseline."""
    X, y = data.part(task, train=True)
    X_held, y_held = data.part(task, train=False)
    w, ours = None, None
    if extra is not None:
        n = len(X)
        X = pd.concat([X, extra[0]], ignore_index=True)
        y = pd.concat([y, extra[1]], ignore_index=True)
        w, ours = np.r_[np.ones(n), np.full(len(extra[0]), BANKING77_WEIGHT)], np.arange(n)
    model, tuning = fit(task, X, y, w, features, tune_params, ours)
    baseline = Baseline(task).fit(*data.part(task, train=True))
    return model, tuning, evaluate(task, model, X_held, y_held), evaluate(task, baseline, X_held, y_held)


def command_train(args) -> int:
    """`feedback-mining train`: fit, compare with the baseline on the held-out rows, save model, card, registry."""
    say = lambda *a: print(*a, file=sys.stderr)
    tasks = TASKS if args.task == "all" else (args.task,)
    if args.banking77 and "pain_points" not in tasks:
        raise UsageError("--banking77 trains the pain-point model; use it with --task pain_points or all")
    taxonomy, lexicon = Taxonomy(args.taxonomy), SentimentLexicon(args.sentiment_lexicon)
    start = time.perf_counter()
    data = Data(args.data, tasks, taxonomy, lexicon)
    say(f"read {len(data.frame):,} labelled rows: {int(data.train.sum()):,} training, "
        f"{int((~data.train).sum()):,} held out ({time.perf_counter() - start:.0f} s)")
    extra, banking = None, None
    if args.banking77:
        mapping = args.banking77_mapping or Path(__file__).resolve().parent.parent / labelled.BANKING77_MAPPING
        rows, banking = labelled.read_banking77(args.banking77, mapping)
        extra = (labelled.prepare(rows, taxonomy, lexicon), labelled.targets(rows, "pain_points", data.ids))
    shared = None
    if len(tasks) > 1:  # one featuriser for all tasks: the classify stage transforms a batch once
        texts = [data.X[data.train]] + ([extra[0]] if extra else [])
        shared = TextFeatures().fit(pd.concat(texts, ignore_index=True))
    report = {}
    for task in tasks:
        t0 = time.perf_counter()
        model, tuning, ours, base = train_task(task, data, args.tune, shared, extra if task == "pain_points" else None)
        effect = banking77_effect(data, tuning, ours, shared) if task == "pain_points" and extra else None
        command = "feedback-mining " + shlex.join(str(a) for a in getattr(args, "argv", sys.argv[1:]))
        card = model_card(task, model, data, tuning, ours, base, banking if extra and task == "pain_points" else None,
                          effect, command)
        entry = save_model(model, args.out, task, card)
        beats = ours["macro_f1"] > base["macro_f1"] if task != "effort" else ours["mae"] < base["mae"]
        say(f"{task}: trained in {time.perf_counter() - t0:.0f} s -> {args.out / entry['file']} "
            f"({entry['size_bytes'] / 1e6:.1f} MB)\n  model    {summary_line(task, ours)}\n"
            f"  baseline {summary_line(task, base)}" + ("" if beats else "\n  WARNING: not better than the baseline"))
        report[task] = {"model": ours, "baseline": base, "beats_baseline": bool(beats), "artefact": entry,
                        **({"banking77_effect": effect} if effect else {}), **({"tuning": tuning} if tuning else {})}
    print(json.dumps(report if len(tasks) > 1 else report[tasks[0]], indent=2, ensure_ascii=False))
    return 0


def banking77_effect(data: Data, tuning: dict, with_banking: dict, shared) -> dict:
    """Held-out pain-point F1 without the BANKING77 rows (same split, same regularisation), next to with them."""
    params = tuning.get("best") or {}
    X, y = data.part("pain_points", train=True)
    model, _ = fit("pain_points", X, y, features=shared, params=params)
    without = evaluate("pain_points", model, *data.part("pain_points", train=False))
    pick = lambda m: {"macro_f1": m["macro_f1"], "en_macro_f1": m["per_language"].get("en", {}).get("macro_f1")}
    return {"with_banking77": pick(with_banking), "without_banking77": pick(without)}


def model_card(task, model, data: Data, tuning, ours, base, banking=None, effect=None, command: str = "") -> dict:
    """The JSON model card: command, data fingerprint, held-out metrics and the baseline's, libraries, date."""
    return {
        "task": task, "model": type(model).__name__, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "training_command": command,
        "data": data.fingerprint(), "banking77": banking, "attribution": [ATTRIBUTION] if banking else [],
        "held_out": {"rule": labelled.HELD_OUT_RULE, "training_rows": int(data.train.sum()),
                     "held_out_rows": int((~data.train).sum())},
        "features": {k: (list(v) if isinstance(v, tuple) else v) for k, v in model.features_.get_params().items()},
        "estimator": {k: v for k, v in model.estimator.get_params().items() if isinstance(v, (int, float, str))},
        "classes": [str(c) for c in getattr(model, "classes_", [])], "tuning": tuning,
        "metrics": {"held_out": ours, "baseline_held_out": base, "banking77_effect": effect},
        "languages": model.languages_, "library_versions": library_versions(),
    }


def command_evaluate(args) -> int:
    """`feedback-mining evaluate`: metrics of a saved model (default: the shipped one) as JSON on stdout."""
    directory = args.model or shipped_dir()
    model, info = load_model(directory, args.task)
    taxonomy = Taxonomy(args.taxonomy)
    data = Data(args.data, (args.task,), taxonomy, SentimentLexicon(args.sentiment_lexicon)) if args.split != "all" \
        else _all_rows(args, taxonomy)
    X, y = data.part(args.task, train=False) if args.split == "held-out" else (data.X, data.y[args.task])
    result = evaluate(args.task, model, X, y)
    print(json.dumps({**result, "task": args.task, "split": args.split, "model": {"dir": str(directory), **info}},
                     indent=2, ensure_ascii=False))
    return 0


def _all_rows(args, taxonomy) -> Data:
    data = Data.__new__(Data)
    data.paths, data.ids = [Path(p) for p in args.data], known_pain_points(taxonomy)
    data.frame = labelled.read_labelled(data.paths, args.task, data.ids)
    data.train = np.zeros(len(data.frame), dtype=bool)
    data.y = {args.task: labelled.targets(data.frame, args.task, data.ids)}
    data.X = labelled.prepare(data.frame, taxonomy, SentimentLexicon(args.sentiment_lexicon))
    return data
