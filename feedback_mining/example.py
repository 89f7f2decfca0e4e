"""Built-in example data: a deterministic generator of one realistic week of customer feedback.

``make_example()`` returns the three raw exports of DESIGN.md (``surveys``, ``comments``,
``tickets``) for ``EXAMPLE_WEEK`` the way a CSV export has them: raw touchpoint names ("Call Center",
"Колл-центр", "وب سایت"), scores as text with gaps, comments in Russian, Ukrainian, Persian, English
and a few other languages, HTML e-mails with quoted replies, personal data to redact, copy-paste
duplicates, orphan comments, and the deliberately bad rows listed in ``BAD_ROWS``.

Each survey response has a hidden set of 0-3 pain points drawn with touchpoint-specific
probabilities; its scores, comment and the customer's ticket follow from them.
``make_example_with_truth()`` adds that truth as ``_true_*`` columns (never written to the CSVs).
Everything is drawn from one ``np.random.default_rng(seed)``: the same seed gives identical frames.
The phrase banks are data, in ``resources/example_phrases.toml``.
"""

from __future__ import annotations

import functools
import html
import textwrap
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

EXAMPLE_WEEK = "2026-W47"  # Monday 2026-11-16 .. Sunday 2026-11-22
WEEK_START = datetime(2026, 11, 16)
PHRASES_PATH = Path(__file__).parent / "resources" / "example_phrases.toml"
MIN_SURVEYS = 100

COLUMNS = {
    "surveys": ["response_id", "customer_id", "touchpoint", "submitted_at", "ces", "csat", "nps", "happiness"],
    "comments": ["response_id", "text", "language"],
    "tickets": ["ticket_id", "customer_id", "touchpoint", "created_at", "closed_at", "subject", "body",
                "contacts", "transfers", "reopened"],
}
PAIN_POINTS = ("waiting", "repeat_contact", "transfer", "channel_switch", "repeat_info", "process_complexity",
               "information", "technical", "unresolved", "staff", "delivery", "billing")
# How much each pain point adds to the latent effort in [0, 1] (CES = 7 - 6 * effort, plus noise).
SEVERITY = {"waiting": 0.22, "repeat_contact": 0.28, "transfer": 0.22, "channel_switch": 0.22,
            "repeat_info": 0.18, "process_complexity": 0.20, "information": 0.15, "technical": 0.25,
            "unresolved": 0.38, "staff": 0.25, "delivery": 0.28, "billing": 0.28}
BACKGROUND_PAIN_WEIGHT = 0.2  # any pain point can happen anywhere, just rarely

