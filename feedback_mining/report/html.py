"""`report.html`: one self-contained page for a CX lead, built as a string.

No scripts, no external resources: inline CSS and inline SVG charts, and a Content-Security-Policy that forbids
scripts and every network fetch, so the page opens offline and from an e-mail attachment. Every piece of text
that is not a constant of this package goes through `esc` (or `cell`), so hostile markup in a comment stays text.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

from feedback_mining.report import charts
from feedback_mining.report.files import by_segment_name
from feedback_mining.report.i18n import Locale
from feedback_mining.report.model import (
    Report,
    any_significant,
    compared_week,
    drivers_r2,
    effort_sources,
    estimated_share,
    has_deltas,
    heat_matrix,
    pain_overview,
    score_changes,
    segment_sizes,
    segment_top,
    sentiment_counts_by,
    sentiment_shares,
    top_pains,
    trend_shares,
    unattributed_share,
    verbatims,
    weekly_scores,
)
from feedback_mining.report.style import CSS
from feedback_mining.report.trend import Trend

# nothing may load or run: no script, image, font, frame or fetch; only the inline CSS (and the SVG charts' styles)
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
MAX_CHART_ROWS = 12
MAX_SEGMENTS = 20  # values of the --by column shown (the CSV holds them all)
SECTIONS = ["headline", "ranking", "heatmap", "pain-points", "trends", "touchpoints", "sentiment", "quality",
            "methods"]  # every page's sections; with --by, "segments" follows "ranking"
TITLES = {"headline": "h_headline", "ranking": "h_ranking", "segments": "h_segments", "heatmap": "h_heatmap",
          "pain-points": "h_pains", "trends": "h_trends", "touchpoints": "h_cards", "sentiment": "h_sentiment",
          "quality": "h_quality", "methods": "h_methods"}


class Html(str):
    """A string that is already HTML: `cell` and `join` leave it as it is and escape anything else."""


def esc(value) -> Html:
    return Html(html.escape("" if value is None else str(value), quote=True))


def cell(value) -> Html:
    return value if isinstance(value, Html) else esc(value)


def join(parts, sep: str = "") -> Html:
    return Html(sep.join(cell(p) for p in parts))


def tx(loc: Locale, key: str, **values) -> Html:
    """A sentence of the report's own words (trusted, may hold <b>) with escaped `values`."""
    return Html(loc.t(key, **{k: cell(v) for k, v in values.items()}))


def tx_versus(loc: Locale, key: str, week: str | None, **values) -> Html:
    """`tx` for a sentence naming the compared `week` (see `Locale.versus`)."""
    return Html(loc.versus(key, cell(week) if week else None, **{k: cell(v) for k, v in values.items()}))


def table(head: list, rows: list[list], numeric: set[int] = frozenset(), cls: str = "") -> Html:
    """An HTML table; `numeric` columns are right-aligned with tabular digits."""
    def row(values, tag):
        return "<tr>" + "".join(f'<{tag}{" class=n" if i in numeric else ""}>{cell(v)}</{tag}>'
                                for i, v in enumerate(values)) + "</tr>"
    body = "".join(row(r, "td") for r in rows)
    return Html(f'<div class="scroll"><table class="{cls}"><thead>{row(head, "th")}</thead>'
                f"<tbody>{body}</tbody></table></div>")


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def delta(value, text: str, higher_is_better: bool, significant: str = "") -> Html:
    """A change with an arrow, coloured better/worse (the arrow keeps it readable without colour); a ● titled
    `significant` (the legend) when that is given."""
    if missing(value):
        return Html('<span class="muted">–</span>')
    if text.startswith("±"):  # no change at the precision shown
        return Html(f'<span class="muted">{esc(text)}</span>')
    better = (value > 0) == higher_is_better
    mark = f' <span title="{esc(significant)}">●</span>' if significant else ""
    return Html(f'<span class="{"better" if better else "worse"}">{"▲" if value > 0 else "▼"}&#x202F;'
                f"{esc(text)}{mark}</span>")


def significant(loc: Locale, row) -> str:
    """The legend of ● for a touchpoint row whose change is significant, else empty."""
    return loc.t("significant") if bool(row.change_significant) else ""


