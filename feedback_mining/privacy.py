"""Ids and segment values that are contact data (an e-mail, a phone) never reach an output as they are.

`customer_id = ivan.petrov@mail.ru` or `+7 916 123-45-67` becomes `id:` and ten hex digits of its BLAKE2b hash:
stable, so the same customer keeps one id across files and runs, and not reversible by reading. Ids that are
plain codes (`C-10293`, `12345`) stay as they are. Free text is redacted by `clean`, not here.
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd

ID_COLUMNS = ("item_id", "response_id", "ticket_id", "customer_id")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_PHONE = re.compile(r"\+?[\d\s().-]{7,}")  # checked below: 7+ digits, separators only where phones have them


def looks_like_contact(value: str) -> bool:
    """`ivan@mail.ru`, `+7 916 123-45-67`, `survey:79161234567` -> True; `C-10293`, `12345`, `R-2026-0042` -> False."""
    value = value.split(":", 1)[1] if re.match(r"(?:survey|ticket|comment):", value) else value
    if "@" in value and _EMAIL.search(value):
        return True
    digits = sum(ch.isdigit() for ch in value)
    return bool(_PHONE.fullmatch(value.strip())) and digits >= 10 or (value.startswith("+") and digits >= 7)


def hashed(value: str) -> str:
    """`id:` and 10 hex digits of the value's BLAKE2b hash."""
    return "id:" + hashlib.blake2b(value.encode("utf-8"), digest_size=5).hexdigest()


def pseudonymise(values: pd.Series) -> pd.Series:
    """The values, with those that look like contact data hashed (`hashed`); missing values stay missing."""
    if values.empty:
        return values
    text = values.astype("string")
    unique = text.dropna().unique()
    swap = {v: hashed(v) for v in unique if looks_like_contact(v)}
    return values.where(~text.isin(list(swap)), text.map(swap)) if swap else values


def pseudonymise_ids(frame: pd.DataFrame, extra: list[str] | tuple = ()) -> pd.DataFrame:
    """The frame with contact-like values of its id columns (and `extra` columns, e.g. the `--by` one) hashed."""
    columns = [c for c in (*ID_COLUMNS, *extra) if c and c in frame.columns]
    return frame.assign(**{c: pseudonymise(frame[c]) for c in columns}) if columns else frame