# Canonical id -> share of surveys and of tickets, raw names as exports write them (most common first),
# pain-point weights, P(0..3 pain points), base effort, P(missing) of (ces, csat, nps, happiness).
TOUCHPOINTS = {
    "call_center": dict(
        surveys=0.25, tickets=0.28, base=0.10, n_pains=(0.30, 0.36, 0.22, 0.12), missing=(0.08, 0.15, 0.20, 0.25),
        raw=("Call Center", "call-center", "CALL CENTER ", "Колл-центр", "Контакт-центр", "Call Centre",
             "Гаряча лінія", "مرکز تماس", "колл  центр"),
        pains=dict(waiting=5, transfer=4, repeat_contact=3, repeat_info=2, unresolved=2, staff=1.5,
                   channel_switch=1, billing=1, information=1)),
    "mobile_app": dict(
        surveys=0.27, tickets=0.12, base=0.05, n_pains=(0.62, 0.27, 0.09, 0.02), missing=(0.05, 0.25, 0.15, 0.30),
        raw=("Mobile App", "mobile_app", "мобильное приложение", "Мобільний застосунок", "App", "iOS App",
             "Android-App", "اپلیکیشن موبایل"),
        pains=dict(technical=6, process_complexity=1.5, information=1.5, billing=1, channel_switch=1, unresolved=0.8)),
    "website": dict(
        surveys=0.13, tickets=0.08, base=0.07, n_pains=(0.50, 0.32, 0.13, 0.05), missing=(0.10, 0.20, 0.20, 0.20),
        raw=("Website", "Сайт", "web-site", "Веб-сайт", "وب سایت", "وب\u200cسایت", "WEB"),
        pains=dict(information=4, technical=3, process_complexity=2.5, channel_switch=1.5, billing=1)),
    "chat": dict(
        surveys=0.11, tickets=0.20, base=0.08, n_pains=(0.45, 0.33, 0.15, 0.07), missing=(0.06, 0.12, 0.25, 0.20),
        raw=("Chat", "Online Chat", "Онлайн-чат", "чат", "Live chat", "چت آنلاین"),
        pains=dict(waiting=3, unresolved=3, repeat_info=2.5, channel_switch=2.5, staff=1.5, transfer=1.5)),
    "branch": dict(
        surveys=0.10, tickets=0.04, base=0.10, n_pains=(0.40, 0.33, 0.19, 0.08), missing=(0.15, 0.18, 0.20, 0.15),
        raw=("Branch", "Отделение", "Відділення", "Office", "شعبه", "Офис"),
        pains=dict(waiting=5, process_complexity=3.5, staff=2.5, channel_switch=1, information=1)),
    "delivery": dict(
        surveys=0.08, tickets=0.06, base=0.08, n_pains=(0.42, 0.33, 0.18, 0.07), missing=(0.12, 0.10, 0.30, 0.35),
        raw=("Delivery", "Доставка", "Courier", "Курьер", "تحویل کالا", "Кур'єрська доставка"),
        pains=dict(delivery=6, waiting=3, repeat_contact=1.5, staff=1, unresolved=1)),
    "social_media": dict(
        surveys=0.03, tickets=0.06, base=0.10, n_pains=(0.38, 0.35, 0.19, 0.08), missing=(0.20, 0.30, 0.30, 0.30),
        raw=("Social Media", "social-media", "Соцсети", "Соцмережі", "Instagram", "شبکه\u200cهای اجتماعی"),
        pains=dict(unresolved=3, waiting=3, channel_switch=2, staff=1)),
    "email": dict(
        surveys=0.015, tickets=0.15, base=0.12, n_pains=(0.25, 0.35, 0.25, 0.15), missing=(0.10, 0.20, 0.20, 0.20),
        raw=("Email", "E-mail", "e-mail ", "Электронная почта", "Електронна пошта", "ایمیل"),
        pains=dict(waiting=5, unresolved=3, repeat_contact=3, channel_switch=2, repeat_info=1.5, information=1)),
    # Tiny, and the worst mean effort: contributed effort still ranks it far below call_center.
    "partner_shop": dict(
        surveys=0.015, tickets=0.01, base=0.18, n_pains=(0.05, 0.25, 0.40, 0.30), missing=(0.10, 0.20, 0.20, 0.20),
        raw=("Partner Shop", "partner-shop", "Магазин-партнёр", "Партнерский магазин", "Магазин-партнер",
             "فروشگاه همکار"),
        pains=dict(unresolved=4, billing=3, channel_switch=3, repeat_contact=3, information=2, staff=2, delivery=1.5)),
}
TOUCHPOINT_IDS = tuple(TOUCHPOINTS)

LANGUAGES = ("ru", "uk", "fa", "en", "de", "tr", "kk")
LANGUAGE_SHARES = (0.35, 0.20, 0.15, 0.25, 0.02, 0.02, 0.01)
MAIN_LANGUAGES = ("ru", "uk", "fa", "en")
TICKET_LANGUAGE = {"de": "en", "tr": "en", "kk": "ru"}  # they write to support in a lingua franca
COMMENT_RATE = (0.50, 0.65, 0.75, 0.80)  # P(comment) by number of pain points
LANGUAGE_GIVEN_RATE = 0.10
ORPHAN_RATE = 0.03
PII_RATE = {"comment": 0.025, "ticket": 0.08}
DAY_SHARES = np.array([1.15, 1.10, 1.05, 1.0, 0.95, 0.70, 0.60]) / 6.55
# Kind of ticket -> share: created 0-13 days before the customer's survey (joins), after it or more
# than 14 days before it (must not join), or from a customer without a survey this week.
TICKET_LINKS = {"joined": 0.50, "after": 0.05, "too_old": 0.05, "no_survey": 0.40}
CHANNEL_SPEED = {"chat": 0.25, "social_media": 0.6, "branch": 0.8, "email": 1.5}

HOSTILE_TEXT = "<script>alert('x')</script> Приложение <b>вылетает</b> при оплате!!!"
SPAM_TEXT = "ВЕРНИТЕ ДЕНЬГИ!!! Списали дважды, мошенники!!! 😡😡😡"
N_SPAM = 4
EMOJI = {"negative": ("😡", "🤬", "😤", "👎", "🙄", "😭", "🤦"), "positive": ("👍", "😊", "🙏", "❤️", "🔥", "👌")}


class BadRow(NamedTuple):
    source: str
    id: str  # "" for a row whose id is empty
    reason: str


BAD_ROWS = [
    BadRow("surveys", "R000007", "ces is not a number: 'abc'"),
    BadRow("surveys", "R000013", "ces out of range 1-7: 9"),
    BadRow("surveys", "R000021", "submitted_at unparseable: '31/11/2026 25:70'"),
    BadRow("surveys", "", "missing response_id (one row, in the middle of the file)"),
    BadRow("surveys", "R000034", "duplicate response_id (a second, later row reuses it)"),
    BadRow("tickets", "", "missing ticket_id (one row, in the middle of the file)"),
]
_BAD_CES = {"R000007": "abc", "R000013": "9"}
_BAD_SUBMITTED_AT = {"R000021": "31/11/2026 25:70"}
_DUPLICATE_ID = "R000034"

