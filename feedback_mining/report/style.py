"""The page's CSS: one inline <style>, system fonts, print-friendly, and readable on a phone."""

CSS = """
:root{--ink:#1f2328;--muted:#5d6670;--line:#e2e5e9;--bg:#f4f5f7;--accent:#0072B2;--worse:#B34700;--better:#00795A}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif}
main{max-width:1160px;margin:0 auto;padding:28px 28px 56px}
header.top h1{font-size:30px;margin:0;line-height:1.2}
header.top .week{font-size:18px;margin:4px 0 0;font-weight:600}
.sub,.note,.muted{color:var(--muted)}
.note{font-size:13px}
nav{margin-top:10px;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:14px}
nav a,a{color:var(--accent);text-decoration:none}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:20px 26px;margin:18px 0}
h2{font-size:21px;margin:0 0 10px}
h3{font-size:17px;margin:14px 0 6px}
h4{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:14px 0 6px}
.intro{max-width:80ch;margin:0 0 8px}
.kpis{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:12px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.kpi-label{font-size:13px;color:var(--muted);font-weight:600}
.kpi-value{font-size:32px;font-weight:700;line-height:1.25;font-variant-numeric:tabular-nums}
.kpi-delta{font-size:13px}
.kpi-note{font-size:12px;color:var(--muted);margin-top:2px}
.findings{margin:14px 0 0;padding-left:20px}
.findings li{margin:3px 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:10px 0}
th{font-weight:600;text-align:left;color:var(--muted);border-bottom:2px solid var(--line);padding:6px 8px;
vertical-align:bottom;font-size:12.5px}
td{border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:top}
th.n{text-align:right}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:hover{background:#f8f9fb}
table.compact{width:auto;min-width:50%}
table.ranking td:nth-child(2){min-width:8em;overflow-wrap:anywhere}
table.ranking td:last-child{min-width:170px}
small.could-be{display:block}
table.ranking th:nth-child(3){min-width:130px}
small.range{display:block;color:var(--muted);font-size:12px}
.seg-tp{display:inline-block}
.worse{color:var(--worse)}.better{color:var(--better)}
svg.chart{width:100%;height:auto;display:block;margin:8px 0}
.cards{display:grid;gap:14px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 20px 14px}
.card h3{font-size:19px;margin:4px 0 2px}
.card .rank{color:var(--accent)}
.card .share{margin:0;font-weight:600}
.card .stats{margin:2px 0 0;color:var(--muted);font-size:13.5px}
.pbs{display:grid;gap:4px;max-width:640px}
.pb{display:grid;grid-template-columns:220px 1fr 52px;gap:10px;align-items:center;font-size:14px}
.pb-track{background:#eef1f4;height:10px;border-radius:5px;overflow:hidden}
.pb-fill{display:block;height:100%;background:#D55E00}
.pb .n{text-align:right;font-variant-numeric:tabular-nums}
blockquote{margin:8px 0;padding:8px 14px;border-left:4px solid #E69F00;background:#fbf9f4;border-radius:4px}
blockquote .quote{margin:0;white-space:pre-wrap;unicode-bidi:plaintext}
blockquote .quote[dir=rtl]{text-align:right;font-family:Tahoma,"Noto Sans Arabic","Vazirmatn","Segoe UI",sans-serif}
blockquote footer{font-size:12px;color:var(--muted);margin-top:3px}
dl{margin:12px 0 0}dt{font-weight:600;margin-top:8px}dd{margin:2px 0 0}
section#methods li{margin:4px 0;max-width:90ch}
@media (max-width:760px){.kpis{grid-template-columns:repeat(2,minmax(0,1fr))}.pb{grid-template-columns:130px 1fr 48px}}
@media print{body{background:#fff}section{break-inside:avoid;border:none;padding:8px 0}nav{display:none}}
.alert{background:#fff4e5;border:2px solid var(--worse);border-radius:10px;padding:14px 26px;margin:18px 0}
.alert h2{color:var(--worse)}
"""
