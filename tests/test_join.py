"""Item building: each survey and each ticket counts once; comments and tickets join as DESIGN.md says."""

import json

import numpy as np
import pandas as pd
import pytest

from feedback_mining.config import Config
from feedback_mining.join import add_ticket_evidence, build_items, match_tickets
from feedback_mining.read import validate_source
from tests.conftest import frame


def sources(surveys=(), comments=(), tickets=()):
    config = Config()
    out = {}
    for name, rows in (("surveys", surveys), ("comments", comments), ("tickets", tickets)):
        columns = {"surveys": ["response_id", "customer_id", "touchpoint", "submitted_at"],
                   "comments": ["response_id", "text"],
                   "tickets": ["ticket_id", "customer_id", "touchpoint", "created_at", "body"]}[name]
        out[name] = validate_source(frame(list(rows)) if rows else pd.DataFrame(columns=columns), name, config).rows
    return out


def survey(rid, customer, when, touchpoint="web"):
    return {"response_id": rid, "customer_id": customer, "touchpoint": touchpoint, "submitted_at": when}


def ticket(tid, customer, when, touchpoint="chat"):
    return {"ticket_id": tid, "customer_id": customer, "touchpoint": touchpoint, "created_at": when, "body": "x"}


def test_survey_with_comment_and_ticket_is_one_item():
    s = sources([survey("R1", "C1", "2026-11-17T10:00:00")], [{"response_id": "R1", "text": "slow"}],
                [ticket("T1", "C1", "2026-11-15T10:00:00")])
    items, links = build_items(s["surveys"], s["comments"], s["tickets"], 14)
    assert list(items["item_id"]) == ["survey:R1"]
    assert items.loc[0, "ticket_id"] == "T1"
    assert set(links["item_id"]) == {"survey:R1"} and len(links) == 3


def test_unmatched_ticket_and_orphan_comment_are_their_own_items():
    s = sources([survey("R1", "C1", "2026-11-17T10:00:00")], [{"response_id": "R7", "text": "hello"}],
                [ticket("T1", "C2", "2026-11-15T10:00:00", touchpoint="Call Center")])
    items, _ = build_items(s["surveys"], s["comments"], s["tickets"], 14)
    assert sorted(items["item_id"]) == ["comment:R7", "survey:R1", "ticket:T1"]
    assert items.set_index("item_id").loc["ticket:T1", "touchpoint"] == "call_center"


@pytest.mark.parametrize("created, joined", [
    ("2026-11-03T10:00:00", True),   # exactly 14 days before: inside the window
    ("2026-11-03T09:59:59", False),  # one second outside
    ("2026-11-17T10:00:00", True),   # same moment
    ("2026-11-17T10:00:01", False),  # after the survey
])
def test_ticket_window_edges(created, joined):
    s = sources([survey("R1", "C1", "2026-11-17T10:00:00")], tickets=[ticket("T1", "C1", created)])
    pairs = match_tickets(s["surveys"], s["tickets"], 14)
    assert (len(pairs) == 1) is joined
    items, _ = build_items(s["surveys"], s["comments"], s["tickets"], 14)
    assert len(items) == (1 if joined else 2)  # an unjoined ticket is an item of its own


def test_latest_ticket_wins_and_a_ticket_is_used_once():
    s = sources([survey("R1", "C1", "2026-11-17T10:00:00"), survey("R2", "C1", "2026-11-18T10:00:00")],
                tickets=[ticket("T1", "C1", "2026-11-10T10:00:00"), ticket("T2", "C1", "2026-11-16T10:00:00")])
    pairs = match_tickets(s["surveys"], s["tickets"], 14)
    # both surveys reach T2 first; it goes to the earlier survey R1; R2 gets no ticket, T1 stands alone
    assert pairs.to_dict("records") == [{"response_id": "R1", "ticket_id": "T2"}]
    items, _ = build_items(s["surveys"], s["comments"], s["tickets"], 14)
    assert sorted(items["item_id"]) == ["survey:R1", "survey:R2", "ticket:T1"]


def test_item_touchpoint_falls_back_from_survey_to_ticket():
    s = sources([survey("R1", "C1", "2026-11-17T10:00:00", touchpoint="")],
                tickets=[ticket("T1", "C1", "2026-11-16T10:00:00", touchpoint="Branch")])
    items, _ = build_items(s["surveys"], s["comments"], s["tickets"], 14)
    assert items.loc[0, "touchpoint"] == "branch"


# ---------------------------------------------------------------- ticket fields as evidence, carried columns

PAINS = ["waiting", "repeat_contact", "transfer", "unresolved"]


def ticket_item(contacts=np.nan, transfers=np.nan, reopened=np.nan, hours=np.nan, **p):
    row = {"item_id": "ticket:T1", "contacts": contacts, "transfers": transfers, "reopened": reopened,
           "resolution_hours": hours, "pain_point_evidence": json.dumps({k: ["text"] for k in p}),
           **{f"p_{pp}": p.get(pp, 0.0) for pp in PAINS}}
    return pd.DataFrame([row])


