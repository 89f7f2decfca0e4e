"""Checks that the data agree with the configuration, so a misread input never becomes a confident report.

Each check either raises a usage error (exit 2) that names the file, the column, what the values look like and
the config line or flag that fixes it, or returns warnings (`DataWarning`) that the CLI prints and `run.json`, the
report and `summary.md` show. A check stops the run only when the user has not stated the setting it doubts:
a scale given in the config or by a flag (or `trust_scales`) is taken as confirmed, and then only warned about.

- scales (`scale_problems`): answers outside a survey scale in more than a few rows (`STRAY_ROWS`), or answers
  that never reach the top of it while ending exactly where a common smaller scale ends (1-5 read as 1-7);
- direction (`direction_problems`): CES or CSAT moving with the comments' sentiment the wrong way (effort
  falling as the comments turn negative: a reversed scale), by Spearman's rank correlation;
- usable rows (`check_usable`): a source whose every row was rejected;
- weeks (`week_of`): the items' week against `--week`, and data spanning weeks;
- `--by` (`check_by`): the column exists in an input (or is an item column), with the closest name suggested.
"""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from feedback_mining.config import Config, Scale
from feedback_mining.errors import UsageError
from feedback_mining.values import parse_scores

STRAY_ROWS = 5, 0.01  # more answers than both of these outside the scale is a misread scale, not typos
MIN_ANSWERS = 30  # fewer answers than this: too few to say a scale's top is never reached
COMMON_TOPS = (5, 7, 10)  # ends of common survey scales (1-5, 1-7, 0/1-10)
MIN_PAIRS, REVERSED_RHO, REVERSED_Z = 50, -0.1, 3.0  # direction: enough pairs, a clear negative correlation
WEEK_TOLERANCE = 0.05  # with --week, more than this share of dated rows outside it is an error
CONFIGURABLE = {"ces": "ces_scale", "csat": "csat_scale"}
SCORE_NAMES = {"ces": "CES", "csat": "CSAT", "nps": "NPS", "happiness": "happiness"}


@dataclass(frozen=True)
class DataWarning:
    """A problem the run went on with: which check, and what to tell the user."""

    check: str
    message: str

    def as_dict(self) -> dict:
        return {"check": self.check, "message": self.message}


# ---------------------------------------------------------------- scales


def scale_problems(frame: pd.DataFrame, scales: dict[str, Scale], config: Config, path) -> list[DataWarning]:
    """Warnings for the score columns whose answers do not fit their scale; raises a usage error for the first
    such column whose scale the user has not confirmed."""
    warnings = []
    for column, scale in scales.items():
        if column not in frame.columns:
            continue
        values, _ = parse_scores(frame[column].astype(str), -np.inf, np.inf)
        problem = _misfit(values.dropna(), scale)
        if problem is None:
            continue
        message = _scale_message(path, column, values.dropna(), scale, problem, config)
        if not config.scale_confirmed(CONFIGURABLE.get(column, "")):
            raise UsageError(message)
        warnings.append(DataWarning("scale", message))
    return warnings


def _misfit(values: pd.Series, scale: Scale) -> str | None:
    """`outside` (more than a few answers off the scale), `short` (the top never reached, the answers ending
    where a common smaller scale ends), or None."""
    outside = int(((values < scale.low) | (values > scale.high)).sum())
    if outside > max(STRAY_ROWS[0], STRAY_ROWS[1] * len(values)):
        return "outside"
    inside = common(values[(values >= scale.low) & (values <= scale.high)])
    if len(inside) >= MIN_ANSWERS and inside.max() <= scale.high - 2 and inside.max() in COMMON_TOPS \
            and inside.min() <= scale.low + 1:
        return "short"
    return None


def common(values: pd.Series) -> pd.Series:
    """The answers without rare values (a value given by at most 2 answers, or 0.2% of them): stray typos."""
    counts = values.value_counts()
    return values[values.map(counts) > max(2, 0.002 * len(values))]


def likely_scale(values: pd.Series) -> tuple[float, float] | None:
    """The smallest common scale holding every answer but the rare ones: 1-5, 1-7, 1-10 or 0-10."""
    values = common(values)
    if values.empty:
        return None
    low, high = values.min(), values.max()
    for lo, hi in ((1, 5), (1, 7), (1, 10), (0, 10)):
        if low >= lo and high <= hi:
            return lo, hi
    return None


