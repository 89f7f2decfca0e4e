"""`summary.md`: the week in a dozen lines, short enough to paste into a chat or an e-mail."""

from __future__ import annotations

import re

from feedback_mining.report.model import (
    Report,
    any_significant,
    compared_week,
    has_deltas,
    pain_overview,
    score_changes,
    top_pains,
)


def md(text) -> str:
    """Customer-derived text made inert in Markdown: no markup characters, no line breaks."""
    return re.sub(r"([\\`*_\[\]<>#|~!])", r"\\\1", " ".join(str(text).split()))


def render_markdown(r: Report, n: int = 5) -> str:
    """The top touchpoints and pain points with their shares and changes, and the headline scores."""
    loc, s = r.locale, r.scores
    changes, previous = score_changes(r), r.trend.previous

    def score(key, text, change_text):
        return f"{text} ({change_text})" if previous and changes[key] is not None else text

    csat = None if s.get("csat") is None else s["csat"] / 100
    csat_change = None if changes["csat"] is None else changes["csat"] / 100
    warnings = [f"**⚠ {loc.t('h_warnings')}**", *(f"- {md(w.get('message', ''))}" for w in
                                                   r.manifest.get("warnings", [])), ""]
    alerts = r.manifest.get("alerts")
    if alerts is not None:  # the alerts hold the warnings too
        warnings = [f"**🔔 {loc.t('md_alerts', n=len(alerts))}**", *(f"- {md(a.get('message', ''))}" for a in alerts),
                    ""] if alerts else []
    lines = [f"**{loc.t('md_title', week=md(r.week))}**", "", *(warnings if len(warnings) > 2 else []),
             loc.t("md_scores", n=loc.count(s.get("n_items", len(r.items))),
                   ces=score("ces_mean", loc.num(s.get("ces_mean"), 2), loc.num(changes["ces_mean"], 2, True)),
                   csat=score("csat", loc.pct(csat), loc.pp(csat_change)),
                   nps=score("nps", loc.num(s.get("nps"), 0, True), loc.num(changes["nps"], 0, True)),
                   happiness=score("happiness", loc.num(s.get("happiness"), 1),
                                   loc.num(changes["happiness"], 1, True))), ""]

    compare = has_deltas(r)
    week = compared_week(r)
    lines.append(loc.t("md_touchpoints", vs=loc.versus("md_vs", md(week) if week else None) if compare else ""))
    shown = r.touchpoints.head(n)
    for x in shown.itertuples():
        change = f" ({loc.pp(x.delta_share)}{' ●' if x.change_significant else ''})" if compare else ""
        pains = loc.pains(list(top_pains(r, x.touchpoint)["pain_point"])).lower() or loc.t("none_detected")
        lines.append(f"{x.rank}. {md(loc.touchpoint(x.touchpoint))}: **{loc.pct(x.share)}**{change}; {md(pains)}")
    if compare and any_significant(shown):
        lines.append(f"_{loc.t('significant')}_")  # the legend of ●
    pains = pain_overview(r).head(n)
    lines += ["", loc.t("md_pains")]
    for p in pains.itertuples():
        change = f" ({loc.pp(p.delta_share)})" if p.delta_share == p.delta_share else ""
        impact = loc.t("md_impact", impact=loc.num(p.impact * 100, 1)) if p.impact == p.impact else ""
        lines.append(f"- {md(loc.pain(p.pain_point))}: **{loc.pct(p.share)}**{change}" + (f"; {impact}" if impact
                                                                                         else ""))
    lines += ["", f"_{loc.t('md_footer')}_"]
    return "\n".join(lines) + "\n"
