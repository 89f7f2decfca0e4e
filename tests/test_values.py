"""Cell values as exports write them: scores with labels and decimal commas, dates in ISO, dotted, Excel serial
and Solar Hijri forms."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from feedback_mining.values import jalali_to_ordinal, parse_dates, parse_scores

BAD, MISSING = "bad", None


@pytest.mark.parametrize("raw, expected", [
    ("7", 7.0),
    (" 3 ", 3.0),
    ("4,0", 4.0),  # decimal comma
    ("4.5", 4.5),
    ("7 - Strongly agree", 7.0),  # labelled answers
    ("5 – легко", 5.0),
    ("6 — agree", 6.0),
    ("7) Strongly agree", 7.0),
    ("1. Very difficult", 1.0),
    ("۵", 5.0),  # Persian digit
    ("۴٫۵", 4.5),  # Persian digits and decimal separator
    ("9", BAD),  # out of 1-7
    ("0", BAD),
    ("десять", BAD),
    ("7 8", BAD),
    ("abc", BAD),
    ("", MISSING),
])
def test_scores_on_a_1_to_7_scale(raw, expected):
    values, bad = parse_scores(pd.Series([raw]), 1, 7)
    assert bool(bad.iloc[0]) == (expected == BAD)
    if expected in (BAD, MISSING):
        assert np.isnan(values.iloc[0])  # a bad value is emptied, not kept out of range
    else:
        assert values.iloc[0] == expected


@pytest.mark.parametrize("raw, expected", [
    ("2026-11-17", "2026-11-17 00:00"),
    ("2026-11-17T10:00:00", "2026-11-17 10:00"),
    ("2026-11-17T10:00:00+03:00", "2026-11-17 07:00"),  # offsets go to UTC
    ("2026-11-17 10:00", "2026-11-17 10:00"),
    ("21.11.2026", "2026-11-21 00:00"),  # Russian Excel
    ("21.11.2026 14:05", "2026-11-21 14:05"),
    ("1.2.2026 9:05:30", "2026-02-01 09:05:30"),
    ("46347", "2026-11-21 00:00"),  # an Excel serial number
    ("46347.5", "2026-11-21 12:00"),
    ("1405/08/30", "2026-11-21 00:00"),  # Solar Hijri
    ("۱۴۰۵/۰۸/۳۰", "2026-11-21 00:00"),
    ("1405-08-30 14:05", "2026-11-21 14:05"),
    ("1403/01/01", "2024-03-20 00:00"),
    ("1399/12/30", "2021-03-20 00:00"),  # last day of a leap year
    ("1400/12/30", BAD),  # 1400 is not a leap year
    ("1405/07/31", BAD),  # the second half of the year has 30-day months
    ("31.11.2026", BAD),
    ("21.11.2026 25:00", BAD),
    ("31/11/2026 25:70", BAD),
    ("11/21/2026", BAD),  # slashed Gregorian dates are ambiguous: not guessed
    ("yesterday", BAD),
    ("", MISSING),
])
def test_dates(raw, expected):
    stamps, bad = parse_dates(pd.Series([raw]))
    assert bool(bad.iloc[0]) == (expected == BAD)
    if expected in (BAD, MISSING):
        assert pd.isna(stamps.iloc[0])
    else:
        assert stamps.iloc[0] == pd.Timestamp(expected)


def test_mixed_date_column_keeps_each_value_in_place():
    raw = pd.Series(["2026-11-17T10:00:00", "1405/08/30", "", "21.11.2026 14:05", "nope", "46347"])
    stamps, bad = parse_dates(raw)
    assert bad.tolist() == [False, False, False, False, True, False]
    assert stamps.dt.strftime("%Y-%m-%d %H:%M").fillna("").tolist() == [
        "2026-11-17 10:00", "2026-11-21 00:00", "", "2026-11-21 14:05", "", "2026-11-21 00:00"]


@pytest.mark.parametrize("jalali, gregorian", [
    ((1405, 8, 30), date(2026, 11, 21)), ((1403, 1, 1), date(2024, 3, 20)), ((1399, 12, 30), date(2021, 3, 20)),
    ((1400, 1, 1), date(2021, 3, 21)), ((1402, 1, 1), date(2023, 3, 21)), ((1404, 1, 1), date(2025, 3, 21)),
    ((1403, 12, 30), date(2025, 3, 20)), ((1396, 1, 1), date(2017, 3, 21)), ((1354, 1, 1), date(1975, 3, 21)),
    ((1405, 6, 31), date(2026, 9, 22)), ((1405, 7, 1), date(2026, 9, 23)),
])
def test_jalali_dates(jalali, gregorian):
    assert jalali_to_ordinal(*([v] for v in jalali))[0] == gregorian.toordinal()


@pytest.mark.parametrize("year, leap", [(1395, True), (1399, True), (1403, True), (1408, True),
                                        (1400, False), (1401, False), (1402, False), (1404, False)])
def test_jalali_leap_years(year, leap):
    assert np.isnan(jalali_to_ordinal([year], [12], [30])[0]) != leap