_EPOCH = datetime(1970, 1, 1)
_WEEK_START_S = int((WEEK_START - _EPOCH).total_seconds())
_WEEK_END_S = _WEEK_START_S + 7 * 86400
_EXPORTED_AT_S = _WEEK_END_S + 6 * 3600  # tickets closing later are still open in the export
_DAY = 86400
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya"})
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"),
    "uk": ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня",
           "листопада", "грудня"),
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EMAIL_NAMES = {
    "ru": (("ivan.petrov", "m.sokolova", "alex1985", "olga_k"), ("mail.ru", "yandex.ru", "gmail.com")),
    "uk": (("olena.k", "taras.shevchuk", "oksana77", "bohdan.m"), ("ukr.net", "gmail.com", "i.ua")),
    "fa": (("reza.ahmadi", "maryam.h", "ali_rezaei", "sara.m"), ("gmail.com", "yahoo.com")),
    "en": (("john.smith", "sarah.m", "mike1990", "emma.w"), ("gmail.com", "outlook.com", "yahoo.co.uk")),
}


# ----------------------------------------------------------------------------------- public API
def make_example(seed: int = 47, n_surveys: int = 3000) -> dict[str, pd.DataFrame]:
    """Return {"surveys": ..., "comments": ..., "tickets": ...} for one realistic week."""
    frames = make_example_with_truth(seed, n_surveys)
    return {source: frame[COLUMNS[source]].copy() for source, frame in frames.items()}


def make_example_with_truth(seed: int = 47, n_surveys: int = 3000) -> dict[str, pd.DataFrame]:
    """Like make_example, plus hidden truth columns: ``_true_touchpoint``, ``_true_pain_points``
    (";"-joined), ``_true_language``, and for tickets ``_true_link`` (a key of TICKET_LINKS)."""
    if n_surveys < MIN_SURVEYS:
        raise ValueError(f"n_surveys must be at least {MIN_SURVEYS}, got {n_surveys}")
    rng = np.random.default_rng(seed)
    phrases = _phrases()
    customer_ids, customer_langs = _customers(rng, n_surveys)
    surveys, non_survey_customers = _surveys(rng, n_surveys, customer_ids, customer_langs)
    comments = _comments(rng, surveys, phrases)
    tickets = _tickets(rng, surveys, non_survey_customers, customer_ids, customer_langs, phrases)
    return {"surveys": _finish(surveys, "surveys"), "comments": _finish(comments, "comments"),
            "tickets": _finish(tickets, "tickets")}


def write_example(directory: Path, seed: int = 47, n_surveys: int = 3000) -> dict[str, Path]:
    """Write surveys.csv, comments.csv, tickets.csv (UTF-8) into directory; return their paths by source."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for source, frame in make_example(seed, n_surveys).items():
        paths[source] = directory / f"{source}.csv"
        frame.to_csv(paths[source], index=False, encoding="utf-8", lineterminator="\n")
    return paths


# ----------------------------------------------------------------------------------- small helpers
@functools.cache
def _phrases() -> dict:
    """The phrase banks, read once."""
    with PHRASES_PATH.open("rb") as f:
        return tomllib.load(f)


def _pick(rng: np.random.Generator, seq):
    """One element of seq, uniformly."""
    return seq[int(rng.integers(len(seq)))]


@functools.cache
def _cumulative(weights: tuple) -> np.ndarray:
    return np.cumsum(weights)


def _draw(rng: np.random.Generator, weights: tuple) -> int:
    """An index drawn with probability proportional to weights."""
    cum = _cumulative(weights)
    return min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), len(weights) - 1)


@functools.cache
def _pain_weights(tp: str) -> np.ndarray:
    weights = np.full(len(PAIN_POINTS), BACKGROUND_PAIN_WEIGHT)
    for pain, weight in TOUCHPOINTS[tp]["pains"].items():
        weights[PAIN_POINTS.index(pain)] += weight
    return weights


def _draw_pains(rng: np.random.Generator, tp: str, at_least: int = 0) -> tuple[str, ...]:
    """0-3 distinct pain points with tp's probabilities (weighted sampling without replacement)."""
    k = max(_draw(rng, TOUCHPOINTS[tp]["n_pains"]), at_least)
    keys = rng.random(len(PAIN_POINTS)) ** (1.0 / _pain_weights(tp))
    return tuple(PAIN_POINTS[i] for i in np.argsort(-keys)[:k])


def _raw_name(rng: np.random.Generator, tp: str) -> str:
    """A raw touchpoint name for tp; the first spelling is the most common."""
    names = TOUCHPOINTS[tp]["raw"]
    return names[_draw(rng, tuple(1.0 / (i + 1) for i in range(len(names))))]