# ---------------------------------------------------------------- sections


def sections(r: Report) -> list[str]:
    """The anchors of the page's sections, in order: `SECTIONS`, and "segments" after "ranking" with --by."""
    if r.by_segment is None:
        return list(SECTIONS)
    at = SECTIONS.index("ranking") + 1
    return [*SECTIONS[:at], "segments", *SECTIONS[at:]]


def header(r: Report) -> Html:
    loc, m = r.locale, r.manifest
    by_source = m.get("items", {}).get("by_source", {})
    items = tx(loc, "items_line", n=loc.count(m.get("items", {}).get("total", len(r.items))),
               surveys=loc.count(by_source.get("survey", 0)), tickets=loc.count(by_source.get("ticket", 0)),
               comments=loc.count(by_source.get("comment", 0)))
    week = esc(loc.t("week", week=r.week) + (f" · {loc.week_range(r.week)}" if loc.week_range(r.week) else ""))
    nav = join(Html(f'<a href="#{s}">{esc(loc.t(TITLES[s], by=r.by or ""))}</a>') for s in sections(r))
    return Html(f'<header class="top"><h1>{esc(loc.t("title"))}</h1><p class="week">{week}</p>'
                f'<p class="sub">{items}</p><nav aria-label="{esc(loc.t("nav"))}">{nav}</nav></header>')


def headline(r: Report) -> Html:
    loc, s, st = r.locale, r.scores, r.settings
    ces_scale, csat_scale = st.get("ces_scale", {"low": 1, "high": 7}), st.get("csat_scale", {"low": 1, "high": 5})
    changes, previous = score_changes(r), r.trend.previous
    ces_up = bool(ces_scale.get("higher_is_easier", True))
    high, low = _int(csat_scale.get("high", 5)), _int(csat_scale.get("low", 1))
    top = f"{high - 1}–{high}" if csat_scale.get("higher_is_easier", True) else f"{low}–{low + 1}"
    tiles = [
        ("kpi_ces", loc.num(s.get("ces_mean"), 2), changes["ces_mean"], loc.num(changes["ces_mean"], 2, True), ces_up,
         loc.t("kpi_ces_note", low=_int(ces_scale.get("low", 1)), high=_int(ces_scale.get("high", 7)),
               easy=loc.pct(_frac(s.get("ces_easy")))), s.get("n_ces")),
        ("kpi_csat", loc.pct(_frac(s.get("csat"))), changes["csat"], loc.pp(_frac(changes["csat"])), True,
         loc.t("kpi_csat_note", top=top, high=high), s.get("n_csat")),
        ("kpi_nps", loc.num(s.get("nps"), 0, True), changes["nps"], loc.num(changes["nps"], 0, True), True,
         loc.t("kpi_nps_note"), s.get("n_nps")),
        ("kpi_happiness", loc.num(s.get("happiness"), 1), changes["happiness"], loc.num(changes["happiness"], 1, True),
         True, loc.t("kpi_happiness_note"), s.get("n_happiness")),
    ]
    html_tiles = []
    for key, value, change, change_text, up, note, n in tiles:
        versus = (Html(f'<div class="kpi-delta">{delta(change, change_text, up)} {esc(loc.t("vs", week=previous))}'
                       "</div>") if previous else "")
        html_tiles.append(f'<div class="kpi"><div class="kpi-label">{esc(loc.t(key))}</div>'
                          f'<div class="kpi-value">{esc(value)}</div>{versus}'
                          f'<div class="kpi-note">{esc(note)} · {esc(loc.t("answers", n=loc.count(n or 0)))}</div>'
                          "</div>")
    findings = join(Html(f"<li>{f}</li>") for f in key_findings(r))
    first = "" if previous else f'<p class="note">{esc(loc.t("no_previous"))}</p>'
    return _section("headline", loc.t("h_headline"), Html(f'<div class="kpis">{"".join(html_tiles)}</div>{first}'
                                                          f'<ul class="findings">{findings}</ul>'))


