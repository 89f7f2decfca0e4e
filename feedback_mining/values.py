"""Cell values as exports write them: scores and dates in the many shapes analysts meet, parsed column-wise.

Each parser takes a Series of strings and returns (parsed values, mask of bad values); an empty cell is missing,
not bad. The common shape is parsed for the whole column at once (pandas' vectorised parsers), and only the
cells it leaves are tried against the rules below, so a clean export pays almost nothing for them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits, the Arabic decimal and thousands separators
DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫٬", "01234567890123456789.,")

# a number, optionally followed by its label: "7 - Strongly agree", "5 – легко", "4,0", "7) agree", "۵"
LABELLED_NUMBER = r"(?P<number>\d+(?:[.,]\d+)?)\s*(?:[-–—:.)]\s*)?(?:[^\W\d_][^\d]*)?"

_TIME = r"(?:[ T,]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"


def normalise_digits(values: pd.Series) -> pd.Series:
    """Persian and Arabic-Indic digits to ASCII ("۱۴۰۵/۰۸/۳۰" -> "1405/08/30", "۴٫۵" -> "4.5")."""
    return values.str.translate(DIGITS)


# ---------------------------------------------------------------- scores


def parse_scores(values: pd.Series, low: float, high: float) -> tuple[pd.Series, pd.Series]:
    """Numbers in [low, high], with a decimal comma, a label or Persian digits allowed;
    returns (floats, NaN where empty or bad; mask of bad values)."""
    text = values.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
    rest = numbers.isna() & (text != "")
    if rest.any():
        numbers[rest] = labelled_numbers(text[rest])
    bad = (text != "") & (numbers.isna() | (numbers < low) | (numbers > high))
    return numbers.where(~bad), bad


def labelled_numbers(text: pd.Series) -> pd.Series:
    """The leading number of each value ("7 - Strongly agree" -> 7, "4,0" -> 4); NaN when there is none."""
    found = normalise_digits(text).str.strip().str.extract(f"^{LABELLED_NUMBER}$", expand=True)["number"]
    return pd.to_numeric(found.str.replace(",", ".", regex=False), errors="coerce").astype(float)


# ---------------------------------------------------------------- dates


def plausible_range() -> tuple[pd.Timestamp, pd.Timestamp]:
    """The dates feedback can carry: from 1990 to a year from today (a year 9999 or 1677 is a placeholder or
    a misread, and would be ranked as a week of its own)."""
    return pd.Timestamp("1990-01-01"), pd.Timestamp.now().normalize() + pd.Timedelta(days=366)


def implausible(stamps: pd.Series) -> pd.Series:
    """Mask of the dates outside `plausible_range`."""
    low, high = plausible_range()
    return stamps.notna() & ((stamps < low) | (stamps >= high))


def parse_dates(values: pd.Series, date_format: str | None = None,
                plausible_only: bool = True) -> tuple[pd.Series, pd.Series]:
    """Timestamps as naive UTC (ISO 8601 with any offset, else the DATE_RULES formats, taken as UTC; with
    `date_format`, a strftime format tried first, or `dayfirst` / `monthfirst` for slashed dates);
    returns (timestamps, NaT where empty or bad; mask of bad values). Dates outside `plausible_range` are bad,
    unless `plausible_only` is False."""
    stamps, bad = _parse_dates(values, date_format)
    if plausible_only:
        out = implausible(stamps)
        stamps, bad = stamps.where(~out), bad | out
    return stamps, bad


def _parse_dates(values: pd.Series, date_format: str | None = None) -> tuple[pd.Series, pd.Series]:
    text = values.astype(str).str.strip()
    stamps = pd.to_datetime(text.where(text != ""), format="ISO8601", errors="coerce", utc=True)
    stamps = stamps.dt.tz_localize(None).astype("datetime64[us]")
    rest = (text != "") & (stamps.isna() | (stamps.dt.year < 1600))  # "1405-08-30" is Jalali, not 1405 AD
    if rest.any() and date_format and "%" in date_format:
        stated = pd.to_datetime(text[rest], format=date_format, errors="coerce", utc=True)
        stamps[rest] = stated.dt.tz_localize(None).astype("datetime64[us]")
        rest = rest & stamps.isna()
    if rest.any():
        rules = [*SLASHED_RULES.get(date_format, []), *DATE_RULES]
        stamps[rest] = other_dates(normalise_digits(text[rest]), rules)
    return stamps, (text != "") & stamps.isna()


def other_dates(text: pd.Series, rules=None) -> pd.Series:
    """Dates no ISO parser reads, by the first rule whose pattern matches; NaT when none does."""
    stamps = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for pattern, convert in DATE_RULES if rules is None else rules:
        parts = text.str.extract(f"^{pattern}$", expand=True)
        hit = parts.iloc[:, 0].notna() & stamps.isna()
        if hit.any():
            stamps[hit] = convert(parts[hit].astype(float))
    return stamps


def jalali_dates(parts: pd.DataFrame) -> pd.Series:
    """Solar Hijri year/month/day/hour/minute/second columns -> timestamps (NaT for impossible dates)."""
    ordinals = jalali_to_ordinal(parts["year"], parts["month"], parts["day"])
    days = pd.to_datetime(ordinals - 719163, unit="D", errors="coerce")  # 719163 = ordinal of 1970-01-01
    return days + clock(parts)


def day_first_dates(parts: pd.DataFrame) -> pd.Series:
    """Day/month/year columns (with an optional time) -> timestamps (NaT for impossible dates)."""
    days = pd.to_datetime(parts[["year", "month", "day"]], errors="coerce")
    return days + clock(parts)


def excel_serial_dates(parts: pd.DataFrame) -> pd.Series:
    """Excel serial day numbers (1900 date system; 46347 = 2026-11-21) -> timestamps."""
    return pd.Timestamp("1899-12-30") + pd.to_timedelta(parts["serial"], unit="D").dt.round("s")


def clock(parts: pd.DataFrame) -> pd.Series:
    """The time of day of optional hour/minute/second columns (NaT when a part is out of range)."""
    hms = parts.reindex(columns=["hour", "minute", "second"]).fillna(0)
    ok = (hms["hour"] < 24) & (hms["minute"] < 60) & (hms["second"] < 60)
    seconds = hms["hour"] * 3600 + hms["minute"] * 60 + hms["second"]
    return pd.to_timedelta(seconds.where(ok), unit="s")


DATE_RULES = [
    # Solar Hijri as Iranian exports write it: 1405/08/30, 1405-08-30 14:05, ۱۴۰۵/۰۸/۳۰ (years 1300-1499)
    (r"(?P<year>1[34]\d\d)[/-](?P<month>\d{1,2})[/-](?P<day>\d{1,2})" + _TIME, jalali_dates),
    # day first, dotted, as Russian Excel writes it: 21.11.2026, 21.11.2026 14:05, 21.11.2026 14:05:09
    (r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})" + _TIME, day_first_dates),
    # an Excel serial number left in a CSV: 46347, 46347.5 (five digits: 1927-2173)
    (r"(?P<serial>\d{5}(?:\.\d+)?)", excel_serial_dates),
]

# Slashed Gregorian dates (11/23/2026, 23/11/2026 14:05) are ambiguous: read only when the user says which
# comes first (`date_format = "monthfirst"` / `"dayfirst"`).
SLASHED_RULES = {
    "monthfirst": [(r"(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})" + _TIME, day_first_dates)],
    "dayfirst": [(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})" + _TIME, day_first_dates)],
}


def jalali_to_ordinal(year, month, day):
    """Proleptic Gregorian ordinal (date.toordinal) of Solar Hijri dates, or NaN where the date does not exist.

    The 33-year arithmetic rule (as in jdf.scr.ir's converter), exact for the years 1178-1633:
    1403/01/01 -> 2024-03-20, 1405/08/30 -> 2026-11-21.
    """
    year, month, day = (np.asarray(v, dtype=np.int64) for v in (year, month, day))
    start = _jalali_new_year(year)
    length = np.where(month <= 6, 31, np.where(month <= 11, 30, _jalali_new_year(year + 1) - start - 336))
    valid = (month >= 1) & (month <= 12) & (day >= 1) & (day <= length)
    before = np.where(month <= 7, (month - 1) * 31, 186 + (month - 7) * 30)
    return np.where(valid, start + before + day - 1, np.nan)


def _jalali_new_year(year):
    """Ordinal of 1 Farvardin of each year."""
    y = year + 1595
    return -355668 - 365 + 365 * y + (y // 33) * 8 + ((y % 33) + 3) // 4 + 1
