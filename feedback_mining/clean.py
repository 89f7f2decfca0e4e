"""Clean stage: turn raw comment and ticket text into plain, normalised, redacted text.

Cleaning and redaction are lists of small named rules applied in order; each has an example. Adding a
rule is one function and one line in `CLEAN_RULES` or `REDACT_RULES`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from feedback_mining import names
from feedback_mining.gc_pause import without_gc

# ---------------------------------------------------------------- cleaning rules


# our own placeholders (`<NAME>`, ...) are not tags, so cleaning a cleaned text changes nothing
_TAG = re.compile(r"<(?!(?:EMAIL|URL|CARD|IBAN|PHONE|NAME|HANDLE|ACCOUNT|ID)>)\s*/?\s*[a-zA-Z][^<>]{0,2000}>")
_HIDDEN = re.compile(r"<\s*(script|style|head|title)\b[^<>]{0,2000}>.*?(?:<\s*/\s*\1\s*>|\Z)"  # with content
                     r"|<!--.*?(?:-->|\Z)|<![^<>]{0,2000}>|<\?[^<>]{0,2000}>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:p|div|br|li|tr|h[1-6]|blockquote|table)\b[^<>]{0,2000}>", re.IGNORECASE)


def html_to_text(text: str) -> str:
    """`<p>Hi&nbsp;<b>there</b></p><script>x()</script>` -> `Hi there`: scripts, styles and comments go,
    block tags become line breaks, other tags vanish, entities are decoded last (so `&lt;b&gt;` stays text).
    Regular expressions, not an HTML parser: about five times faster on ticket bodies, and the result is
    plain text either way (reports escape it again)."""
    if "<" not in text or not _TAG.search(text):
        return html.unescape(text) if "&" in text else text
    text = _TAG.sub("", _BLOCK_TAG.sub("\n", _HIDDEN.sub("", text)))
    return html.unescape(text) if "&" in text else text


_QUOTE_MARKERS = re.compile(
    r"^\s*(?:-{2,}\s*(?:Original Message|Исходное сообщение|Пересылаемое сообщение|Forwarded message)\s*-{2,}"
    r"|On .{4,200}wrote:"  # On Mon, 16 Nov 2026 at 10:02, Support <s@x.com> wrote:
    r"|(?:От|From|Від|از)\s*:.{0,200}"  # От: Служба поддержки
    r"|Отправлено с (?:iPhone|iPad|Android|мобильного).*|Sent from my .*|Надіслано з .*"
    r"|ارسال شده از .*"
    r"|-- ?$"  # signature delimiter
    r"|(?:С уважением|З повагою|Best regards|Kind regards|Regards|Thanks and regards|Cheers|Sincerely|با احترام"
    r"|با سپاس|ارادتمند)\s*,?\s*$"  # sign-off line: the name below it goes too
    r")", re.IGNORECASE | re.MULTILINE)


# 16.11.2026, 10:02, Иван написал:  (apart, because it is slow and needs "пис"/"пише" in the text)
_WROTE_LINE = re.compile(r"^\s*.{0,80}(?:написал|написала|пише|писал)\(?а?\)?:\s*$", re.IGNORECASE | re.MULTILINE)


def _first_quote_marker(text: str) -> re.Match | None:
    """The first line that opens a quoted reply, a forwarded message or a signature, if any."""
    lines = "\n" in text  # a one-line text can only open with a marker
    found = _QUOTE_MARKERS.search(text) if lines else _QUOTE_MARKERS.match(text)
    lower = text.lower()
    if "пис" in lower or "пише" in lower:
        wrote = _WROTE_LINE.search(text) if lines else _WROTE_LINE.match(text)
        if wrote and (found is None or wrote.start() < found.start()):
            found = wrote
    return found


def drop_quoted_reply(text: str) -> str:
    """`Still broken.\\n-----Original Message-----\\nWe fixed it` -> `Still broken.` (also `>` lines)."""
    match = _first_quote_marker(text)
    if match and match.start() > 0:
        text = text[:match.start()]
    elif match:  # the marker opens the text: keep it, drop only the marker line
        text = text[match.end():]
    if ">" not in text:
        return text
    return "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))


_MOJIBAKE_UTF8 = re.compile(r"[ÐÑØÙÛÚ][\x80-\xbf]|â€|Ã[\x80-\xbf]")  # UTF-8 read as cp1252/latin-1: "ÐŸÑ€Ð¸"
_MOJIBAKE_CP1251 = re.compile(r"[À-ÿ]{4,}")  # cp1251 read as latin-1: "Ïðèâåò"
_CYRILLIC = re.compile(r"[а-яА-ЯёЁіїєґІЇЄҐ]")


_MOJIBAKE_ANY = re.compile(r"[\u00c0-\u00ff][\u0080-\u00ff]|\u00e2\u20ac")  # cheap screen for both kinds


def fix_mojibake(text: str) -> str:
    """`ÐŸÑ€Ð¸Ð²ÐµÑ‚` -> `Привет` (UTF-8 read as cp1252), `Ïðèâåò` -> `Привет` (cp1251 read as latin-1);
    a repair is kept only when it decodes cleanly and yields more Cyrillic or Arabic-script letters."""
    if text.isascii() or not _MOJIBAKE_ANY.search(text):
        return text
    if _MOJIBAKE_UTF8.search(text):
        for codec in ("cp1252", "latin-1"):
            try:
                return text.encode(codec).decode("utf-8")
            except UnicodeError:
                continue
    if _MOJIBAKE_CP1251.search(text) and not _CYRILLIC.search(text):
        try:
            repaired = text.encode("latin-1").decode("cp1251")
        except UnicodeError:
            return text
        if len(_CYRILLIC.findall(repaired)) > len(text) / 3:
            return repaired
    return text


def normalise_unicode(text: str) -> str:
    """NFKC: `ﬁ`, full-width `ＡＢＣ` and compatibility forms become plain characters; `№` stays `№`.
    Mojibake that NFKC uncovers (`¹Ã¶` -> `1Ã¶`) is repaired too, so cleaning twice changes nothing."""
    normal = "№".join(unicodedata.normalize("NFKC", part) for part in text.split("№"))
    return fix_mojibake(normal) if normal != text else normal


# Control, format and zero-width characters, except ZWNJ (U+200C), which Persian spelling needs,
# and ZWJ (U+200D), which joins emoji sequences. Bidi overrides (U+202A-202E, 2066-2069) go too.
_JUNK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufffe\ufffd]")


_NON_ASCII_DIGIT = re.compile(r"[\u0660-\u0669\u06f0-\u06f9]")
_DIGITS = str.maketrans({**{chr(0x06F0 + i): str(i) for i in range(10)}, **{chr(0x0660 + i): str(i) for i in range(10)}})


def ascii_digits(text: str) -> str:
    """`۰۹۱۲ ۳۴۵ ۶۷۸۹` -> `0912 345 6789` (Persian and Arabic-Indic digits), so numbers redact and match."""
    return text.translate(_DIGITS) if _NON_ASCII_DIGIT.search(text) else text


def drop_control_chars(text: str) -> str:
    """`a\\x00b\\u200bc` -> `abc`; keeps `می‌خواهم`'s ZWNJ and emoji joiners."""
    return _JUNK.sub("", text)