def key_findings(r: Report) -> list[Html]:
    """Two or three sentences a CX lead can repeat: the top touchpoint, the top pain point, the largest change."""
    loc, t, found = r.locale, r.touchpoints, []
    if len(t):
        first = t.iloc[0]
        pains = top_pains(r, first["touchpoint"])["pain_point"]
        found.append(tx(loc, "finding_top", touchpoint=Html(f"<b>{esc(loc.touchpoint(first['touchpoint']))}</b>"),
                        share=loc.pct(first["share"]),
                        pains=", ".join(loc.pain(p) for p in pains) or loc.t("none_detected")))
    pains = pain_overview(r)
    if len(pains):
        p = pains.iloc[0]
        found.append(tx(loc, "finding_pain", pain=Html(f"<b>{esc(loc.pain(p['pain_point']))}</b>"),
                        share=loc.pct(p["share"]), impact=loc.num(p["impact"] * 100, 1)))
    if has_deltas(r):
        week = compared_week(r)
        moved = t[t["change_significant"].fillna(False).astype(bool)]
        if len(moved):
            m = moved.loc[moved["delta_share"].abs().idxmax()]
            found.append(tx_versus(loc, "finding_change", week, touchpoint=loc.touchpoint(m["touchpoint"]),
                                   delta=loc.pp(m["delta_share"])))
        else:
            found.append(tx_versus(loc, "finding_no_change", week))
    return found


def ranking(r: Report) -> Html:
    loc, t = r.locale, r.touchpoints
    shown = t.head(MAX_CHART_ROWS)
    chart = charts.interval_bars("ranking", loc.t("h_ranking"), [loc.touchpoint(x) for x in shown["touchpoint"]],
                                 shown["share"], shown["share_low"], shown["share_high"], loc.t("chart_share_axis"),
                                 loc.pct) if len(shown) else ""
    compare = has_deltas(r)
    head = [loc.t("col_rank"), loc.t("col_touchpoint"), Html(f'{esc(loc.t("col_share"))} <small>'
                                                            f'({esc(loc.t("col_range"))})</small>'),
            *([loc.versus("col_change", compared_week(r))] if compare else []), loc.t("col_items"),
            loc.t("col_effort"), loc.t("col_high"), loc.t("col_ces"), loc.t("col_csat"), loc.t("col_nps"),
            loc.t("col_pains")]
    rows = []
    for x in t.itertuples():
        rank = esc(x.rank)
        if not missing(x.rank_low) and x.rank_low != x.rank_high:
            could_be = esc(loc.t("rank_range", low=x.rank_low, high=x.rank_high))
            rank = Html(f'{rank} <small class="muted could-be" title="{could_be}">'
                        f"({esc(x.rank_low)}–{esc(x.rank_high)})</small>")
        change = [delta(x.delta_share, loc.pp(x.delta_share), False, significant(loc, x))] if compare else []
        share = Html(f'{esc(loc.pct(x.share, 1))}<small class="range">{esc(loc.pct_range(x.share_low, x.share_high))}'
                     "</small>")
        rows.append([rank, Html(f"<b>{esc(loc.touchpoint(x.touchpoint))}</b>"), share, *change, loc.count(x.n_items),
                     loc.effort(x.mean_effort), loc.pct(x.high_effort_rate), loc.num(x.ces_mean, 2),
                     loc.pct(_frac(x.csat)), loc.num(x.nps, 0, True),
                     loc.pains([p for p in top_pains(r, x.touchpoint)["pain_point"]])])
    numeric = set(range(len(head) - 1)) - {1}
    note = Html(f'<p class="note">{esc(loc.t("significant"))}</p>') if compare else ""
    body = join([Html(f'<p class="intro">{loc.t("ranking_intro")}</p>'), Html(chart),
                 table(head, rows, numeric, "ranking"), note])
    return _section("ranking", loc.t("h_ranking"), body)


