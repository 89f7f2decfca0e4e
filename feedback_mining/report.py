"""Report stage: the files a CX lead and an analyst read, built as strings and frames, written in one place.

`report.html` is one self-contained page (inline CSS and SVG, no scripts, a Content-Security-Policy that
forbids them); every piece of customer text in it is escaped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from html import escape
from pathlib import Path

import pandas as pd

from feedback_mining.drivers import METHOD_NOTE
from feedback_mining.errors import UsageError
from feedback_mining.history import SIGNIFICANCE_NOTE, compare_weeks
from feedback_mining.rank import (INTERVAL_NOTE, drill_down, drivers_summary, overall_impact, overall_scores,
                                  rank_segments, rank_touchpoints)
from feedback_mining.scores import ACSI_COLUMNS, ACSI_NOTE, MEDIAN_NOTE

ITEM_COLUMNS = ["item_id", "source", "response_id", "ticket_id", "customer_id", "touchpoint", "date", "language",
                "clean_text", "duplicate", "sentiment", "sentiment_confidence", "pain_points", "pain_point_scores",
                "pain_point_evidence", "effort", "effort_source", "effort_estimate", "ces", "csat", "nps",
                "happiness", *ACSI_COLUMNS, "contacts", "transfers", "reopened", "resolution_hours"]

SAFE_NAME = r"[^\w-]"  # characters replaced by _ in a file name made from a column name
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
PALETTE = {"bar": "#0072B2", "whisker": "#333333", "accent": "#D55E00"}  # Okabe-Ito, colour-blind safe


def fmt(value, pattern="{:.2f}", missing="–") -> str:
    return missing if value is None or pd.isna(value) else pattern.format(value)


# ---------------------------------------------------------------- html


def bar_chart_svg(table: pd.DataFrame, width: int = 640) -> str:
    """Horizontal bars of each touchpoint's share of contributed effort, with 95% interval whiskers."""
    rows = table.head(15)
    label_w, bar_h, gap = 150, 18, 8
    height = len(rows) * (bar_h + gap) + 30
    top = max([*rows["share_high"].fillna(0), *rows["share"].fillna(0), 0.01])
    scale = (width - label_w - 60) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="Share of contributed effort by touchpoint">']
    for i, r in enumerate(rows.itertuples()):
        y = i * (bar_h + gap) + 5
        share = 0.0 if pd.isna(r.share) else r.share
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="12">{escape(str(r.touchpoint))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{share * scale:.1f}" height="{bar_h}" fill="{PALETTE["bar"]}"/>')
        if not pd.isna(r.share_low):
            x1, x2, ym = label_w + r.share_low * scale, label_w + r.share_high * scale, y + bar_h / 2
            parts.append(f'<path d="M{x1:.1f},{ym}H{x2:.1f}M{x1:.1f},{ym - 5}V{ym + 5}M{x2:.1f},{ym - 5}V{ym + 5}" '
                         f'stroke="{PALETTE["whisker"]}" stroke-width="1.5"/>')
        parts.append(f'<text x="{label_w + share * scale + 4:.1f}" y="{y + 13}" font-size="11">{share:.0%}</text>')
    parts.append(f'<text x="{label_w}" y="{height - 5}" font-size="11" fill="#555">share of contributed effort '
                 f'(bars) and 95% bootstrap interval (whiskers)</text></svg>')
    return "".join(parts)


def html_table(frame: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    """An escaped HTML table; `formats` maps column -> format pattern."""
    formats = formats or {}
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(fmt(v, formats[c]) if c in formats else str(v))}</td>"
                                    for c, v in zip(frame.columns, row)) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def verbatims(items: pd.DataFrame, touchpoint: str, n: int = 3) -> list[tuple[str, str]]:
    """A few redacted, non-duplicate comments with pain points from a touchpoint, highest effort first."""
    pool = items[(items["touchpoint"] == touchpoint) & (items["clean_text"] != "") & ~items["duplicate"]
                 & (items["pain_points"] != "")]
    pool = pool.sort_values(["effort", "item_id"], ascending=[False, True]).head(n)
    return [(t[:400], lang) for t, lang in zip(pool["clean_text"], pool["language"])]


