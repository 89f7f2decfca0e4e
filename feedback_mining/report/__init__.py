"""Report stage: the files a CX lead and an analyst read, built as strings, frames and a workbook, written in one
place (`write_outputs`).

`report.html` (html.py) is one self-contained page: inline CSS and SVG charts (charts.py), no scripts, a
Content-Security-Policy that forbids them and every network fetch; every piece of customer text in it is escaped.
`summary.md` (markdown.py) and `touchpoints.xlsx` (xlsx.py) render from the same `Report` (model.py), in English or
Russian (i18n.py); the week-over-week changes and trends come from the history file (trend.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from feedback_mining.config import Config
from feedback_mining.drivers import METHOD_NOTE
from feedback_mining.history import SIGNIFICANCE_NOTE, compare_weeks
from feedback_mining.rank import (
    INTERVAL_NOTE,
    drill_down,
    drivers_summary,
    overall_impact,
    overall_scores,
    rank_segments,
    rank_touchpoints,
)
from feedback_mining.report.files import ITEM_COLUMNS, by_segment_name, item_table, write_table
from feedback_mining.report.html import render_html, render_page
from feedback_mining.report.i18n import Locale, pain_point_labels
from feedback_mining.report.markdown import render_markdown
from feedback_mining.report.model import Report
from feedback_mining.report.trend import Trend, load_trend
from feedback_mining.report.xlsx import write_xlsx
from feedback_mining.scores import ACSI_NOTE, MEDIAN_NOTE

__all__ = ["ITEM_COLUMNS", "Report", "build_report", "item_table", "render_html", "render_page", "render_summary",
           "write_outputs", "write_table"]


def render_summary(report: Report) -> str:
    """`summary.md` as a string."""
    return render_markdown(report)


def build_report(result, previous: pd.DataFrame | None = None, config: Config | None = None,
                 history: Path | None = None) -> Report:
    """The `Report` of a run: ranking tables (with changes against `previous`, else the history's previous week),
    the history's earlier weeks, and the words of `config.report_lang`."""
    config = config or Config()
    week = str(result.manifest.get("week") or "")
    trend = load_trend(history, week) if history is not None else Trend()
    before = previous if previous is not None else trend.previous_touchpoints()
    by = getattr(result, "by", None)
    return Report(
        touchpoints=compare_weeks(rank_touchpoints(result.parts), before), drill=drill_down(result.parts),
        items=result.items, manifest=result.manifest, scores=overall_scores(result.parts),
        impact=overall_impact(result.parts), trend=trend,
        locale=Locale(config.report_lang, pain_point_labels(config.taxonomy, config.report_lang)),
        by_segment=rank_segments(result.segments, by) if by else None, by=by)


OUTPUT_NAMES = ("touchpoints.csv", "pain_points.csv", "items.parquet", "rejects.csv", "report.html", "summary.md",
                "touchpoints.xlsx", "run.json")
BY_OUTPUT = re.compile(r"touchpoints_by_[\w-]+\.csv")  # touchpoints_by_COLUMN.csv, with --by COLUMN


def is_output_name(name: str) -> bool:
    """True for the name of a file a run writes into `--out` (and only such names are ever removed)."""
    return name in OUTPUT_NAMES or BY_OUTPUT.fullmatch(name) is not None


def previous_outputs(out: Path) -> list[str]:
    """The files the previous run in `out` wrote: `outputs` of its run.json, or (a run.json written before that
    list existed) every file in `out` with an output's name; nothing without a readable run.json."""
    try:
        manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    listed = manifest.get("outputs") if isinstance(manifest, dict) else None
    names = listed if isinstance(listed, list) else sorted(p.name for p in out.iterdir())
    return [str(n) for n in names if is_output_name(str(n))]


def remove_stale_outputs(out: Path, previous: list[str], written: list[str]) -> list[str]:
    """Remove the previous run's outputs that this run did not write (other files in `out` stay); their names."""
    stale = [name for name in previous if name not in written and (out / name).is_file()]
    for name in stale:
        (out / name).unlink(missing_ok=True)
    return stale


def write_outputs(result, out: Path, previous: pd.DataFrame | None = None, config: Config | None = None,
                  history: Path | None = None) -> dict[str, Path]:
    """Write every output into a temporary folder inside `out`, then move the files into place (run.json, which
    lists them under `outputs`, last) and remove the previous run's outputs this run did not write, so the
    folder's outputs are exactly this run's; a run that fails while writing leaves the previous outputs
    untouched, and files that are not outputs of a run are left alone.
    `previous` is the previous stored week's touchpoints, `history` the history file (changes and trends)."""
    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(result, previous, config, history)
    earlier = previous_outputs(out)
    tmp = Path(tempfile.mkdtemp(prefix=".writing-", dir=out))
    try:
        write_table(report.touchpoints, tmp / "touchpoints.csv")
        write_table(report.drill, tmp / "pain_points.csv")
        item_table(result.items, [report.by]).to_parquet(tmp / "items.parquet", index=False)
        if report.by_segment is not None:
            write_table(report.by_segment, tmp / by_segment_name(report.by))
        write_table(result.rejects, tmp / "rejects.csv")
        (tmp / "report.html").write_text(render_page(report), encoding="utf-8")
        (tmp / "summary.md").write_text(render_summary(report), encoding="utf-8")
        write_xlsx(report, tmp / "touchpoints.xlsx")
        written = sorted([p.name for p in tmp.iterdir()] + ["run.json"])
        notes = {"intervals": INTERVAL_NOTE, "change_significant": SIGNIFICANCE_NOTE, "driver_weight": METHOD_NOTE,
                 "acsi": ACSI_NOTE, "median_resolution_hours": MEDIAN_NOTE}
        timings = {**result.manifest.get("timings_s", {}), "report": round(time.perf_counter() - start, 3)}
        manifest = {**result.manifest, "scores": report.scores, "drivers": drivers_summary(result.parts),
                    "notes": notes, "timings_s": timings, "outputs": written}
        (tmp / "run.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        for name in sorted(written, key=lambda n: n == "run.json"):
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    remove_stale_outputs(out, earlier, written)
    return {name: out / name for name in written}
