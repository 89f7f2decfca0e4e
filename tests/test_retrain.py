"""Retraining on a user's corrections (`train --data corrections.csv --base DIR`): the user's domain is learnt
without losing the base's, both data sources are named, and likely label errors go to the review queue."""

import json

import numpy as np
import pandas as pd
import pytest

from feedback_mining.cli import main
from feedback_mining.learning.labelled import held_out_mask
from feedback_mining.learning.retrain import card_sources
from feedback_mining.learning.sources import Source, from_spec, source_spec
from feedback_mining.learning.training_data import _with_shares
from tests.test_models import TRAINING

# a user domain the base has never seen: invented words carry the sentiment, the rest is everyday Russian
MARKERS = {"positive": ["зорбитно", "флинково", "бримсово"], "negative": ["кравнитно", "шмалтово", "дрогзово"],
           "neutral": ["как обычно", "по графику", "без изменений"]}
THINGS = ["тариф", "терминал", "курьер", "приложение", "выписка", "карта", "перевод", "чат", "офис", "кэшбэк"]
TAILS = ["сегодня", "на этой неделе", "после обновления", "утром", "вчера вечером", "в пятницу", "опять", "теперь"]
FLIPPED = 6  # user rows given a wrong label on purpose: cleanlab should find them


def corrections(n: int = 100, seed: int = 0) -> pd.DataFrame:
    """`n` corrected texts of the user's domain, their true labels (`FLIPPED` of them wrong, in `truth`)."""
    rng = np.random.default_rng(seed)
    rows, seen = [], set()
    while len(rows) < n:
        label = ["positive", "negative", "neutral"][len(rows) % 3]
        text = f"{rng.choice(THINGS).capitalize()} {rng.choice(MARKERS[label])} {rng.choice(TAILS)}, {rng.integers(2, 9)}"
        words = text.rsplit(",", 1)[0]
        if words not in seen:
            seen.add(words)
            rows.append({"text": text + " раз", "language": "ru", "label": label, "truth": label})
    frame = pd.DataFrame(rows)
    wrong = frame.index[~held_out_mask(frame["text"])][:FLIPPED]  # only training rows get a wrong label
    frame.loc[wrong, "label"] = frame.loc[wrong, "label"].map({"positive": "negative", "negative": "neutral",
                                                               "neutral": "positive"})
    return frame


@pytest.fixture(scope="module")
def retrained(tmp_path_factory):
    """A small base trained on our Russian and English texts, then retrained on 100 corrections."""
    root = tmp_path_factory.mktemp("retrain")
    base_rows = pd.concat([pd.read_csv(TRAINING / f"feedback_{lang}.csv", keep_default_na=False, dtype=str)
                           .sample(450, random_state=1) for lang in ("ru", "en")], ignore_index=True)
    base_rows.to_csv(root / "ours.csv", index=False)
    user = corrections()
    user.drop(columns="truth").to_csv(root / "corrections.csv", index=False)
    assert main(["train", "--task", "sentiment", "--data", str(root / "ours.csv"), "--out", str(root / "base"),
                 "--quiet"]) == 0
    assert main(["train", "--task", "sentiment", "--data", str(root / "corrections.csv"), "--base",
                 str(root / "base"), "--out", str(root / "new"), "--no-cross-domain"]) == 0
    return root, user


def test_retraining_on_corrections_learns_them_without_losing_the_base_split(retrained, capsys):
    root, _ = retrained
    card = json.loads((root / "new" / "sentiment.card.json").read_text())
    before_after = card["retrain"]["before_after"]
    user, base = before_after["user_held_out"], before_after["ours (held out)"]
    assert user["after"]["n"] >= 15
    assert user["after"]["accuracy"] >= user["before"]["accuracy"] + 0.3, user
    assert base["after"]["accuracy"] >= base["before"]["accuracy"] - 0.01, base


