"""Review queue: the week's texts that most need a person, as a labelled file `train --data` reads.

One row per distinct redacted text (`text_key`: lower-cased, whitespace collapsed), scored

    score = 2/3 * uncertainty + 1/3 * impact
    uncertainty = max(sentiment uncertainty, pain-point uncertainty), each in [0, 1]:
        sentiment:  (1 - sentiment_confidence) / (2/3)      1 = a three-way coin toss, 0 = certain
        pain point: max over ids of 1 - |p - DETECTED| / max(DETECTED, 1 - DETECTED)   1 = on the threshold
    impact = the text's contributed effort (sum over the items carrying it of max(effort - target, 0))
             divided by the largest of the week's texts (its share of all contributed effort: `effort_share`)

and picked in three rounds: (1) coverage: the best text of the (touchpoint, language) cell that adds the most
touchpoints and languages not yet in (ties: the higher score), until every touchpoint and every language with text
is in; (2) the best text of every other cell, by score; (3) the rest, by score.
The first `size` rows make the queue, in that order, each with its `reason`. The model's guesses fill the label
columns (`label`, `pain_points`, `effort`; an item's effort is its CES answer's when it has one) and are kept in
`model_label`, `model_pain_points`, `model_effort`, so `corrections` can tell a corrected row from an untouched one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback_mining.classify import DETECTED
from feedback_mining.rank import excess_effort

UNCERTAINTY_WEIGHT, IMPACT_WEIGHT = 2 / 3, 1 / 3
LABEL_COLUMNS = ["text", "language", "label", "pain_points", "effort"]  # what `train --data` reads
REVIEW_COLUMNS = [*LABEL_COLUMNS, "reviewed", "reason", "touchpoint", "n_items", "score", "sentiment_confidence",
                  "effort_share", "effort_source", "item_id", "model_label", "model_pain_points", "model_effort"]
CSV_OPTIONS = {"index": False, "encoding": "utf-8-sig"}  # the BOM makes Excel read UTF-8 (Cyrillic, Persian)


def text_key(texts: pd.Series) -> pd.Series:
    """The key a correction matches on: the redacted text lower-cased, runs of whitespace as one space, without
    the `'` that review.csv puts before a leading `=`, `+`, `-` or `@` (`report.files.neutralise_formulas`)."""
    key = texts.fillna("").astype(str).str.replace(r"\s+", " ", regex=True).str.strip().str.lower()
    return key.str.replace(r"^'(?=[=+\-@])", "", regex=True)


def score_items(items: pd.DataFrame, target: float = 0.0) -> pd.DataFrame:
    """Add `_key`, `_sentiment_uncertainty`, `_pain_uncertainty`, `_near` (the pain point closest to the threshold),
    `_near_p`, `_uncertainty` and `_excess` (contributed effort) to items, reading `clean_text`,
    `sentiment_confidence`, `p_<id>` and `effort`."""
    p_cols = [c for c in items.columns if c.startswith("p_")]
    p = items[p_cols].to_numpy(dtype=float).reshape(len(items), len(p_cols))
    closeness = np.clip(1 - np.abs(np.nan_to_num(p) - DETECTED) / max(DETECTED, 1 - DETECTED), 0, 1)
    nearest = closeness.argmax(axis=1) if p_cols else np.zeros(len(items), dtype=int)
    rows = np.arange(len(items))
    confidence = pd.to_numeric(items["sentiment_confidence"], errors="coerce").fillna(1.0).to_numpy()
    sentiment = np.clip((1 - confidence) / (2 / 3), 0, 1)
    pain = closeness[rows, nearest] if p_cols else np.zeros(len(items))
    return items.assign(
        _key=text_key(items["clean_text"]), _sentiment_uncertainty=sentiment, _pain_uncertainty=pain,
        _near=np.array([c[2:] for c in p_cols] or [""], dtype=object)[nearest],
        _near_p=np.nan_to_num(p[rows, nearest]) if p_cols else 0.0,
        _uncertainty=np.maximum(sentiment, pain), _excess=excess_effort(items["effort"], target))


def distinct_texts(scored: pd.DataFrame, total_excess: float | None = None) -> pd.DataFrame:
    """One row per text key (the item with the most uncertain labels, then the most effort, stands for its copies),
    with `n_items`, `effort_share` (of `total_excess`, the week's contributed effort; default: of these items'),
    `_impact` and `score`."""
    scored = scored[scored["_key"] != ""].sort_values(["_uncertainty", "_excess", "item_id"],
                                                      ascending=[False, False, True], kind="stable")
    groups = scored.groupby("_key", sort=False)["_excess"]
    texts = scored.drop_duplicates("_key").set_index("_key")
    excess = groups.sum().reindex(texts.index)
    impact = (excess / excess.max()).fillna(0.0) if len(excess) and excess.max() > 0 else excess * 0.0
    total = scored["_excess"].sum() if total_excess is None else total_excess
    return texts.assign(n_items=groups.size().reindex(texts.index), effort_share=excess / total if total else 0.0,
                        _impact=impact, score=UNCERTAINTY_WEIGHT * texts["_uncertainty"] + IMPACT_WEIGHT * impact)


def coverage_order(texts: pd.DataFrame) -> tuple[list, dict]:
    """The keys of `texts` in queue order (see the module docstring) and, for the coverage picks, what they cover."""
    ranked = texts.sort_values(["score", "n_items"], ascending=False, kind="stable")
    firsts = ranked[~ranked.duplicated(["touchpoint", "language"])]
    cells = list(zip(firsts.index, firsts["touchpoint"], firsts["language"]))
    touchpoints, languages, covers = set(), set(), {}
    while cells:  # greedy set cover over a few dozen cells
        gains = [(t not in touchpoints) + (lang not in languages) for _, t, lang in cells]
        if max(gains) == 0:
            break
        key, touchpoint, language = cells.pop(gains.index(max(gains)))
        covers[key] = f"covers touchpoint {touchpoint} and language {language}"
        touchpoints.add(touchpoint), languages.add(language)
    for key, touchpoint, language in zip(firsts.index, firsts["touchpoint"], firsts["language"]):
        covers.setdefault(key, f"covers {touchpoint} x {language}")
    return list(covers) + [k for k in ranked.index if k not in covers], covers


def reason(row, cover: str | None) -> str:
    """Why a text is in the queue, in a few `;`-separated words."""
    parts = [cover] if cover else []
    if row["_sentiment_uncertainty"] >= 0.5:
        parts.append(f"sentiment {row['sentiment']} at confidence {row['sentiment_confidence']:.2f}")
    if row["_pain_uncertainty"] >= 0.5:
        parts.append(f"{row['_near']} at p {row['_near_p']:.2f}, near the {DETECTED:g} threshold")
    if row["_impact"] >= 0.5:
        parts.append(f"carries {row['effort_share']:.2%} of the week's contributed effort")
    if row["n_items"] > 1:
        parts.append(f"{row['n_items']} items share this text")
    return "; ".join(parts) or f"next by score ({row['score']:.2f})"


def review_queue(items: pd.DataFrame, size: int = 200, target: float = 0.0,
                 total_excess: float | None = None) -> pd.DataFrame:
    """The review queue of a run's items (`REVIEW_COLUMNS`, most needing first), at most `size` rows; reads
    `item_id, touchpoint, language, clean_text, sentiment, sentiment_confidence, pain_points, p_<id>, effort,
    effort_source, effort_estimate`."""
    texts = distinct_texts(score_items(items, target), total_excess)
    order, covers = coverage_order(texts)
    picked = texts.loc[order[:max(size, 0)]]
    effort = picked["effort"].fillna(picked["effort_estimate"]).astype(float).round(2)
    return pd.DataFrame({
        "text": picked["clean_text"], "language": picked["language"], "label": picked["sentiment"],
        "pain_points": picked["pain_points"].fillna(""), "effort": effort, "reviewed": "",
        "reason": [reason(row, covers.get(key)) for key, row in picked.iterrows()],
        "touchpoint": picked["touchpoint"], "n_items": picked["n_items"], "score": picked["score"].round(3),
        "sentiment_confidence": picked["sentiment_confidence"].round(3),
        "effort_share": picked["effort_share"].astype(float).round(5), "effort_source": picked["effort_source"],
        "item_id": picked["item_id"], "model_label": picked["sentiment"],
        "model_pain_points": picked["pain_points"].fillna(""), "model_effort": effort,
    }, columns=REVIEW_COLUMNS).reset_index(drop=True)


def review_table(items: pd.DataFrame, config=None, total_excess: float | None = None) -> pd.DataFrame:
    """`review_queue` with the run's `review_size` and `target` (defaults without a config)."""
    size, target = (config.review_size, config.target) if config is not None else (200, 0.0)
    return review_queue(items, size, target, total_excess)


