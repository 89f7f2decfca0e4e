"""Tests of the built-in example week (feedback_mining/example.py): fast, table-driven."""

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from feedback_mining import example as ex

RESOURCES = Path(ex.__file__).parent / "resources"
CANONICAL = {"call_center", "mobile_app", "website", "chat", "branch", "delivery", "email", "social_media",
             "partner_shop"}
SCHEMAS = {
    "surveys": ["response_id", "customer_id", "touchpoint", "submitted_at", "ces", "csat", "nps", "happiness"],
    "comments": ["response_id", "text", "language"],
    "tickets": ["ticket_id", "customer_id", "touchpoint", "created_at", "closed_at", "subject", "body",
                "contacts", "transfers", "reopened"],
}
SCORE_RANGES = {"ces": (1, 7), "csat": (1, 5), "nps": (0, 10), "happiness": (1, 10)}
SCRIPTS = {  # language -> characters only it (among the four) is written with
    "fa": r"[\u0600-\u06FF]",
    "uk": r"[іїєґІЇЄҐ]",
    "ru": r"[ыэъЫЭЪё]",
    "en": r"\b(?:the|and|my|was|to)\b",
}
N = 3000


def normalise(name: str) -> str:
    """The generic touchpoint normalisation of DESIGN.md (a local copy)."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number][::-1]
    return sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)) % 10 == 0


@pytest.fixture(scope="module")
def truth():
    return ex.make_example_with_truth()


@pytest.fixture(scope="module")
def frames():
    return ex.make_example()


@pytest.fixture(scope="module")
def aliases():
    with (RESOURCES / "touchpoints.toml").open("rb") as f:
        return tomllib.load(f)["aliases"]


def bad_ids(source):
    return {b.id for b in ex.BAD_ROWS if b.source == source}


def scored(surveys):
    """Surveys with a valid numeric CES (the documented bad rows excluded)."""
    ces = pd.to_numeric(surveys["ces"], errors="coerce")
    ok = ces.between(1, 7) & surveys["response_id"].notna()
    return surveys[ok].assign(ces=ces[ok], effort=(7 - ces[ok]) / 6,
                              n_pains=surveys.loc[ok, "_true_pain_points"].str.count(";") + (
                                  surveys.loc[ok, "_true_pain_points"] != ""))


# ------------------------------------------------------------------------------ determinism, schema
def test_same_seed_gives_identical_frames():
    a, b = ex.make_example(seed=5, n_surveys=400), ex.make_example(seed=5, n_surveys=400)
    for source in SCHEMAS:
        pd.testing.assert_frame_equal(a[source], b[source])


def test_different_seed_differs():
    a, b = ex.make_example(seed=5, n_surveys=400), ex.make_example(seed=6, n_surveys=400)
    assert not a["comments"]["text"].equals(b["comments"]["text"])
    assert not a["surveys"]["submitted_at"].equals(b["surveys"]["submitted_at"])


def test_too_few_surveys_is_refused():
    with pytest.raises(ValueError):
        ex.make_example(n_surveys=10)


@pytest.mark.parametrize("source", SCHEMAS)
def test_columns_in_order_and_no_truth_exported(frames, source):
    assert list(frames[source].columns) == SCHEMAS[source]


@pytest.mark.parametrize("source, low, high", [
    ("surveys", N + 2, N + 2),  # plus the two bad rows (empty id, duplicate id)
    ("comments", int(0.56 * N), int(0.68 * N)),
    ("tickets", int(0.48 * N), int(0.52 * N)),
])
def test_row_counts(frames, source, low, high):
    assert low <= len(frames[source]) <= high


def test_example_week_constant():
    assert ex.EXAMPLE_WEEK == "2026-W47"
    monday = pd.Timestamp.fromisocalendar(2026, 47, 1)
    assert monday == pd.Timestamp("2026-11-16")


# ------------------------------------------------------------------------------ touchpoints
@pytest.mark.parametrize("source", ["surveys", "tickets"])
def test_every_raw_touchpoint_maps_to_its_canonical_id(truth, aliases, source):
    frame = truth[source]
    mapped = frame["touchpoint"].map(lambda raw: aliases.get(normalise(raw), normalise(raw)))
    assert set(mapped) <= CANONICAL
    assert (mapped == frame["_true_touchpoint"]).all()


def test_raw_names_have_variety(truth):
    raw = set(truth["surveys"]["touchpoint"])
    for name in ("Call Center", "call-center", "CALL CENTER ", "Колл-центр", "Mobile App", "мобильное приложение",
                 "Website", "Сайт", "Chat", "Branch", "Отделение", "Delivery", "Доставка", "وب سایت"):
        assert name in raw
    assert len(raw) >= 40


def test_all_generator_names_are_in_the_alias_map(aliases):
    assert set(aliases.values()) <= CANONICAL
    for tp, profile in ex.TOUCHPOINTS.items():
        for raw in profile["raw"]:
            assert aliases.get(normalise(raw), normalise(raw)) == tp, raw


def test_touchpoints_differ_in_size_and_effort(truth):
    s = scored(truth["surveys"])
    by_tp = s.groupby("_true_touchpoint")["effort"].agg(["size", "mean", "sum"])
    assert len(by_tp) >= 7
    assert by_tp["size"].idxmax() in ("mobile_app", "call_center")
    assert by_tp.loc["call_center", "mean"] > by_tp.loc["mobile_app", "mean"] + 0.1
    # the tiny partner shop is the worst on average but contributes far less effort than the call centre
    assert by_tp["mean"].idxmax() == "partner_shop"
    assert by_tp.loc["partner_shop", "size"] < 0.03 * len(s)
    assert by_tp.loc["partner_shop", "sum"] < 0.5 * by_tp.loc["call_center", "sum"]


# ------------------------------------------------------------------------------ scores
@pytest.mark.parametrize("col", SCORE_RANGES)
def test_scores_in_range_except_documented_bad_rows(frames, col):
    surveys = frames["surveys"]
    values = pd.to_numeric(surveys[col], errors="coerce")
    lo, hi = SCORE_RANGES[col]
    bad = surveys["response_id"][(surveys[col].notna() & values.isna()) | (values.notna() & ~values.between(lo, hi))]
    assert set(bad) == ({"R000007", "R000013"} if col == "ces" else set())
    assert ((values.dropna() % 1) == 0).all()


@pytest.mark.parametrize("col, low, high", [("ces", 0.05, 0.15), ("csat", 0.12, 0.28), ("nps", 0.12, 0.28),
                                            ("happiness", 0.12, 0.32)])
def test_missing_scores(frames, col, low, high):
    surveys = frames["surveys"]
    assert low <= surveys[col].isna().mean() <= high
    by_tp = surveys[col].isna().groupby(surveys["touchpoint"].map(normalise)).mean()
    assert by_tp.max() - by_tp.min() > 0.05  # varies by touchpoint


@pytest.mark.parametrize("col", SCORE_RANGES)
def test_pain_points_lower_scores(truth, col):
    s = scored(truth["surveys"])
    values = pd.to_numeric(s[col], errors="coerce")
    none, many = values[s["n_pains"] == 0].mean(), values[s["n_pains"] >= 2].mean()
    lo, hi = SCORE_RANGES[col]
    assert none - many > 0.25 * (hi - lo)


def test_no_pain_point_is_mostly_easy(truth):
    s = scored(truth["surveys"])
    assert (s.loc[s["n_pains"] == 0, "ces"] >= 5).mean() > 0.9
    assert 0.35 < (s["n_pains"] == 0).mean() < 0.6
    assert s["n_pains"].max() == 3


@pytest.mark.parametrize("tp, pain", [("call_center", "waiting"), ("call_center", "transfer"),
                                      ("mobile_app", "technical"), ("delivery", "delivery"), ("branch", "waiting"),
                                      ("website", "information")])
def test_touchpoint_specific_pain_points(truth, tp, pain):
    s = truth["surveys"]
    has = s["_true_pain_points"].str.split(";").map(lambda ps: pain in ps)
    at = s["_true_touchpoint"] == tp
    assert has[at].mean() > 1.5 * has[~at].mean()


# ------------------------------------------------------------------------------ bad rows
def test_bad_rows_are_documented_and_present(frames):
    surveys, tickets = frames["surveys"], frames["tickets"]
    assert 5 <= len(ex.BAD_ROWS) <= 10
    assert all(b.source in SCHEMAS and b.reason for b in ex.BAD_ROWS)
    by_id = surveys.set_index("response_id", drop=False)
    assert by_id.loc["R000007", "ces"] == "abc"
    assert by_id.loc["R000013", "ces"] == "9"
    assert pd.isna(pd.to_datetime(by_id.loc["R000021", "submitted_at"], errors="coerce", format="ISO8601"))
    assert surveys["response_id"].isna().sum() == 1
    assert surveys["response_id"].value_counts().to_dict()["R000034"] == 2
    assert tickets["ticket_id"].isna().sum() == 1
    assert bad_ids("surveys") == {"R000007", "R000013", "R000021", "R000034", ""}
    assert bad_ids("tickets") == {""}


@pytest.mark.parametrize("source, id_col, time_col", [("surveys", "response_id", "submitted_at"),
                                                      ("tickets", "ticket_id", "created_at")])
def test_no_undocumented_bad_rows(frames, source, id_col, time_col):
    frame = frames[source]
    ids = frame[id_col].dropna()
    assert set(ids[ids.duplicated()]) <= bad_ids(source)
    assert ids.str.fullmatch(r"[RT]\d{6}").all()
    times = pd.to_datetime(frame[time_col], errors="coerce", format="ISO8601")
    assert set(frame.loc[times.isna(), id_col]) <= bad_ids(source)


def test_survey_times_within_the_week(frames):
    times = pd.to_datetime(frames["surveys"]["submitted_at"], errors="coerce", format="ISO8601").dropna()
    assert times.min() >= pd.Timestamp("2026-11-16") and times.max() < pd.Timestamp("2026-11-23")
    assert frames["surveys"]["submitted_at"].str.contains("T").mean() > 0.99


# ------------------------------------------------------------------------------ comments
@pytest.mark.parametrize("lang", SCRIPTS)
def test_each_language_present_by_script(frames, lang):
    share = frames["comments"]["text"].str.contains(SCRIPTS[lang], regex=True).mean()
    assert share > 0.05


@pytest.mark.parametrize("lang, low, high", [("ru", 0.29, 0.41), ("uk", 0.15, 0.25), ("fa", 0.11, 0.19),
                                             ("en", 0.20, 0.30)])
def test_language_mix(truth, lang, low, high):
    assert low <= (truth["comments"]["_true_language"] == lang).mean() <= high


def test_other_languages_are_a_few(truth):
    other = truth["comments"]["_true_language"].isin(["de", "tr", "kk"]).mean()
    assert 0.02 <= other <= 0.09


def test_language_column_sometimes_given(truth):
    c = truth["comments"]
    given = c["language"].dropna()
    assert 0.06 <= c["language"].notna().mean() <= 0.14
    assert (given == c.loc[given.index, "_true_language"]).all()


def test_about_sixty_percent_of_surveys_have_a_comment(frames):
    ids = set(frames["surveys"]["response_id"].dropna())
    with_comment = frames["comments"]["response_id"].isin(ids).sum()
    assert 0.55 <= with_comment / len(ids) <= 0.66


def test_orphan_comments(frames):
    orphans = ~frames["comments"]["response_id"].isin(set(frames["surveys"]["response_id"].dropna()))
    assert 0.02 <= orphans.mean() <= 0.04


def test_comments_are_varied(truth):
    c = truth["comments"]
    assert c["text"].nunique() > 0.6 * len(c)
    assert c["text"].str.len().between(3, 500).all()
    patterns = {"emoji": r"[😡🤬👍😊🙏]", "lower-case": r"^[^A-ZА-ЯЁІЇЄҐ]*[a-zа-яё]", "caps": r"[А-ЯЁ]{5,}.*[А-ЯЁ]{5,}",
                "mixed": r"[а-яё]+ (?:app|update|fail|UX|ASAP|Support)\b", "surzhyk": r"\b(?:шо|вообще|канєшно)\b",
                "translit": r"\bprilozh|\bzakaz|\bne "}
    for name, pattern in patterns.items():
        assert c["text"].str.contains(pattern, regex=True).any(), name


def test_exactly_one_hostile_comment(frames):
    texts = frames["comments"]["text"]
    assert texts.str.contains("<script>", regex=False).sum() == 1
    assert texts.str.contains("<b>вылетает</b>", regex=False).sum() == 1


def test_copy_paste_duplicates(frames):
    counts = frames["comments"]["text"].value_counts()
    assert counts[ex.SPAM_TEXT] == ex.N_SPAM >= 3


@pytest.mark.parametrize("pattern", [
    r"\+7 9\d\d \d{3}-\d\d-\d\d|8 \(495\) \d{3}-\d\d-\d\d|\+79\d{9}",
    r"\+380 \d\d \d{3} \d{4}|067 \d{3} \d\d \d\d",
    r"09\d\d \d{3} \d{4}|\+98 9\d\d \d{3} \d{4}",
    r"[\w.]+@[\w.]+\.\w+",
])
def test_personal_data_to_redact(truth, pattern):
    texts = pd.concat([truth["comments"]["text"], truth["tickets"]["body"]])
    assert texts.str.contains(pattern, regex=True).any()


def test_luhn_valid_card_numbers(truth):
    texts = pd.concat([truth["comments"]["text"], truth["tickets"]["body"]])
    cards = texts.str.extractall(r"(?<!\d)(\d{4} ?\d{4} ?\d{4} ?\d{4})(?!\d)")[0].str.replace(" ", "")
    assert len(cards) >= 2 and cards.map(luhn_ok).all()


@pytest.mark.parametrize("pattern", [r"№\d{6}", r"#\d{6}", r"\d(?: \d{3})+ (?:руб\.|₽|р\.|грн|تومان)", r"[$£€]\d"])
def test_numbers_that_are_not_personal_data(truth, pattern):
    texts = pd.concat([truth["comments"]["text"], truth["tickets"]["body"], truth["tickets"]["subject"]])
    assert texts.str.contains(pattern, regex=True).any()


# ------------------------------------------------------------------------------ tickets
def test_ticket_links(truth):
    t, s = truth["tickets"], truth["surveys"].dropna(subset=["response_id"])
    survey_times = pd.to_datetime(s["submitted_at"], errors="coerce", format="ISO8601")
    times_by_customer = survey_times.groupby(s["customer_id"]).agg(list).to_dict()
    created = pd.to_datetime(t["created_at"], format="ISO8601")

    def joins(customer, when):
        return any(pd.Timedelta(0) <= st - when <= pd.Timedelta(days=14)
                   for st in times_by_customer.get(customer, []) if pd.notna(st))

    joined = pd.Series([joins(c, w) for c, w in zip(t["customer_id"], created)], index=t.index)
    assert joined[t["_true_link"] == "joined"].all()
    assert not joined[t["_true_link"].isin(["after", "too_old", "no_survey"])].any()
    assert not t.loc[t["_true_link"] == "no_survey", "customer_id"].isin(set(s["customer_id"])).any()
    assert 0.45 <= joined.mean() <= 0.55
    assert (t["_true_link"].isin(["after", "too_old"])).mean() > 0.05
    assert created.min() < pd.Timestamp("2026-11-09")  # reaches back beyond the previous week


def test_ticket_languages_follow_customers(truth):
    t = truth["tickets"]
    assert set(t["_true_language"]) == {"ru", "uk", "fa", "en"}
    for lang in ("ru", "uk", "fa", "en"):
        assert (t["_true_language"] == lang).mean() > 0.1


def test_html_bodies_with_quoted_replies(frames):
    body = frames["tickets"]["body"]
    assert 0.15 <= body.str.startswith("<html>").mean() <= 0.25
    for marker in ("&nbsp;", "<br>", "-----Original Message-----", "Support <support@example.com> wrote:",
                   "От: Служба поддержки", "Отправлено с iPhone", "ارسال شده از تلفن همراه", "\n> "):
        assert body.str.contains(marker, regex=False).any(), marker
    assert body.str.contains(r"On \w{3}, \d{1,2} \w{3} 2026 at \d\d:\d\d, Support", regex=True).any()


@pytest.mark.parametrize("col, pain", [("contacts", "repeat_contact"), ("transfers", "transfer"),
                                       ("reopened", "unresolved")])
def test_ticket_counts_follow_pain_points(truth, col, pain):
    t = truth["tickets"]
    has = t["_true_pain_points"].str.split(";").map(lambda ps: pain in ps)
    assert t.loc[has, col].mean() > t.loc[~has, col].mean() + 0.3


def test_ticket_fields(frames):
    t = frames["tickets"]
    assert (t["contacts"] >= 1).all() and (t["transfers"] >= 0).all() and set(t["reopened"]) == {0, 1}
    created = pd.to_datetime(t["created_at"], format="ISO8601")
    closed = pd.to_datetime(t["closed_at"], format="ISO8601")
    assert 0.05 <= closed.isna().mean() <= 0.3
    assert (closed.dropna() >= created[closed.notna()]).all()
    assert closed.max() <= pd.Timestamp("2026-11-23T06:00")
    assert t["subject"].notna().all() and t["body"].str.len().gt(10).all()


def test_waiting_tickets_take_longer_to_close(truth):
    t = truth["tickets"]
    hours = (pd.to_datetime(t["closed_at"], format="ISO8601") - pd.to_datetime(t["created_at"], format="ISO8601"))
    waiting = t["_true_pain_points"].str.split(";").map(lambda ps: "waiting" in ps)
    assert hours[waiting].median() > 1.5 * hours[~waiting].median()


# ------------------------------------------------------------------------------ phrase banks, files
def test_phrase_banks_are_rich():
    with (RESOURCES / "example_phrases.toml").open("rb") as f:
        phrases = tomllib.load(f)
    for lang in ("ru", "uk", "fa", "en"):
        assert set(phrases[lang]["pain"]) == set(ex.PAIN_POINTS), lang
        for pain, sentences in phrases[lang]["pain"].items():
            assert len(set(sentences)) >= 6, (lang, pain)
        for part in ("opener", "praise", "neutral", "closer"):
            assert len(set(phrases[lang][part])) >= 5, (lang, part)
    assert set(phrases["other"]) == {"de", "tr", "kk"}


def test_write_example_writes_three_readable_csvs(tmp_path):
    paths = ex.write_example(tmp_path / "week", seed=3, n_surveys=300)
    assert list(paths) == ["surveys", "comments", "tickets"]
    frames = ex.make_example(seed=3, n_surveys=300)
    for source, path in paths.items():
        assert path == tmp_path / "week" / f"{source}.csv"
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        raw.decode("utf-8")
        back = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert list(back.columns) == SCHEMAS[source]
        assert len(back) == len(frames[source])
        assert "_true" not in raw.decode("utf-8")
    comments = pd.read_csv(paths["comments"], dtype=str, keep_default_na=False)
    assert comments["text"].tolist() == frames["comments"]["text"].tolist()
    tickets = pd.read_csv(paths["tickets"], dtype=str, keep_default_na=False)
    assert tickets["body"].tolist() == frames["tickets"]["body"].tolist()
    surveys = pd.read_csv(paths["surveys"], dtype=str, keep_default_na=False)
    assert surveys["touchpoint"].tolist() == frames["surveys"]["touchpoint"].tolist()  # trailing spaces kept
    assert set(surveys["ces"]) >= {"", "1", "7", "abc", "9"}
