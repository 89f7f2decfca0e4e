"""Model files cannot run code (issue 15): a pickle with its hash in the registry, a symlinked or swapped file, a
skops file with an untrusted type, a tampered shipped folder; the shipped skops models predict as before."""

import dataclasses
import io
import json
import os
import pickle
import shutil
from pathlib import Path

import joblib
import pandas as pd
import pytest
import skops.io as sio

from feedback_mining.learning import registry
from feedback_mining.classify import load_classifier
from feedback_mining.cli import main
from feedback_mining.learning.convert_models import main as convert
from feedback_mining.learning.models import EffortModel, SentimentModel
from feedback_mining.pipeline import enrich_texts, run_job
from feedback_mining.learning.registry import ModelError, load_model, load_models, pinned_hashes, shipped_dir


class Marker:
    """Writes its file when built: on unpickling (`__reduce__`) or when a loader sets its state."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (Path(self.path).touch, ())

    def __setstate__(self, state):
        Path(state["path"]).touch()


@pytest.fixture
def folder(tmp_path) -> Path:
    """A user's model folder: a copy of the shipped one, outside the package (so no pinned hashes apply)."""
    return Path(shutil.copytree(shipped_dir(), tmp_path / "my_models", ignore=shutil.ignore_patterns("__*")))


def list_file(folder: Path, task: str, name: str, data: bytes) -> Path:
    """Write `data` as `name` and list it for `task` with its sha256, as whoever can write the folder can."""
    (folder / name).write_bytes(data)
    entries = json.loads((folder / "registry.json").read_text())
    entries["models"][task] |= {"file": name, "sha256": registry.hashlib.sha256(data).hexdigest()}
    (folder / "registry.json").write_text(json.dumps(entries))
    return folder / name


# ---------------------------------------------------------------- (1) a pickle that runs code


@pytest.mark.parametrize("name, refusal", [
    ("effort.joblib", "a pickle, which can run any code when loaded"),  # the file of issue 15
    ("effort.skops", "not a skops model file"),  # the same pickle under the new suffix
])
def test_a_listed_pickle_is_refused_and_never_runs(folder, tmp_path, name, refusal):
    marker = tmp_path / "ran"
    list_file(folder, "effort", name, pickle.dumps(Marker(marker)))
    with pytest.raises(ModelError, match=refusal):
        load_model(folder, "effort")
    assert not marker.exists()


def test_run_and_enrich_with_a_pickle_folder_exit_2_without_running_it(folder, tmp_path, capsys, week, config):
    marker = tmp_path / "ran"
    list_file(folder, "effort", "effort.joblib", pickle.dumps(Marker(marker)))
    with pytest.raises(ModelError, match=r"python -m feedback_mining.learning.convert_models .* --trust-pickles"):
        run_job(dataclasses.replace(config, models=folder), frames=week)
    pd.DataFrame({"text": ["Ждал два часа"]}).to_csv(tmp_path / "in.csv", index=False)
    assert main(["enrich", str(tmp_path / "in.csv"), "--out", str(tmp_path / "out.csv"), "--models", str(folder)]) == 2
    assert "effort.joblib: a pickle" in capsys.readouterr().err
    assert not marker.exists()


def test_convert_needs_trust_and_a_matching_hash(folder, tmp_path):
    marker = tmp_path / "ran"
    path = list_file(folder, "effort", "effort.joblib", pickle.dumps(Marker(marker)))
    with pytest.raises(SystemExit):
        convert([str(folder)])  # --trust-pickles is required
    path.write_bytes(pickle.dumps(Marker(marker)) + b"\0")  # replaced after its hash was listed
    assert convert([str(folder), "--trust-pickles"]) == 2
    assert not marker.exists()


def test_convert_turns_a_trusted_pickle_folder_into_skops_with_the_same_predictions(folder, capsys):
    effort, _ = load_model(folder, "effort")
    buffer = io.BytesIO()
    joblib.dump(effort, buffer)
    (folder / "effort.skops").unlink()
    list_file(folder, "effort", "effort.joblib", buffer.getvalue())
    assert convert([str(folder), "--trust-pickles"]) == 0
    assert "effort: effort.joblib -> effort.skops" in capsys.readouterr().out
    entry = json.loads((folder / "registry.json").read_text())["models"]["effort"]
    card = json.loads((folder / "effort.card.json").read_text())
    assert entry["file"] == card["artefact"]["file"] == "effort.skops"
    assert entry["sha256"] == card["artefact"]["sha256"] == registry.file_sha256(folder / "effort.skops")
    assert entry["converted_from"]["file"] == "effort.joblib"
    assert isinstance(load_model(folder, "effort")[0], EffortModel)


# ---------------------------------------------------------------- (2) links and other non-regular files


def test_a_symlinked_model_file_is_refused(folder, tmp_path):
    outside = tmp_path / "elsewhere.skops"
    (folder / "effort.skops").rename(outside)
    (folder / "effort.skops").symlink_to(outside)  # same bytes, so the registry's hash would match
    with pytest.raises(ModelError, match="a symbolic link"):
        load_model(folder, "effort")