def _iso(seconds) -> np.ndarray:
    """Epoch seconds -> ISO 8601 strings without zone ("2026-11-16T10:02:13")."""
    return np.datetime_as_string(np.asarray(seconds, dtype="int64").astype("datetime64[s]"), unit="s")


def _when(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=int(seconds))


def _digits(rng: np.random.Generator, k: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, k))


def _luhn_digit(payload: list[int]) -> int:
    """Check digit that makes payload + digit pass the Luhn test."""
    total = 0
    for i, d in enumerate(reversed(payload)):
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return (10 - total % 10) % 10


# ----------------------------------------------------------------------------------- slot values
def _phone(rng, lang):
    """A phone number in a format customers of that language write."""
    d = functools.partial(_digits, rng)
    formats = {
        "ru": lambda: _pick(rng, (f"+7 9{d(2)} {d(3)}-{d(2)}-{d(2)}", f"8 (495) {d(3)}-{d(2)}-{d(2)}", f"+79{d(9)}")),
        "uk": lambda: _pick(rng, (f"+380 67 {d(3)} {d(4)}", f"+380 {_pick(rng, ('50', '63', '93'))} {d(3)} {d(4)}",
                                  f"067 {d(3)} {d(2)} {d(2)}")),
        "fa": lambda: _pick(rng, (f"09{d(2)} {d(3)} {d(4)}", f"+98 9{d(2)} {d(3)} {d(4)}")),
        "en": lambda: _pick(rng, (f"+44 7700 {d(6)}", f"+1 (555) {d(3)}-{d(4)}")),
    }
    return formats[lang]()


def _email(rng, lang):
    users, domains = _EMAIL_NAMES[lang]
    suffix = str(rng.integers(1, 99)) if rng.random() < 0.3 else ""
    return f"{_pick(rng, users)}{suffix}@{_pick(rng, domains)}"


def _card(rng, lang):
    """A Luhn-valid 16-digit card number, usually in groups of four."""
    if rng.random() < 0.25:
        return "4111 1111 1111 1111"
    payload = [4] + [int(x) for x in rng.integers(0, 10, 14)]
    number = "".join(map(str, payload + [_luhn_digit(payload)]))
    return " ".join(number[i:i + 4] for i in range(0, 16, 4)) if rng.random() < 0.8 else number


def _price(rng, lang):
    """An amount with currency; must NOT be redacted."""
    amount = int(_pick(rng, (350, 799, 990, 1500, 2490, 4990, 12000)))
    grouped = f"{amount:,}".replace(",", " ")
    if lang == "ru":
        return f"{grouped} {_pick(rng, ('руб.', '₽', 'р.'))}"
    if lang == "uk":
        return f"{grouped} грн"
    if lang == "fa":
        return f"{amount * 1000:,} تومان".replace(",", " ")
    return _pick(rng, (f"${amount / 10:.2f}", f"£{amount // 10}", f"€{amount // 10}"))


_SLOTS = {
    "order": lambda rng, lang: str(rng.integers(100000, 1000000)),
    "minutes": lambda rng, lang: str(rng.integers(15, 95)),
    "hours": lambda rng, lang: str(rng.integers(2, 5)),
    "days": lambda rng, lang: str(rng.integers(2, 5)),
    "price": _price, "phone": _phone, "email": _email, "card": _card,
}
_NUMERIC_SLOTS = {"order", "minutes", "hours", "days", "price"}


class _Slots(dict):
    """Placeholder values, drawn on first use (str.format_map calls __missing__)."""

    def __init__(self, rng, lang, bank, persian_digits=False, **given):
        super().__init__(given)
        self.rng, self.lang, self.bank, self.persian_digits = rng, lang, bank, persian_digits

    def __missing__(self, key):
        value = _pick(self.rng, self.bank["names"]) if key == "name" else _SLOTS[key](self.rng, self.lang)
        if self.persian_digits and key in _NUMERIC_SLOTS:
            value = value.translate(_PERSIAN_DIGITS)
        self[key] = value
        return value


def _fill(rng, sentences, lang, bank, **given) -> list[str]:
    """Fill the placeholders of sentences; Persian numbers are sometimes in Persian digits."""
    slots = _Slots(rng, lang, bank, persian_digits=lang == "fa" and rng.random() < 0.4, **given)
    return [s.format_map(slots) if "{" in s else s for s in sentences]


# ----------------------------------------------------------------------------------- texts
def _pain_sentences(rng, bank, pains, p_said) -> list[str]:
    """One sentence per pain point the customer mentions (each with probability p_said)."""
    return [_pick(rng, bank["pain"][p]) for p in pains if rng.random() < p_said]