def segments(r: Report) -> Html:
    """With --by: per value of the column, its share of all customer effort and its top three touchpoints."""
    if r.by_segment is None:
        return Html("")
    loc, sizes, file = r.locale, segment_sizes(r), by_segment_name(r.by)
    title = loc.t("h_segments", by=r.by)
    if sizes.empty:
        return _section("segments", title, esc(loc.t("not_available")))
    rows = [[Html(f"<b>{esc(loc.segment(x.segment))}</b>"), loc.count(x.n_items), loc.pct(x.share, 1), top_touchpoints(r, x.segment)]
            for x in sizes.head(MAX_SEGMENTS).itertuples()]
    more = len(sizes) - MAX_SEGMENTS
    note = Html(f'<p class="note">{esc(loc.t("segments_more", n=loc.count(more), file=file))}</p>') if more > 0 else ""
    head = [r.by, loc.t("col_items"), loc.t("col_segment_share"), loc.t("col_segment_top")]
    body = join([Html(f'<p class="intro">{tx(loc, "segments_intro", by=r.by, file=file)}</p>'),
                 table(head, rows, {1, 2}, "segments"), note])
    return _section("segments", title, body)


def top_touchpoints(r: Report, segment: str) -> Html:
    """`Call center 34% · Website 20% · Chat 12%`: a segment's top touchpoints with their share of its effort."""
    top = [Html(f'<span class="seg-tp">{esc(r.locale.touchpoint(t.touchpoint))} <small class="muted">'
                f"{esc(r.locale.pct(t.share))}</small></span>") for t in segment_top(r, segment).itertuples()]
    return join(top, " · ") if top else Html('<span class="muted">–</span>')


def heat(r: Report) -> Html:
    loc = r.locale
    matrix = heat_matrix(r)
    if matrix.empty:
        return _section("heatmap", loc.t("h_heatmap"), esc(loc.t("not_available")))
    chart = charts.heatmap("heatmap", loc.t("h_heatmap"), matrix, [loc.touchpoint(x) for x in matrix.index],
                           [loc.pain(p) for p in matrix.columns], lambda v: loc.num(v, 1))
    note = esc(loc.t("heatmap_unattributed", share=loc.pct(unattributed_share(r))))
    return _section("heatmap", loc.t("h_heatmap"), join([Html(f'<p class="intro">{esc(loc.t("heatmap_intro"))}</p>'),
                                                         Html(chart), Html(f'<p class="note">{note}</p>')]))


def pains(r: Report) -> Html:
    loc, p = r.locale, pain_overview(r)
    if p.empty:
        return _section("pain-points", loc.t("h_pains"), esc(loc.t("not_available")))
    r2 = drivers_r2(r)
    shown = p.head(MAX_CHART_ROWS)
    chart = charts.interval_bars("pains", loc.t("h_pains"), [loc.pain(x) for x in shown["pain_point"]],
                                 shown["share"], shown["share_low"], shown["share_high"], loc.t("chart_share_axis"),
                                 loc.pct, colour=charts.OKABE_ITO[1])
    compare = p["delta_share"].notna().any()
    head = [loc.t("col_pain"), loc.t("col_share"), loc.t("col_range"),
            *([loc.versus("col_change", r.trend.previous)] if compare else []), loc.t("col_mentions"),
            loc.t("col_impact"), loc.t("col_driver")]
    rows = [[Html(f"<b>{esc(loc.pain(x.pain_point))}</b>"), loc.pct(x.share, 1),
             loc.pct_range(x.share_low, x.share_high),
             *([delta(x.delta_share, loc.pp(x.delta_share), False)] if compare else []), loc.count(x.n_items),
             loc.num(None if missing(x.impact) else x.impact * 100, 1), loc.pct(x.driver_share)]
            for x in p.itertuples()]
    intro = tx(loc, "pains_intro", r2=loc.pct(r2) if not missing(r2) else loc.t("not_available"))
    body = join([Html(f'<p class="intro">{intro}</p>'), Html(chart),
                 table(head, rows, set(range(1, len(head))), "pains")])
    return _section("pain-points", loc.t("h_pains"), body)


