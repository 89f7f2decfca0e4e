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
import tomllib
from functools import lru_cache
from importlib import resources

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
               "I", "My", "We", "Our", "They", "He", "She", "It", "Thanks", "Thank", "Please", "Hi", "Hello"}


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
        found = _KINDS[word] = _cyrillic_kind(word)
    return found


def _cyrillic_kind(word: str) -> tuple[str, frozenset[str]]:
    from feedback_mining.lang.ru import morph_analyzer

    lower, verdicts, cases = word.lower(), [], set()
    for lang in ("uk",) if _UK_ONLY.search(word) else ("ru",) if _RU_ONLY.search(word) else ("ru", "uk"):
        morph = morph_analyzer(lang)
        if not morph.word_is_known(lower):
            continue
        parses = morph.parse(word)
        names = [p for p in parses if _PERSON & p.tag.grammemes]
        cases |= {g for p in names if not {"Fixd", "plur"} & p.tag.grammemes  # all cases, or a family
                  for g in p.tag.grammemes & _CASES}
        weight = sum(p.score for p in parses) or 1.0
        share = sum(p.score for p in names) / weight if lang == "ru" else len(names) / len(parses)
        verdicts.append(SURE if share >= 0.75 else MAYBE if names else NONE)
    if not verdicts:
        return (SURE if word in lexicon()["uk"] else UNKNOWN), frozenset(cases)
    kind = verdicts[0] if len(set(verdicts)) == 1 else MAYBE
    if kind == NONE and word in lexicon()["uk"]:
        kind = MAYBE
    return kind, frozenset(cases)


def _is_cue(word: str, cues: frozenset[str]) -> bool:
    lower = word.lower()
    return lower in cues or (len(lower) >= 5 and any(lower.startswith(c) for c in cues if len(c) >= 5))


# ---------------------------------------------------------------- the decision over a text's tokens


class _Tokens:
    """A text's tokens with what the rules ask of them: the word, its script, sentence start, neighbours."""

    def __init__(self, text: str):
        self.matches = list(_TOKEN.finditer(text))
        self.words = [m.group() for m in self.matches]
        self.initial = [i == 0 or _ends_sentence(self.words, i - 1) for i in range(len(self.words))]

    def word(self, i: int) -> str:
        return self.words[i] if 0 <= i < len(self.words) else ""


def _ends_sentence(words: list[str], i: int) -> bool:
    """Whether token i closes a sentence (`.` after a title or an initial does not)."""
    if not re.fullmatch(r"[.!?…]+", words[i]):
        return False
    before = words[i - 1] if i else ""
    return not (words[i] == "." and (before in lexicon()["titles_en"] or len(before) == 1))


def name_tokens(text: str, per_spans: list[tuple[int, int]] | None = None) -> set[int]:
    """Indexes of the tokens of `text` that are names; `per_spans` are the NER's PER spans, if it ran."""
    tokens, names = _Tokens(text), set()
    in_per = _in_spans(tokens, per_spans or [])
    for i, word in enumerate(tokens.words):
        if _sure_name(tokens, i, word):
            names.add(i)
    for _ in range(2):  # a name found in context can give the next word its context
        for i, word in enumerate(tokens.words):
            if i not in names and _name_in_context(tokens, i, word, names, in_per):
                names.add(i)
    names |= _all_caps_names(tokens)
    names |= {i for i, word in enumerate(tokens.words)
              if len(word) == 1 and word.isupper() and tokens.word(i + 1) == "." and (i - 1 in names or i + 2 in names
                                                                                        or i + 4 in names)}
    return names


def _in_spans(tokens: _Tokens, spans: list[tuple[int, int]]) -> set[int]:
    return {i for i, m in enumerate(tokens.matches) for start, stop in spans if m.start() >= start and m.end() <= stop}


