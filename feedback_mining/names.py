"""Which words of a text are person names, decided by context, for the `<NAME>` redaction in `clean`.

- Cyrillic: pymorphy3 (ru, uk) says whether a capitalised word is surely a name (`Сергей`, `Петренко`, `Тарасе`),
  maybe one (`Вера`, `Роман`, `Надія`, `Олені`: also "faith", "novel", "hope", "deer") or not (`Москва`). A maybe-name,
  or a word neither dictionary knows, is a name when natasha's slovnet NER puts it in a PER span, when a role or
  thanks word comes before it (`оператор Роман`), or when a name in the same grammatical case stands next to it
  (`Вера Павловна`; not `Роман Толстого`). All-caps ФИО (`ИВАНОВ ИВАН ИВАНОВИЧ`) and initials (`И. Иванов`) too.
- Latin: listed first names; a listed name that is also a word (`Mark`, `Will`, `Grace`) only after a cue
  (`thanks Grace`) or before a surname or a verb (`Will at the counter`, `Mark in support`); `O'Brien`, `McAllister`;
  any capitalised word after a title (`Mr`, `Dr.`) or after a first name (`Alex Turner`).
- Persian: listed names and surnames; names that are also words (`امید` hope, `شیرین` sweet, `ستاره` star) only
  after a title (`آقای`, `خانم`) or a role, before a surname or `هستم`; surnames by suffix after a name.
The lists and cue words are in `resources/names.toml`.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
import tomllib
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from importlib import resources

from feedback_mining.lang.known_words import known_words
from feedback_mining.lang.ru import dictionary_parses, morph_analyzer
from feedback_mining.ner import per_spans
from feedback_mining.word_caches import trim

SURE, MAYBE, UNKNOWN, NONE = "sure", "maybe", "unknown", "none"
_PERSON = {"Name", "Surn", "Patr"}
_CASES = {"nomn", "gent", "datv", "accs", "ablt", "loct", "voct", "gen2", "acc2", "loc2"}

# a token: a placeholder, a word (inner apostrophes, hyphens, ZWNJ), a run of sentence punctuation, a symbol
_TOKEN = re.compile(r"<[A-Z]+>|[^\W\d_]+(?:['’\u200c-][^\W\d_]+)*|[.!?…]+|[^\w\s]")
_CYRILLIC_CAP = re.compile(r"[А-ЯЁІЇЄҐ][а-яёіїєґ'’-]+")
_CYRILLIC_UPPER = re.compile(r"[А-ЯЁІЇЄҐ]{2,}")
_LATIN_CAP = re.compile(r"[A-Z](?:['’][A-Z])?[a-zà-öø-ÿ]+(?:[A-Z][a-zà-öø-ÿ]+)?")
_GAELIC = re.compile(r"(?:O['’]|Mc|Mac)[A-Z][a-z]+")  # O'Brien, McAllister, MacDonald
_ARABIC = re.compile(r"[\u0600-\u06ff][\u0600-\u06ff\u200c]*")
_UK_ONLY, _RU_ONLY = re.compile(r"[іїєґІЇЄҐ'’]"), re.compile(r"[ыэъёЫЭЪЁ]")
_LATIN_STOP = {"The", "And", "From", "At", "In", "On", "For", "To", "Of", "With", "Is", "Was", "But", "Or", "So",
               "Support", "Team", "Customer", "Service", "Bank", "Store", "Branch", "Street", "Road", "Avenue",
               "I", "My", "We", "Our", "They", "He", "She", "It", "Thanks", "Thank", "Please", "Hi", "Hello",
               # words of company and product names in complaints: `Bill Pay`, `Mark Home Loans`, `Re:`
               "Re", "Fw", "Fwd", "Subject", "Pay", "Payment", "Payments", "Home", "Loan", "Loans", "Mortgage",
               "Settlement", "Services", "Financial", "Credit", "Card", "Account", "Online", "Insurance", "Group",
               "Inc", "LLC", "Corp", "Company", "Bill", "Bills"}


@lru_cache(maxsize=None)
def lexicon() -> dict[str, frozenset[str]]:
    """`resources/names.toml`: list name -> its words."""
    raw = tomllib.loads(resources.files("feedback_mining").joinpath("resources/names.toml").read_text(encoding="utf-8"))
    return {key: frozenset(words) for key, words in raw.items() if key != "version"}


# ---------------------------------------------------------------- Cyrillic words, by dictionary

_KINDS: dict[str, tuple[str, frozenset[str]]] = {}  # word -> (kind, cases of its name parses); the week's vocabulary


def cyrillic_kind(word: str) -> tuple[str, frozenset[str]]:
    """(`sure` | `maybe` | `unknown` | `none`, the grammatical cases of its name parses) for a capitalised word."""
    found = _KINDS.get(word)
    if found is None:
        lower = word.lower()
        found = known_words().kinds.get(lower) if word == lower.capitalize() else None
        found = _KINDS[word] = found or _cyrillic_kind(word)
    return found


def _cyrillic_kind(word: str) -> tuple[str, frozenset[str]]:
    lower, verdicts, cases = word.lower(), [], set()
    for lang in ("uk",) if _UK_ONLY.search(word) else ("ru",) if _RU_ONLY.search(word) else ("ru", "uk"):
        parses = dictionary_parses(lower, lang) if len(word) > 1 else None
        if parses is None:  # pymorphy3's own path
            morph = morph_analyzer(lang)
            parses = [(p.tag, p.score) for p in morph.parse(word)] if morph.word_is_known(lower) else []
        if not parses:
            continue
        names = [(tag, score) for tag, score in parses if _PERSON & tag.grammemes]
        cases |= {g for tag, _ in names if not {"Fixd", "plur"} & tag.grammemes  # all cases, or a family
                  for g in tag.grammemes & _CASES}
        weight = sum(score for _, score in parses) or 1.0
        share = sum(score for _, score in names) / weight if lang == "ru" else len(names) / len(parses)
        verdicts.append(SURE if share >= 0.75 else MAYBE if names else NONE)
    if not verdicts:
        return (SURE if word in lexicon()["uk"] else UNKNOWN), frozenset(cases)
    kind = verdicts[0] if len(set(verdicts)) == 1 else MAYBE
    if kind == NONE and word in lexicon()["uk"]:
        kind = MAYBE
    return kind, frozenset(cases)


@lru_cache(maxsize=65_536)
def _is_cyrillic_cue(word: str) -> bool:
    """`оператор`, `Оператору`, `сотрудницы`: a role or thanks word (or its stem, five letters or more)."""
    cues, lower = lexicon()["cues_cyrillic"], word.lower()
    return lower in cues or (len(lower) >= 5 and lower.startswith(_long_cues()))


@lru_cache(maxsize=1)
def _long_cues() -> tuple[str, ...]:
    return tuple(sorted(c for c in lexicon()["cues_cyrillic"] if len(c) >= 5))


@lru_cache(maxsize=65_536)
def _fa_surname_like(word: str) -> bool:
    """`احمدی`, `حسین‌زاده`, `رستم‌پور`: a listed Persian surname or a word with a surname suffix."""
    lex = lexicon()
    return word in lex["fa_surnames"] or any(word.endswith(s) and len(word) > len(s) + 1
                                             for s in lex["fa_surname_suffixes"])


@lru_cache(maxsize=65_536)
def _fa_listed(word: str) -> bool:
    """Whether a Persian rule could take the word without a title before it: listed, or surname-like."""
    lex = lexicon()
    return word in lex["fa"] or word in lex["fa_ambiguous"] or _fa_surname_like(word)


# ---------------------------------------------------------------- the decision over a text's tokens

# token shapes: which rules look at a token
CYR, CYR_WORD = "cyr", "cyr_word"  # capitalised Cyrillic: pymorphy3 says it may be a name (`Вера`), or is not (`Москва`)
LAT, UPPER, INITIAL, PLACEHOLDER = "lat", "upper", "initial", "placeholder"  # `Sarah`, `ИВАНОВ`, `И`, `<NAME>`
FA, FA_TITLE, FA_WORD = "fa", "fa_title", "fa_word"  # Arabic script: listed or surname-like, a title (`آقای`), other
_ARABIC_SHAPES = frozenset({FA, FA_TITLE, FA_WORD})
_MARKED = frozenset({CYR, LAT, UPPER, INITIAL, PLACEHOLDER, FA, FA_TITLE})  # the others only matter after a title
_SHAPES: dict[str, str] = {}  # word form -> its shape, "" for a word no rule looks at
# the first letters of the words with a shape: `<`, Arabic script, capitals (a one-letter initial in any script)
_SHAPED_FIRST = frozenset("<" + "".join(map(chr, range(0x600, 0x700)))) | frozenset(
    filter(str.isupper, map(chr, range(sys.maxunicode + 1))))


def _shape(word: str) -> str:
    """A token's shape (above), decided once per word form."""
    found = _SHAPES.get(word)
    if found is None:
        found = _SHAPES[word] = _new_shape(word)
    return found


