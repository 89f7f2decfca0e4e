"""Join stage: build items, the unit of analysis, from surveys, comments and tickets.

One item per survey response (with its comment, joined by `response_id`, and the customer's most recent
ticket created within the window before it), one per ticket that no survey took, and one per comment
whose `response_id` matches no survey. Each survey and each ticket is counted exactly once.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from feedback_mining.classify import low_confidence, pain_point_columns
from feedback_mining.config import Config
from feedback_mining.scores import ACSI_COLUMNS, numbers

SCORE_COLUMNS = ["ces", "csat", "nps", "happiness", *ACSI_COLUMNS]
TICKET_FIELDS = ["contacts", "transfers", "reopened", "resolution_hours"]
ITEM_KEYS = ["item_id", "source", "response_id", "ticket_id", "customer_id", "touchpoint", "date"]
# item columns that attach_texts adds from the text stages (never carried from the inputs)
TEXT_RESULTS = ["clean_text", "language", "duplicate", "sentiment", "sentiment_confidence", "sentiment_low_confidence",
                "effort_estimate",
                "pain_points", "pain_point_scores", "pain_point_evidence"]


def empty_frame(columns) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def match_tickets(surveys: pd.DataFrame, tickets: pd.DataFrame, window_days: float) -> pd.DataFrame:
    """Return `response_id, ticket_id` pairs: each survey's latest same-customer ticket created at most
    `window_days` before it (window edge included); a ticket two surveys reach goes to the earlier one."""
    left = surveys.loc[(surveys["customer_id"] != "") & surveys["submitted_at"].notna(),
                       ["response_id", "customer_id", "submitted_at"]].sort_values("submitted_at")
    right = tickets.loc[tickets["created_at"].notna(), ["ticket_id", "customer_id", "created_at"]]
    if left.empty or right.empty:
        return empty_frame(["response_id", "ticket_id"])
    pairs = pd.merge_asof(left, right.sort_values("created_at"), left_on="submitted_at", right_on="created_at",
                          by="customer_id", direction="backward", tolerance=pd.Timedelta(days=window_days))
    pairs = pairs.dropna(subset=["ticket_id"]).sort_values(["submitted_at", "response_id"])
    return pairs.drop_duplicates("ticket_id", keep="first")[["response_id", "ticket_id"]].reset_index(drop=True)


def build_items(surveys: pd.DataFrame, comments: pd.DataFrame, tickets: pd.DataFrame,
                window_days: float, carry: tuple[str, ...] | list[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (items, links): items carry ids, touchpoint, date, scores and ticket fields, plus the `carry`
    columns (e.g. a survey's `segment`) from each item's own source row ("" where it has none); links map
    each text-bearing input row (`source`, `key`) to its `item_id`."""
    carry = [c for c in carry if c not in (*ITEM_KEYS, *SCORE_COLUMNS, *TICKET_FIELDS, *TEXT_RESULTS)
             and any(c in rows.columns for rows in (surveys, comments, tickets))]
    pairs = match_tickets(surveys, tickets, window_days)
    survey_items = _survey_items(surveys, comments, tickets, pairs, carry)
    taken = set(pairs["ticket_id"])
    lone_tickets = tickets[~tickets["ticket_id"].isin(taken)]
    ticket_items = _ticket_fields(lone_tickets).assign(
        item_id="ticket:" + lone_tickets["ticket_id"].to_numpy(), source="ticket", response_id="",
        customer_id=lone_tickets["customer_id"].to_numpy(), touchpoint=lone_tickets["touchpoint"].to_numpy(),
        date=lone_tickets["created_at"].to_numpy(), **_carried(lone_tickets, carry)).drop(columns="ticket_touchpoint")
    orphans = comments[~comments["response_id"].isin(set(surveys["response_id"]))]
    comment_items = pd.DataFrame({
        "item_id": "comment:" + orphans["response_id"], "source": "comment", "response_id": orphans["response_id"],
        "ticket_id": "", "customer_id": "", "touchpoint": orphans["touchpoint"], "date": orphans["submitted_at"],
        **_carried(orphans, carry)})
    items = pd.concat([survey_items, ticket_items, comment_items], ignore_index=True)
    items = items.assign(ticket_id=items["ticket_id"].fillna(""), response_id=items["response_id"].fillna(""),
                         **{c: items[c].fillna("") for c in carry})
    return items, _links(surveys, comments, tickets, pairs, orphans)


def _carried(rows: pd.DataFrame, carry: list[str]) -> dict[str, np.ndarray | str]:
    return {c: rows[c].to_numpy() if c in rows.columns else "" for c in carry}