def _comment_text(rng, lang, pains, phrases) -> str:
    """A 1-3 sentence comment in lang about these pain points (or praise/neutral without any)."""
    if lang not in MAIN_LANGUAGES:
        bank = phrases["other"][lang]
        said = [bank["pain"][p] for p in pains if p in bank["pain"]]
        line = said[0] if said else _pick(rng, bank["negative"] if pains else bank["positive"])
        return _stylise(rng, line, lang, bool(pains))
    bank = phrases[lang]
    if pains:
        body = _pain_sentences(rng, bank, pains, 0.85) or [_pick(rng, bank["negative"])]
        if len(body) < 3 and rng.random() < 0.35:
            body.insert(0, _pick(rng, bank["opener"]))
        if len(body) < 3 and rng.random() < 0.06:
            body.append(_pick(rng, bank["mixed"]))
        if len(body) < 3 and rng.random() < 0.3:
            body.append(_pick(rng, bank["closer"]))
    else:
        body = [_pick(rng, bank["praise"] if rng.random() < 0.7 else bank["neutral"])]
        if rng.random() < 0.25:  # closer[0] is a plain "thank you"
            body.append(bank["closer"][0] if rng.random() < 0.5 else _pick(rng, bank["praise"]))
    if rng.random() < PII_RATE["comment"]:
        body.append(_pick(rng, bank["pii"]))
    return _stylise(rng, " ".join(_fill(rng, body, lang, bank)), lang, bool(pains))


def _stylise(rng, text, lang, negative) -> str:
    """How people really type: case, typos, transliteration, shouting, emoji."""
    if lang == "ru" and rng.random() < 0.03:
        text = text.lower().translate(_TRANSLIT)
    style = rng.random()
    if style < 0.12:
        text = text.lower()
    elif negative and style < 0.18:
        text = text.upper()
    if rng.random() < 0.12:
        text = _typo(rng, text)
    if negative and rng.random() < 0.15 and text[-1:] in ".!":
        text = text.rstrip(".!") + "!!!"
    if rng.random() < 0.22:
        marks = "".join(_pick(rng, EMOJI["negative" if negative else "positive"]) for _ in range(rng.integers(1, 4)))
        text = f"{marks} {text}" if rng.random() < 0.15 else f"{text} {marks}"
    return text


def _typo(rng, text) -> str:
    """Swap two adjacent letters, or drop one, in one longer word."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    i = _pick(rng, candidates)
    w, j = words[i], int(rng.integers(len(words[i]) - 1))
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:] if rng.random() < 0.5 else w[:j] + w[j + 1:]
    return " ".join(words)


def _quote(rng, lang, bank, when: datetime, subject) -> str:
    """The support reply a customer's e-mail quotes below their text, with a real reply header."""
    reply = _fill(rng, [_pick(rng, bank["support_reply"])], lang, bank)[0]
    kind = int(rng.integers(3))
    if kind == 0:
        month = _MONTHS["en"][when.month - 1][:3]
        stamp = f"{_WEEKDAYS[when.weekday()][:3]}, {when.day} {month} {when.year} at {when:%H:%M}"
        lines = textwrap.wrap(reply, 60)
        return f"On {stamp}, Support <support@example.com> wrote:\n" + "\n".join("> " + line for line in lines)
    if kind == 1 and "quote_from" in bank:
        year = "г." if lang == "ru" else "р. о"
        stamp = f"{when.day} {_MONTHS[lang][when.month - 1]} {when.year} {year} {when:%H:%M}"
        return f"{bank['quote_from']}\n{bank['quote_sent']}: {stamp}\n{bank['quote_subject']}: {subject}\n\n{reply}"
    stamp = f"{_WEEKDAYS[when.weekday()]}, {_MONTHS['en'][when.month - 1]} {when.day}, {when.year} {when:%I:%M %p}"
    return ("-----Original Message-----\nFrom: Support <support@example.com>\n"
            f"Sent: {stamp}\nSubject: {subject}\n\n{reply}")


def _html_email(rng, greeting, sentences, signoff, signature, quote) -> str:
    """An HTML e-mail body (&nbsp;, <br>) with the quoted previous reply below."""
    esc = functools.partial(html.escape, quote=False)
    sep = _pick(rng, ("<br>", "<br>\n", " &nbsp;"))
    parts = ["<html><body>"]
    if greeting:
        parts.append(f"<p>{esc(greeting)}&nbsp;</p>")
    parts.append("<p>" + sep.join(esc(s) for s in sentences) + "</p>")
    if signoff:
        parts.append("<p>" + esc(signoff).replace("\n", "<br>").replace(" ", "&nbsp;", 1) + "</p>")
    if signature:
        parts.append(f"<p>{esc(signature)}</p>")
    if quote.startswith("On "):  # Gmail quotes with a blockquote, not with "> "
        head, _, reply = quote.partition("\n")
        reply = " ".join(line.removeprefix("> ") for line in reply.splitlines())
    else:
        head, _, reply = quote.partition("\n\n")
    parts.append(f'<div class="gmail_quote">{esc(head).replace(chr(10), "<br>")}<br>'
                 f'<blockquote style="margin:0 0 0 .8ex;border-left:1px #ccc solid">'
                 f'{esc(reply).replace(chr(10), "<br>")}</blockquote></div>')
    parts.append("</body></html>")
    return "\n".join(parts)