def _new_shape(word: str) -> str:
    if word == "<NAME>":
        return PLACEHOLDER
    if _CYRILLIC_CAP.fullmatch(word):
        return CYR if cyrillic_kind(word)[0] != NONE else CYR_WORD
    if _LATIN_CAP.fullmatch(word):
        return LAT
    if _ARABIC.fullmatch(word):
        return FA if _fa_listed(word) else FA_TITLE if word in lexicon()["titles_fa"] else FA_WORD
    if _CYRILLIC_UPPER.fullmatch(word):
        return UPPER
    return INITIAL if len(word) == 1 and word.isupper() else ""


class _Tokens:
    """A text's tokens with what the rules ask of them: the word, its shape, sentence start, neighbours."""

    __slots__ = ("text", "words", "shapes", "marked", "_starts")

    def __init__(self, text: str):
        self.text, self.words, self._starts = text, _TOKEN.findall(text), None
        words, self.shapes = self.words, [""] * len(self.words)
        shaped = list(compress(range(len(words)), map(_SHAPED_FIRST.__contains__, map(itemgetter(0), words))))
        for i in shaped:
            self.shapes[i] = _shape(words[i])
        self.marked = [i for i in shaped if self.shapes[i] in _MARKED]  # the tokens a rule looks at

    def word(self, i: int) -> str:
        return self.words[i] if 0 <= i < len(self.words) else ""

    def start(self, i: int) -> int:
        """Where token i starts in the text; found on first use (most texts need no offsets). Each token is
        found from the end of the one before: what lies between is whitespace, digits or `_`, which no token
        starts with, so the first occurrence is the token's own."""
        if self._starts is None:
            self._starts, at, find = [], 0, self.text.find
            for word in self.words:
                at = find(word, at)
                self._starts.append(at)
                at += len(word)
        return self._starts[i]

    def end(self, i: int) -> int:
        return self.start(i) + len(self.words[i])

    def shape(self, i: int) -> str:
        return self.shapes[i] if 0 <= i < len(self.shapes) else ""

    def initial(self, i: int) -> bool:
        """Whether token i opens a sentence."""
        return i == 0 or _ends_sentence(self.words, i - 1)


