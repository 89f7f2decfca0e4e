"""A week for report tests: the example generator's data, smaller, plus customers who write markup at us.

The hostile texts are entity-encoded, as they arrive from an HTML form, so that they survive cleaning as literal
`<script>` and friends and reach the report, where they must stay text.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from feedback_mining.config import Config
from feedback_mining.example import make_example
from feedback_mining.history import store_week
from feedback_mining.pipeline import run_job
from feedback_mining.rank import drill_down, overall_scores, rank_touchpoints
from feedback_mining.report import write_outputs

WEEK = "2026-W47"
HOSTILE_TOUCHPOINT = "<img src=x onerror=alert(6)>"
MARKUP = ("&lt;script&gt;alert('xss')&lt;/script&gt;&lt;/title&gt;&lt;title&gt;pwned&lt;/title&gt;"
          "&lt;img src=x onerror=alert(2)&gt;\"&gt;&lt;svg onload=alert(3)&gt;&lt;/blockquote&gt;"
          "&lt;style&gt;body{display:none}&lt;/style&gt;")
HOSTILE = [  # (response id, text); ids sort first, so at equal effort these are the quotes chosen
    # all the markup in comments about two of the call centre's largest pain points, so that it is quoted
    ("A0001", MARKUP + " Ждал в очереди два часа, ждал очень долго, ужасное ожидание"),
    ("A0002", MARKUP + " &lt;b&gt;Перевели&lt;/b&gt; в другой отдел, проблема так и не решена, никто не помог"),
    ("A0003", "&lt;i&gt;I called again and again&lt;/i&gt;, third time this week"),
    ("A0004", "=HYPERLINK(\"x\") &lt;iframe src=//evil.example&gt;&lt;/iframe&gt; the app crashes with an error"),
]
PERSIAN = ("A0005", "برنامه موقع پرداخت خطا میده و اصلا باز نمیشه، خیلی منتظر ماندم")  # the app's top quote
TEXT_MARKERS = ["<script>alert('xss')</script>", "<title>pwned</title>", "<svg onload=alert(3)>"]
SEGMENTS = ["retail", "business", "<script>alert('segment')</script>"]  # a survey column for --by segment


def as_strings(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {name: frame.fillna("").astype(str) for name, frame in frames.items()}


def hostile_week(n_surveys: int = 500) -> dict[str, pd.DataFrame]:
    """The example week (`n_surveys` responses) with the `HOSTILE` comments on the hardest call-centre surveys, a
    Persian one on the app, and one survey from a touchpoint whose name is markup."""
    frames = as_strings(make_example(n_surveys=n_surveys))
    surveys = [{"response_id": rid, "customer_id": f"CH{i}", "touchpoint": "Call Center",
                "submitted_at": "2026-11-17T10:00:00", "ces": "1", "csat": "1", "nps": "0"}
               for i, (rid, _) in enumerate(HOSTILE)]
    surveys.append({"response_id": PERSIAN[0], "customer_id": "CH5", "touchpoint": "Mobile App",
                    "submitted_at": "2026-11-18T11:00:00", "ces": "1"})
    surveys.append({"response_id": "A0009", "customer_id": "CH9", "touchpoint": HOSTILE_TOUCHPOINT,
                    "submitted_at": "2026-11-18T10:00:00", "ces": "2"})
    comments = [{"response_id": rid, "text": text} for rid, text in HOSTILE]
    comments += [{"response_id": PERSIAN[0], "text": PERSIAN[1]},
                 {"response_id": "A0009", "text": "Долго ждал, очередь"}]
    frames["surveys"] = pd.concat([frames["surveys"], pd.DataFrame(surveys)], ignore_index=True).fillna("")
    frames["comments"] = pd.concat([frames["comments"], pd.DataFrame(comments)], ignore_index=True).fillna("")
    return frames


def run_week(frames: dict[str, pd.DataFrame], config: Config | None = None):
    return run_job(config or Config(n_boot=40), frames=frames)


@lru_cache(maxsize=1)
def hostile_result():
    """The run of `hostile_week()`, computed once per test session (read it, never change it)."""
    return run_week(hostile_week())


@lru_cache(maxsize=1)
def segment_result():
    """A smaller hostile week run with `--by segment`, the surveys' `segment` cycling through `SEGMENTS`, one of
    which is markup (computed once per test session; read it, never change it)."""
    frames = hostile_week(200)
    surveys = frames["surveys"]
    frames["surveys"] = surveys.assign(segment=[SEGMENTS[i % len(SEGMENTS)] for i in range(len(surveys))])
    return run_week(frames, Config(n_boot=20, by="segment"))


def store_earlier_weeks(result, path: Path, weeks=("2026-W45", "2026-W46")) -> Path:
    """Store `weeks` in a history file as copies of this week with shifted shares and scores, for the trends."""
    touchpoints, drill, scores = rank_touchpoints(result.parts), drill_down(result.parts), overall_scores(result.parts)
    for k, week in enumerate(weeks):
        factor = [1.0 + 0.1 * ((i + k) % 3 - 1) for i in range(len(touchpoints))]
        shifted = touchpoints.assign(contributed_effort=touchpoints["contributed_effort"] * factor)
        shifted = shifted.assign(share=shifted["contributed_effort"] / shifted["contributed_effort"].sum())
        shifted = shifted.sort_values("contributed_effort", ascending=False).assign(rank=range(1, len(shifted) + 1))
        earlier = {**scores, "ces_mean": scores["ces_mean"] - 0.1 * (k + 1), "nps": scores["nps"] - 2 * (k + 1)}
        store_week(path, week, shifted, drill, {"week": week, "items": {"total": len(result.items)},
                                                "scores": earlier})
    return path


@lru_cache(maxsize=1)
def written_reports() -> dict[str, dict[str, Path]]:
    """Every output file of `hostile_result()` in English and Russian (`{lang: {name: path}}`), with two earlier
    weeks in the history; written once per test session into a temporary folder removed at exit."""
    tmp = Path(tempfile.mkdtemp(prefix="feedback-mining-report-test-"))
    atexit.register(shutil.rmtree, tmp, True)
    result = hostile_result()
    history = store_earlier_weeks(result, tmp / "history.duckdb")
    return {lang: write_outputs(result, tmp / lang, config=Config(report_lang=lang), history=history)
            for lang in ("en", "ru")}