def _scale_message(path, column, values: pd.Series, scale: Scale, problem: str, config: Config) -> str:
    name = SCORE_NAMES.get(column, column)
    theirs = config.columns.get("surveys", {}).get(column)
    where = f"{path}, column {column!r}" + (f" (your {theirs!r})" if theirs else "")
    better = "easier" if column == "ces" else "better"
    direction = f"higher = {better}" if scale.higher_is_easier else f"lower = {better}"
    stated = "as configured" if CONFIGURABLE.get(column, "") in config.stated else "the default"
    outside = int(((values < scale.low) | (values > scale.high)).sum())
    usual = common(values)
    low, high = (usual.min(), usual.max()) if len(usual) else (values.min(), values.max())
    seen = (f"{len(values):,} answers run {low + 0:g}-{high + 0:g}"
            + (f" (median {values.median() + 0:g}; {outside:,} outside {scale.low:g}-{scale.high:g})"
               if problem == "outside" else f" (median {values.median() + 0:g}; hardly any above {high + 0:g})"))
    text = f"{where}: {seen}, but the {name} scale is {scale.low:g}-{scale.high:g} ({direction}, {stated})"
    if problem == "outside":
        text += "; these answers would be emptied one by one"
    guess = likely_scale(values)
    key = CONFIGURABLE.get(column)
    if key is None:
        return (text + f". {name} is always read on {scale.low:g}-{scale.high:g}: check that the column mapping "
                f"([columns.surveys] {column} = \"...\") points at the {name} answers, or pass --trust-scales to "
                "empty the stray answers and go on")
    if guess is None:
        return text + (f". No common scale holds them: check that [columns.surveys] {column} = \"...\" points at "
                       f"the {name} answers, or state the scale with {key} = {{ low = ..., high = ... }}")
    suggested = Scale(*guess, higher_is_easier=not (column == "ces" and guess == (1, 5)) and scale.higher_is_easier)
    text += (f". They look like a {guess[0]:g}-{guess[1]:g} scale: if so, put `{key} = {suggested.toml()}` in "
             f"the config or pass --{key.replace('_', '-')} {suggested.flag()}")
    if column == "ces" and guess == (1, 5):
        text += " (1 = very low effort; higher-is-easier if 5 means 'strongly agree it was easy')"
    return text + (f"; if {scale.low:g}-{scale.high:g} is right, confirm it with "
                   f"--{key.replace('_', '-')} {scale.flag()}")


# ---------------------------------------------------------------- direction


def direction_counts(items: pd.DataFrame, config: Config) -> dict[str, pd.Series]:
    """Per configured score column, how many items have each (effort, negativity) pair: the mergeable part of
    `direction_problems` (answers and sentiments take few values, so the counts give the exact rank correlation)."""
    if "sentiment" not in items:
        return {}
    negativity = items["sentiment"].map({"negative": 1.0, "neutral": 0.0, "positive": -1.0})
    out = {}
    for column, key in CONFIGURABLE.items():
        if column in items:
            effort = getattr(config, key).effort(pd.to_numeric(items[column], errors="coerce"))
            pairs = pd.DataFrame({"effort": effort, "negativity": negativity}).dropna()
            out[column] = pairs.value_counts().sort_index()
    return out


def direction_problems(items: pd.DataFrame, config: Config, counts: dict[str, pd.Series] | None = None
                       ) -> list[DataWarning]:
    """Warnings for CES and CSAT answers that move with the comments' sentiment the wrong way; a usage error
    when the scale was not confirmed. Effort and dissatisfaction should rise as sentiment turns negative.
    `counts` (`direction_counts`, added up over partitions) stand for the items when given."""
    counts = direction_counts(items, config) if counts is None else counts
    warnings = []
    for column, key in CONFIGURABLE.items():
        scale = getattr(config, key)
        if column not in counts or not len(counts[column]):
            continue
        table = counts[column]
        repeats = table.to_numpy().astype(np.int64)
        pairs = pd.DataFrame({name: np.repeat(table.index.get_level_values(name).to_numpy(float), repeats)
                              for name in ("effort", "negativity")})
        if len(pairs) < MIN_PAIRS or pairs.nunique().min() < 2:
            continue
        rho = float(pairs["effort"].rank().corr(pairs["negativity"].rank()))
        if not (rho < REVERSED_RHO and rho * np.sqrt(len(pairs) - 1) < -REVERSED_Z):
            continue
        reversed_scale = Scale(scale.low, scale.high, not scale.higher_is_easier)
        name, flag = SCORE_NAMES[column], f"--{key.replace('_', '-')}"
        meaning = "higher = easier" if scale.higher_is_easier else "lower = easier"
        message = (f"column {column!r}: {name} answers point the opposite way from the comments: over "
                   f"{len(pairs):,} surveys with a comment, the effort they imply falls as the comments turn "
                   f"negative (Spearman {rho:+.2f}), so the {scale.low:g}-{scale.high:g} scale read as "
                   f"{meaning} looks reversed. If it is, put `{key} = {reversed_scale.toml()}` in the config or "
                   f"pass {flag} {reversed_scale.flag()}; if it is right, confirm it with {flag} {scale.flag()}")
        if not config.scale_confirmed(key):
            raise UsageError(message)
        warnings.append(DataWarning("scale_direction", message))
    return warnings