def test_the_card_names_both_sources_and_the_weighting(retrained):
    root, _ = retrained
    card = json.loads((root / "new" / "sentiment.card.json").read_text())
    assert [s["name"] for s in card["sources"]] == ["ours", "corrections"]
    assert card["retrain"]["user_sources"] == ["corrections"]
    assert card["retrain"]["user_weight"]["carried"] == pytest.approx(0.3, abs=1e-6)
    text = (root / "new" / "sentiment.card.md").read_text()
    assert "## Retrained on the user's corrections" in text and "`corrections`" in text
    assert "ours.csv" in text and "corrections.csv" in text  # both data sources by their files
    assert [from_spec(s).name for s in card["source_specs"]] == ["ours", "corrections"]


def test_label_issues_go_to_the_review_queue_in_the_labelled_format(retrained):
    root, user = retrained
    issues = pd.read_csv(root / "new" / "label_issues.csv", keep_default_na=False, dtype=str)
    assert list(issues.columns) == ["text", "language", "label", "pain_points", "effort", "reason"]
    wrong = set(user.loc[user["label"] != user["truth"], "text"])
    found = wrong & set(issues["text"])
    assert len(found) >= FLIPPED - 2, issues
    assert len(issues) <= FLIPPED + 6  # few correct rows flagged
    row = issues[issues["text"].isin(found)].iloc[0]
    assert row["reason"].startswith(f"likely label error: given {row['label']}, model says ")


def test_a_missing_base_file_stops_training_with_what_to_do(tmp_path, capsys):
    base = tmp_path / "base"
    rows = pd.read_csv(TRAINING / "feedback_ru.csv", keep_default_na=False, dtype=str).head(60)
    rows.to_csv(tmp_path / "gone.csv", index=False)
    assert main(["train", "--task", "effort", "--data", str(tmp_path / "gone.csv"), "--out", str(base),
                 "--quiet", "--no-cross-domain"]) == 0
    (tmp_path / "gone.csv").rename(tmp_path / "moved.csv")
    rows.to_csv(tmp_path / "mine.csv", index=False)
    args = ["train", "--task", "effort", "--data", str(tmp_path / "mine.csv"), "--base", str(base), "--out",
            str(tmp_path / "new"), "--quiet"]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "gone.csv" in err and "--base-data" in err and "--allow-missing-base" in err


def test_an_older_card_is_re_read_from_its_training_command(tmp_path):
    (tmp_path / "models" / "training").mkdir(parents=True)
    (tmp_path / "models" / "training" / "recipe.toml").write_text(
        'root = "../.."\n[[source]]\nname = "ours"\npath = "models/training/x.csv"\nown = true\n')
    card = {"training_command": "feedback-mining train --task all --recipe models/training/recipe.toml --out models"}
    (source,) = card_sources(card, tmp_path / "models")
    assert source.own and source.paths == ((tmp_path / "models" / "training" / "x.csv").resolve(),)


def test_a_source_spec_round_trips():
    source = Source("x", (TRAINING / "feedback_ru.csv",), tasks=("sentiment",), train_labels=("negative",),
                    share=0.3)
    assert from_spec(json.loads(json.dumps(source_spec(source)))) == source


@pytest.mark.parametrize("weights, shares, expected", [
    ([1, 1, 1, 1], [0, 0, 0, 0.3], [1, 1, 1, 0.3 / 0.7 * 3]),         # the user's row: 30% of the new total
    ([1, 1, 1, 3], [0, 0, 0, 0.3], [1, 1, 1, 0.3 / 0.7 * 3]),         # a user carrying more is scaled down
    ([2, 1, 1, 1], [0, 0, 0.5, 0.5], [2, 1, 1.5, 1.5]),               # two user rows share it
    ([1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1]),                       # no share: unchanged
])
def test_user_rows_carry_their_share_and_the_base_rows_keep_their_weights(weights, shares, expected):
    out = _with_shares(np.array(weights, dtype=float), np.array(shares, dtype=float))
    assert out == pytest.approx(expected)