def render_html(touchpoints: pd.DataFrame, drill: pd.DataFrame, items: pd.DataFrame, manifest: dict,
                scores: dict) -> str:
    """The whole `report.html` as a string."""
    week = escape(manifest.get("week") or "")
    headline = "".join(f'<div class="kpi"><b>{fmt(scores[k], p)}</b><span>{escape(label)} (n={scores[n]})</span></div>'
                       for k, n, p, label in [("ces_mean", "n_ces", "{:.2f}", "CES mean, 1-7"),
                                              ("csat", "n_csat", "{:.0f}%", "CSAT, top-2-box"),
                                              ("nps", "n_nps", "{:+.0f}", "NPS"),
                                              ("happiness", "n_happiness", "{:.1f}", "Happiness, 1-10")])
    cards = []
    for r in touchpoints.head(3).itertuples():
        quotes = "".join(f'<blockquote dir="auto" lang="{escape(lang)}">{escape(text)}</blockquote>'
                         for text, lang in verbatims(items, r.touchpoint))
        cards.append(f'<div class="card"><h3>#{r.rank} {escape(r.touchpoint)}</h3>'
                     f'<p>{fmt(r.share, "{:.0%}")} of contributed effort; top pain points: '
                     f'{escape(r.top_pain_points or "none detected")}</p>{quotes}</div>')
    quality = pd.DataFrame([{"source": k, **v} for k, v in manifest["reconciliation"].items()])
    columns = ["rank", "touchpoint", "n_items", "mean_effort", "high_effort_rate", "contributed_effort", "share",
               "share_low", "share_high", "ces_mean", "csat", "nps", "top_pain_points"]
    percent = "{:.0%}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>Customer effort report {week}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;line-height:1.4}}