# ---------------------------------------------------------------- rows and weeks


def check_usable(sources: dict) -> None:
    """A usage error when a source's rows were all rejected, or no source has a row: the top reasons and,
    for dates, the `--date-format` that reads them."""
    for name, source in sources.items():
        if source.rows_read and not len(source.rows):
            kinds = source.rejects["reason"].str.replace(r"'[^']*'", "…", regex=True)
            top = "; ".join(f"{kind} ({count:,} row{'s' if count > 1 else ''}" + (f", e.g. {source.rejects['reason'][kinds == kind].iloc[0]})"
                                                         if "…" in kind else ")")
                            for kind, count in kinds.value_counts().head(3).items())
            dates = source.rejects["column"].isin(["submitted_at", "created_at"]).mean() > 0.5
            hint = (" Dates in another form are read with --date-format (config: date_format), e.g. "
                    "--date-format '%m/%d/%Y %H:%M' or --date-format monthfirst / dayfirst." if dates else
                    " Fix the export or the column mapping ([columns." + name + "] in the config); every row is "
                    "listed with its reason in rejects.csv of a run that has usable rows.")
            raise UsageError(f"{source.path or name}: none of the {source.rows_read:,} {name} rows is usable; "
                             f"the commonest reasons: {top}.{hint}")
    if sources and not any(len(s.rows) for s in sources.values()):
        raise UsageError("the inputs hold no rows, only headers: " + ", ".join(
            str(s.path or s.name) for s in sources.values()) + "; export the week's data again")


def week_dates(sources: dict) -> pd.Series:
    """The dates that say which week the data are: surveys' `submitted_at`, else comments', else tickets'
    `created_at` (ticket exports reach back: tickets created before the week join its surveys)."""
    for name, column in (("surveys", "submitted_at"), ("comments", "submitted_at"), ("tickets", "created_at")):
        if name in sources and column in sources[name].rows:
            dates = pd.to_datetime(sources[name].rows[column], errors="coerce").dropna()
            if len(dates):
                return dates.rename(name)
    return pd.Series(dtype="datetime64[ns]")


def iso_weeks(dates: pd.Series) -> pd.Series:
    """Share of the dates in each ISO week (`2026-W47`), largest first."""
    iso = dates.dt.isocalendar()
    labels = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    return labels.value_counts(normalize=True)


def week_span(week: str) -> str:
    """`2026-W48` -> `23-29 Nov 2026`."""
    year, number = int(week[:4]), int(week[-2:])
    monday = datetime.date.fromisocalendar(year, number, 1)
    sunday = monday + datetime.timedelta(days=6)
    return f"{monday:%d %b} - {sunday:%d %b %Y}"


def week_of(sources: dict, config: Config) -> tuple[str, list[DataWarning]]:
    """The week label and warnings: `config.week` when the data agree with it (a usage error when more than
    `WEEK_TOLERANCE` of the dated rows fall outside it), else the week holding most rows, with a warning when
    the rows span several weeks."""
    dates = week_dates(sources)
    if dates.empty:
        return config.week or "", []
    shares = iso_weeks(dates)
    found = ", ".join(f"{w} {s:.0%}" for w, s in shares.head(4).items()) + (", ..." if len(shares) > 4 else "")
    source = dates.name
    if config.week:
        outside = 1 - float(shares.get(config.week, 0.0))
        if outside > WEEK_TOLERANCE:
            raise UsageError(f"week {config.week} ({week_span(config.week)}): {outside:.0%} of the {source}' dates "
                             f"fall outside it; the data hold {found}. Drop --week (or `week` in the config) to "
                             "take the week from the data, or give the week the export covers")
        if outside > 0:
            return config.week, [DataWarning("week", f"{outside:.1%} of the {source}' dates fall outside "
                                                 f"{config.week} ({found}); they are counted in {config.week}")]
        return config.week, []
    week = str(shares.index[0])
    if len(shares) == 1:
        return week, []
    return week, [DataWarning("week", f"the {source} span {len(shares)} weeks ({found}); the run is labelled {week}, "
                                  f"the week holding most of them, and counts them all. Filter the export to one "
                                  f"week, or state it with --week {week} (config: week = \"{week}\")")]


# ---------------------------------------------------------------- --by


ITEM_SEGMENTS = ("language", "sentiment", "source", "effort_source", "touchpoint")


def check_by(by: str | None, sources: dict) -> None:
    """A usage error, before any work, when `--by` names no input column and no item column."""
    if not by:
        return
    columns = sorted({c for s in sources.values() for c in s.columns})
    if by in columns or by in ITEM_SEGMENTS:
        return
    names = sorted(set(columns) | set(ITEM_SEGMENTS))
    close = difflib.get_close_matches(by, names, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UsageError(f"--by {by!r}: no such column; {hint}the inputs have {columns}, and the items "
                     f"{list(ITEM_SEGMENTS)}")