def _ends_sentence(words: list[str], i: int) -> bool:
    """Whether token i closes a sentence (`.` after a title or an initial does not). A token that opens with
    `.!?…` is a run of them (see `_TOKEN`)."""
    if words[i][0] not in ".!?…":
        return False
    before = words[i - 1] if i else ""
    return not (words[i] == "." and (before in lexicon()["titles_en"] or len(before) == 1))


def name_tokens(text: str, per_spans: list[tuple[int, int]] | None = None) -> set[int]:
    """Indexes of the tokens of `text` that are names; `per_spans` are the NER's PER spans, if it ran."""
    return _name_tokens(_Tokens(text), per_spans)


def _name_tokens(tokens: _Tokens, per_spans: list[tuple[int, int]] | None) -> set[int]:
    names, words = set(), tokens.words
    in_per = _in_spans(tokens, per_spans) if per_spans else set()
    candidates = _candidates(tokens)
    for i in candidates:
        if _sure_name(tokens, i, words[i]):
            names.add(i)
    for _ in range(2):  # a name found in context can give the next word its context
        for i in candidates:
            if i not in names and _name_in_context(tokens, i, words[i], names, in_per):
                names.add(i)
    names |= _all_caps_names(tokens)
    names |= {i for i in tokens.marked if tokens.shapes[i] == INITIAL and tokens.word(i + 1) == "." and
              (i - 1 in names or i + 2 in names or i + 4 in names)}
    return names


def _candidates(tokens: _Tokens) -> list[int]:
    """The tokens `_sure_name` or `_name_in_context` could take, in order; the others they always leave (a word
    pymorphy3 says is no name, an Arabic-script word in no list and after no title), so they are not asked."""
    out, shapes, titles = [], tokens.shapes, lexicon()["titles_fa"]
    for i in tokens.marked:
        shape = shapes[i]
        if shape in _DECIDED:
            out.append(i)
        if shape in (FA, FA_TITLE) and tokens.words[i] in titles and tokens.shape(i + 1) in (FA_TITLE, FA_WORD):
            out.append(i + 1)  # any word after a title
    return out