def collapse_whitespace(text: str) -> str:
    """`  a \\n\\n b  ` -> `a b`."""
    return " ".join(text.split())


# control characters go first (they hide mojibake) and again after HTML entities are decoded (`&#x202e;`)
CLEAN_RULES = [drop_control_chars, fix_mojibake, normalise_unicode, ascii_digits, html_to_text, drop_control_chars,
               drop_quoted_reply, collapse_whitespace]

# ---------------------------------------------------------------- redaction rules


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


_TWO_DIGITS, _FOUR_DIGITS = re.compile(r"\d\d"), re.compile(r"\d{4}")  # cheap pre-checks before the full rules
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")  # bounded: linear on long words
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d{1,3}[\s\-.]?\(?\d{2,4}\)?(?:[\s\-.]?\d{2,4}){2,3}"  # +7 916 123-45-67, +380 67 123 4567, +98 912...
    r"|8[\s\-]?\(?\d{3}\)?[\s\-]?\d{3}[\s\-]?\d{2}[\s\-]?\d{2}"  # 8 (495) 123-45-67
    r"|09\d{2}[\s\-]?\d{3}[\s\-]?\d{4}"  # 0912 345 6789 (Iranian mobile)
    r"|0\d{2}[\s\-]?\d{3}[\s\-]?\d{2}[\s\-]?\d{2}"  # 067 123 45 67 (Ukrainian)
    r")(?!\w)")


