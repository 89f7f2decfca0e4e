"""Item building: each survey and each ticket counts once; comments and tickets join as DESIGN.md says."""

import pandas as pd
import pytest

from feedback_mining.config import Config
from feedback_mining.join import build_items, match_tickets
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
