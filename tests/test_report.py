"""The report files a CX lead reads: escaping, self-containment, both languages, changes and trends, the Markdown
summary and the workbook's structure. The browser test (test_browser.py) renders the same page in Chromium."""

import dataclasses
import html
import re
from html.parser import HTMLParser

import openpyxl
import pandas as pd
import pytest

from feedback_mining.cli import main
from feedback_mining.config import Config, config_from_dict
from feedback_mining.errors import UsageError
from feedback_mining.rank import rank_touchpoints
from feedback_mining.report import build_report, render_page, render_summary
from feedback_mining.report.charts import interval_bars
from feedback_mining.report.html import CSP, SECTIONS, quote
from feedback_mining.report.i18n import WORDS, Locale, pain_point_labels
from feedback_mining.report.markdown import md
from feedback_mining.report.model import verbatims
from feedback_mining.report.xlsx import build_workbook, put
from tests.report_data import (
    HOSTILE_TOUCHPOINT,
    SEGMENTS,
    TEXT_MARKERS,
    WEEK,
    hostile_result,
    segment_result,
    store_earlier_weeks,
    written_reports,
)

SHEETS = ["touchpoints", "pain_points", "pain_points_overall", "items_sample", "review", "about"]


@pytest.fixture(scope="module")
def outputs():
    """Every output file of the hostile example week, in English and Russian, with two earlier weeks stored."""
    return written_reports()


@pytest.fixture(scope="module")
def page(outputs) -> str:
    return outputs["en"]["report.html"].read_text(encoding="utf-8")