def redact_emails(text: str) -> str:
    """`write to ivan.petrov@mail.ru` -> `write to <EMAIL>`."""
    return _EMAIL.sub("<EMAIL>", text) if "@" in text else text


def redact_urls(text: str) -> str:
    """`https://x.com/reset?token=abc` -> `<URL>` (links carry tokens and ids)."""
    return _URL.sub("<URL>", text) if "www." in text or "://" in text or "WWW." in text else text


def redact_cards(text: str) -> str:
    """`4111 1111 1111 1111` -> `<CARD>`; a 16-digit order id failing the Luhn check stays."""
    if not _FOUR_DIGITS.search(text):
        return text
    return _CARD.sub(lambda m: "<CARD>" if _luhn_ok(re.sub(r"\D", "", m.group())) else m.group(), text)


# countries that issue IBANs (SWIFT's registry), so a tracking number `RA123456789RU` is not one
_IBAN_COUNTRIES = frozenset(
    "AD AE AL AT AZ BA BE BG BH BI BR BY CH CR CY CZ DE DJ DK DO EE EG ES FI FK FO FR GB GE GI GL GR GT HR HU IE IL "
    "IQ IR IS IT JO KW KZ LB LC LI LT LU LV LY MC MD ME MK MN MR MT MU NI NL NO OM PK PL PS PT QA RO RS RU SA SC SD "
    "SE SI SK SM SO ST SV TL TN TR UA VA VG XK YE".split())


def redact_ibans(text: str) -> str:
    """`UA21 3223 1300 0002 6007 2335 6600 1` -> `<IBAN>` (country codes that issue IBANs only)."""
    if not _TWO_DIGITS.search(text):
        return text
    return _IBAN.sub(lambda m: "<IBAN>" if m.group()[:2] in _IBAN_COUNTRIES else m.group(), text)


# a number right after one of these is an order, invoice, ticket or tracking number, not a phone
_NOT_PHONE_CUE = re.compile(
    r"(?:заказ\w*|замовлен\w*|order|invoice|inv|сч[её]т\w*|рахун\w*|накладн\w*|фактур\w*|трек\w*|tracking|"
    r"артикул|sku|ref\w*|ticket|заявк\w*|тикет\w*|обращени\w*|квитанц\w*|чек\w*|receipt|case|"
    r"فاکتور|سفارش|پیگیری|رسید|کد|№|#)[\s:.№#-]{0,4}(?:(?:no|номер|شماره|number)[\s:.№#-]{0,3})?$", re.IGNORECASE)
_DATE_OR_TIME = re.compile(r"(?<!\d)(?:\d{1,2}[./]\d{1,2}[./](?:19|20)\d\d|(?:19|20|13|14)\d\d[./-]\d{1,2}[./-]\d{1,2}"
                           r"|\d{1,2}:\d\d)(?!\d)")  # 12.11.2026, 2026-11-17, 1403/08/25, 14:05
_SEVEN_DIGITS = re.compile(r"\d(?:[\s\-.()/]{0,3}\d){6}")  # 7+ digits close together: the matcher's pre-check
_GROUPED = re.compile(r"^\+|^00|\d[\s\-.)]+\d{2,4}[\s\-.]+\d")  # +..., 00..., or two separated digit groups



_PHONE_CANDIDATE = re.compile(r"\+?\(?\d(?:[ \-./()]{0,3}\d){6,16}\)?")  # where a number may be: 7+ digits


def _regions(text: str) -> tuple[str, ...]:
    """Our regions, the likeliest first for the text's script (a number valid in the first one ends the search)."""
    if re.search(r"[\u0600-\u06ff]", text):
        return ("IR", "GB", "US", "RU", "UA")
    if re.search(r"[іїєґІЇЄҐ]", text):
        return ("UA", "RU", "GB", "US", "IR")
    if re.search(r"[а-яА-Я]", text):
        return ("RU", "UA", "GB", "US", "IR")
    return ("GB", "US", "RU", "UA", "IR")