def _sure_name(tokens: _Tokens, i: int, word: str) -> bool:
    lex = lexicon()
    if _CYRILLIC_CAP.fullmatch(word):
        return cyrillic_kind(word)[0] == SURE
    if _LATIN_CAP.fullmatch(word):
        return word in lex["en"] or bool(_GAELIC.fullmatch(word)) or tokens.word(i - 1) in lex["titles_en"] or \
            (tokens.word(i - 1) == "." and tokens.word(i - 2) in lex["titles_en"])
    if _ARABIC.fullmatch(word):
        return word in lex["fa"] or word in lex["fa_surnames"] or tokens.word(i - 1) in lex["titles_fa"]
    return word == "<NAME>"


def _name_in_context(tokens: _Tokens, i: int, word: str, names: set[int], in_per: set[int]) -> bool:
    if _CYRILLIC_CAP.fullmatch(word):
        return _cyrillic_in_context(tokens, i, word, names, in_per)
    if _LATIN_CAP.fullmatch(word):
        return _latin_in_context(tokens, i, word, names)
    if _ARABIC.fullmatch(word):
        return _persian_in_context(tokens, i, word, names)
    return False


def _cyrillic_in_context(tokens: _Tokens, i: int, word: str, names: set[int], in_per: set[int]) -> bool:
    kind, cases = cyrillic_kind(word)
    if kind == NONE:
        return False
    if _is_cue(tokens.word(i - 1), lexicon()["cues_cyrillic"]):
        return True
    if i in in_per and kind == MAYBE and not tokens.initial[i]:  # `Віра в сервіс`, `Надежда есть`: the NER
        return not _disagrees(tokens, i, cases, in_per)          # alone does not make a sentence's first word
    for j in (i - 1, i + 1):  # a name next to it, in the same case: `Вера Павловна`, not `Роман Толстого`
        if j in names and _CYRILLIC_CAP.fullmatch(tokens.word(j)):
            other = cyrillic_kind(tokens.word(j))[1]
            if kind == UNKNOWN or not other or cases & other:
                return True
    return False


def _disagrees(tokens: _Tokens, i: int, cases: frozenset[str], in_per: set[int]) -> bool:
    """Whether a name next to it in the PER span is in another case: `Роман Толстого` is a novel."""
    for j in (i - 1, i + 1):
        if j in in_per and _CYRILLIC_CAP.fullmatch(tokens.word(j)):
            other = cyrillic_kind(tokens.word(j))[1]
            if cases and other and not cases & other:
                return True
    return False


def _latin_in_context(tokens: _Tokens, i: int, word: str, names: set[int]) -> bool:
    lex, before, after = lexicon(), tokens.word(i - 1), tokens.word(i + 1)
    if word in lex["en_ambiguous"]:
        next_is_surname = bool(_LATIN_CAP.fullmatch(after)) and after not in _LATIN_STOP
        return (not tokens.initial[i] and before.lower() in lex["cues_en"]) or next_is_surname or \
            after in lex["after_cues_en"] and (tokens.initial[i] or before.lower() in lex["cues_en"])
    if word in _LATIN_STOP or word in lex["titles_en"] or tokens.initial[i]:  # `Dear Sir or Madam`
        return False
    return (i - 1 in names and _LATIN_CAP.fullmatch(before) is not None) or \
        before.lower() in lex["cues_en"] - {"to", "with", "by", "is", "am", "you", "thanks", "thank", "for"}


def _persian_in_context(tokens: _Tokens, i: int, word: str, names: set[int]) -> bool:
    lex, before, after = lexicon(), tokens.word(i - 1), tokens.word(i + 1)
    surname_like = word in lex["fa_surnames"] or any(word.endswith(s) and len(word) > len(s) + 1
                                                      for s in lex["fa_surname_suffixes"])
    if surname_like and i - 1 in names:
        return True
    if word not in lex["fa_ambiguous"]:
        return False
    next_is_surname = after in lex["fa_surnames"] or any(after.endswith(s) and len(after) > len(s) + 1
                                                          for s in lex["fa_surname_suffixes"])
    return before in lex["titles_fa"] or before in lex["cues_fa"] or next_is_surname or i - 1 in names or \
        after in {"هستم", "هستند"} or (before in lex["weak_cues_fa"] and
                                       bool({after, tokens.word(i + 2)} & lex["after_cues_fa"]))


