"""The weekly loop's parts of the command line: `run`'s drift trend, alerts and exit 3 (`--fail-on alerts`), and
the `compare` subcommand (any two stored weeks, the deltas a weekly run computes against its previous week)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from feedback_mining.errors import UsageError

ALERTS_EXIT = 3

COMPARE_EXAMPLES = """examples:
  feedback-mining compare 2026-W45 2026-W48                       # the history in $FEEDBACK_MINING_HISTORY or ./
  feedback-mining compare 2026-W45 2026-W48 --history reports/feedback_mining_history.duckdb --out reports/

prints WEEK_B's touchpoints with delta_share, delta_rank and change_significant against WEEK_A (as a weekly run
does against its previous week), then the alerts those give (significant share changes, pain points grown
significantly within a touchpoint), and writes them to compare_WEEK_A_WEEK_B.csv in --out (default: the
current folder). `feedback-mining history` lists the stored weeks."""


# ---------------------------------------------------------------- run: watch and fail


def watch(result, history: Path | None, previous: tuple[str, pd.DataFrame] | None) -> None:
    """Add the drift trend over the stored weeks (`drift.trend`) and the run's `alerts` to its manifest (no
    history: an unreadable file under --no-history)."""
    from feedback_mining.alerts import run_alerts
    from feedback_mining.history import load_drift
    from feedback_mining.learning import drift

    week = str(result.manifest.get("week") or "")
    result.manifest["drift"]["trend"] = drift.trend(load_drift(history), week, result.manifest["drift"])
    result.manifest["alerts"] = run_alerts(result, history, previous)


def alerts_exit(alerts: list[dict], fail_on: str | None, say) -> int:
    """0, or `ALERTS_EXIT` when `fail_on` is "alerts" and any fired; says how many fired either way."""
    if alerts:
        say(f"  alerts: {len(alerts)} ({', '.join(sorted({a['kind'] for a in alerts}))}); see summary.md")
    if fail_on == "alerts" and alerts:
        print(f"feedback-mining: {len(alerts)} alert(s) fired; exit {ALERTS_EXIT} (--fail-on alerts)", file=sys.stderr)
        return ALERTS_EXIT
    return 0


# ---------------------------------------------------------------- compare


def add_compare_command(commands) -> None:
    from feedback_mining.cli import parse_week
    from feedback_mining.history import DEFAULT_NAME, ENV_VAR

    compare = commands.add_parser("compare", help="the changes between any two stored weeks",
                                  description="Compare two weeks of the history file: WEEK_B against WEEK_A.",
                                  epilog=COMPARE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    compare.add_argument("week_a", type=parse_week, metavar="WEEK_A", help="the earlier week, e.g. 2026-W45")
    compare.add_argument("week_b", type=parse_week, metavar="WEEK_B", help="the week to compare with it")
    compare.add_argument("--history", type=Path, help=f"the DuckDB file (default: ${ENV_VAR} or ./{DEFAULT_NAME})")
    compare.add_argument("--out", type=Path, default=Path("."),
                         help="folder for compare_WEEK_A_WEEK_B.csv (default: the current folder)")


def compare_tables(history: Path, week_a: str, week_b: str) -> tuple[pd.DataFrame, list[dict]]:
    """WEEK_B's touchpoints with the deltas against WEEK_A, and the alerts they give."""
    from feedback_mining.alerts import pain_alerts, share_alerts
    from feedback_mining.history import compare_weeks, list_weeks, load_week

    stored = list_weeks(history)["week"].astype(str).tolist()
    missing = [w for w in (week_a, week_b) if w not in stored]
    if missing:
        raise UsageError(f"{history}: week {missing[0]} is not stored; stored weeks: {', '.join(stored) or 'none'}")
    table = compare_weeks(load_week(history, week_b).sort_values("rank"), load_week(history, week_a))
    grown = pain_alerts(load_week(history, week_b, "pain_points"), load_week(history, week_a, "pain_points"), week_a)
    return table.reset_index(drop=True), [*share_alerts(table, week_a), *grown]


def command_compare(args) -> int:
    from feedback_mining.history import history_path

    history = history_path(args.history)
    if not history.exists():
        raise UsageError(f"{history}: no history file; run `feedback-mining run` first or give --history PATH")
    table, alerts = compare_tables(history, args.week_a, args.week_b)
    shown = table[["rank", "touchpoint", "share", "share_low", "share_high", "delta_share", "delta_rank",
                   "change_significant"]]
    print(f"{args.week_b} against {args.week_a} ({history}):")
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for alert in alerts:
        print(f"alert: {alert['message']}")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"compare_{args.week_a}_{args.week_b}.csv"
    table.to_csv(path, index=False)
    print(f"wrote {path}", file=sys.stderr)
    return 0