def _ticket_texts(rng, lang, pains, created, phrases) -> tuple[str, str]:
    """(subject, body) of a ticket: plain text, plain text quoting a reply, or an HTML e-mail."""
    bank = phrases[lang]
    said = _pain_sentences(rng, bank, pains, 0.9) or ([_pick(rng, bank["pain"][pains[0]])] if pains else [])
    sentences = said or [_pick(rng, bank["neutral"])]
    if pains and rng.random() < 0.2:
        sentences.append(_pick(rng, bank["negative"]))
    if rng.random() < 0.5:
        sentences.append(_pick(rng, bank["closer"]))
    if rng.random() < PII_RATE["ticket"]:
        sentences.append(_pick(rng, bank["pii"]))
    topic_key = next((p for p in pains if rng.random() < 0.8), "question") if pains else "question"
    topic = _pick(rng, bank["topic"][topic_key])
    greeting = _pick(rng, bank["greeting"]) if rng.random() < 0.75 else ""
    signoff = _pick(rng, bank["signoff"]) if greeting else ""
    texts = [_pick(rng, bank["subject"]), signoff, *sentences]
    subject, signoff, *sentences = _fill(rng, texts, lang, bank, topic=topic)
    signature = bank["mobile_signature"] if rng.random() < 0.3 else ""
    style = rng.random()
    if style >= 0.35:
        return subject, "\n\n".join(part for part in (greeting, " ".join(sentences), signoff, signature) if part)
    replied_to = subject if subject[:3].lower() in ("re:", "fwd") else f"RE: {subject}"
    quote = _quote(rng, lang, bank, _when(created - int(rng.integers(3600, 3 * _DAY))), replied_to)
    if style < 0.20:
        return subject, _html_email(rng, greeting, sentences, signoff, signature, quote)
    body = "\n\n".join(part for part in (greeting, " ".join(sentences), signoff, signature) if part)
    return subject, f"{body}\n\n{quote}"


# ----------------------------------------------------------------------------------- tables
def _customers(rng, n_surveys) -> tuple[np.ndarray, np.ndarray]:
    """Customer ids and each customer's language."""
    n = n_surveys * 8 // 5
    ids = np.array([f"C{i:05d}" for i in range(1, n + 1)])
    return ids, rng.choice(np.array(LANGUAGES), size=n, p=LANGUAGE_SHARES)


def _week_times(rng, n) -> np.ndarray:
    """n sorted epoch seconds within the week: weekdays busier, peaks late morning and evening."""
    day = rng.choice(7, size=n, p=DAY_SHARES)
    hour = np.where(rng.random(n) < 0.55, rng.normal(11.5, 2.5, n), rng.normal(19.0, 2.2, n)) % 24
    return np.sort(_WEEK_START_S + day * _DAY + (hour * 3600).astype(np.int64))


def _scores(rng, effort, tps) -> dict[str, list]:
    """Scores as a CSV export has them (text, NaN when missing) from the latent effort in [0, 1]."""
    n = len(effort)
    latent = {"ces": (7 - 6 * effort + rng.normal(0, 0.45, n), 1, 7),
              "csat": (5 - 4 * effort + rng.normal(0, 0.5, n), 1, 5),
              "nps": (10 - 9.5 * effort + rng.normal(0.3, 1.3, n), 0, 10),
              "happiness": (10 - 8.5 * effort + rng.normal(0, 1.0, n), 1, 10)}
    missing = np.array([TOUCHPOINTS[tp]["missing"] for tp in tps])
    out = {}
    for j, (col, (values, lo, hi)) in enumerate(latent.items()):
        gone = rng.random(n) < missing[:, j]
        out[col] = [np.nan if g else str(v) for g, v in zip(gone, np.clip(np.rint(values), lo, hi).astype(int))]
    return out


def _survey_ids(n, mid) -> list:
    """Sequential response ids in time order; the rows at mid and mid + 1 are the bad ones
    (empty id, and a reused id)."""
    ids, k = [], 0
    for j in range(n + 2):
        if j == mid:
            ids.append(np.nan)
        elif j == mid + 1:
            ids.append(_DUPLICATE_ID)
        else:
            k += 1
            ids.append(f"R{k:06d}")
    return ids


