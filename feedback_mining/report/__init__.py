"""Report stage: the files a CX lead and an analyst read, built as strings, frames and a workbook, written in one
place (`write_outputs`).

`report.html` (html.py) is one self-contained page: inline CSS and SVG charts (charts.py), no scripts, a
Content-Security-Policy that forbids them and every network fetch; every piece of customer text in it is escaped.
`summary.md` (markdown.py) and `touchpoints.xlsx` (xlsx.py) render from the same `Report` (model.py), in English or
Russian (i18n.py); the week-over-week changes and trends come from the history file (trend.py).
`--out` is checked before a run, and its outputs are replaced as one set (outdir.py); no CSV cell is a live
formula (files.py).
"""

from __future__ import annotations

import json
import shutil
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
from feedback_mining.report.outdir import (
    OUTPUT_NAMES,
    check_out,
    clean_leftovers,
    is_output_name,
    previous_outputs,
    staging_folder,
    swap_in,
)
from feedback_mining.report.trend import Trend, load_trend
from feedback_mining.report.xlsx import write_xlsx
from feedback_mining.learning.review import CSV_OPTIONS, review_csv, review_table
from feedback_mining.scores import ACSI_NOTE, MEDIAN_NOTE

__all__ = ["ITEM_COLUMNS", "OUTPUT_NAMES", "Report", "build_report", "check_out", "is_output_name", "item_table",
           "previous_outputs", "render_html", "render_page", "render_summary", "write_outputs", "write_table"]


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
        by_segment=rank_segments(result.segments, by) if by else None, by=by,
        review=review_table(result.items, config, float(result.parts.sums["contributed_effort"].sum())),
        sentiment_counts=getattr(result, "sentiment_counts", None))


def write_items(result, by: str | None, path: Path) -> None:
    """`items.parquet`: the file (or folder of parts) the run wrote as it went, else the result's items."""
    written = getattr(result, "items_path", None)
    if written is not None and Path(written).exists():
        (shutil.copytree if Path(written).is_dir() else shutil.copyfile)(written, path)
    else:
        item_table(result.items, [by]).to_parquet(path, index=False)


def write_outputs(result, out: Path, previous: pd.DataFrame | None = None, config: Config | None = None,
                  history: Path | None = None) -> dict[str, Path]:
    """Write every output into a folder inside `out`, then replace the previous run's outputs with them as one
    set (outdir.py: a failure or a kill never leaves a mix of two runs, and files that are not outputs of a run
    are left alone). `previous` is the previous stored week's touchpoints, `history` the history file (changes
    and trends)."""
    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out)
    report = build_report(result, previous, config, history)
    earlier = previous_outputs(out)
    tmp = staging_folder(out)
    try:
        write_table(report.touchpoints, tmp / "touchpoints.csv")
        write_table(report.drill, tmp / "pain_points.csv")
        write_items(result, report.by, tmp / "items.parquet")
        if report.by_segment is not None:
            write_table(report.by_segment, tmp / by_segment_name(report.by))
        write_table(result.rejects, tmp / "rejects.csv")
        (tmp / "report.html").write_text(render_page(report), encoding="utf-8")
        (tmp / "summary.md").write_text(render_summary(report), encoding="utf-8")
        write_xlsx(report, tmp / "touchpoints.xlsx")
        review_csv(report.review).to_csv(tmp / "review.csv", **CSV_OPTIONS)
        written = sorted([p.name for p in tmp.iterdir()] + ["run.json"])
        notes = {"intervals": INTERVAL_NOTE, "change_significant": SIGNIFICANCE_NOTE, "driver_weight": METHOD_NOTE,
                 "acsi": ACSI_NOTE, "median_resolution_hours": MEDIAN_NOTE}
        timings = {**result.manifest.get("timings_s", {}), "report": round(time.perf_counter() - start, 3)}
        manifest = {**result.manifest, "scores": report.scores, "drivers": drivers_summary(result.parts),
                    "notes": notes, "timings_s": timings, "outputs": written}
        (tmp / "run.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        swap_in(out, tmp, earlier)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {name: out / name for name in written}