def _phone_spans(text: str) -> list[tuple[int, int]]:
    """Spans libphonenumber's matcher finds in the text's digit clusters, region by region."""
    regions = _regions(text)
    return [(m.start() + start, m.start() + end) for m in _PHONE_CANDIDATE.finditer(text)
            for start, end in _matched_phones(m.group(), regions)]


@lru_cache(maxsize=65_536)
def _matched_phones(window: str, regions: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Valid numbers, and possible ones written with a `+`, `00` or separated groups (fictional `(555) 123-4567`
    and `07700 900123` are not valid anywhere); the first region with a number covering the window ends it."""
    import phonenumbers

    spans, digits = set(), sum(ch.isdigit() for ch in window)
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.POSSIBLE):
            raw = match.raw_string
            found = sum(ch.isdigit() for ch in raw)
            if phonenumbers.is_valid_number(match.number) or (found >= 10 and _GROUPED.search(raw)):
                spans.add((match.start, match.end))
                if found == digits:
                    return tuple(sorted(spans))
    return tuple(sorted(spans))


def _is_phone_at(text: str, start: int, end: int) -> bool:
    """Not glued to letters or digits, not a date or a time, not after an order, invoice or ticket cue."""
    raw = text[start:end]
    if (start and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
        return False
    if len(re.sub(r"\D", "", raw)) < 7 or _DATE_OR_TIME.search(raw):
        return False
    return not _NOT_PHONE_CUE.search(text[max(0, start - 24):start].rstrip())


def redact_phones(text: str) -> str:
    """`+7 916 123-45-67`, `(555) 123-4567`, `0098-912-345-6789`, `8.916.123.45.67` -> `<PHONE>`, by
    libphonenumber (RU, UA, IR, GB, US) and our patterns; `заказ №123456`, `invoice 0912 345 6789`, dates stay."""
    if not _SEVEN_DIGITS.search(text):
        return text
    spans = _phone_spans(text) + [m.span() for m in _PHONE.finditer(text)]
    out, last = [], 0
    for start, end in sorted(spans):
        if start >= last and _is_phone_at(text, start, end):
            out += [text[last:start], "<PHONE>"]
            last = end
    return "".join(out) + text[last:] if out else text


_AT = r"(?:\s*[(\[{<]\s*(?:at|собака|эт)\s*[)\]}>]\s*|\s+(?:at|собака|эт)\s+|\s*@\s*)"
_DOT = r"(?:\s*[(\[{<]\s*(?:dot|точка|крапка)\s*[)\]}>]\s*|\s+(?:dot|точка|крапка)\s+|\.)"
_TLD = r"(?:com|net|org|ru|ua|ir|uk|io|me|info|biz|edu|gov|co|de|by|kz|рф|su|us|ca|eu)"
_OBFUSCATED_EMAIL = re.compile(rf"(?<![\w+-])[\w+-]{{1,40}}(?:{_DOT}[\w+-]{{1,40}}){{0,3}}{_AT}[\w-]{{1,40}}"
                               rf"(?:{_DOT}[\w-]{{1,40}}){{0,2}}{_DOT}{_TLD}(?!\w)", re.IGNORECASE)
# the "at" of an address, found first (the full pattern runs only near one); a character set first: 4x faster
_AT_ONLY = re.compile(r"[aAсСэЭ@](?<!\w[aAсСэЭ])"
                      r"(?:(?<=[aA])[tT](?!\w)|(?<=[сС])обака(?!\w)|(?<=[эЭ])т(?!\w)|(?<=@))")
_DOMAIN = re.compile(rf"\s*[)\]}}>]?\s*[\w-]{{1,40}}(?:{_DOT}[\w-]{{1,40}}){{0,2}}{_DOT}{_TLD}(?!\w)", re.IGNORECASE)


def redact_obfuscated_emails(text: str) -> str:
    """`john dot smith at gmail dot com`, `ivan(at)mail.ru`, `petrov собака yandex точка ru` -> `<EMAIL>`."""
    out, last = [], 0
    for at in _AT_ONLY.finditer(text):
        if at.start() < last or not _DOMAIN.match(text, at.end()):
            continue
        found = _OBFUSCATED_EMAIL.search(text, max(last, at.start() - 200), at.end() + 200)
        if found and found.start() <= at.start() and found.end() >= at.end():
            out += [text[last:found.start()], "<EMAIL>"]
            last = found.end()
    return "".join(out) + text[last:] if out else text


_HANDLE = re.compile(r"(?:https?://)?(?:www\.)?(?:t(?:elegram)?\.me|wa\.me|vk\.com|instagram\.com)/[\w+.-]{2,64}"
                     r"|(?<![\w@.])@[A-Za-z]\w{3,31}(?![\w@.])", re.IGNORECASE)


def redact_handles(text: str) -> str:
    """`@ivan_petrov`, `t.me/olga_smirnova`, `https://wa.me/79161234567` -> `<HANDLE>` (messenger contacts)."""
    return _HANDLE.sub("<HANDLE>", text) if "@" in text or ".me/" in text or ".com/" in text else text


_ACCOUNT = re.compile(r"\d(?<![\d-]\d)(?: ?\d){19}(?![\d-])")  # the look-behind after the digit: 3x faster


def redact_accounts(text: str) -> str:
    """`40817810099910004312` (a Russian bank account: 20 digits, spaces allowed) -> `<ACCOUNT>`."""
    return _ACCOUNT.sub("<ACCOUNT>", text) if _FOUR_DIGITS.search(text) else text


_ID_CUE = (r"(?:паспорт\w*|passport|снилс|инн|іпн|рнокпп|ssn|national id|driver'?s licen[cs]e|водительск\w+ "
           r"удостоверени\w+|کد ?ملی|شماره ملی|شماره گذرنامه|گذرنامه|серия|серії|серии)")
_ID_WORDS = ("паспорт", "passport", "снилс", "инн", "іпн", "рнокпп", "ssn", "national id", "licen", "удостоверен",
             "ملی", "گذرنامه", "сери")  # a cheaper screen than the cue pattern
_ID = re.compile(rf"(?<!\w)({_ID_CUE}(?:\s*(?:серия|серії|серии|номер|number|no\.?|№|#|:|-))*\s*)"
                 r"(\d[\d -]{2,14}\d)(?:(\s*(?:номер|№|number|no\.?)\s*)(\d{4,9}))?(?!\d)", re.IGNORECASE)


def redact_ids(text: str) -> str:
    """`паспорт 45 06 123456`, `серия 4506 номер 123456`, `СНИЛС 112-233-445 95`, `passport 533380006` ->
    `<ID>` (an identity document number after the word that names it)."""
    if not _TWO_DIGITS.search(text) or not any(word in text.lower() for word in _ID_WORDS):
        return text
    return _ID.sub(lambda m: m.group(1) + "<ID>" + (m.group(3) + "<ID>" if m.group(4) else ""), text)


def redact_names(text: str) -> str:
    """`Спасибо, Сергей Иванов` -> `Спасибо, <NAME> <NAME>`; `Дякую Олені`, `آقای احمدی`, `Mr O'Brien` too, while
    `Вера в лучшее`, `امید دارم`, `Mark my words` stay (`names.py` says how: dictionaries, context, NER)."""
    return redact_names_in_lines([text])[0]


def redact_names_in_lines(texts: list[str]) -> list[str]:
    """`redact_names` on many texts at once, with the same result: the NER runs once, in batches, over the few
    windows of text that need it."""
    return names.redact_all(texts)


REDACT_RULES = [redact_emails, redact_obfuscated_emails, redact_handles, redact_urls, redact_ibans, redact_accounts,
                redact_cards, redact_ids, redact_phones, redact_names]
PLACEHOLDERS = {"<EMAIL>": "email", "<URL>": "url", "<CARD>": "card", "<IBAN>": "iban", "<PHONE>": "phone",
                "<NAME>": "name", "<HANDLE>": "handle", "<ACCOUNT>": "account", "<ID>": "id"}

# ---------------------------------------------------------------- the stage

MAX_CHARS = 20_000  # longer texts are cut: a 1 MB paste is never one customer's comment


def clean_text(text: str) -> str:
    """Apply every cleaning rule, then every redaction rule, to one text."""
    text = text[: MAX_CHARS * 5]
    for rule in CLEAN_RULES:
        text = rule(text)
    for rule in REDACT_RULES:
        text = rule(text)
    return text[:MAX_CHARS]


# ---------------------------------------------------------------- the batch path
# Most texts are plain: no markup or entities, control characters, mojibake, Persian digits or non-NFKC forms,
# so the first cleaning rules leave them as they are and only the other texts go through those. Each later
# rule runs only on the texts that a vectorised screen (pyarrow's RE2 kernels: the screens' union in one pass over
# the batch, then each screen over the texts the union matched) says it could change. `clean_text` stays the
# text-by-text reference; tests check that both give the same.

_NOT_PLAIN = (r"[<&\x00-\x08\x0b-\x1f\x7f-\x9f\x{200b}\x{200e}\x{200f}\x{202a}-\x{202e}\x{2060}-\x{2069}"
              r"\x{feff}\x{fffe}\x{fffd}\x{660}-\x{669}\x{6f0}-\x{6f9}]"  # HTML, control, Arabic digits
              r"|[\x{c0}-\x{ff}][\x{80}-\x{ff}]|\x{e2}\x{20ac}")  # what `fix_mojibake` screens for
# a literal that every `_QUOTE_MARKERS` alternative holds (case-insensitive): texts without one keep their end
_QUOTE_SCREEN = (r"(?i)\n|>|--|original message|исходное сообщение|пересылаемое сообщение|forwarded message|wrote:"
                 r"|(?:от|from|від|از)[^\pL\pN]*:|писал|пише|отправлено с |sent from my |надіслано з |ارسال شده از"
                 r"|с уважением|з повагою|regards|cheers|sincerely|با احترام|با سپاس|ارادتمند")
# what every `_AT_ONLY` match holds: `@`, `собака`, or `at`/`эт` as a word (between characters that are no ASCII or
# Cyrillic letter, digit or underscore: a laxer test than Python's `\w`, so an exotic neighbour still passes)
_OBFUSCATED_SCREEN = r"(?i)собака|@|(?:^|[^A-Za-z0-9_\x{400}-\x{4ff}])(?:at|эт)(?:[^A-Za-z0-9_\x{400}-\x{4ff}]|$)"
# redaction rule -> an RE2 pattern that every text the rule can change matches (its pre-check, or what every
# match of its pattern holds); `\d` in Python is any decimal digit, so \p{Nd} in RE2
_REDACT_SCREENS = {redact_emails: "@", redact_urls: r"www\.|://|WWW\.",
                   redact_cards: r"\p{Nd}(?:[ -]?\p{Nd}){12}",  # 13 digits or more, as every `_CARD` match
                   redact_ibans: r"[A-Z]{2}\p{Nd}{2}", redact_accounts: r"\p{Nd}(?: ?\p{Nd}){19}",  # _IBAN, _ACCOUNT
                   redact_ids: "(?i)" + "|".join(_ID_WORDS),
                   redact_phones: r"(?:\p{Nd}\P{Nd}{0,3}){6}\p{Nd}",
                   redact_obfuscated_emails: _OBFUSCATED_SCREEN, redact_handles: r"(?i)@|\.me/|\.com/"}


def _matches(texts: list[str], *patterns: str) -> dict[str, np.ndarray]:
    """Pattern (RE2 syntax) -> which texts it may match, as a boolean array; every text when some cannot be
    screened (lone surrogates are not UTF-8). One pass of all the patterns as one alternative finds the few texts
    any of them matches (a tenth of real texts); each pattern then reads only those."""
    try:
        array = pa.array(texts, pa.large_string())
    except (UnicodeEncodeError, pa.ArrowException):
        return {pattern: np.ones(len(texts), dtype=bool) for pattern in patterns}
    some = np.flatnonzero(pc.match_substring_regex(array, _any_of(patterns)).to_numpy(zero_copy_only=False))
    subset = len(some) < len(texts) / 2  # else reading the matched texts alone saves little
    array = array.take(pa.array(some)) if subset else array
    out = {}
    for pattern in patterns:
        found = pc.match_substring_regex(array, pattern).to_numpy(zero_copy_only=False).astype(bool)
        if subset:
            found, rows = np.zeros(len(texts), dtype=bool), found
            found[some[rows]] = True
        out[pattern] = found
    return out


@lru_cache(maxsize=None)
def _any_of(patterns: tuple[str, ...]) -> str:
    """One RE2 pattern that matches wherever one of `patterns` does (a leading `(?i)` kept to its own group)."""
    return "|".join(f"(?i:{p[4:]})" if p.startswith("(?i)") else f"(?:{p})" for p in patterns)


def _apply(rule, texts: np.ndarray, rows: np.ndarray) -> None:
    texts[rows] = [rule(text) for text in texts[rows]]


def plain_texts(texts: list[str]) -> np.ndarray:
    """Which texts the cleaning rules before `drop_quoted_reply` would leave unchanged (a conservative test)."""
    return _plain(texts, _matches(texts, _NOT_PLAIN)[_NOT_PLAIN])


def _plain(texts: list[str], not_plain: np.ndarray) -> np.ndarray:
    return ~not_plain & np.fromiter((len(t) <= MAX_CHARS * 5 and _nfkc_stable(t) for t in texts), dtype=bool,
                                    count=len(texts))


def _nfkc_stable(text: str) -> bool:
    """Whether `normalise_unicode` leaves the text as it is (`№` is kept, so order numbers stay plain)."""
    if unicodedata.is_normalized("NFKC", text):
        return True
    return "№" in text and all(unicodedata.is_normalized("NFKC", part) for part in text.split("№"))


_FIRST_RULES = CLEAN_RULES[:CLEAN_RULES.index(drop_quoted_reply)]
assert CLEAN_RULES[len(_FIRST_RULES):] == [drop_quoted_reply, collapse_whitespace], \
    "a cleaning rule after drop_quoted_reply: add it to clean_texts too"
assert REDACT_RULES[-1] is redact_names, "redact_names runs last (clean_texts gives it the whole batch at once)"


def _first_rules(text: str) -> str:
    text = text[: MAX_CHARS * 5]
    for rule in _FIRST_RULES:
        text = rule(text)
    return text


# what `collapse_whitespace` changes: a whitespace character other than one space between words (`str.split`'s
# whitespace: the 29 characters for which `str.isspace` holds)
_SPACE_SCREEN = (r"[\t-\r\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}"
                 r"\x{3000}]|  |^ | $")


def clean_texts(texts: list[str]) -> list[str]:
    """`clean_text` on a batch of texts, with the same result, screening rule by rule (see above). Every screen
    reads the raw texts in one conversion to Arrow; a text that an earlier rule changed skips no later rule."""
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    redact_screens = set(_REDACT_SCREENS.values())  # placeholders add no digit, @ or ://
    screens = _matches(texts, _NOT_PLAIN, _QUOTE_SCREEN, _SPACE_SCREEN, *redact_screens)
    changed = ~_plain(texts, screens[_NOT_PLAIN])
    _apply(_first_rules, out, changed)
    changed |= screens[_QUOTE_SCREEN]
    _apply(drop_quoted_reply, out, changed)
    changed |= screens[_SPACE_SCREEN]
    _apply(collapse_whitespace, out, changed)
    for rule in REDACT_RULES[:-1]:  # a rule without a screen runs on every text
        _apply(rule, out, screens[_REDACT_SCREENS[rule]] | changed if rule in _REDACT_SCREENS else
               np.ones(len(out), bool))
    return [text[:MAX_CHARS] for text in redact_names_in_lines(out.tolist())]


@without_gc
def clean(frame: pd.DataFrame, text_col: str = "text") -> pd.DataFrame:
    """Add `clean_text` (cleaned, redacted); `pipeline.enrich_texts` flags the duplicates among them."""
    return frame.assign(clean_text=pd.Series(clean_texts(frame[text_col].fillna("").astype(str).tolist()),
                                             index=frame.index, dtype=object))


def count_redactions(texts: pd.Series) -> dict[str, int]:
    """How many placeholders of each type the cleaned texts hold."""
    return {name: int(texts.str.count(re.escape(placeholder)).sum()) for placeholder, name in PLACEHOLDERS.items()}