def _all_caps_names(tokens: _Tokens) -> set[int]:
    """`ИВАНОВ ИВАН ИВАНОВИЧ`: a run of 2+ all-caps Cyrillic words of which two are names once capitalised."""
    found, run = set(), []
    for i, word in enumerate([*tokens.words, ""]):
        if _CYRILLIC_UPPER.fullmatch(word):
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
    if not any(cyrillic_kind(word)[0] == MAYBE for word in _CYRILLIC_CAP.findall(text)):
        return []
    tokens, windows = _Tokens(text), []
    for i, word in enumerate(tokens.words):
        if tokens.initial[i] or not _CYRILLIC_CAP.fullmatch(word) or cyrillic_kind(word)[0] != MAYBE:
            continue
        if _is_cue(tokens.word(i - 1), lexicon()["cues_cyrillic"]) or any(
                _CYRILLIC_CAP.fullmatch(tokens.word(j)) and cyrillic_kind(tokens.word(j))[0] == SURE for j in (i - 1, i + 1)):
            continue
        start, stop = tokens.matches[max(0, i - 6)].start(), tokens.matches[min(len(tokens.words), i + 7) - 1].end()
        if windows and start <= windows[-1][1]:
            start = windows.pop()[0]
        windows.append((start, stop))
    return windows


@lru_cache(maxsize=1)
def ner_tagger():
    """natasha's slovnet NER for Russian news (navec embeddings), from natasha's wheel; loaded once per process."""
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


def per_spans(texts: list[str]) -> list[list[tuple[int, int]]]:
    """natasha's PER spans (start, stop) for each text, in batches. One BLAS thread: the CNN's small matrix
    products run six times faster without OpenBLAS's thread pool (measured on 2 busy cores)."""
    if not texts:
        return []
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return [[(span.start, span.stop) for span in markup.spans if span.type == "PER"]
                for markup in ner_tagger().map(texts)]


def per_spans_in_windows(texts: list[str]) -> list[list[tuple[int, int]] | None]:
    """For each text, the PER spans the NER finds in its `ner_windows` (None when it has none)."""
    windows = [ner_windows(text) for text in texts]
    pieces = [(row, start) for row, found in enumerate(windows) for start, _ in found]
    spans = per_spans([texts[row][start:stop] for row, found in enumerate(windows) for start, stop in found])
    out: list[list[tuple[int, int]] | None] = [[] if found else None for found in windows]
    for (row, offset), found in zip(pieces, spans):
        out[row] += [(offset + start, offset + stop) for start, stop in found]
    return out


def could_hold_names(text: str) -> bool:
    """A cheap screen: whether any word of the text could be a name (capitalised, or Arabic script)."""
    lex = lexicon()
    if any(cyrillic_kind(w)[0] != NONE for w in _CYRILLIC_CAP.findall(text)) or _CYRILLIC_UPPER.search(text):
        return True
    if any(w in lex["en"] or w in lex["en_ambiguous"] or w in lex["titles_en"] or _GAELIC.fullmatch(w)
           for w in _LATIN_CAP.findall(text)):
        return True
    return any(w in lex["fa"] or w in lex["fa_surnames"] or w in lex["fa_ambiguous"] or w in lex["titles_fa"]
               for w in _ARABIC.findall(text))


def redact(text: str, spans: list[tuple[int, int]] | None = None) -> str:
    """The text with each name token (and each run of initials) as `<NAME>`; `spans` are the NER's, if it ran."""
    tokens = _Tokens(text)
    names = sorted(name_tokens(text, spans))
    if not names:
        return text
    out, last = [], 0
    for i in names:
        match = tokens.matches[i]
        start, end = match.start(), match.end()
        if len(match.group()) == 1 and tokens.word(i + 1) == ".":  # an initial takes its dot
            end = tokens.matches[i + 1].end()
        if start < last:
            continue
        if out and out[-1] == "<NAME>" and text[last:start] == "" :  # `А.В.` is one initial run
            last = end
            continue
        out += [text[last:start], "<NAME>"]
        last = end
    return "".join(out) + text[last:]