class Tags(HTMLParser):
    """Every start tag with its attributes, and the <title> outside SVG."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.titles, self._svg, self._in_title = [], [], 0, False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._svg += tag == "svg"
        self._in_title = tag == "title" and not self._svg

    def handle_endtag(self, tag):
        self._svg -= tag == "svg"
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.titles.append(data)


# ---------------------------------------------------------------- words and numbers


@pytest.mark.parametrize("lang, call, expected", [
    ("en", lambda l: l.num(1234.5, 1), "1,234.5"),
    ("ru", lambda l: l.num(1234.5, 1), "1\u202f234,5"),
    ("en", lambda l: l.num(-3.2), "\u22123"),
    ("en", lambda l: l.num(float("nan")), "–"),
    ("en", lambda l: l.pct(0.123), "12%"),
    ("ru", lambda l: l.pct(0.123), "12\u00a0%"),
    ("en", lambda l: l.pct_range(0.1, 0.14), "10–14%"),
    ("en", lambda l: l.pp(0.021), "+2.1\u00a0pp"),
    ("en", lambda l: l.pp(-0.00001), "±0.0\u00a0pp"),
    ("ru", lambda l: l.pp(-0.021), "\u22122,1\u00a0п.\u202fп."),
    ("en", lambda l: l.effort(0.4444), "44"),
    ("en", lambda l: l.week_range("2026-W47"), "16–22 Nov 2026"),
    ("ru", lambda l: l.week_range("2026-W47"), "16–22 ноября 2026"),
    ("en", lambda l: l.week_range("2026-W49"), "30 Nov–6 Dec 2026"),
    ("en", lambda l: l.touchpoint("call_center"), "Call center"),
    ("ru", lambda l: l.touchpoint("call_center"), "Колл-центр"),
    ("en", lambda l: l.touchpoint("kiosk_v2"), "Kiosk v2"),
    ("ru", lambda l: l.language("fa"), "персидский"),
])
def test_locale(lang, call, expected):
    assert call(Locale(lang)) == expected


def test_pain_point_labels_come_from_the_taxonomy(term_files):
    assert pain_point_labels(None, "ru")["waiting"] == "Ожидание"
    assert pain_point_labels(None, "en")["repeat_contact"] == "Repeat contact"
    assert Locale("ru", pain_point_labels(term_files[0], "ru")).pain("waiting") == "Waiting"  # no label: the id


@pytest.mark.parametrize("key", ["finding_pain", "md_impact", "col_mentions", "m_impact"])
def test_russian_sentences_about_a_pain_point_fit_a_label_of_any_gender(key):
    # "Ожидание" (neuter), "Повторные обращения" (plural): no pronoun that agrees with one gender only
    assert not re.search(r"(?i)\b(она|оно|они|её|ее|неё|нее|ей|ней|него|нём|ним|них)\b", WORDS["ru"][key])


def test_russian_summary_and_report_say_which_pain_point(outputs):
    summary = outputs["ru"]["summary.md"].read_text(encoding="utf-8")
    page = outputs["ru"]["report.html"].read_text(encoding="utf-8")
    assert "Ожидание: **" in summary and "; без этой проблемы средние усилия" in summary
    assert "без этой проблемы средние усилия" in page
    assert "без неё" not in summary and "без неё" not in page  # before: "Ожидание … без неё"


def test_report_language_is_checked():
    with pytest.raises(UsageError, match="report language 'de'"):
        Locale("de")
    with pytest.raises(UsageError, match="report_lang: 'de'"):
        config_from_dict({"report_lang": "de"})
    assert config_from_dict({"report_lang": "ru"}).report_lang == "ru"


# ---------------------------------------------------------------- report.html


def test_hostile_text_is_escaped(page):
    tags = Tags(page)
    names = {tag for tag, _ in tags.tags}
    assert not names & {"script", "iframe", "img", "object", "embed", "link", "base", "form", "input"}
    assert not [(t, a) for t, attrs in tags.tags for a in attrs if a.startswith("on")]
    assert [a.get("http-equiv") for t, a in tags.tags if t == "meta" and "http-equiv" in a] == [
        "Content-Security-Policy"]
    assert tags.titles == [f"Customer effort report · {WEEK}"]
    for marker in TEXT_MARKERS:
        assert marker not in page and html.escape(marker) in page
    assert html.escape(HOSTILE_TOUCHPOINT.capitalize()) in page


def test_page_is_self_contained(page):
    tags = Tags(page)
    links = [v for _, attrs in tags.tags for k, v in attrs.items()
             if k in ("src", "href", "xlink:href", "action", "data", "poster", "srcset", "formaction")]
    assert links and all(v.startswith("#") for v in links)  # only links within the page (contents, SVG glyphs)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//|@import", page, re.IGNORECASE)
    assert not re.search(r"https?://", page)  # not even the SVG namespaces
    assert "default-src 'none'" in CSP and "script-src" not in CSP and f'content="{CSP}"' in page
    ids = [a["id"] for _, a in tags.tags if "id" in a]
    assert len(ids) == len(set(ids))  # several inline SVGs never share an id
    assert {f"#{s}" for s in SECTIONS} <= set(links) and set(SECTIONS) <= set(ids)


def test_both_languages(outputs, page):
    ru = outputs["ru"]["report.html"].read_text(encoding="utf-8")
    assert '<html lang="en">' in page and '<html lang="ru">' in ru
    assert "Share of customer effort" in page and "Waiting" in page and "contributed_effort" not in page
    assert "Доля клиентских усилий" in ru and "Ожидание" in ru and "Колл-центр" in ru
    for english in ("Where customers spend", "Share of customer effort", "Call center", "Data quality"):
        assert english not in ru


def test_changes_and_trends_come_from_the_history(page):
    assert "vs 2026-W46" in page and "Change vs 2026-W46" in page
    assert 'aria-label="Trends"' in page
    assert all(f"<td>{week}</td>" in page for week in ("2026-W45", "2026-W46", WEEK))


@pytest.fixture(scope="module")
def three_weeks_back(tmp_path_factory) -> dict[str, object]:
    """Reports of the hostile week in English and Russian whose only stored earlier week is 2026-W44."""
    history = store_earlier_weeks(hostile_result(), tmp_path_factory.mktemp("gap") / "h.duckdb", ("2026-W44",))
    return {lang: build_report(hostile_result(), config=Config(report_lang=lang), history=history)
            for lang in ("en", "ru")}


def change_headers(report) -> list[str]:
    book = build_workbook(report)
    return [c.value for name in ("touchpoints", "pain_points_overall") for c in book[name][1]]


@pytest.mark.parametrize("lang, label, vs, wrong", [
    ("en", "Change vs 2026-W44", "change vs 2026-W44", ["last week"]),
    ("ru", "Изменение к 2026-W44", "изменение к 2026-W44", ["за неделю", "прошлой недели"]),
])
def test_changes_name_the_compared_week(three_weeks_back, lang, label, vs, wrong):
    report = three_weeks_back[lang]
    headers, page, summary = change_headers(report), render_page(report), render_summary(report)
    assert headers.count(label) == 2  # before: "Change vs last week" (3 weeks back), in both sheets
    assert label in page and vs in summary
    for text in (" ".join(headers), page, summary):
        assert not any(w in text for w in wrong)


def test_changes_against_a_given_table_name_the_week_when_known():
    result = hostile_result()
    before = rank_touchpoints(result.parts)
    unnamed = build_report(result, previous=before)
    assert "Change vs previous stored week" in change_headers(unnamed)
    assert "change vs the previous stored week" in render_summary(unnamed)
    named = dataclasses.replace(result, manifest={**result.manifest, "history": {"previous_week": "2026-W40"}})
    assert "Change vs 2026-W40" in change_headers(build_report(named, previous=before))


def test_the_first_week_renders_without_history():
    report = build_report(hostile_result())
    page = render_page(report)
    assert Locale().t("trends_none") in page and 'aria-label="Trends"' not in page
    assert Locale().t("no_previous") in page and "Change vs" not in page
    summary = render_summary(report)
    assert summary.count("\n") < 20 and "\u00a0pp" not in summary


@pytest.mark.parametrize("lang, title", [("en", "By segment"), ("ru", "В разрезе «segment»")])
def test_the_by_ranking_is_in_the_report_with_by_only(page, lang, title):
    result = segment_result()
    shown = render_page(build_report(result, config=Config(report_lang=lang)))
    section = shown[shown.index('<section id="segments">'):shown.index('<section id="heatmap">')]
    assert f"<h2>{title}</h2>" in section and '<a href="#segments">' in shown  # before: not in report.html
    assert "touchpoints_by_segment.csv" in section
    for value in SEGMENTS:
        assert f"<b>{html.escape(value)}</b>" in section
    assert SEGMENTS[2] not in shown and not [t for t, _ in Tags(shown).tags if t == "script"]
    top = build_report(result).by_segment.query("segment == 'retail' and rank == 1").iloc[0]
    assert f"{html.escape(Locale(lang).touchpoint(top['touchpoint']))} <small" in section
    assert 'id="segments"' not in page and 'href="#segments"' not in page  # without --by: no section


def test_quotes_keep_their_language_and_direction():
    fa = quote(Locale(), {"text": "<b>منتظر</b> ماندم", "language": "fa", "pain_points": ["waiting"]})
    assert 'dir="rtl"' in fa and 'lang="fa"' in fa and "&lt;b&gt;" in fa
    other = quote(Locale(), {"text": "Hallo", "language": "other", "pain_points": []})
    assert 'dir="auto"' in other and "lang=" not in other


def test_verbatims_give_one_quote_per_top_pain_point_and_never_a_duplicate():
    rows = [  # item_id, text, pain points, effort, duplicate
        ("a", "waiting for ages in the queue, twice", "waiting", 0.9, False),
        ("b", "waiting again, the very same long text", "waiting", 1.0, True),
        ("c", "transferred three times between agents", "transfer;waiting", 0.5, False),
        ("d", "short", "waiting", 1.0, False),
        ("e", "nothing wrong here, it was all fine", "", 1.0, False),
    ]
    items = pd.DataFrame(rows, columns=["item_id", "clean_text", "pain_points", "effort", "duplicate"]).assign(
        touchpoint="chat", language="en")
    quotes = verbatims(items, "chat", ["waiting", "transfer"])
    assert [q["text"][:12] for q in quotes] == ["waiting for ", "transferred "]


def test_charts_are_inline_svg_without_prolog_or_namespaces():
    svg = interval_bars("demo", "Demo <chart>", ["b", "<a>"], [0.6, 0.4], [0.5, 0.3], [0.7, 0.5], "share",
                        Locale().pct)
    assert svg.startswith('<svg class="chart" role="img" aria-label="Demo &lt;chart&gt;"')
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "http" not in svg and "&lt;a&gt;" in svg
    assert all(i.startswith("demo-") for i in re.findall(r'\bid="([^"]+)"', svg))


# ---------------------------------------------------------------- summary.md


def test_summary_is_short_with_shares_and_changes(outputs):
    summary = outputs["en"]["summary.md"].read_text(encoding="utf-8")
    lines = summary.splitlines()
    assert len(lines) <= 20 and len(summary) < 1600
    assert lines[0] == f"**Customer effort, week {WEEK}**"
    assert re.search(r"^1\. Call center: \*\*\d+%\*\* \([+\u2212±][\d.]+\u00a0pp", summary, re.MULTILINE)
    assert "change vs 2026-W46" in summary and "Waiting" in summary
    ru = outputs["ru"]["summary.md"].read_text(encoding="utf-8")
    assert ru.startswith(f"**Клиентские усилия, неделя {WEEK}**") and "Колл-центр" in ru and "Ожидание" in ru


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_significance_marker_has_a_legend(lang):
    result = hostile_result()
    before = rank_touchpoints(result.parts)
    report = build_report(result, previous=before.assign(share=before["share"] / 2), config=Config(report_lang=lang))
    legend = Locale(lang).t("significant")
    summary = render_summary(report)
    assert " ●)" in summary and f"_{legend}_" in summary.splitlines()  # before: the marker without a legend
    page = render_page(report)
    cards = page[page.index('<section id="touchpoints">'):page.index('<section id="sentiment">')]
    assert "●" in cards and f'<p class="note">{html.escape(legend)}</p>' in cards
    assert f'title="{html.escape(legend)}">●' in page and 'title="significant"' not in page
    assert legend not in render_summary(build_report(result, previous=before))  # no marker, no legend


@pytest.mark.parametrize("text, expected", [
    ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)\>"),
    ("**bold** [link](x)", r"\*\*bold\*\* \[link\](x)"),
    ("two\nlines", "two lines"),
])
def test_markdown_escapes_customer_text(text, expected):
    assert md(text) == expected


# ---------------------------------------------------------------- touchpoints.xlsx


def test_workbook_structure(outputs):
    book = openpyxl.load_workbook(outputs["en"]["touchpoints.xlsx"])
    assert book.sheetnames == SHEETS
    for name in SHEETS[:-1]:
        sheet = book[name]
        header = [c for c in sheet[1] if c.value is not None]
        assert sheet.freeze_panes == "A2", name
        assert all(c.font.bold for c in header), name
        assert sheet.auto_filter.ref == f"A1:{header[-1].column_letter}{sheet.max_row}", name
    sheet = book["touchpoints"]
    column = {c.value: c.column_letter for c in sheet[1]}
    share = [sheet[f"{column['Share of customer effort']}{r}"] for r in range(2, sheet.max_row + 1)]
    assert {c.number_format for c in share} == {"0.0%"} and sum(c.value for c in share) == pytest.approx(1)
    assert sheet[f"{column['Change vs 2026-W46']}2"].number_format == "+0.0%;-0.0%;0.0%"
    assert sheet[f"{column['Touchpoint']}2"].value == "Call center"
    assert sheet[f"{column['Feedback items']}2"].number_format == "#,##0"
    sample = book["items_sample"]
    texts = [c.value for c in sample[1]]
    assert "Text (personal data removed)" in texts and sample.max_row > 50
    assert not any(c.data_type == "f" for row in sample.iter_rows() for c in row)
    review = book["review"]
    assert [c.value for c in review[1]][:5] == ["text", "language", "label", "pain_points", "effort"]
    assert review.max_row > 50 and not any(c.data_type == "f" for row in review.iter_rows() for c in row)
    ru = openpyxl.load_workbook(outputs["ru"]["touchpoints.xlsx"])
    assert ru.sheetnames == SHEETS and "Доля клиентских усилий" in [c.value for c in ru["touchpoints"][1]]


def test_customer_text_is_never_a_formula(tmp_path):
    book = openpyxl.Workbook()
    put(book.active["A1"], '=HYPERLINK("http://x", "click")', None)
    put(book.active["A2"], "bad\x00\x07text", None)
    book.save(tmp_path / "x.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "x.xlsx").active["A1"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert openpyxl.load_workbook(tmp_path / "x.xlsx").active["A2"].value == "badtext"


# ---------------------------------------------------------------- command line


def test_report_lang_flag(tmp_path, week, term_files):
    for name, frame in week.items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    out = tmp_path / "out"
    assert main(["run", "--surveys", str(tmp_path / "surveys.csv"), "--comments", str(tmp_path / "comments.csv"),
                 "--tickets", str(tmp_path / "tickets.csv"), "--taxonomy", str(term_files[0]), "--bootstrap", "20",
                 "--out", str(out), "--no-history", "--quiet", "--report-lang", "ru"]) == 0
    assert '<html lang="ru">' in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "summary.md").read_text(encoding="utf-8").startswith("**Клиентские усилия")
