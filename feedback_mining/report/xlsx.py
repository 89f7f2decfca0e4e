"""`touchpoints.xlsx`: the report's tables for Excel, with bold frozen headers, number formats and filters.

Headers are in the report's language; sheet names stay fixed (`touchpoints`, `pain_points`, `pain_points_overall`,
`items_sample`, `review`, `about`) so that formulas and scripts can rely on them. Customer text is written as text,
never as a formula (a comment starting with `=` stays a comment). The `review` sheet is review.csv under its own
column names, so the workbook (or the sheet saved alone) goes back as a `--corrections` file.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from feedback_mining.privacy import pseudonymise
from feedback_mining.report.model import Report, compared_week, has_deltas, pain_overview, sample_items

PERCENT, PERCENT1, PP = "0%", "0.0%", "+0.0%;-0.0%;0.0%"
INTEGER, DECIMAL1, DECIMAL2, SIGNED = "#,##0", "0.0", "0.00", "+0;-0;0"
DATE = "yyyy-mm-dd hh:mm"
TEXT_WIDTH = 80


@dataclass
class Column:
    """One column of a sheet: its header, its values and its number format (None: general / text)."""

    header: str
    values: list
    number_format: str | None = None
    width: float | None = None


def _values(series, scale: float = 1.0) -> list:
    return [None if _missing(v) else (v * scale if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
            for v in (series.tolist() if hasattr(series, "tolist") else list(series))]


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


# ---------------------------------------------------------------- sheets


def touchpoint_columns(r: Report, table: pd.DataFrame | None = None) -> list[Column]:
    loc, t = r.locale, r.touchpoints if table is None else table
    columns = [Column(loc.t("col_rank"), _values(t["rank"]), INTEGER, 7),
               Column(loc.t("col_touchpoint"), [loc.touchpoint(x) for x in t["touchpoint"]], None, 22),
               Column(loc.t("col_share"), _values(t["share"]), PERCENT1, 14),
               Column(loc.t("col_low"), _values(t["share_low"]), PERCENT1, 10),
               Column(loc.t("col_high_end"), _values(t["share_high"]), PERCENT1, 10)]
    if table is None and has_deltas(r):
        columns += [Column(loc.versus("col_change", compared_week(r)), _values(t["delta_share"]), PP, 13),
                    Column(loc.t("col_rank_change"), _values(t["delta_rank"]), SIGNED, 10)]
    columns += [Column(loc.t("col_items"), _values(t["n_items"]), INTEGER, 10),
                Column(loc.t("col_effort"), _values(t["mean_effort"], 100), DECIMAL1, 12),
                Column(loc.t("col_high"), _values(t["high_effort_rate"]), PERCENT, 11),
                Column(loc.t("col_estimated"), _values(t["share_estimated"]), PERCENT, 12),
                Column(loc.t("col_ces"), _values(t["ces_mean"]), DECIMAL2, 8),
                Column(loc.t("col_ces_easy"), _values(t["ces_easy"], 0.01), PERCENT, 10),
                Column(loc.t("col_csat"), _values(t["csat"], 0.01), PERCENT, 8),
                Column(loc.t("col_nps"), _values(t["nps"]), SIGNED, 8),
                Column(loc.t("col_happiness"), _values(t["happiness"]), DECIMAL1, 10),
                Column(loc.t("col_pains"), [loc.pains(_pain_ids(x)) for x in t["top_pain_points"].fillna("")],
                       None, 44),
                Column(loc.t("col_id"), t["touchpoint"].tolist(), None, 16)]
    if table is not None and "segment" in table:
        columns.insert(0, Column(r.by or "segment", table["segment"].tolist(), None, 14))
    return columns


def _pain_ids(top: str) -> list[str]:
    """`waiting (41%); transfer (18%)` -> `["waiting", "transfer"]`."""
    return [part.split(" (")[0].strip() for part in str(top).split(";") if part.strip()]


def drill_columns(r: Report) -> list[Column]:
    loc, d = r.locale, r.drill
    total = r.total_effort or float("nan")
    return [Column(loc.t("col_touchpoint"), [loc.touchpoint(x) for x in d["touchpoint"]], None, 22),
            Column(loc.t("col_pain"), [loc.pain(x) for x in d["pain_point"]], None, 26),
            Column(loc.t("col_mentions"), _values(d["n_items"]), INTEGER, 12),
            Column(loc.t("col_share_tp"), _values(d["share_of_touchpoint"]), PERCENT1, 14),
            Column(loc.t("col_share"), _values(d["contributed_effort"] / total), PERCENT1, 14),
            Column(loc.t("col_impact"), _values(d["impact"], 100), DECIMAL1, 14),
            Column(loc.t("col_id"), [f"{a}/{b}" for a, b in zip(d["touchpoint"], d["pain_point"])], None, 28)]


def overall_columns(r: Report) -> list[Column]:
    loc, p = r.locale, pain_overview(r)
    columns = [Column(loc.t("col_pain"), [loc.pain(x) for x in p["pain_point"]], None, 26),
               Column(loc.t("col_share"), _values(p["share"]), PERCENT1, 14),
               Column(loc.t("col_low"), _values(p["share_low"]), PERCENT1, 10),
               Column(loc.t("col_high_end"), _values(p["share_high"]), PERCENT1, 10)]
    if p["delta_share"].notna().any():
        columns.append(Column(loc.versus("col_change", r.trend.previous), _values(p["delta_share"]), PP, 13))
    return columns + [Column(loc.t("col_mentions"), _values(p["n_items"]), INTEGER, 12),
                      Column(loc.t("col_impact"), _values(p["impact"], 100), DECIMAL1, 14),
                      Column(loc.t("col_driver"), _values(p["driver_share"]), PERCENT, 12),
                      Column(loc.t("col_id"), p["pain_point"].tolist(), None, 20)]


def sample_columns(r: Report) -> list[Column]:
    loc, s = r.locale, sample_items(r)
    dates = [None if _missing(d) else pd.Timestamp(d).to_pydatetime().replace(tzinfo=None) for d in s["date"]]
    effort_from = loc.t("effort_from")
    return [Column(loc.t("col_touchpoint"), [loc.touchpoint(x) for x in s["touchpoint"]], None, 20),
            Column(loc.t("col_date"), dates, DATE, 16),
            Column(loc.t("col_source"), [loc.t(x) if x in ("survey", "ticket", "comment") else x for x in s["source"]],
                   None, 11),
            Column(loc.t("col_language"), [loc.language(x) for x in s["language"]], None, 11),
            Column(loc.t("col_effort_item"), _values(s["effort"], 100), "0", 10),
            Column(loc.t("col_effort_source"), [effort_from.get(x, x) for x in s["effort_source"]], None, 16),
            Column(loc.t("col_ces"), _values(s["ces"]), "0", 6),
            Column(loc.t("col_csat"), _values(s["csat"]), "0", 6),
            Column(loc.t("col_nps"), _values(s["nps"]), "0", 6),
            Column(loc.t("col_sentiment"), [loc.t(x) if x in ("negative", "neutral", "positive") else "" for x in
                                            s["sentiment"].fillna("")], None, 11),
            Column(loc.t("col_pains"), [loc.pains(x) for x in s["pain_points"].fillna("")], None, 30),
            Column(loc.t("col_text"), s["clean_text"].tolist(), None, TEXT_WIDTH),
            Column(loc.t("col_id"), pseudonymise(s["item_id"]).tolist(), None, 18)]


REVIEW_WIDTHS = {"text": TEXT_WIDTH, "reason": 60, "pain_points": 30, "model_pain_points": 30, "item_id": 18}
REVIEW_FORMATS = {"effort": DECIMAL2, "model_effort": DECIMAL2, "score": DECIMAL2, "sentiment_confidence": DECIMAL2,
                  "effort_share": "0.00%", "n_items": INTEGER}


def review_columns(r: Report) -> list[Column]:
    """The review queue (review.csv) as a sheet, headed by its column names, not translated."""
    return [Column(name, _values(r.review[name]), REVIEW_FORMATS.get(name), REVIEW_WIDTHS.get(name, 12))
            for name in r.review.columns]


# ---------------------------------------------------------------- the workbook


def build_workbook(r: Report):
    """The openpyxl workbook of the report (not saved)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    sheets = {"touchpoints": touchpoint_columns(r), "pain_points": drill_columns(r),
              "pain_points_overall": overall_columns(r), "items_sample": sample_columns(r)}
    if r.by_segment is not None and len(r.by_segment):
        sheets[re.sub(r"[\[\]:*?/\\]", "_", f"by_{r.by}")[:31]] = touchpoint_columns(r, r.by_segment)  # Excel's rules
    if r.review is not None:
        sheets["review"] = review_columns(r)
    for name, columns in sheets.items():
        write_sheet(book.create_sheet(name), columns)
    about = book.create_sheet("about")
    about["A1"] = r.locale.t("sheet_about", week=r.week)
    about.column_dimensions["A"].width = 120
    return book


def write_sheet(sheet, columns: list[Column]) -> None:
    """Header row in bold, frozen, with a filter over the whole table; each column with its format and width."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E8EEF4")
    for c, column in enumerate(columns, start=1):
        head = sheet.cell(row=1, column=c, value=column.header)
        head.font, head.fill = bold, fill
        head.alignment = Alignment(wrap_text=True, vertical="bottom")
        for row, value in enumerate(column.values, start=2):
            put(sheet.cell(row=row, column=c), value, column.number_format)
        sheet.column_dimensions[get_column_letter(c)].width = column.width or 14
    rows = max((len(c.values) for c in columns), default=0)
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"
    sheet.row_dimensions[1].height = 32


def put(cell, value, number_format: str | None) -> None:
    """Write one value: numbers with their format, dates as dates, text always as text (never a formula)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if _missing(value):
        return
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # openpyxl reads "=..." as a formula; customer text must never be one
        return
    if isinstance(value, (pd.Timestamp, datetime)):
        value = pd.Timestamp(value).to_pydatetime()
    cell.value = value.item() if hasattr(value, "item") else value
    if number_format:
        cell.number_format = number_format


def write_xlsx(r: Report, path: Path) -> None:
    build_workbook(r).save(path)