_DECIDED = frozenset({CYR, LAT, FA, PLACEHOLDER})


def _in_spans(tokens: _Tokens, spans: list[tuple[int, int]]) -> set[int]:
    """The tokens that lie wholly inside a span (tokens are in order and do not overlap: a run for each span)."""
    found, words = set(), tokens.words
    if not words:
        return found
    tokens.start(0)
    starts = tokens._starts
    for start, stop in spans:
        i = bisect_left(starts, start)
        while i < len(words) and starts[i] + len(words[i]) <= stop:
            found.add(i)
            i += 1
    return found


def _sure_name(tokens: _Tokens, i: int, word: str) -> bool:
    lex, shape = lexicon(), tokens.shapes[i]
    if shape == CYR:
        return cyrillic_kind(word)[0] == SURE
    if shape == LAT:
        if word in _LATIN_STOP:  # `Dear Sir/Madam In ...`, `Mr Bill Pay`: no name after a title either
            return False
        return word in lex["en"] or bool(_GAELIC.fullmatch(word)) or tokens.word(i - 1) in lex["titles_en"] or \
            (tokens.word(i - 1) == "." and tokens.word(i - 2) in lex["titles_en"])
    if shape in _ARABIC_SHAPES:
        return word in lex["fa"] or word in lex["fa_surnames"] or tokens.word(i - 1) in lex["titles_fa"]
    return shape == PLACEHOLDER


def _name_in_context(tokens: _Tokens, i: int, word: str, names: set[int], in_per: set[int]) -> bool:
    shape = tokens.shapes[i]
    if shape == CYR:
        return _cyrillic_in_context(tokens, i, word, names, in_per)
    if shape == LAT:
        return _latin_in_context(tokens, i, word, names)
    if shape in _ARABIC_SHAPES:
        return _persian_in_context(tokens, i, word, names)
    return False


def _cyrillic_in_context(tokens: _Tokens, i: int, word: str, names: set[int], in_per: set[int]) -> bool:
    kind, cases = cyrillic_kind(word)
    if kind == NONE:
        return False
    if _is_cyrillic_cue(tokens.word(i - 1)):
        return True
    if i in in_per and kind == MAYBE and not tokens.initial(i):  # `Віра в сервіс`, `Надежда есть`: the NER
        return not _disagrees(tokens, i, cases, in_per)          # alone does not make a sentence's first word
    for j in (i - 1, i + 1):  # a name next to it, in the same case: `Вера Павловна`, not `Роман Толстого`
        if j in names and tokens.shape(j) == CYR:
            other = cyrillic_kind(tokens.words[j])[1]
            if kind == UNKNOWN or not other or cases & other:
                return True
    return False


def _disagrees(tokens: _Tokens, i: int, cases: frozenset[str], in_per: set[int]) -> bool:
    """Whether a name next to it in the PER span is in another case: `Роман Толстого` is a novel."""
    for j in (i - 1, i + 1):
        if j in in_per and tokens.shape(j) == CYR:
            other = cyrillic_kind(tokens.words[j])[1]
            if cases and other and not cases & other:
                return True
    return False


@lru_cache(maxsize=1)
def _latin_cues() -> tuple[frozenset[str], frozenset[str]]:
    """(cues before a listed name, cues before any capitalised word: `agent Turner`, not `thanks Turner`)."""
    cues = lexicon()["cues_en"]
    return cues, cues - {"to", "with", "by", "is", "am", "you", "thanks", "thank", "for", "called",  # `I called
                         "hi", "hello", "dear", "ask"}  # Wells Fargo`, `Dear Consumer Financial Protection Bureau`,
    # `Hello This is`, `ask Equifax`: a firm or a sentence's word, not a name (listed names still count)


def _latin_in_context(tokens: _Tokens, i: int, word: str, names: set[int]) -> bool:
    lex, before, after = lexicon(), tokens.word(i - 1), tokens.word(i + 1)
    cues, strong_cues = _latin_cues()
    if word in lex["en_ambiguous"]:
        next_is_surname = tokens.shape(i + 1) == LAT and after not in _LATIN_STOP
        initial = tokens.initial(i)
        return (not initial and before.lower() in cues) or next_is_surname or \
            after in lex["after_cues_en"] and (initial or before.lower() in cues)
    if word in _LATIN_STOP or word in lex["titles_en"] or tokens.initial(i):  # `Dear Sir or Madam`
        return False
    return (i - 1 in names and tokens.shape(i - 1) == LAT) or before.lower() in strong_cues