def test_a_link_swapped_in_after_the_check_is_refused_by_the_open(folder, tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere.skops"
    (folder / "effort.skops").rename(outside)
    (folder / "effort.skops").symlink_to(outside)
    monkeypatch.setattr(Path, "is_symlink", lambda self: False)  # as if the link appeared right after the check
    with pytest.raises(ModelError, match="a symbolic link"):
        load_model(folder, "effort")


def test_a_fifo_is_refused_without_waiting_for_a_writer(folder):
    (folder / "effort.skops").unlink()
    os.mkfifo(folder / "effort.skops")
    with pytest.raises(ModelError, match="not a regular file"):
        load_model(folder, "effort")


# ---------------------------------------------------------------- (3) a file swapped after hashing


def test_the_file_is_read_once_and_a_swap_after_hashing_loads_nothing_else(folder, tmp_path, monkeypatch):
    path, marker = folder / "effort.skops", tmp_path / "ran"
    monkeypatch.setattr(registry, "_LOADED", {})
    opened, real_open, real_check = [], os.open, registry.check_hash
    monkeypatch.setattr(os, "open", lambda p, *a, **k: opened.append(Path(p)) or real_open(p, *a, **k))

    def check_then_swap(*args):
        real_check(*args)
        path.write_bytes(pickle.dumps(Marker(marker)))  # the attacker's swap, right after the hash matched

    monkeypatch.setattr(registry, "check_hash", check_then_swap)
    model, info = load_model(folder, "effort")
    assert opened.count(path) == 1
    assert isinstance(model, EffortModel) and not marker.exists()
    assert info["sha256"] != registry.file_sha256(path)  # what was loaded is what was hashed, not what is there now


# ---------------------------------------------------------------- (4) skops files with untrusted types


@pytest.mark.parametrize("payload, type_name", [
    (lambda marker: Marker(marker), "tests.test_model_security.Marker"),
    (lambda marker: os.system, "posix.system"),
])
def test_a_skops_file_with_an_untrusted_type_is_refused_by_name(folder, tmp_path, payload, type_name):
    marker = tmp_path / "ran"
    effort, _ = load_model(shipped_dir(), "effort")
    tampered = sio.loads(sio.dumps(effort), trusted=registry.trusted_types())
    tampered.payload_ = payload(marker)
    list_file(folder, "effort", "effort.skops", sio.dumps(tampered))
    with pytest.raises(ModelError, match=rf"effort.skops: holds types a model file may not hold: {type_name}; "):
        load_model(folder, "effort")
    assert not marker.exists()


def test_a_trusted_model_of_another_task_is_refused(folder):
    list_file(folder, "effort", "effort.skops", (folder / "sentiment.skops").read_bytes())
    with pytest.raises(ModelError, match="holds a SentimentModel instead of the effort model's EffortModel"):
        load_model(folder, "effort")


# ---------------------------------------------------------------- (5) the shipped hashes pinned in the package


def test_the_pinned_hashes_are_the_shipped_registry():
    listed = registry.read_registry(shipped_dir())["models"]
    assert pinned_hashes() == {task: {"file": e["file"], "sha256": e["sha256"]} for task, e in listed.items()}
    assert registry.PINNED.parent == Path(registry.__file__).resolve().parents[1] / "resources"


def test_saving_into_the_shipped_folder_pins_the_new_hash(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "shipped_dir", lambda: folder)
    effort, _ = load_model(folder, "effort")
    monkeypatch.setattr(registry, "PINNED", tmp_path / "shipped_models.json")
    effort.prior_ = effort.prior_ + 0.01  # a retrained model: new bytes
    entry = registry.save_model(effort, folder, "effort", json.loads((folder / "effort.card.json").read_text()))
    assert pinned_hashes()["effort"] == {"file": "effort.skops", "sha256": entry["sha256"]}
    assert load_model(folder, "effort")[1]["sha256"] == entry["sha256"]


def test_a_tampered_shipped_folder_with_a_matching_registry_is_refused(folder, monkeypatch):
    monkeypatch.setattr(registry, "shipped_dir", lambda: folder)
    assert isinstance(load_models()[0]["sentiment"], SentimentModel)  # an exact copy passes the pinned check
    sentiment, _ = load_model(folder, "sentiment")
    sentiment.temperature_ = 100.0  # every prediction near uniform
    list_file(folder, "sentiment", "sentiment.skops", sio.dumps(sentiment))
    with pytest.raises(ModelError, match="does not match the hash pinned in the package"):
        load_model(folder, "sentiment")
    with pytest.raises(ModelError, match="pinned in the package"):
        load_classifier()


# ---------------------------------------------------------------- the shipped skops models


@pytest.mark.parametrize("text, lang, sentiment, pain_point", [
    ("Ждали очень долго, часа два, никто не помог", "ru", "negative", "waiting"),
    ("Всё быстро и удобно, спасибо", "ru", "positive", ""),
    ("Перевели на іншого оператора тричі", "uk", "negative", "transfer"),
    ("They charged me twice", "en", "negative", "billing"),
    ("Great service, quick and friendly", "en", "positive", ""),
    ("خیلی منتظر ماندم و کسی جواب نداد", "fa", "negative", "waiting"),
])
def test_the_shipped_skops_models_predict_sensibly(text, lang, sentiment, pain_point):
    assert all(e["file"].endswith(".skops") for e in registry.read_registry(shipped_dir())["models"].values())
    out = enrich_texts(pd.DataFrame({"text": [text], "language": [lang]}), load_classifier()).iloc[0]
    assert out["sentiment"] == sentiment and out["pain_points"].split(";")[0] == pain_point
    assert (out["effort_estimate"] > 0.4) == (sentiment == "negative")
