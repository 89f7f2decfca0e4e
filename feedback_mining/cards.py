"""Model cards in Markdown, from the JSON card `train` writes beside each model file."""

from __future__ import annotations


def _table(rows: list[list], header: list[str]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
        ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]


def _metric_rows(result: dict, keys: list[str]) -> list[list]:
    return [[name, *(values.get(k) for k in keys)] for name, values in result.items()]


def render_card(card: dict) -> str:
    """The Markdown model card: what, how trained, on which data, how well (held out), with which libraries."""
    held, base = card["metrics"]["held_out"], card["metrics"]["baseline_held_out"]
    lang_keys = ["n", "mae", "macro_f1"] if card["task"] == "effort" else ["n", "macro_f1"]
    lines = [f"# Model card: {card['task']} ({card['model']})", "",
             (f"- artefact: `{card['artefact']['file']}` sha256 `{card['artefact']['sha256']}` "
             f"({card['artefact']['size_bytes'] / 1e6:.1f} MB), version `{card['artefact']['version']}`"),
             f"- trained: {card['date']} with `{card['training_command']}`",
             (f"- held-out split: {card['held_out']['rule']}; {card['held_out']['training_rows']} training rows, "
             f"{card['held_out']['held_out_rows']} held out"), "",
             "## Data", *_table([[d["path"], d["rows"], f"`{d['sha256']}`"] for d in card["data"]],
                                ["file", "rows", "sha256"])]
    if card.get("banking77"):
        b = card["banking77"]
        lines += ["", (f"BANKING77 `{b['path']}` (sha256 `{b['sha256']}`): {b['rows_used']} of {b['rows_read']} queries "
                  f"used through `{b['mapping']}` ({b['intents']}), English pain points only.")]
    lines += ["", "## Held-out metrics", "",
              f"macro-F1 **{held['macro_f1']}** (baseline TF-IDF + {'ridge' if card['task'] == 'effort' else 'LR'}: "
              f"{base['macro_f1']})" + (f"; MAE **{held['mae']}** (baseline {base['mae']})" if "mae" in held else ""),
              "", "### Per language", *_table(_metric_rows(held["per_language"], lang_keys), ["language", *lang_keys]),
              "", "### Per class", *_table(_metric_rows(held["per_class"], ["precision", "recall", "f1", "support"]),
                                           ["class", "precision", "recall", "f1", "support"])]
    if held.get("calibration"):
        lines += ["", "Calibration: " + ", ".join(f"{k} {v}" for k, v in held["calibration"].items())]
    effect = card["metrics"].get("banking77_effect")
    if effect:
        lines += ["", "### BANKING77's effect (same split, same regularisation)",
                  *_table([[k, v["macro_f1"], v["en_macro_f1"]] for k, v in effect.items()],
                          ["training rows", "macro-F1", "English macro-F1"])]
    lines += ["", "## Model", f"- features: `{card['features']}`", f"- estimator: `{card['estimator']}`",
              f"- tuning: `{card['tuning'] or 'defaults (no --tune)'}`",
              (f"- training languages (rows): `{card['languages']}`; other languages are predicted from character "
              "n-grams with probabilities pulled towards the training prior (lower confidence)"),
              f"- libraries: `{card['library_versions']}`"]
    if card.get("attribution"):
        lines += ["", "## Attribution", *[f"- {a}" for a in card["attribution"]]]
    lines += ["", "## Limits", ("- Trained on short texts written by the team (and BANKING77 queries where stated), "
              "not on real customer data; expect lower scores on real feedback, and retrain on a labelled export "
              "(`notebooks/retrain.ipynb`).")]
    return "\n".join(lines) + "\n"