def _persian_in_context(tokens: _Tokens, i: int, word: str, names: set[int]) -> bool:
    lex, before, after = lexicon(), tokens.word(i - 1), tokens.word(i + 1)
    if _fa_surname_like(word) and i - 1 in names:
        return True
    if word not in lex["fa_ambiguous"]:
        return False
    return before in lex["titles_fa"] or before in lex["cues_fa"] or _fa_surname_like(after) or i - 1 in names or \
        after in {"هستم", "هستند"} or (before in lex["weak_cues_fa"] and
                                       bool({after, tokens.word(i + 2)} & lex["after_cues_fa"]))


def _all_caps_names(tokens: _Tokens) -> set[int]:
    """`ИВАНОВ ИВАН ИВАНОВИЧ`: a run of 2+ all-caps Cyrillic words of which two are names once capitalised."""
    found, run = set(), []
    if UPPER not in tokens.shapes:
        return found
    for i, shape in enumerate([*tokens.shapes, ""]):
        if shape == UPPER:
            run.append(i)
            continue
        if len(run) >= 2 and sum(cyrillic_kind(tokens.words[j].capitalize())[0] in (SURE, MAYBE) for j in run) >= 2:
            found.update(run)
        run = []
    return found


# ---------------------------------------------------------------- which texts need the NER, and the NER

def ner_windows(text: str) -> list[tuple[int, int]]:
    """Where only the NER can settle a word: a maybe-name (`Вера`, `Роман`) inside a sentence, with no cue before
    it and no name next to it; as character ranges of six words either side (the NER reads those, not the whole
    text). Unknown and sentence-initial words never go to it (see `_cyrillic_in_context`)."""
    return _ner_windows(_Tokens(text))


def _ner_windows(tokens: _Tokens) -> list[tuple[int, int]]:
    windows = []
    for i in tokens.marked:
        if tokens.shapes[i] != CYR or cyrillic_kind(tokens.words[i])[0] != MAYBE or tokens.initial(i):
            continue
        if _is_cyrillic_cue(tokens.word(i - 1)) or any(
                tokens.shape(j) == CYR and cyrillic_kind(tokens.words[j])[0] == SURE for j in (i - 1, i + 1)):
            continue
        start, stop = tokens.start(max(0, i - 6)), tokens.end(min(len(tokens.words), i + 7) - 1)
        if windows and start <= windows[-1][1]:
            start = windows.pop()[0]
        windows.append((start, stop))
    return windows


def per_spans_in_windows(texts: list[str]) -> list[list[tuple[int, int]] | None]:
    """For each text, the PER spans the NER finds in its `ner_windows` (None when it has none)."""
    return _per_spans_in_windows(texts, [_Tokens(text) for text in texts])


def _per_spans_in_windows(texts: list[str], tokens: list[_Tokens]) -> list[list[tuple[int, int]] | None]:
    windows = [_ner_windows(found) for found in tokens]
    pieces = [(row, start) for row, found in enumerate(windows) for start, _ in found]
    spans = per_spans([texts[row][start:stop] for row, found in enumerate(windows) for start, stop in found])
    out: list[list[tuple[int, int]] | None] = [[] if found else None for found in windows]
    for (row, offset), found in zip(pieces, spans):
        out[row] += [(offset + start, offset + stop) for start, stop in found]
    return out


# one pass over the text for the four kinds of word `could_hold_names` looks at (an all-caps match only takes
# what no other kind could: `ИВАНОВич` holds no capitalised `Вич` the screen needs, it holds caps)
SCREEN_KINDS = (_CYRILLIC_CAP, _CYRILLIC_UPPER, _LATIN_CAP, _ARABIC)
# the four alternatives behind one character set (a capital or an Arabic letter), each taken only after its own
# first letter: the same matches, and the regex engine skips the other characters in C (three times faster)
_SCREEN = re.compile("[A-ZА-ЯЁІЇЄҐ\u0600-\u06ff](?:(?<=[А-ЯЁІЇЄҐ])(?:[а-яёіїєґ'’-]+|[А-ЯЁІЇЄҐ]+)"
                     "|(?<=[A-Z])(?:['’][A-Z])?[a-zà-öø-ÿ]+(?:[A-Z][a-zà-öø-ÿ]+)?"
                     "|(?<=[\u0600-\u06ff])[\u0600-\u06ff\u200c]*)")