@pytest.mark.parametrize("fields, expected", [
    ({"contacts": 3}, {"repeat_contact": "ticket: 3 contacts"}),
    ({"contacts": 5}, {"repeat_contact": "ticket: 5 contacts"}),
    ({"contacts": 2}, {}),  # below the threshold of 3
    ({"transfers": 1}, {"transfer": "ticket: 1 transfer"}),
    ({"transfers": 2}, {"transfer": "ticket: 2 transfers"}),
    ({"transfers": 0}, {}),
    ({"reopened": 1}, {"unresolved": "ticket: reopened"}),
    ({"reopened": 0}, {}),
    ({"hours": 96.4}, {"waiting": "ticket: resolved in 96 h"}),
    ({"hours": 72.0}, {}),  # beyond 72 h, not at it
    ({}, {}),  # a survey without a ticket
    ({"contacts": 4, "transfers": 1, "reopened": 1, "hours": 100},
     {"repeat_contact": "ticket: 4 contacts", "transfer": "ticket: 1 transfer", "unresolved": "ticket: reopened",
      "waiting": "ticket: resolved in 100 h"}),
])
def test_ticket_fields_become_pain_point_evidence(fields, expected):
    item = add_ticket_evidence(ticket_item(**fields), PAINS, Config()).iloc[0]
    evidence = json.loads(item["pain_point_evidence"])
    for pp in PAINS:
        assert bool(item[f"p_{pp}"] >= 0.8) == (pp in expected), pp
        assert evidence.get(pp, []) == ([expected[pp]] if pp in expected else [])
    assert set(item["pain_points"].split(";") if item["pain_points"] else []) == set(expected)


def test_ticket_evidence_keeps_a_higher_text_probability_and_its_words():
    item = add_ticket_evidence(ticket_item(contacts=3, repeat_contact=0.95), PAINS, Config()).iloc[0]
    assert item["p_repeat_contact"] == pytest.approx(0.95)
    assert json.loads(item["pain_point_evidence"])["repeat_contact"] == ["text", "ticket: 3 contacts"]
    assert json.loads(item["pain_point_scores"]) == {"repeat_contact": 0.95}


def test_ticket_evidence_thresholds_come_from_the_config():
    config = Config(repeat_contacts=2, waiting_hours=24)
    item = add_ticket_evidence(ticket_item(contacts=2, hours=30), PAINS, config).iloc[0]
    assert set(item["pain_points"].split(";")) == {"waiting", "repeat_contact"}


def test_pain_points_outside_the_taxonomy_are_left_alone():
    item = add_ticket_evidence(ticket_item(contacts=9).drop(columns="p_repeat_contact"),
                               ["waiting", "transfer", "unresolved"], Config()).iloc[0]
    assert item["pain_points"] == "" and json.loads(item["pain_point_evidence"]) == {}


def test_survey_columns_are_carried_onto_items_for_segments():
    s = sources([{**survey("R1", "C1", "2026-11-17T10:00:00"), "segment": "vip"},
                 {**survey("R2", "C2", "2026-11-17T10:00:00"), "segment": ""}],
                [{"response_id": "R7", "text": "hello"}], [ticket("T1", "C3", "2026-11-15T10:00:00")])
    items, _ = build_items(s["surveys"], s["comments"], s["tickets"], 14, carry=["segment"])
    assert items.set_index("item_id")["segment"].to_dict() == {"survey:R1": "vip", "survey:R2": "",
                                                                "ticket:T1": "", "comment:R7": ""}


def test_acsi_answers_reach_the_items_as_numbers():
    s = sources([{**survey("R1", "C1", "2026-11-17T10:00:00"), "acsi_satisfaction": "8",
                  "acsi_expectations": "7,5", "acsi_ideal": ""}])
    items, _ = build_items(s["surveys"], s["comments"], s["tickets"], 14)
    assert items.loc[0, "acsi_satisfaction"] == 8.0 and items.loc[0, "acsi_expectations"] == 7.5
    assert np.isnan(items.loc[0, "acsi_ideal"])


def test_an_acsi_answer_off_the_1_to_10_scale_is_emptied_with_a_reason():
    s = validate_source(frame([{**survey("R1", "C1", "2026-11-17T10:00:00"), "ces": "5", "acsi_satisfaction": "11",
                                "acsi_expectations": "7", "acsi_ideal": "9"}]), "surveys", Config())
    assert len(s.rows) == 1 and np.isnan(s.rows.loc[0, "acsi_satisfaction"]) and s.rows.loc[0, "acsi_ideal"] == 9
    assert s.field_issues[["column", "reason"]].values.tolist() == [
        ["acsi_satisfaction", "acsi_satisfaction '11' is not a number in 1-10"]]
