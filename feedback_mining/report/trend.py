"""The stored weeks before this one, read from the history file for the report's changes and trends."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from feedback_mining import history

MAX_WEEKS = 12  # weeks shown in the trends, this one included


@dataclass
class Trend:
    """Earlier weeks, oldest first: their touchpoint and pain-point rows and their headline scores."""

    weeks: list[str] = field(default_factory=list)
    touchpoints: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["week", "touchpoint", "share"]))
    pain_points: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["week", "touchpoint", "pain_point", "contributed_effort"]))
    scores: dict[str, dict] = field(default_factory=dict)  # week -> headline scores ({} when not stored)
    items: dict[str, int] = field(default_factory=dict)  # week -> number of items

    @property
    def previous(self) -> str | None:
        return self.weeks[-1] if self.weeks else None

    def previous_touchpoints(self) -> pd.DataFrame | None:
        if not self.previous:
            return None
        return self.touchpoints[self.touchpoints["week"] == self.previous].drop(columns="week")

    def previous_pain_shares(self) -> pd.Series:
        """Each pain point's share of all customer effort in the previous week (empty without one)."""
        rows = self.pain_points[self.pain_points["week"] == self.previous]
        sums = rows.groupby("pain_point")["contributed_effort"].sum()
        total = sums.sum()
        return sums / total if total > 0 else sums.iloc[:0]


def load_trend(path: Path | None, week: str, max_weeks: int = MAX_WEEKS) -> Trend:
    """The up to `max_weeks - 1` stored weeks before `week`; an empty Trend without a history file."""
    if path is None or not Path(path).exists():
        return Trend()
    weeks = history.list_weeks(path)
    weeks = weeks[weeks["week"] < (week or "")].tail(max_weeks - 1)
    if weeks.empty:
        return Trend()
    labels = weeks["week"].astype(str).tolist()
    touchpoints = pd.concat([history.load_week(path, w).assign(week=w) for w in labels], ignore_index=True)
    pains = pd.concat([history.load_week(path, w, "pain_points").assign(week=w) for w in labels], ignore_index=True)
    # the weeks' manifests hold their headline scores; history.py has no public reader for them yet
    manifests = history._read(path, "SELECT week, manifest FROM weeks WHERE week < ? ORDER BY week", [week or ""])
    scores = {} if manifests is None else {
        str(r.week): json.loads(r.manifest or "{}").get("scores") or {} for r in manifests.itertuples()}
    return Trend(labels, touchpoints, pains, {w: scores.get(w, {}) for w in labels},
                 dict(zip(labels, weeks["items"].astype(int))))