def _survey_items(surveys, comments, tickets, pairs, carry=()) -> pd.DataFrame:
    by_ticket = _ticket_fields(tickets).merge(pairs, on="ticket_id")
    items = surveys.merge(by_ticket, on="response_id", how="left")
    comment_touchpoint = surveys[["response_id"]].merge(
        comments[["response_id", "touchpoint"]], on="response_id", how="left")["touchpoint"].fillna("unknown")
    touchpoint = items["touchpoint"].where(items["touchpoint"] != "unknown", items["ticket_touchpoint"])
    touchpoint = touchpoint.fillna("unknown").where(lambda t: t != "unknown", comment_touchpoint.to_numpy())
    items = items.assign(item_id="survey:" + items["response_id"], source="survey", touchpoint=touchpoint,
                         date=items["submitted_at"], **{c: "" for c in carry if c not in items.columns})
    items = items.reindex(columns=[*ITEM_KEYS, *SCORE_COLUMNS, *TICKET_FIELDS, *carry])
    return items.assign(**{c: numbers(items[c]) for c in ACSI_COLUMNS})  # optional 1-10 answers, may be text


def _ticket_fields(tickets: pd.DataFrame) -> pd.DataFrame:
    hours = (tickets["closed_at"] - tickets["created_at"]).dt.total_seconds() / 3600
    return pd.DataFrame({"ticket_id": tickets["ticket_id"].to_numpy(),
                         "ticket_touchpoint": tickets["touchpoint"].to_numpy(),
                         **{c: tickets[c].to_numpy() for c in TICKET_FIELDS[:3]},
                         "resolution_hours": hours.to_numpy()})


def _links(surveys, comments, tickets, pairs, orphans) -> pd.DataFrame:
    survey_ids = set(surveys["response_id"])
    ticket_owner = dict(zip(pairs["ticket_id"], "survey:" + pairs["response_id"]))
    return pd.concat([
        pd.DataFrame({"source": "surveys", "key": surveys["response_id"], "item_id": "survey:" + surveys["response_id"]}),
        pd.DataFrame({"source": "comments", "key": comments["response_id"],
                      "item_id": np.where(comments["response_id"].isin(survey_ids), "survey:", "comment:")
                      + comments["response_id"]}),
        pd.DataFrame({"source": "tickets", "key": tickets["ticket_id"],
                      "item_id": tickets["ticket_id"].map(lambda t: ticket_owner.get(t, "ticket:" + t))}),
    ], ignore_index=True)


# ---------------------------------------------------------------- texts onto items

# texts of one item are read in this order: the survey's own comment, the comments file, then the ticket
TEXT_ORDER = {"surveys": 0, "comments": 1, "tickets": 2}


def attach_texts(items: pd.DataFrame, texts: pd.DataFrame, pain_points: list[str]) -> pd.DataFrame:
    """Add each item's combined text results: texts joined, first language and sentiment, pain-point
    probabilities and the effort estimate as the maximum over its texts, evidence merged."""
    p_cols = [f"p_{pp}" for pp in pain_points]
    texts = texts.assign(_order=texts["source"].map(TEXT_ORDER)).sort_values(["item_id", "_order"], kind="stable")
    with_text = texts[texts["clean_text"] != ""]
    several = with_text["item_id"].duplicated(keep=False).to_numpy()
    multi = with_text[several]
    combined = multi.groupby("item_id", sort=False).agg(  # pandas' own aggregations; the joins below in Python
        language=("language", "first"), sentiment=("sentiment", "first"),
        sentiment_confidence=("sentiment_confidence", "first"), effort_estimate=("effort_estimate", "max"),
        duplicate=("duplicate", "all"), **{c: (c, "max") for c in p_cols})
    if len(multi):  # an item's texts are consecutive (sorted by item), its group in order of first appearance
        ids = multi["item_id"].to_numpy()
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]).tolist()
        bounds = list(zip(starts, [*starts[1:], len(ids)]))
        joined, found = multi["clean_text"].to_numpy(object), multi["pain_point_evidence"].to_numpy(object)
        combined = combined.assign(clean_text=[" \n".join(joined[a:b]) for a, b in bounds],
                                   evidence=[_merge_evidence(found[a:b]) for a, b in bounds])
    one = with_text[~several]  # most items have one text: its results are the item's, no aggregation
    evidence = one["pain_point_evidence"].astype(object).to_numpy().copy()
    plain = evidence == "{}"
    evidence[~plain] = [_merge_evidence([value]) for value in evidence[~plain]]
    single = pd.DataFrame({c: one[c].to_numpy() for c in ["clean_text", "language", "sentiment", "sentiment_confidence",
                                                           "effort_estimate", "duplicate", *p_cols]},
                          index=pd.Index(one["item_id"].to_numpy(), name="item_id")).assign(evidence=evidence)
    combined = pd.concat([single, combined[single.columns]]) if len(combined) else single
    items = items.merge(combined, left_on="item_id", right_index=True, how="left")
    items[p_cols] = items[p_cols].fillna(0.0)
    text = lambda column, empty: items[column].astype(object).fillna(empty)  # noqa: E731 (all NaN: float dtype)
    items = items.assign(clean_text=text("clean_text", ""), language=text("language", "und"),
                         sentiment=text("sentiment", ""),
                         sentiment_low_confidence=low_confidence(text("sentiment", ""), items["sentiment_confidence"]),
                         duplicate=pd.to_numeric(items["duplicate"], errors="coerce").fillna(0).astype(bool),
                         pain_point_evidence=items.pop("evidence").astype(object).fillna("{}"))
    return describe_pain_points(items, pain_points)


