"""Model files: save with a model card and a registry entry; load only what a registry lists, hash verified.

joblib files are pickles, and unpickling runs code: a MODEL_DIR's `registry.json` lists each model file with
its sha256, and `load_model` refuses a file that is not listed, whose hash differs, or that was written by
another scikit-learn minor version, before unpickling anything. The shipped models live in the repository's
top-level `models/` folder, installed as the package `feedback_mining.shipped_models`; a MODEL_DIR with some of
the tasks takes the others from there (`load_with_shipped`).
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from importlib import resources
from pathlib import Path

import joblib

from feedback_mining.errors import UsageError

REGISTRY = "registry.json"
TASKS = ("sentiment", "pain_points", "effort")
_LOADED: dict[tuple[str, str], object] = {}  # (resolved path, sha256) -> model, so workers load each file once


class ModelError(UsageError):
    """A model directory or file that cannot be used (unlisted, tampered, incompatible). Exit code 2."""


def shipped_dir() -> Path:
    """The shipped models: the installed `feedback_mining.shipped_models` package, else the source tree's `models/`."""
    try:
        return Path(str(resources.files("feedback_mining.shipped_models")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "models"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    import numpy
    import scipy
    import sklearn

    from feedback_mining import __version__
    return {"python": platform.python_version(), "feedback_mining": __version__, "scikit-learn": sklearn.__version__,
            "numpy": numpy.__version__, "scipy": scipy.__version__, "joblib": joblib.__version__}


def read_registry(directory: Path) -> dict:
    path = Path(directory) / REGISTRY
    try:
        registry = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: no model registry; a MODEL_DIR is written by `feedback-mining train --out DIR`, "
                         "which lists each model file with its sha256") from None
    except (OSError, json.JSONDecodeError) as e:
        raise ModelError(f"{path}: unreadable model registry ({e})") from None
    if not isinstance(registry.get("models"), dict):
        raise ModelError(f"{path}: not a model registry (no \"models\" table)")
    return registry


def load_model(directory: Path, task: str):
    """The `task` model of a MODEL_DIR and its registry entry; refuses unlisted, altered or incompatible files."""
    directory = Path(directory)
    entry = read_registry(directory)["models"].get(task)
    if entry is None:
        raise ModelError(f"{directory / REGISTRY}: lists no {task!r} model; train one with "
                         f"`feedback-mining train --task {task} --data LABELLED --out {directory}`")
    name = str(entry.get("file", ""))
    if not name or Path(name).name != name or not name.endswith(".joblib"):
        raise ModelError(f"{directory / REGISTRY}: {task} model file {name!r} must be a .joblib file name inside "
                         "the directory")
    path = directory / name
    if not path.is_file():
        raise ModelError(f"{path}: model file missing (listed in {REGISTRY})")
    digest = file_sha256(path)
    if digest != entry.get("sha256"):
        raise ModelError(f"{path}: sha256 {digest[:12]}… does not match the registry's {str(entry.get('sha256'))[:12]}…; "
                         "the file was changed or replaced after training and will not be loaded (model files are "
                         "pickles); restore it or retrain with `feedback-mining train`")
    _check_versions(path, entry)
    key = (str(path.resolve()), digest)
    if key not in _LOADED:
        _LOADED[key] = joblib.load(path)
    return _LOADED[key], {k: entry[k] for k in ("version", "sha256", "file", "trained_at") if k in entry}


def _check_versions(path: Path, entry: dict) -> None:
    import sklearn

    trained = str(entry.get("versions", {}).get("scikit-learn", ""))
    if trained.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise ModelError(f"{path}: trained with scikit-learn {trained or '?'}, this is {sklearn.__version__}; "
                         f"install scikit-learn=={trained} or retrain with `feedback-mining train`")


def load_models(directory: Path | None = None) -> tuple[dict, dict, Path]:
    """Every task model a MODEL_DIR lists (None: the shipped models): (models, their entries, the directory)."""
    directory = Path(directory) if directory is not None else shipped_dir()
    listed = read_registry(directory)["models"]
    models, info = {}, {}
    for task in TASKS:
        if task in listed:
            models[task], info[task] = load_model(directory, task)
    if not models:
        raise ModelError(f"{directory / REGISTRY}: lists no model; expected any of {list(TASKS)}")
    return models, info, directory


def load_with_shipped(directory: Path | None = None) -> tuple[dict, dict, Path]:
    """Each task's model from a MODEL_DIR when its registry lists the task, else the shipped one, each loaded by
    `load_model`; every entry gains `source` (the folder as given, or "shipped") and `dir` (resolved)."""
    models, info, directory = load_models(directory)
    shipped = shipped_dir()
    label = "shipped" if directory.resolve() == shipped.resolve() else folder_label(directory)
    for task in models:
        info[task] = {**info[task], "source": label, "dir": str(directory.resolve())}
    for task in (t for t in TASKS if t not in models):
        models[task], entry = load_model(shipped, task)
        info[task] = {**entry, "source": "shipped", "dir": str(shipped.resolve())}
    return {t: models[t] for t in TASKS}, {t: info[t] for t in TASKS}, directory


def folder_label(directory: Path) -> str:
    """A model folder as run.json and the CLI name it: as given, with a trailing slash (`my_models/`)."""
    return Path(directory).as_posix().rstrip("/") + "/"


def save_model(model, directory: Path, task: str, card: dict) -> dict:
    """Write `<task>.joblib`, its model card (`<task>.card.json`, `.md`) and its entry in `registry.json`."""
    from feedback_mining.cards import render_card

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{task}.joblib"
    joblib.dump(model, path, compress=3)
    digest = file_sha256(path)
    entry = {"file": path.name, "sha256": digest, "size_bytes": path.stat().st_size,
             "version": f"{task}-{time.strftime('%Y%m%d')}-{digest[:8]}", "trained_at": card["date"],
             "versions": card["library_versions"], "card": f"{task}.card.json"}
    card = {**card, "artefact": {k: entry[k] for k in ("file", "sha256", "size_bytes", "version")}}
    (directory / f"{task}.card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (directory / f"{task}.card.md").write_text(render_card(card), encoding="utf-8")
    registry_path = directory / REGISTRY
    registry = read_registry(directory) if registry_path.exists() else {"format": 1, "models": {}}
    registry["models"][task] = entry
    registry_path.write_text(json.dumps(registry, indent=2) + "\n", encoding="utf-8")
    return entry