def review_candidates(items: pd.DataFrame, config=None) -> pd.DataFrame:
    """The items of one partition the week's queue may take: the `review_size` most uncertain and the
    `review_size` carrying the most effort, and the three best of each (touchpoint, language) cell by either.
    A week split into partitions picks its queue among them (a text whose copies lie in several partitions is
    scored by the copies among the candidates)."""
    size, target = (config.review_size, config.target) if config is not None else (200, 0.0)
    scored = score_items(items, target)
    scored = scored[scored["_key"] != ""]
    picks = []
    for column in ("_uncertainty", "_excess"):
        ranked = scored.sort_values([column, "item_id"], ascending=[False, True], kind="stable")
        picks += [ranked.head(size), ranked.groupby(["touchpoint", "language"], sort=False).head(3)]
    ids = pd.Index(pd.concat(picks)["item_id"].astype(object).unique() if picks else [])
    return items[ids.get_indexer(items["item_id"].astype(object).to_numpy()) >= 0]


def review_csv(queue: pd.DataFrame) -> pd.DataFrame:
    """The queue as review.csv writes it: texts (and any other text cell, e.g. a touchpoint name) that Excel would
    take for a formula start with `'` (`report.files.neutralise_formulas`, OWASP)."""
    from feedback_mining.report.files import neutralise_formulas  # the report package imports this module

    return neutralise_formulas(queue.assign(text=queue["text"].astype(str)))