def trends(r: Report) -> Html:
    loc = r.locale
    if not r.trend.weeks:
        return _section("trends", loc.t("h_trends"), Html(f'<p class="note">{esc(loc.t("trends_none"))}</p>'))
    shares = trend_shares(r)
    chart = charts.trend_lines("trends", loc.t("h_trends"), shares, [loc.touchpoint(c) for c in shares.columns],
                               loc.t("trend_axis"), loc.pct)
    weeks = weekly_scores(r)
    rows = [[w, loc.count(x.n_items), loc.num(x.ces_mean, 2), loc.pct(_frac(x.csat)), loc.num(x.nps, 0, True),
             loc.num(x.happiness, 1)] for w, x in zip(weeks.index, weeks.itertuples())]
    head = [loc.t("col_week"), loc.t("col_items"), loc.t("col_ces"), loc.t("col_csat"), loc.t("col_nps"),
            loc.t("col_happiness")]
    body = join([Html(f'<p class="intro">{esc(loc.t("trends_intro"))}</p>'), Html(chart),
                 table(head, rows, {1, 2, 3, 4, 5}, "weeks compact")])
    return _section("trends", loc.t("h_trends"), body)


def cards(r: Report) -> Html:
    loc, compare = r.locale, has_deltas(r)
    out, shown = [], r.touchpoints.head(r.top_n)
    for x in shown.itertuples():
        top = top_pains(r, x.touchpoint)
        widest = max(top["share_of_touchpoint"].max() if len(top) else 0, 1e-9)
        bars = join(Html(f'<div class="pb"><span>{esc(loc.pain(p.pain_point))}</span><span class="pb-track">'
                    f'<span class="pb-fill" style="width:{100 * p.share_of_touchpoint / widest:.0f}%"></span></span>'
                    f'<span class="n">{esc(loc.pct(p.share_of_touchpoint))}</span></div>') for p in top.itertuples())
        quotes = [quote(loc, v) for v in verbatims(r.items, x.touchpoint, list(top["pain_point"]))]
        change = join([" ", delta(x.delta_share, loc.pp(x.delta_share), False, significant(loc, x))]) \
            if compare else ""
        stats = loc.t("card_stats", n=loc.count(x.n_items), effort=loc.effort(x.mean_effort),
                      high=loc.pct(x.high_effort_rate), ces=loc.num(x.ces_mean, 2), csat=loc.pct(_frac(x.csat)),
                      nps=loc.num(x.nps, 0, True))
        share = loc.t("card_share", share=loc.pct(x.share), range=loc.pct_range(x.share_low, x.share_high))
        out.append(f'<article class="card"><h3><span class="rank">#{esc(x.rank)}</span> '
                   f'{esc(loc.touchpoint(x.touchpoint))}</h3><p class="share">{esc(share)}{change}</p>'
                   f'<p class="stats">{esc(stats)}</p><h4>{esc(loc.t("card_pains"))}</h4>'
                   f'<div class="pbs">{bars or esc(loc.t("none_detected"))}</div>'
                   f'<h4>{esc(loc.t("card_quotes"))}</h4>'
                   f'{"".join(quotes) or esc(loc.t("no_quotes"))}</article>')
    note = f'<p class="note">{esc(loc.t("significant"))}</p>' if compare and any_significant(shown) else ""
    return _section("touchpoints", loc.t("h_cards"), Html(f'<div class="cards">{"".join(out)}</div>{note}'))


def quote(loc: Locale, v: dict) -> str:
    """One verbatim in its own language and direction (Persian right to left), with its language and pain points."""
    lang = v["language"] if v["language"] in ("ru", "uk", "fa", "en") else ""
    direction = "rtl" if lang == "fa" else "auto"
    attrs = f' lang="{esc(lang)}"' if lang else ""
    about = " · ".join([loc.language(v["language"]), loc.pains(v["pain_points"])])
    return (f'<blockquote><p class="quote" dir="{direction}"{attrs}>{esc(v["text"])}</p>'
            f"<footer>{esc(about)}</footer></blockquote>")