table{{border-collapse:collapse;font-size:13px;margin:1rem 0}}th,td{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}}
th{{background:#f4f4f4}}.kpi{{display:inline-block;margin-right:2rem}}.kpi b{{font-size:1.8rem;display:block}}
.kpi span{{color:#555;font-size:.85rem}}.card{{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:.5rem 0}}
blockquote{{margin:.4rem 0;padding:.3rem .8rem;border-left:3px solid {PALETTE["accent"]};background:#fafafa;unicode-bidi:plaintext}}
</style></head><body>
<h1>Customer effort report, {week}</h1>
<section>{headline}</section>
<h2>Where customers spend the most effort</h2>
<p>Touchpoints ranked by <b>contributed effort</b>: the sum over their items of effort above the target.
A large touchpoint with middling effort can outrank a small one with the worst average.</p>
{bar_chart_svg(touchpoints)}
{html_table(touchpoints[columns], {"mean_effort": "{:.2f}", "high_effort_rate": percent, "contributed_effort": "{:.1f}",
                                   "share": percent, "share_low": percent, "share_high": percent, "ces_mean": "{:.2f}",
                                   "csat": "{:.0f}%", "nps": "{:+.0f}"})}
<h2>Top touchpoints and what customers say</h2>
{"".join(cards)}
<h2>Pain points by touchpoint</h2>
{html_table(drill, {"contributed_effort": "{:.1f}", "share_of_touchpoint": percent, "impact": "{:+.3f}"})}
<h2>Data quality</h2>
{html_table(quality)}
<p>Texts: {manifest["texts"]["total"]}; languages: {escape(json.dumps(manifest["texts"]["languages"]))};
duplicates: {manifest["texts"]["duplicates"]}; redactions: {escape(json.dumps(manifest["texts"]["redactions"]))};
effort source: {escape(json.dumps(manifest["items"]["effort_source"]))}.</p>
<h2>Methods</h2>
<p>Effort of an item is (7 - CES) / 6 when it has a CES answer, else estimated from its text. Contributed effort
is the sum of max(effort - target, 0); share is a touchpoint's part of the total; 95% intervals come from a
Poisson bootstrap over items. A pain point's impact is the mean effort of all items minus the mean effort of
items without it. Customer texts are redacted of personal data.</p>
</body></html>
"""


# ---------------------------------------------------------------- markdown and files


def render_summary(touchpoints: pd.DataFrame, impact: pd.DataFrame, manifest: dict, n: int = 5) -> str:
    """`summary.md`: the top touchpoints and pain points, short enough to paste into a chat."""
    lines = [f"# Customer effort, {manifest.get('week', '')}", "", "Top touchpoints by contributed effort:", ""]
    for r in touchpoints.head(n).itertuples():
        lines.append(f"{r.rank}. **{r.touchpoint}**: {fmt(r.share, '{:.0%}')} of effort "
                     f"(95% {fmt(r.share_low, '{:.0%}')}–{fmt(r.share_high, '{:.0%}')}), "
                     f"mean effort {fmt(r.mean_effort)}, n={r.n_items}; {r.top_pain_points or 'no pain point detected'}")
    lines += ["", "Top pain points overall:", ""]
    for r in impact[impact["pain_point"] != "unattributed"].head(n).itertuples():
        lines.append(f"- {r.pain_point}: {fmt(r.share, '{:.0%}')} of effort, impact {fmt(r.impact, '{:+.3f}')}, "
                     f"n={r.n_items}")
    return "\n".join(lines) + "\n"


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame in the format its suffix names: .csv, .tsv, .parquet, .jsonl or .xlsx."""
    path = Path(path)
    suffix = path.suffix.lower()
    writers = {".csv": lambda: frame.to_csv(path, index=False), ".tsv": lambda: frame.to_csv(path, sep="\t", index=False),
               ".parquet": lambda: frame.to_parquet(path, index=False),
               ".jsonl": lambda: frame.to_json(path, orient="records", lines=True, force_ascii=False),
               ".xlsx": lambda: frame.to_excel(path, index=False)}
    if suffix not in writers:
        raise UsageError(f"{path}: unknown output format {suffix!r}; use one of {sorted(writers)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    writers[suffix]()


def item_table(items: pd.DataFrame, extra: list[str] | tuple = ()) -> pd.DataFrame:
    """The columns of `items.parquet`, in order (plus `extra`, e.g. the `--by` column)."""
    columns = [*ITEM_COLUMNS, *(c for c in extra if c and c not in ITEM_COLUMNS)]
    return items[[c for c in columns if c in items.columns]]


def write_outputs(result, out: Path, previous: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write every output into a temporary folder inside `out`, then move the files into place, so a run
    that fails while writing leaves the previous outputs untouched (other files in `out` are left alone).
    `previous` is the previous stored week's touchpoints (history), for the week-over-week deltas."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    touchpoints, drill = compare_weeks(rank_touchpoints(result.parts), previous), drill_down(result.parts)
    by = getattr(result, "by", None)
    by_segment = rank_segments(result.segments, by) if by else None
    impact, scores = overall_impact(result.parts), overall_scores(result.parts)
    tmp = Path(tempfile.mkdtemp(prefix=".writing-", dir=out))
    try:
        touchpoints.to_csv(tmp / "touchpoints.csv", index=False)
        drill.to_csv(tmp / "pain_points.csv", index=False)
        item_table(result.items, [by]).to_parquet(tmp / "items.parquet", index=False)
        if by_segment is not None:
            by_segment.to_csv(tmp / f"touchpoints_by_{re.sub(SAFE_NAME, '_', by)}.csv", index=False)
        result.rejects.to_csv(tmp / "rejects.csv", index=False)
        (tmp / "report.html").write_text(render_html(touchpoints, drill, result.items, result.manifest, scores),
                                         encoding="utf-8")
        (tmp / "summary.md").write_text(render_summary(touchpoints, impact, result.manifest), encoding="utf-8")
        with pd.ExcelWriter(tmp / "touchpoints.xlsx") as xlsx:
            touchpoints.to_excel(xlsx, sheet_name="touchpoints", index=False)
            drill.to_excel(xlsx, sheet_name="pain_points", index=False)
            impact.to_excel(xlsx, sheet_name="pain_points_overall", index=False)
            if by_segment is not None:
                by_segment.to_excel(xlsx, sheet_name=f"by_{by}"[:31], index=False)
        notes = {"intervals": INTERVAL_NOTE, "change_significant": SIGNIFICANCE_NOTE, "driver_weight": METHOD_NOTE,
                 "acsi": ACSI_NOTE, "median_resolution_hours": MEDIAN_NOTE}
        manifest = {**result.manifest, "scores": scores, "drivers": drivers_summary(result.parts), "notes": notes}
        (tmp / "run.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        written = sorted(p.name for p in tmp.iterdir())
        for name in written:
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {name: out / name for name in written}
