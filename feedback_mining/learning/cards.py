"""Model cards in Markdown, from the JSON card `train` writes beside each model file.

Real text the model never saw comes first (validation sources, leave-one-source-out), then the held-out split
of every trained source, then how the model was built. `readme_table` is the README's model table, from cards.
"""

from __future__ import annotations

LANGUAGES = ("ru", "uk", "fa", "en")


def _table(rows: list[list], header: list[str]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
        ["| " + " | ".join("" if v is None else _fmt(v) for v in row) + " |" for row in rows]


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def size(n_bytes: int) -> str:
    """A file size as a card shows it: `78.4 KB` under 1 MB, else `2.08 MB`."""
    return f"{n_bytes / 1e3:.1f} KB" if n_bytes < 1e6 else f"{n_bytes / 1e6:.2f} MB"


SCORE_NAMES = {"macro_f1": "macro-F1", "mae": "MAE", "log_loss": "log loss", "brier": "Brier score",
               "ece": "ECE", "accuracy": "accuracy"}


def score_text(name: str, value: float, digits: int = 3) -> str:
    """A score named as a reader knows it, with its sign: a negated loss (`-mae`, scikit-learn's `neg_log_loss`)
    is shown as the positive loss (`log loss 0.412`); never `-0.000`."""
    return f"{score_name(name)} {score_value(name, value, digits)}"


def score_name(name: str) -> str:
    bare = name.removeprefix("-").removeprefix("neg_")
    return SCORE_NAMES.get(bare, bare.replace("_", " "))


def score_value(name: str, value: float, digits: int = 3) -> str:
    value = (-value if name.startswith(("-", "neg_")) else value) + 0.0  # + 0.0: -0.0 becomes 0.0
    return f"{value:.{digits}f}" if value == 0 or abs(value) >= 10 ** -(digits - 1) else f"{value:.2g}"


def _tuning(tuning: dict) -> str:
    """`--tune`'s choice in a sentence: the value, how it was chosen, the cross-validated score of each value."""
    if not tuning:
        return "defaults (no --tune)"
    try:
        (name, values), = tuning["grid"].items()
        score = tuning["score"]
        scores = ", ".join(f"{value} {score_value(score, v, 4)}" for value, v in tuning["cv_scores"].items())
        return (f"{name} = {tuning['best'][name]}, chosen from {values} by {tuning['cv_folds']}-fold cross-validation "
                f"on the training rows ({tuning['rule']} rule; best mean at {name} = {tuning['best_cv']}); mean "
                f"{score_name(score)} per {name}: {scores}")
    except (KeyError, TypeError, ValueError):  # a card of another format: as it is
        return f"`{tuning}`"


def _score(task: str, m: dict):
    return m.get("mae") if task == "effort" and "macro_f1" not in m else m.get("macro_f1")


def _unseen_rows(task: str, metrics: dict) -> list[list]:
    """One row per evaluation on real text never trained on: validation sources, then each left-out source."""
    rows = [[name, "validation only, never trained on", m] for name, m in metrics.get("validation", {}).items()]
    rows += [[name, "trained without it (leave-one-source-out)", c["on_source"]]
             for name, c in metrics.get("cross_domain", {}).items()]
    return [[name, how, m["n"], _score(task, m), m.get("neutral_as_negative"),
             *(m["per_language"].get(lang, {}).get("macro_f1") for lang in LANGUAGES)] for name, how, m in rows]


def _held_out_rows(task: str, metrics: dict) -> list[list]:
    return [[name, m["n"], _score(task, m), m.get("neutral_as_negative"),
             *(m["per_language"].get(lang, {}).get("macro_f1") for lang in LANGUAGES)]
            for name, m in metrics["held_out"].items()]


def _per_class(result: dict) -> list[str]:
    """Per-class table, without the classes the rows neither have nor were predicted to have."""
    confusion = result.get("confusion", {})
    shown = {k: v for k, v in result["per_class"].items()
             if v["support"] or not isinstance(confusion, dict) or confusion.get(k, {}).get("fp", 1)}
    return _table([[k, v["precision"], v["recall"], v["f1"], v["support"]] for k, v in shown.items()],
                  ["class", "precision", "recall", "f1", "support"])


def render_card(card: dict) -> str:
    """The Markdown model card: what, trained how and on what, how well on text it never saw."""
    task, metrics = card["task"], card["metrics"]
    metric = "bin macro-F1" if task == "effort" else "macro-F1"
    lines = [f"# Model card: {task} ({card['model']})", "",
             (f"- artefact: `{card['artefact']['file']}` sha256 `{card['artefact']['sha256']}` "
              f"({size(card['artefact']['size_bytes'])}), version `{card['artefact']['version']}`"),
             f"- trained: {card['date']} with `{card['training_command']}`",
             (f"- split: {card['held_out']['rule']}; {card['held_out']['training_rows']} training rows, "
              f"{card['held_out']['held_out_rows']} held out, {card['held_out'].get('validation_rows', 0)} "
              "validation only"), ""]
    if card.get("retrain"):
        lines += _retrain(task, card["retrain"])
    unseen = _unseen_rows(task, metrics)
    if unseen:
        lines += ["## On real text it never saw", "",
                  *_table(unseen, ["source", "how", "n", metric, "neutral called negative", *LANGUAGES]), ""]
        for name, c in metrics.get("cross_domain", {}).items():
            if task == "pain_points":
                lines += [f"Per class on `{name}`, by a model trained without it:", "", *_per_class(c["on_source"]), ""]
            if "ours_held_out" in c:
                lines += [(f"Without `{name}`, our held-out {metric} is {_fmt(_score(task, c['ours_held_out']))} "
                          f"(with it: {_fmt(_score(task, metrics['held_out'].get(_own(card), {})))})."), ""]
    lines += ["## Held-out rows of each trained source", "",
              *_table(_held_out_rows(task, metrics), ["source", "n", metric, "neutral called negative", *LANGUAGES])]
    if task == "pain_points":
        for name, m in metrics["held_out"].items():
            if name != _own(card):
                lines += ["", f"Per class on the held-out rows of `{name}` (trained with its other rows):", "",
                          *_per_class(m)]
        if any(m.get("partial") for m in card.get("mappings", [])):
            lines += ["", ("A partial mapping labels one issue per text, so a text's other pain points count as false "
                          "positives here: precision on such a source is a lower bound; recall is exact.")]
    own = metrics["held_out"].get(_own(card))
    base = metrics.get("baseline_held_out")
    if own and base:
        lines += ["", f"On `{_own(card)}`: {metric} **{_fmt(_score(task, own))}**, baseline TF-IDF + "
                      f"{'ridge' if task == 'effort' else 'LR'} {_fmt(_score(task, base))}"
                  + (f"; MAE {_fmt(own['mae'])} (baseline {_fmt(base['mae'])})" if "mae" in own else ""), "",
                  *_per_class(own)]
        if own.get("calibration"):
            lines += ["", "Calibration: " + ", ".join(score_text(k, v, 4) for k, v in own["calibration"].items())]
        if own.get("low_confidence"):
            lc = own["low_confidence"]
            lines += [(f"Low confidence (< {lc['threshold']}): {lc['share']:.1%} of predictions, accuracy "
                      f"{_fmt(lc['accuracy_low'])} against {_fmt(lc['accuracy_rest'])} for the rest.")]
    if metrics.get("effort_by_sentiment"):
        lines += ["", "## Estimated effort by sentiment (rows never trained on)", "",
                  *_table([[src, label, v["n"], v["estimated"], v.get("true")]
                           for src, by in metrics["effort_by_sentiment"].items() for label, v in by.items()],
                          ["source", "sentiment", "n", "mean estimated effort", "mean labelled effort"])]
    lines += ["", "## Data", *_table([[d["source"], d["path"], d["rows"], f"`{d['sha256']}`"] for d in card["data"]],
                                     ["source", "file", "rows", "sha256"])]
    lines += ["", *_table([[s["name"], ", ".join(s["languages"]), "ours" if s["own"] else "real",
                            "validation only" if s["validation"] else s["part"], s["weight"]] for s in card["sources"]],
                          ["source", "languages", "kind", "trains", "row weight"])]
    for m in card.get("mappings", []):
        lines += ["", (f"`{m['source']}`: pain points by `{m['mapping']}` (version {m['version']}: {m['issues']} "
                      f"issues, {m['sub_issues']} sub-issues mapped, {m['none']} with none, {m['unmapped']} unmapped).")]
    lines += ["", "## Model", f"- features: `{card['features']}`", f"- estimator: `{card['estimator']}`",
              f"- domain gate: `{card.get('gate')}`" if card.get("gate") else "- domain gate: none",
              f"- tuning: {_tuning(card['tuning'])}",
              (f"- training languages (rows): `{card['languages']}`; other languages are predicted from character "
               "n-grams with probabilities pulled towards the training prior (lower confidence)"),
              f"- libraries: `{card['library_versions']}`"]
    if card.get("attribution"):
        lines += ["", "## Attribution", *[f"- {a}" for a in card["attribution"]]]
    lines += ["", "## Limits", *limits(card)]
    return "\n".join(lines) + "\n"


RETRAIN_METRICS = {"sentiment": (("macro_f1", "macro-F1"), ("accuracy", "accuracy")),
                   "pain_points": (("macro_f1", "macro-F1"), ("micro_f1", "micro-F1")),
                   "effort": (("mae", "MAE"), ("macro_f1", "bin macro-F1"))}


def _retrain(task: str, r: dict) -> list[str]:
    """The retraining on a user's corrections: both data sources, the weighting, the base against the new model."""
    base, shown = r["base"], RETRAIN_METRICS[task]
    rows = [[name, ba["after"]["n"], *(v for key, _ in shown for v in (ba["before"].get(key), ba["after"].get(key)))]
            for name, ba in r["before_after"].items()]
    lines = ["## Retrained on the user's corrections", "",
             (f"- base: `{base['dir']}` ({', '.join(f'{t} `{v}`' for t, v in base['models'].items())}), retrained on "
              "its own training data (sources below) plus the user's labels: "
              + ", ".join(f"`{u}`" for u in r["user_sources"])
              + f" ({r['user_rows']['training']} training rows, {r['user_rows']['held_out']} held out)"),
             (f"- weighting: {r['user_weight']['rule']}; here the user's rows carry "
              f"{r['user_weight']['carried']:.0%} of the training weight"),
             f"- parameters: {r['params']}" + (" (the base's)" if isinstance(r["params"], dict) else "")]
    if base.get("missing"):
        lines.append("- **base sources missing** (trained without them): "
                     + "; ".join(f"`{m['source']}` ({m['path']})" for m in base["missing"]))
    if base.get("changed"):
        lines.append("- base files changed since the base was trained: "
                     + "; ".join(f"`{c['source']}` ({c['path']})" for c in base["changed"]))
    lines += ["", "Base model before, retrained model after, on rows neither was trained on:", "",
              *_table(rows, ["rows", "n", *(f"{label} {when}" for _, label in shown for when in ("before", "after"))]),
              ""]
    return lines


def _own(card: dict) -> str | None:
    """The source whose held-out rows are the headline: ours, else the first trained one."""
    trained = [s for s in card["sources"] if not s["validation"]]
    return next((s["name"] for s in trained if s["own"]), trained[0]["name"] if trained else None)


def limits(card: dict) -> list[str]:
    """What the data behind the model does not cover, from the card's own sources."""
    trained = [s for s in card["sources"] if not s["validation"]]
    real = {lang for s in trained if not s["own"] for lang in s["languages"]}
    ours = {lang for s in trained if s["own"] for lang in s["languages"]}
    out = [f"- Trained on: {', '.join(_trained_on(s, card['data']) for s in trained)}."]
    only_ours = sorted(ours - real)
    if only_ours:
        out.append(f"- {', '.join(only_ours)}: no real labelled data; figures for them come from our own texts, "
                   "which measure how well the model imitates us, not real customers.")
    unseen = card["metrics"].get("validation") or card["metrics"].get("cross_domain")
    if not unseen:
        out.append("- Every figure is on held-out rows of the training sources, so on texts like the training ones "
                   "(same domain, same labelling). Expect lower scores elsewhere; measure on a labelled sample of "
                   "other feedback (`feedback-mining evaluate --split all --data sample.csv`).")
    return out


def _trained_on(source: dict, data: list[dict]) -> str:
    """A trained source by name: ours are written by the team; any other is named by its files (basename, rows
    read, sha256 prefix), so a user's card describes the user's data."""
    if source["own"]:
        return f"{source['name']} (written by the team)"
    files = [f"`{d['path'].replace(chr(92), '/').split('/')[-1]}`, {d['rows']:,} rows, sha256 `{d['sha256'][:12]}`"
             for d in data if d["source"] == source["name"]]
    return f"{source['name']} ({'; '.join(files)})" if files else source["name"]


def readme_table(cards: dict[str, dict]) -> str:
    """The README's model table: real text never trained on first, then our held-out split."""
    rows = []
    for task, card in cards.items():
        metric = "bin macro-F1" if task == "effort" else "macro-F1"
        m = card["metrics"]
        for name, result in m.get("validation", {}).items():
            rows.append([task, f"{name} (validation only)", metric, result])
        for name, c in m.get("cross_domain", {}).items():
            rows.append([task, f"{name} (trained without it)", metric, c["on_source"]])
        own = m["held_out"].get(_own(card))
        if own:
            rows.append([task, f"{_own(card)}: held-out 20%", metric, own])
            if task == "effort":
                rows.append([task, f"{_own(card)}: held-out 20%", "MAE", {**own, "macro_f1": own["mae"]}])
    header = ["task", "evaluated on", "metric", "all", *LANGUAGES, "neutral called negative"]
    return "\n".join(_table([[t, where, metric, r["macro_f1"], *(r["per_language"].get(lang, {}).get(
        "mae" if metric == "MAE" else "macro_f1") for lang in LANGUAGES), r.get("neutral_as_negative")]
        for t, where, metric, r in rows], header))