def sentiment(r: Report) -> Html:
    loc = r.locale
    counts = r.sentiment_counts if r.sentiment_counts is not None else sentiment_counts_by(r.items)
    if "touchpoint" not in counts or not counts["touchpoint"].to_numpy().sum():
        return _section("sentiment", loc.t("h_sentiment"), esc(loc.t("not_available")))
    by_tp = sentiment_shares(counts, "touchpoint", r.touchpoints["touchpoint"].head(MAX_CHART_ROWS).tolist())
    by_lang = sentiment_shares(counts, "language", ["ru", "uk", "fa", "en", "other"])
    panels = [(loc.t("by_touchpoint"), by_tp, [f"{loc.touchpoint(k)} ({loc.count(n)})" for k, n in by_tp["n"].items()]),
              (loc.t("by_language"), by_lang, [f"{loc.language(k)} ({loc.count(n)})" for k, n in by_lang["n"].items()])]
    chart = charts.sentiment_bars("sentiment", loc.t("h_sentiment"), panels,
                                  {s: loc.t(s) for s in ("negative", "neutral", "positive")}, loc.pct)
    rated, low = low_confidence_counts(r)
    note = loc.t("sentiment_low_confidence", share=loc.pct(low / rated if rated else 0.0), n=loc.count(low))
    return _section("sentiment", loc.t("h_sentiment"),
                    join([Html(f'<p class="intro">{esc(loc.t("sentiment_intro"))} {esc(note)}</p>'), Html(chart)]))


def low_confidence_counts(r: Report) -> tuple[int, int]:
    """(items with a sentiment, those resting on a low-confidence prediction): from run.json's counts, which cover
    every item, else from the report's items."""
    counted = r.manifest.get("items", {}).get("sentiment")
    if counted and "rated" in counted:
        return int(counted["rated"]), int(counted["low_confidence"])
    items = r.items
    rated = items["sentiment"].isin(["negative", "neutral", "positive"]) if "sentiment" in items else pd.Series([False])
    low = items.loc[rated, "sentiment_low_confidence"] if "sentiment_low_confidence" in items else pd.Series([], dtype=bool)
    return int(rated.sum()), int(low.sum())


def warnings_list(r: Report) -> Html:
    """The run's warnings (data that contradict the configuration) as a list; empty without any."""
    warnings = r.manifest.get("warnings", [])
    if not warnings:
        return Html("")
    return join([Html(f'<p>{esc(r.locale.t("warnings_intro"))}</p><ul>'),
                 join(Html(f"<li>{esc(w.get('message', ''))}</li>") for w in warnings), Html("</ul>")])


def alert(r: Report) -> Html:
    """A box at the top of the page when the run has warnings, repeated in the data-quality section."""
    listed = warnings_list(r)
    return Html(f'<div class="alert" role="alert"><h2>{esc(r.locale.t("h_warnings"))}</h2>{listed}</div>') \
        if listed else listed


def quality(r: Report) -> Html:
    loc, m = r.locale, r.manifest
    rec = m.get("reconciliation", {})
    rows = [[loc.t(name) if name in ("surveys", "comments", "tickets") else name, loc.count(c.get("rows_read")),
             loc.count(c.get("rows_used")), loc.count(c.get("rows_rejected")), loc.count(c.get("fields_emptied", 0)),
             loc.t("yes") if c.get("reconciles") else Html(f'<b class="worse">{esc(loc.t("no"))}</b>')]
            for name, c in rec.items()]
    sources = table([loc.t("col_source"), loc.t("col_read"), loc.t("col_used"), loc.t("col_rejected"),
                     loc.t("col_emptied"), loc.t("col_adds_up")], rows, {1, 2, 3, 4}, "compact")
    reasons = m.get("rejects_by_reason", {})
    by_count = sorted(reasons.items(), key=lambda kv: -kv[1])
    rejected = (table([loc.t("col_reason"), loc.t("col_rows")], [[k, loc.count(v)] for k, v in by_count], {1},
                      "compact") if reasons else Html(f'<p>{esc(loc.t("no_rejects"))}</p>'))
    texts = m.get("texts", {})
    languages, n_texts = texts.get("languages", {}), texts.get("total", 0)
    langs = " · ".join(f"{loc.language(k)} {loc.count(v)} ({loc.pct(v / n_texts if n_texts else None)})"
                       for k, v in sorted(languages.items(), key=lambda kv: -kv[1]))
    kinds = loc.t("redaction_kinds")
    redactions = " · ".join(f"{kinds.get(k, k)}: {loc.count(v)}" for k, v in texts.get("redactions", {}).items() if v)
    shares = effort_sources(r)
    effort = loc.t("effort_sources", survey=loc.pct(shares["survey"]), estimated=loc.pct(shares["estimated"]),
                   none=loc.pct(shares["none"]), share=loc.pct(estimated_share(r)))
    warned = warnings_list(r)
    body = join([Html(f'<h3 class="worse">{esc(loc.t("h_warnings"))}</h3>') if warned else Html(""), warned,
                 sources, Html(f'<h3>{esc(loc.t("rejected_by_reason"))}</h3>'), rejected, Html("<dl>"),
                 Html(f'<dt>{esc(loc.t("languages", n=loc.count(n_texts)))}</dt><dd>{esc(langs or "–")}</dd>'),
                 Html(f'<dt>{esc(loc.t("redactions"))}</dt><dd>{esc(redactions or "–")}</dd>'),
                 Html(f'<dd>{esc(loc.t("duplicates", n=loc.count(texts.get("duplicates", 0))))}</dd>'),
                 Html(f"<dd>{esc(effort)}</dd></dl>"), drift_block(r)])
    return _section("quality", loc.t("h_quality"), body)