def _surveys(rng, n, customer_ids, customer_langs) -> tuple[pd.DataFrame, np.ndarray]:
    """n survey responses (plus two bad rows) and the customers without a survey this week."""
    total, mid = n + 2, (n + 2) // 2
    order = rng.permutation(len(customer_ids))
    first = order[: int(n * 0.88)]
    who = np.concatenate([first, rng.choice(first, total - len(first))])
    rng.shuffle(who)
    times = _week_times(rng, total)
    tps = rng.choice(np.array(TOUCHPOINT_IDS), size=total, p=[t["surveys"] for t in TOUCHPOINTS.values()])
    pains = [_draw_pains(rng, tp) for tp in tps]
    base = np.array([TOUCHPOINTS[tp]["base"] for tp in tps])
    severity = np.array([sum(SEVERITY[p] for p in ps) for ps in pains])
    effort = np.clip(base + severity * rng.uniform(0.7, 1.3, total) + rng.normal(0, 0.1, total), 0, 1)
    frame = pd.DataFrame({
        "response_id": _survey_ids(n, mid), "customer_id": customer_ids[who],
        "touchpoint": [_raw_name(rng, tp) for tp in tps], "submitted_at": _iso(times),
        **_scores(rng, effort, tps),
        "_true_touchpoint": tps, "_true_pain_points": pains, "_true_language": customer_langs[who],
        "_t": times, "_ok": [j not in (mid, mid + 1) for j in range(total)],
    })
    for rid, value in _BAD_CES.items():
        frame.loc[frame["response_id"] == rid, "ces"] = value
    for rid, value in _BAD_SUBMITTED_AT.items():
        frame.loc[frame["response_id"] == rid, "submitted_at"] = value
        frame.loc[frame["response_id"] == rid, "_ok"] = False
    return frame, order[len(first):]


def _comments(rng, surveys, phrases) -> pd.DataFrame:
    """Comments of ~60% of the responses, orphans, one hostile comment and copy-paste spam."""
    rows = []
    for rid, lang, tp, pains, ok in surveys[["response_id", "_true_language", "_true_touchpoint",
                                             "_true_pain_points", "_ok"]].itertuples(index=False):
        if ok and rng.random() < COMMENT_RATE[len(pains)]:
            rows.append(dict(response_id=rid, text=_comment_text(rng, lang, pains, phrases), _true_language=lang,
                             _true_pain_points=pains, _true_touchpoint=tp, _orphan=False))
    rows = _with_orphans(rng, rows, len(surveys), phrases)
    _plant_specials(rng, rows)
    frame = pd.DataFrame(rows)
    given = rng.random(len(frame)) < LANGUAGE_GIVEN_RATE
    frame["language"] = [lang if g else np.nan for g, lang in zip(given, frame["_true_language"])]
    return frame


def _with_orphans(rng, rows, n_surveys, phrases) -> list[dict]:
    """Insert comments whose response_id matches no survey at random places."""
    m = max(1, round(len(rows) * ORPHAN_RATE / (1 - ORPHAN_RATE)))
    numbers = n_surveys + 100 + rng.choice(20 * m, size=m, replace=False)
    orphans = []
    for number in numbers:
        lang = LANGUAGES[_draw(rng, LANGUAGE_SHARES)]
        tp = TOUCHPOINT_IDS[_draw(rng, tuple(t["surveys"] for t in TOUCHPOINTS.values()))]
        pains = _draw_pains(rng, tp)
        orphans.append(dict(response_id=f"R{number:06d}", text=_comment_text(rng, lang, pains, phrases),
                            _true_language=lang, _true_pain_points=pains, _true_touchpoint=tp, _orphan=True))
    at = set(rng.choice(len(rows) + m, size=m, replace=False).tolist())
    merged, rest, extra = [], iter(rows), iter(orphans)
    for position in range(len(rows) + m):
        merged.append(next(extra) if position in at else next(rest))
    return merged


def _plant_specials(rng, rows) -> None:
    """Exactly one hostile (HTML/script) comment and N_SPAM identical spam comments, on Russian rows."""
    russian = [i for i, r in enumerate(rows) if r["_true_language"] == "ru" and not r["_orphan"]]
    billing = [i for i in russian if "billing" in rows[i]["_true_pain_points"]]
    others = [i for i in russian if i not in set(billing)]
    spam = (list(rng.permutation(billing)) + list(rng.permutation(others)))[:N_SPAM]
    for i in spam:
        rows[i]["text"] = SPAM_TEXT
    candidates = [i for i in russian if i not in spam and rows[i]["_true_touchpoint"] == "mobile_app"]
    technical = [i for i in candidates if "technical" in rows[i]["_true_pain_points"]]
    rows[_pick(rng, technical or candidates or [i for i in russian if i not in spam])]["text"] = HOSTILE_TEXT


