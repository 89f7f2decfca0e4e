"""One typed configuration object, loaded from TOML and overridden by command-line flags, checked against one
schema (`SETTINGS`) whichever way a value came in: a wrong type, an unknown key or section (with the closest
valid name), a value out of range or a malformed week is a usage error naming the key and the fix."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from feedback_mining.errors import UsageError

SOURCES = ("surveys", "comments", "tickets")
REPORT_LANGUAGES = ("en", "ru")  # the words of report.html, summary.md and touchpoints.xlsx
FAIL_ON = ("alerts",)  # `fail_on`: what makes `run` exit 3 (after every output and the history are written)
DATE_ORDERS = ("dayfirst", "monthfirst")  # for slashed dates (11/23/2026) besides strftime formats


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

    def toml(self) -> str:
        """The scale as the config writes it: `{ low = 1, high = 5, higher_is_easier = false }`."""
        return (f"{{ low = {self.low:g}, high = {self.high:g}, "
                f"higher_is_easier = {str(self.higher_is_easier).lower()} }}")

    def flag(self) -> str:
        """The scale as the `--ces-scale` flag takes it: `1-5,lower-is-easier`."""
        return f"{self.low:g}-{self.high:g},{'higher' if self.higher_is_easier else 'lower'}-is-easier"


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
    engine: str = "local"  # where the partitions run: `local` (this machine) or `dask` (engines.py)
    scheduler: str | None = None  # a Dask scheduler address (tcp://host:8786); None: a local cluster
    workers: int = 2  # worker processes of the local Dask cluster
    partition_size: int = 25_000  # surveys and tickets per partition (memory holds about one at a time)
    n_boot: int = 200
    seed: int = 0
    # per source: {name in our contract: name in the user's file}
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    # normalised raw touchpoint name -> canonical id, on top of the built-in aliases
    touchpoint_aliases: dict[str, str] = field(default_factory=dict)
    ces_scale: Scale = Scale(1, 7, higher_is_easier=True)
    csat_scale: Scale = Scale(1, 5)
    trust_scales: bool = False  # skip the checks that the data fit the scales (stray values are still emptied)
    date_format: str | None = None  # a strftime format (%m/%d/%Y %H:%M), `dayfirst` or `monthfirst`
    sheet: dict[str, str] = field(default_factory=dict)  # XLSX sheet per source ("*": every source)
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
    review_size: int = 200  # texts in review.csv, the week's review queue (review.py)
    corrections: list[Path] = field(default_factory=list)  # reviewed files applied to every run (corrections.py)
    quiet: bool = False
    fail_on: str | None = None  # "alerts": exit 3 when any alert fires (feedback_mining.alerts)
    stated: frozenset = frozenset()  # the settings the user gave (config file or flag), e.g. a confirmed ces_scale

    def inputs(self) -> dict[str, Path]:
        """The input paths that are set, by source name."""
        return {s: getattr(self, s) for s in SOURCES if getattr(self, s) is not None}

    def sheet_of(self, source: str) -> str | None:
        """The XLSX sheet to read for `source` (None: the first)."""
        return self.sheet.get(source, self.sheet.get("*"))

    def scale_confirmed(self, name: str) -> bool:
        """The user stated this scale (or `trust_scales`): the data checks only warn."""
        return self.trust_scales or name in self.stated


# ---------------------------------------------------------------- checks, one per kind of value


def check_week(text) -> str:
    """An ISO week label `2026-W47` that exists (W53 only in years that have one)."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", str(text)) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not an ISO week; write it like 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    weeks_in_year = datetime.date(year, 12, 28).isocalendar()[1]
    if not 1 <= week <= weeks_in_year:
        raise ValueError(f"{text!r}: {year} has weeks W01-W{weeks_in_year}")
    return text


def parse_scale(text: str) -> Scale:
    """`1-7`, `1-5,lower-is-easier`, `0-10,higher-is-easier` -> Scale."""
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*(?:,\s*(higher|lower)-is-easier)?\s*",
                         str(text))
    if not match:
        raise ValueError(f"{text!r}: write LOW-HIGH with an optional direction, e.g. 1-7 or 1-5,lower-is-easier")
    return _checked_scale(Scale(float(match.group(1)), float(match.group(2)), match.group(3) != "lower"))


def _checked_scale(scale: Scale) -> Scale:
    if scale.high <= scale.low:
        raise ValueError(f"high ({scale.high:g}) must be above low ({scale.low:g})")
    return scale


def _scale_table(value) -> Scale:
    if isinstance(value, Scale):
        return value
    if isinstance(value, str):
        return parse_scale(value)
    if not isinstance(value, dict) or not {"low", "high"} <= set(value) or set(value) - {"low", "high",
                                                                                      "higher_is_easier"}:
        raise ValueError("needs low, high and optional higher_is_easier, e.g. "
                         "{ low = 1, high = 7, higher_is_easier = true }")
    low, high, easier = value["low"], value["high"], value.get("higher_is_easier", True)
    if not all(_is_number(v) for v in (low, high)) or not isinstance(easier, bool):
        raise ValueError("low and high are numbers, higher_is_easier is true or false (no quotes)")
    return _checked_scale(Scale(float(low), float(high), easier))


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(low=None, high=None, integer=False, above=False):
    """A check for a number (an integer with `integer`) in [low, high] (above `low` with `above`)."""
    def check(value):
        if not _is_number(value) or (integer and not isinstance(value, int)):
            raise ValueError(f"{value!r} is not {'a whole number' if integer else 'a number'}")
        if low is not None and (value <= low if above else value < low):
            raise ValueError(f"{value!r} must be {'above' if above else 'at least'} {low:g}")
        if high is not None and value > high:
            raise ValueError(f"{value!r} must be at most {high:g}")
        return value
    return check