def drift_block(r: Report) -> Html:
    """The drift subsection of data quality: per-language figures, their warnings, thresholds and trend."""
    loc, d = r.locale, r.manifest.get("drift")
    if not d:
        return Html("")

    def pct(value):
        return loc.pct(None if missing(value) else value)

    def with_ref(value, ref, show):
        return f"{show(value)} ({show(ref)})" if not missing(ref) else show(value)

    rows = [[loc.language(x["language"]), loc.count(x["n_texts"]), pct(x["training_share"]),
             pct(x["unseen_token_share"]),
             with_ref(x["mean_confidence"], x["ref_mean_confidence"], lambda v: loc.num(v, 2)),
             with_ref(x["low_confidence_share"], x["ref_low_confidence_share"], pct),
             " / ".join(pct(x[f"label_{k}"]) for k in ("negative", "neutral", "positive")),
             loc.num(x["domain_auc"], 2)] for x in d.get("languages", [])]
    head = [loc.t(k) for k in ("col_language", "col_texts", "col_training_share", "col_unseen", "col_confidence",
                               "col_low_confidence", "col_label_mix", "col_domain_auc")]
    warned = d.get("warnings", [])
    status = (join([Html('<ul class="worse">'), join(Html(f"<li>{esc(w['message'])}</li>") for w in warned),
                    Html("</ul>")]) if warned else Html(f'<p>{esc(loc.t("drift_ok"))}</p>'))
    th = d.get("thresholds", {})
    limits = loc.t("drift_thresholds", unseen=pct(th.get("unseen_token_share")),
                   rise=loc.pp(th.get("low_confidence_rise")), shift=pct(th.get("label_shift")),
                   auc=loc.num(th.get("domain_auc"), 2), untrained=pct(th.get("untrained_language_share")))
    missing_reference = Html("" if d.get("reference") else f'<p class="note">{esc(loc.t("drift_no_reference"))}</p>')
    return join([Html(f'<h3 id="drift">{esc(loc.t("h_drift"))}</h3><p>{esc(loc.t("drift_intro"))}</p>'), status,
                 table(head, rows, {1, 2, 3, 4, 5, 7}, "compact"), missing_reference, drift_trend(r),
                 Html(f'<p class="note">{esc(limits)}</p>')])


def drift_trend(r: Report) -> Html:
    """Weeks (rows) by language (columns): unknown words · domain AUC, from run.json's `drift.trend`."""
    loc, rows = r.locale, pd.DataFrame(r.manifest.get("drift", {}).get("trend", []))
    if rows.empty or rows["week"].nunique() < 2:
        return Html("")
    languages = [x for x in ("ru", "uk", "fa", "en", "other") if x in set(rows["language"])]
    cells = {(x.week, x.language): f"{loc.pct(None if missing(x.unseen_token_share) else x.unseen_token_share)} · "
                                   f"{loc.num(None if missing(x.domain_auc) else x.domain_auc, 2)}"
             for x in rows.itertuples()}
    weeks = sorted(rows["week"].unique())
    body = [[w, *(cells.get((w, lang), "–") for lang in languages)] for w in weeks]
    return join([Html(f'<h4>{esc(loc.t("drift_trend"))}</h4>'),
                 table([loc.t("col_week"), *(loc.language(x) for x in languages)], body,
                       set(range(1, len(languages) + 1)), "compact")])