def _ticket(rng, link, customer, lang, tp, created, pains, phrases) -> dict:
    """One ticket; contacts, transfers, reopened and time to close follow its pain points."""
    lang = TICKET_LANGUAGE.get(lang, lang)
    has = set(pains)
    hours = rng.lognormal(np.log(8), 1.0) * CHANNEL_SPEED.get(tp, 1.0)
    hours *= (3.0 if "waiting" in has else 1.0) * (1.5 if "transfer" in has else 1.0) * (
        1.5 if "repeat_contact" in has else 1.0)
    closed = created + int(hours * 3600)
    still_open = rng.random() < 0.06 + 0.3 * ("unresolved" in has) or closed > _EXPORTED_AT_S
    contacts = 1 + rng.poisson(0.25) + ("repeat_contact" in has) * (1 + rng.poisson(1.5)) + (
        "unresolved" in has) * rng.poisson(0.7) + ("channel_switch" in has) * rng.poisson(0.5)
    transfers = rng.poisson(0.15) + ("transfer" in has) * (1 + rng.poisson(1.3)) + (
        "channel_switch" in has) * rng.poisson(0.4)
    reopened = rng.random() < 0.04 + 0.45 * ("unresolved" in has) + 0.15 * ("repeat_contact" in has)
    subject, body = _ticket_texts(rng, lang, pains, created, phrases)
    return dict(customer_id=customer, touchpoint=_raw_name(rng, tp), _created=created,
                _closed=None if still_open else closed, subject=subject, body=body, contacts=int(contacts),
                transfers=int(transfers), reopened=int(reopened), _true_touchpoint=tp, _true_pain_points=pains,
                _true_language=lang, _true_link=link)


def _tickets(rng, surveys, non_survey, customer_ids, customer_langs, phrases) -> pd.DataFrame:
    """~n_surveys / 2 tickets: half join a survey of their customer, some must not, the rest have no survey."""
    n = round((len(surveys) - 2) / 2)
    links = list(TICKET_LINKS)
    channels = tuple(t["tickets"] for t in TOUCHPOINTS.values())
    ok = surveys["_ok"].to_numpy()
    once = (surveys.groupby("customer_id")["customer_id"].transform("size") == 1).to_numpy()
    joinable, lonely = np.flatnonzero(ok), np.flatnonzero(ok & once)
    s_customer, s_lang, s_tp, s_pains, s_time = (surveys[c].to_numpy() for c in (
        "customer_id", "_true_language", "_true_touchpoint", "_true_pain_points", "_t"))
    rows = []
    for link in rng.choice(links, size=n, p=list(TICKET_LINKS.values())):
        tp = TOUCHPOINT_IDS[_draw(rng, channels)]
        pains = _draw_pains(rng, tp, at_least=int(rng.random() < 0.85))
        if link == "no_survey":
            c = non_survey[int(rng.integers(len(non_survey)))]
            created = _WEEK_START_S - 5 * _DAY + int(rng.integers(12 * _DAY))
            rows.append(_ticket(rng, link, customer_ids[c], customer_langs[c], tp, created, pains, phrases))
            continue
        i = _pick(rng, joinable if link == "joined" else lonely)
        t = int(s_time[i])
        if rng.random() < 0.6:
            tp = s_tp[i]
        if link == "joined":
            created = t - int(rng.integers(3600, 13 * _DAY))
            pains = s_pains[i] or pains
        elif link == "after":
            created = t + int(rng.integers(60, max(120, _WEEK_END_S - t)))
        else:
            created = t - int(rng.integers(15 * _DAY, 24 * _DAY))
        rows.append(_ticket(rng, link, s_customer[i], s_lang[i], tp, created, pains, phrases))
    rows.sort(key=lambda r: r["_created"])
    for k, row in enumerate(rows, start=1):
        row["ticket_id"] = f"T{k:06d}"
    c = non_survey[int(rng.integers(len(non_survey)))]
    bad = _ticket(rng, "no_survey", customer_ids[c], customer_langs[c], "chat", rows[len(rows) // 2]["_created"],
                  _draw_pains(rng, "chat", at_least=1), phrases)
    rows.insert(len(rows) // 2, dict(bad, ticket_id=np.nan))
    frame = pd.DataFrame(rows)
    frame["created_at"] = _iso(frame["_created"])
    closed = pd.to_numeric(frame["_closed"])
    frame["closed_at"] = pd.Series(_iso(closed.fillna(0).astype("int64"))).where(closed.notna(), np.nan)
    return frame


def _finish(frame, source) -> pd.DataFrame:
    """Public columns, then the truth columns; pain points ";"-joined; helper columns dropped."""
    truth = [c for c in ("_true_touchpoint", "_true_pain_points", "_true_language", "_true_link") if c in frame]
    out = frame[COLUMNS[source] + truth].reset_index(drop=True)
    out["_true_pain_points"] = [";".join(p) for p in out["_true_pain_points"]]
    return out
