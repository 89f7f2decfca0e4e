"""One typed configuration object, loaded from TOML and overridden by command-line flags."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from feedback_mining.errors import UsageError

SOURCES = ("surveys", "comments", "tickets")
REPORT_LANGUAGES = ("en", "ru")  # the words of report.html, summary.md and touchpoints.xlsx


@dataclass(frozen=True)
class Scale:
    """A numeric answer scale: its bounds and whether a higher answer means less effort."""

    low: float
    high: float
    higher_is_easier: bool = True

    def effort(self, score):
        """Map scores on this scale to effort in [0, 1] (0 = effortless)."""
        span = self.high - self.low
        return (self.high - score) / span if self.higher_is_easier else (score - self.low) / span


@dataclass
class Config:
    """Everything a run needs; every field can come from `weekly.toml` or a flag."""

    surveys: Path | None = None
    comments: Path | None = None
    tickets: Path | None = None
    out: Path = Path("out")
    week: str | None = None
    window_days: float = 14.0
    target: float = 0.0
    chunk_size: int = 20_000
    n_jobs: int = -1  # processes for the text stages (-1: every core); used from 20,000 texts on
    n_boot: int = 200
    seed: int = 0
    # per source: {name in our contract: name in the user's file}
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    # normalised raw touchpoint name -> canonical id, on top of the built-in aliases
    touchpoint_aliases: dict[str, str] = field(default_factory=dict)
    ces_scale: Scale = Scale(1, 7, higher_is_easier=True)
    csat_scale: Scale = Scale(1, 5)
    taxonomy: Path | None = None
    sentiment_lexicon: Path | None = None
    models: Path | None = None  # a model directory written by `train`; None: the shipped models; "lexicon": none
    # ticket fields as pain-point evidence: contacts >= repeat_contacts -> repeat_contact; closed after
    # more than waiting_hours -> waiting
    repeat_contacts: int = 3
    waiting_hours: float = 72.0
    by: str | None = None  # repeat the ranking per value of this item column (e.g. language, segment)
    history: Path | None = None  # None: $FEEDBACK_MINING_HISTORY, else feedback_mining_history.duckdb in the cwd
    store_history: bool = True
    report_lang: str = "en"  # one of REPORT_LANGUAGES

    def inputs(self) -> dict[str, Path]:
        """The input paths that are set, by source name."""
        return {s: getattr(self, s) for s in SOURCES if getattr(self, s) is not None}


_PATH_FIELDS = {"surveys", "comments", "tickets", "out", "taxonomy", "sentiment_lexicon", "history", "models"}


def load_config(path: Path) -> Config:
    """Read a TOML config; paths in it are relative to the file's folder."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: not valid TOML: {e}") from None
    return config_from_dict(raw, base=Path(path).parent, origin=str(path))


def config_from_dict(raw: dict, base: Path = Path("."), origin: str = "config") -> Config:
    """Build a Config from a parsed TOML table, rejecting unknown keys by name."""
    known = {f.name for f in dataclasses.fields(Config)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise UsageError(f"{origin}: unknown setting(s) {unknown}; known: {sorted(known)}")
    values = {}
    for key, value in raw.items():
        if key in _PATH_FIELDS:
            value = base / value
        elif key == "report_lang" and value not in REPORT_LANGUAGES:
            raise UsageError(f"{origin}: report_lang {value!r}: use one of {list(REPORT_LANGUAGES)}")
        elif key in ("ces_scale", "csat_scale"):
            value = _scale(value, f"{origin}: {key}")
        values[key] = value
    return Config(**values)


def _scale(table, where) -> Scale:
    try:
        scale = Scale(float(table["low"]), float(table["high"]), bool(table.get("higher_is_easier", True)))
    except (KeyError, TypeError, ValueError):
        raise UsageError(f"{where} needs low, high and optional higher_is_easier, e.g. "
                         "{ low = 1, high = 7, higher_is_easier = true }") from None
    if scale.high <= scale.low:
        raise UsageError(f"{where}: high ({scale.high}) must be above low ({scale.low})")
    return scale