def methods(r: Report) -> Html:
    loc, st, m = r.locale, r.settings, r.manifest
    scale = st.get("ces_scale", {"low": 1, "high": 7, "higher_is_easier": True})
    low, high = _int(scale.get("low", 1)), _int(scale.get("high", 7))
    formula = loc.t("formula_easier" if scale.get("higher_is_easier", True) else "formula_harder",
                    low=low, high=high, span=_int(high - low))
    classifier = str(m.get("models", {}).get("classifier", ""))
    taxonomy = classifier.split("taxonomy=")[-1].split(",")[0] if "taxonomy=" in classifier else classifier
    items = [tx(loc, "m_effort", formula=formula), tx(loc, "m_share", target=loc.effort(st.get("target", 0))),
             tx(loc, "m_range", n_boot=st.get("n_boot", "")), tx(loc, "m_high"), tx(loc, "m_scores"),
             tx(loc, "m_pains", taxonomy=taxonomy), tx(loc, "m_impact"), tx(loc, "m_driver"), tx(loc, "m_privacy")]
    corrected = m.get("corrections") or {}
    if corrected.get("files"):
        items.append(tx(loc, "m_corrections", n=loc.count(corrected.get("items", 0)),
                        files=", ".join(Path(f).name for f in corrected["files"])))
    generated = loc.t("generated", at=str(m.get("created_at", ""))[:16].replace("T", " "), version=m.get("version", ""))
    sources = models_note(loc, m.get("models", {}))
    body = join([Html("<ul>"), join(Html(f"<li>{i}</li>") for i in items), Html("</ul>"),
                 Html(f'<p class="note">{esc(generated)} · {esc(classifier)}</p>'),
                 Html(f'<p class="note">{esc(sources)}</p>' if sources else "")])
    return _section("methods", loc.t("h_methods"), body)


def models_note(loc, models: dict) -> str:
    """Which folder each task's model came from (run.json's `models`): `Models: sentiment: my_models/; …`."""
    by_source: dict[str, list[str]] = {}
    for task in ("sentiment", "pain_points", "effort"):
        if isinstance(models.get(task), dict) and models[task].get("source"):
            by_source.setdefault(models[task]["source"], []).append(task)
    return loc.t("model_sources", sources="; ".join(
        f"{', '.join(tasks)}: {loc.t('shipped_models') if source == 'shipped' else source}"
        for source, tasks in by_source.items())) if by_source else ""


def _section(anchor: str, title: str, body: str) -> Html:
    return Html(f'<section id="{anchor}"><h2>{esc(title)}</h2>{body}</section>')


def _frac(percent):
    """A score in % (0–100) as a fraction, for `Locale.pct`."""
    return None if missing(percent) else float(percent) / 100


def _int(value):
    return int(value) if float(value).is_integer() else value


# ---------------------------------------------------------------- the page


def render_page(r: Report) -> str:
    """The whole `report.html` as a string."""
    loc = r.locale
    body = "".join([header(r), alert(r), headline(r), ranking(r), segments(r), heat(r), pains(r), trends(r),
                    cards(r), sentiment(r), quality(r), methods(r)])
    title = esc(f"{loc.t('title')} · {r.week}" if r.week else loc.t("title"))
    return (f'<!doctype html>\n<html lang="{esc(loc.lang)}"><head><meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n<style>{CSS}</style></head>\n<body><main>{body}</main></body></html>\n")


def render_html(touchpoints: pd.DataFrame, drill: pd.DataFrame, items: pd.DataFrame, manifest: dict, scores: dict,
                *, impact: pd.DataFrame | None = None, trend: Trend | None = None, locale: Locale | None = None,
                top_n: int = 3) -> str:
    """`report.html` from the ranking tables, the items and the run's manifest (see `Report`)."""
    return render_page(Report(touchpoints, drill, items, manifest, scores, impact=impact, trend=trend or Trend(),
                              locale=locale or Locale(), top_n=top_n))