def _boolean(value):
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false (write it without quotes: true / false)")
    return value


def _text(value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a non-empty text (write it in quotes)")
    return value


def _path(value):
    if isinstance(value, Path):
        return value
    return Path(_text(value))


def _paths(value):
    """One path or a list of paths (`corrections = ["a.csv", "b.xlsx"]`)."""
    if isinstance(value, (str, Path)):
        return [_path(value)]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{value!r} is not a path or a list of paths (write \"file.csv\" or [\"a.csv\", \"b.csv\"])")
    return [_path(v) for v in value]


def _choice(options):
    def check(value):
        if value not in options:
            raise ValueError(f"{value!r}: use one of {list(options)}")
        return value
    return check


def _n_jobs(value):
    value = _number(integer=True)(value)
    if value == 0:
        raise ValueError("0 processes: use a positive number, or -1 for every core")
    return value


def _date_format(value):
    value = _text(value)
    if value not in DATE_ORDERS and "%" not in value:
        raise ValueError(f"{value!r}: give a strftime format such as '%m/%d/%Y %H:%M', or one of {list(DATE_ORDERS)}")
    return value


def _table_of_text(value, keys=None, what="key"):
    if not isinstance(value, dict):
        raise ValueError(f"{value!r} is not a table; write it as a [section] of key = \"value\" lines")
    for key, item in value.items():
        if keys is not None and key not in keys:
            raise ValueError(f"unknown {what} {key!r}{_closest(key, keys)}")
        if not isinstance(item, str):
            raise ValueError(f"{key} = {item!r}: write the value in quotes")
    return dict(value)


def _columns(value):
    from feedback_mining.read import OPTIONAL, REQUIRED  # the contract's column names live with the reader

    if not isinstance(value, dict):
        raise ValueError(f"{value!r} is not a table; write [columns.surveys] and then our_name = \"your name\" lines")
    out = {}
    for source, mapping in value.items():
        if source not in SOURCES:
            raise ValueError(f"unknown section [columns.{source}]{_closest(source, SOURCES)}; "
                             f"the sections are {[f'columns.{s}' for s in SOURCES]}")
        out[source] = _table_of_text(mapping, [*REQUIRED[source], *OPTIONAL[source]], f"{source} column")
    return out


def _sheet(value):
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return {"*": str(value)}
    if isinstance(value, str):
        return {"*": _text(value)}
    if isinstance(value, dict):
        return {k: str(v) for k, v in _table_of_text({k: str(v) if isinstance(v, int) else v
                                                      for k, v in value.items()}, SOURCES, "source").items()}
    raise ValueError(f"{value!r}: a sheet name, a number from 1, or a table per source "
                     "([sheet] surveys = \"Data\")")


# Every setting a config file may hold, and its check (a function returning the value or raising ValueError).
SETTINGS = {
    "surveys": _path, "comments": _path, "tickets": _path, "out": _path, "taxonomy": _path,
    "sentiment_lexicon": _path, "history": _path, "models": _path,
    "week": check_week,
    "window_days": _number(0), "target": _number(0, 1), "waiting_hours": _number(0, above=True),
    "chunk_size": _number(1, integer=True), "n_jobs": _n_jobs,
    "engine": _choice(("local", "dask")), "scheduler": _text, "workers": _number(1, integer=True),
    "partition_size": _number(1, integer=True), "n_boot": _number(10, integer=True),
    "seed": _number(0, integer=True), "repeat_contacts": _number(1, integer=True),
    "columns": _columns, "touchpoint_aliases": _table_of_text,
    "ces_scale": _scale_table, "csat_scale": _scale_table, "trust_scales": _boolean,
    "date_format": _date_format, "sheet": _sheet,
    "by": _text, "store_history": _boolean, "report_lang": _choice(REPORT_LANGUAGES), "quiet": _boolean,
    "review_size": _number(0, integer=True), "corrections": _paths,
    "fail_on": _choice(FAIL_ON),
}
PATHS = {"surveys", "comments", "tickets", "out", "taxonomy", "sentiment_lexicon", "history", "models"}
PATH_LISTS = {"corrections"}  # lists of paths, each relative to the config file like PATHS
assert set(SETTINGS) == {f.name for f in dataclasses.fields(Config)} - {"stated"}


def _closest(name: str, names) -> str:
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def checked(values: dict, origin: str, base: Path | None = None) -> dict:
    """The values checked against SETTINGS (paths relative to `base`); a usage error names the first bad key."""
    out = {}
    for key, value in values.items():
        if key not in SETTINGS:
            raise UsageError(f"{origin}: unknown setting {key!r}{_closest(key, SETTINGS)}; "
                             f"the settings are {sorted(SETTINGS)}")
        try:
            value = SETTINGS[key](value)
        except ValueError as e:
            raise UsageError(f"{origin}: {key}: {e}") from None
        if key in PATHS and base is not None and not Path(value).is_absolute():
            value = base / value
        if key in PATH_LISTS and base is not None:
            value = [p if p.is_absolute() else base / p for p in value]
        out[key] = value
    return out


def load_config(path: Path) -> Config:
    """Read a TOML config; paths in it are relative to the file's folder."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: cannot read the config ({e})") from None
    return config_from_dict(raw, base=Path(path).parent, origin=str(path))


def config_from_dict(raw: dict, base: Path = Path("."), origin: str = "config") -> Config:
    """Build a Config from a parsed TOML table, checking every key against SETTINGS."""
    values = checked(raw, origin, base)
    return Config(**values, stated=frozenset(values))


def with_flags(config: Config, flags: dict) -> Config:
    """`config` overridden by command-line values (checked like the config's)."""
    values = checked(flags, "command line")
    return dataclasses.replace(config, **values, stated=config.stated | frozenset(values))
