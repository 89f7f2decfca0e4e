"""Shared fixtures: tiny term files and a small hand-made week, so tests never depend on shipped data."""

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from feedback_mining.config import Config

# In CI the property tests replay the same examples every run, so a landing never hangs on a lucky draw;
# locally they explore new ones each run.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "default")

TAXONOMY = """
version = "test-1"
[pain_points.waiting]
en = ["wait*", "queue"]
ru = ["ждать", "очередь", "долго"]
[pain_points.technical]
en = ["crash*", "error"]
ru = ["не работать", "ошибка"]
[pain_points.transfer]
en = ["another department"]
ru = ["другой отдел"]
"""

SENTIMENT = """
version = "test-1"
[positive]
en = ["great", "easy"]
ru = ["удобно", "спасибо"]
emoji = ["👍"]
[negative]
en = ["terrible"]
ru = ["ужасный"]
emoji = ["😡"]
"""


@pytest.fixture(autouse=True, scope="session")
def history_outside_the_working_directory(tmp_path_factory):
    """Runs that store their week without --history write to a temporary file, never to the working directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FEEDBACK_MINING_HISTORY", str(tmp_path_factory.mktemp("history") / "history.duckdb"))
        yield


@pytest.fixture
def term_files(tmp_path) -> tuple[Path, Path]:
    taxonomy, sentiment = tmp_path / "taxonomy.toml", tmp_path / "sentiment.toml"
    taxonomy.write_text(TAXONOMY, encoding="utf-8")
    sentiment.write_text(SENTIMENT, encoding="utf-8")
    return taxonomy, sentiment


@pytest.fixture
def config(term_files) -> Config:
    return Config(taxonomy=term_files[0], sentiment_lexicon=term_files[1], n_boot=50)


def frame(rows: list[dict]) -> pd.DataFrame:
    """A frame of strings, as a CSV export would give."""
    return pd.DataFrame(rows).fillna("").astype(str)


@pytest.fixture
def week() -> dict[str, pd.DataFrame]:
    """Four surveys (one with a bad CES), two comments (one orphan), two tickets (one joins R1)."""
    surveys = frame([
        {"response_id": "R1", "customer_id": "C1", "touchpoint": "Call Center", "submitted_at": "2026-11-17T10:00:00",
         "ces": "2", "csat": "2", "nps": "3"},
        {"response_id": "R2", "customer_id": "C2", "touchpoint": "call-center", "submitted_at": "2026-11-18T10:00:00",
         "ces": "4", "csat": "3", "nps": "7"},
        {"response_id": "R3", "customer_id": "C3", "touchpoint": "App", "submitted_at": "2026-11-18", "ces": "7",
         "csat": "5", "nps": "10"},
        {"response_id": "R4", "customer_id": "C4", "touchpoint": "Колл-центр", "submitted_at": "2026-11-19",
         "ces": "abc"},
    ])
    comments = frame([
        {"response_id": "R1", "text": "Ждал в очереди очень долго, ужасный сервис 😡 звоните +7 916 123-45-67"},
        {"response_id": "R9", "text": "App crashes with an error"},
    ])
    tickets = frame([
        {"ticket_id": "T1", "customer_id": "C1", "touchpoint": "chat", "created_at": "2026-11-10T09:00:00",
         "subject": "Помогите", "body": "<p>Перевели в другой отдел, не работает приложение</p>"},
        {"ticket_id": "T2", "customer_id": "C5", "touchpoint": "email", "created_at": "2026-11-11T08:00:00",
         "subject": "Help", "body": "I waited for a week"},
    ])
    return {"surveys": surveys, "comments": comments, "tickets": tickets}
