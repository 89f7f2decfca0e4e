"""Alerts: what in a week should make someone look, as one list for `run.json` and `summary.md`.

Each alert is `{kind, message, ...}`, its kind one of `KINDS`:
- `share_change`: a touchpoint whose share of customer effort moved significantly (`change_significant`:
  the compared week's share lies outside this week's 95% bootstrap interval);
- `pain_point_growth`: a pain point that grew significantly within a touchpoint (the compared week's
  contributed effort lies below this week's 95% interval, with at least `MIN_PAIN_ITEMS` items);
- `drift`: a drift figure past its threshold (`feedback_mining.learning.drift.THRESHOLDS`);
- `data_quality`: a warning of the checks (a scale that looks wrong, dates outside the week, ...), or a source
  with more than `REJECT_SHARE` of its rows rejected.
`--fail-on alerts` makes `run` exit 3 when the list is not empty, after every output and the history are written.
"""

from __future__ import annotations

import pandas as pd

from feedback_mining.rank import UNATTRIBUTED

KINDS = ("share_change", "pain_point_growth", "drift", "data_quality")
REJECT_SHARE = 0.10  # a source with more of its rows rejected than this is a data-quality alert
MIN_PAIN_ITEMS = 5  # a pain point needs this many items at a touchpoint this week before its growth alerts


def share_alerts(touchpoints: pd.DataFrame, week: str | None) -> list[dict]:
    """One alert per touchpoint marked `change_significant` (reads `touchpoint, share, delta_share`)."""
    if "change_significant" not in touchpoints:
        return []
    moved = touchpoints[touchpoints["change_significant"].fillna(False).astype(bool)]
    return [{"kind": "share_change", "touchpoint": r.touchpoint, "value": round(float(r.delta_share), 4),
             "message": f"{r.touchpoint}: {r.share:.1%} of all customer effort, {100 * r.delta_share:+.1f} pp "
                        f"against {week or 'the previous week'}, more than this week's uncertainty explains"}
            for r in moved.itertuples()]


def pain_alerts(drill: pd.DataFrame, before: pd.DataFrame | None, week: str | None) -> list[dict]:
    """One alert per (touchpoint, pain point) whose contributed effort in `before` lies below this week's interval
    (reads `touchpoint, pain_point, n_items, contributed_effort, contributed_low, share_of_touchpoint`)."""
    if before is None or before.empty or "contributed_low" not in drill:
        return []
    old = before[["touchpoint", "pain_point", "contributed_effort", "share_of_touchpoint"]]
    rows = drill.merge(old, on=["touchpoint", "pain_point"], suffixes=("", "_before"))
    grew = rows[(rows["pain_point"] != UNATTRIBUTED) & (rows["n_items"] >= MIN_PAIN_ITEMS)
                & (rows["contributed_effort_before"].astype(float) < rows["contributed_low"].astype(float))]
    return [{"kind": "pain_point_growth", "touchpoint": r.touchpoint, "pain_point": r.pain_point,
             "value": round(float(r.contributed_effort - r.contributed_effort_before), 4),
             "message": f"{r.pain_point} at {r.touchpoint} grew: {r.contributed_effort:.1f} effort points "
                        f"({r.share_of_touchpoint:.0%} of the touchpoint's) against {r.contributed_effort_before:.1f}"
                        f" ({r.share_of_touchpoint_before:.0%}) in {week or 'the previous week'}, below this week's "
                        f"95% interval ({r.contributed_low:.1f}-{r.contributed_high:.1f})"}
            for r in grew.sort_values("contributed_effort", ascending=False).itertuples()]


def drift_alerts(drift: dict | None) -> list[dict]:
    """The drift warnings of run.json's `drift`, as alerts."""
    return [{"kind": "drift", **{k: v for k, v in w.items() if k != "check"}} for w in (drift or {}).get("warnings", [])]


def quality_alerts(manifest: dict) -> list[dict]:
    """The checks' warnings, and every source with more than `REJECT_SHARE` of its rows rejected."""
    alerts = [{"kind": "data_quality", "check": w.get("check"), "message": w.get("message", "")}
              for w in manifest.get("warnings", [])]
    for name, c in manifest.get("reconciliation", {}).items():
        read, rejected = c.get("rows_read", 0), c.get("rows_rejected", 0)
        if read and rejected / read > REJECT_SHARE:
            alerts.append({"kind": "data_quality", "check": "rejects", "source": name,
                           "value": round(rejected / read, 4),
                           "message": f"{name}: {rejected:,} of {read:,} rows rejected ({rejected / read:.0%}); "
                                      "rejects.csv says why"})
    return alerts


def collect(touchpoints: pd.DataFrame, drill: pd.DataFrame, before_drill: pd.DataFrame | None, manifest: dict,
            week: str | None) -> list[dict]:
    """Every alert of a run, in `KINDS` order; `touchpoints` carry `compare_weeks`' deltas against `week`."""
    return [*share_alerts(touchpoints, week), *pain_alerts(drill, before_drill, week),
            *drift_alerts(manifest.get("drift")), *quality_alerts(manifest)]


def run_alerts(result, history, previous: tuple[str, pd.DataFrame] | None) -> list[dict]:
    """The alerts of a `RunResult` against `previous` (label, touchpoints) of the history file."""
    from feedback_mining.history import compare_weeks, load_week
    from feedback_mining.rank import drill_down, rank_touchpoints

    week, before = previous if previous else (None, None)
    touchpoints = compare_weeks(rank_touchpoints(result.parts), before)
    before_drill = load_week(history, week, "pain_points") if week else None
    return collect(touchpoints, drill_down(result.parts), before_drill, result.manifest, week)