_SCREENED: dict[str, bool | None] = {}  # word form -> whether it may be a name (None: only after a cue)


def could_hold_names(text: str) -> bool:
    """A cheap screen: whether any word of the text could be a name (capitalised, or Arabic script). A word that
    only a cue before it could make one (`Трешак`, `Turner`: in no dictionary or list) counts when the text holds
    a cue word (`оператор`, `agent`) too."""
    after_cue = False
    for word in _SCREEN.findall(text):
        verdict = _SCREENED.get(word, "")
        if verdict == "":
            verdict = _SCREENED[word] = _may_be_name(word)
        if verdict:
            return True
        after_cue = after_cue or verdict is None
    return after_cue and _cue_screen().search(text.lower()) is not None


def _may_be_name(word: str) -> bool | None:
    """Whether a word the screen found may be a name; None when only a cue before it could make it one (or a
    name next to it, which is then a word the screen takes or has a cue itself)."""
    lex = lexicon()
    if _CYRILLIC_CAP.fullmatch(word):
        kind = cyrillic_kind(word)[0]  # unknown and the whole token (no `'’-` it could end before): see
        return None if kind == UNKNOWN and _CYRILLIC_LETTERS.fullmatch(word) else kind != NONE  # _cyrillic_in_context
    if _CYRILLIC_UPPER.fullmatch(word):  # only `_all_caps_names` reads these: two of them names once capitalised
        return cyrillic_kind(word.capitalize())[0] in (SURE, MAYBE)
    if _LATIN_CAP.fullmatch(word):  # unlisted: a name after a title (which the screen takes) or a cue
        return word in lex["en"] or word in lex["en_ambiguous"] or word in lex["titles_en"] or \
            bool(_GAELIC.fullmatch(word)) or (None if word not in _LATIN_STOP else False)
    return word in lex["fa"] or word in lex["fa_surnames"] or word in lex["fa_ambiguous"] or word in lex["titles_fa"]


_CYRILLIC_LETTERS = re.compile(r"[А-ЯЁІЇЄҐ][а-яёіїєґ]+")


@lru_cache(maxsize=1)
def _cue_screen() -> re.Pattern:
    """Where, in a lower-cased text, a token may be that `_is_cyrillic_cue` takes or that is a Latin cue before
    any capitalised word: at no letter's right; the whole token (at no letter's left either) but for the
    Cyrillic cue stems of five letters or more."""
    def alternatives(words) -> str:
        return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))

    whole = {c for c in lexicon()["cues_cyrillic"] if len(c) < 5} | _latin_cues()[1]
    return re.compile(rf"(?<![^\W\d_])(?:{alternatives(_long_cues())}|(?:{alternatives(whole)})(?![^\W\d_]))")


def redact(text: str, spans: list[tuple[int, int]] | None = None) -> str:
    """The text with each name token (and each run of initials) as `<NAME>`; `spans` are the NER's, if it ran."""
    return _redact(text, _Tokens(text), spans)


def redact_all(texts: list[str]) -> list[str]:
    """`redact` on each text, with the same result: each text screened and tokenised once, and the NER run once,
    in batches, over the windows of all the texts that need it."""
    for cache in (_SCREENED, _SHAPES, _KINDS):
        trim(cache)
    out = list(texts)
    rows = [i for i, text in enumerate(texts) if could_hold_names(text)]
    tokens = [_Tokens(texts[i]) for i in rows]
    spans = _per_spans_in_windows([texts[i] for i in rows], tokens)
    for i, found, per in zip(rows, tokens, spans):
        out[i] = _redact(texts[i], found, per)
    return out


def _redact(text: str, tokens: _Tokens, spans: list[tuple[int, int]] | None) -> str:
    names = sorted(_name_tokens(tokens, spans))
    if not names:
        return text
    out, last = [], 0
    for i in names:
        start, end = tokens.start(i), tokens.end(i)
        if len(tokens.words[i]) == 1 and tokens.word(i + 1) == ".":  # an initial takes its dot
            end = tokens.end(i + 1)
        if start < last:
            continue
        if out and out[-1] == "<NAME>" and text[last:start] == "":  # `А.В.` is one initial run
            last = end
            continue
        out += [text[last:start], "<NAME>"]
        last = end
    return "".join(out) + text[last:]