def describe_pain_points(items: pd.DataFrame, pain_points: list[str]) -> pd.DataFrame:
    """Set `pain_points` and `pain_point_scores` from the `p_<id>` columns, as the classify stage writes them."""
    scores = items[[f"p_{pp}" for pp in pain_points]].to_numpy(dtype=float).reshape(len(items), len(pain_points))
    return items.assign(**pain_point_columns(scores, pain_points))


def _merge_evidence(values) -> str:
    merged: dict[str, list[str]] = {}
    for value in values:
        for pp, terms in json.loads(value).items():
            merged.setdefault(pp, []).extend(t for t in terms if t not in merged.get(pp, []))
    return json.dumps(merged, ensure_ascii=False)


# ---------------------------------------------------------------- ticket fields as evidence

TICKET_PROBABILITY = 0.8  # a pain point shown by the ticket's own fields is at least this probable


def _plural(n: pd.Series, word: str) -> pd.Series:
    return "ticket: " + n.astype(int).astype(str) + np.where(n == 1, f" {word}", f" {word}s")


# (pain point, which tickets show it, the evidence text); e.g. 3 contacts -> repeat_contact, "ticket: 3 contacts"
TICKET_RULES = [
    ("repeat_contact", lambda t, c: t["contacts"] >= c.repeat_contacts, lambda t: _plural(t["contacts"], "contact")),
    ("transfer", lambda t, c: t["transfers"] >= 1, lambda t: _plural(t["transfers"], "transfer")),
    ("unresolved", lambda t, c: t["reopened"] >= 1, lambda t: pd.Series("ticket: reopened", index=t.index)),
    ("waiting", lambda t, c: t["resolution_hours"] > c.waiting_hours,  # closed after more than 72 h
     lambda t: "ticket: resolved in " + t["resolution_hours"].round().astype(int).astype(str) + " h"),
]


def add_ticket_evidence(items: pd.DataFrame, pain_points: list[str], config: Config) -> pd.DataFrame:
    """Raise `p_<id>` to at least `TICKET_PROBABILITY` where the item's ticket fields (`contacts`, `transfers`,
    `reopened`, `resolution_hours`) show the pain point, add the evidence, refresh `pain_points`."""
    fields = items.reindex(columns=TICKET_FIELDS).apply(pd.to_numeric, errors="coerce")
    updates, extra = {}, {}
    for pain_point, shows, says in TICKET_RULES:
        if pain_point not in pain_points:
            continue
        mask = shows(fields, config).fillna(False).to_numpy(bool)
        column = items[f"p_{pain_point}"].to_numpy(float)
        updates[f"p_{pain_point}"] = np.where(mask, np.maximum(column, TICKET_PROBABILITY), column)
        for row, text in zip(np.flatnonzero(mask), says(fields[mask])):
            extra.setdefault(row, []).append((pain_point, text))
    evidence = items["pain_point_evidence"].to_numpy(dtype=object).copy()
    for row, found in extra.items():
        evidence[row] = _with_evidence(evidence[row], found)
    items = items.assign(**updates, pain_point_evidence=evidence)
    if not {"pain_points", "pain_point_scores"} <= set(items.columns):
        return describe_pain_points(items, pain_points)
    changed = np.zeros(len(items), dtype=bool)
    changed[list(extra)] = True
    if not changed.any():
        return items
    described = describe_pain_points(items[changed], pain_points)  # only the items a ticket field changed
    return items.assign(**{c: np.where(changed, pd.Series(described[c], index=items.index[changed])
                                       .reindex(items.index).to_numpy(object), items[c].to_numpy(object))
                           for c in ("pain_points", "pain_point_scores")})


def _with_evidence(value: str, found: list[tuple[str, str]]) -> str:
    merged = json.loads(value or "{}")
    for pain_point, text in found:
        merged.setdefault(pain_point, []).extend([text] if text not in merged.get(pain_point, []) else [])
    return json.dumps(merged, ensure_ascii=False)


def add_effort(items: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Add `effort` in [0, 1] and `effort_source`: from CES (`survey`), else the text (`estimated`), else `none`."""
    from_ces = config.ces_scale.effort(items["ces"])
    source = np.select([from_ces.notna(), items["effort_estimate"].notna()], ["survey", "estimated"], "none")
    return items.assign(effort=from_ces.fillna(items["effort_estimate"]).clip(0, 1), effort_source=source)
