"""Model files: save with a model card and a registry entry; load only what a registry lists, without running code.

A model file is a skops file (`<task>.skops`, `skops.io`): a zip of JSON and NumPy arrays from which skops builds
only trusted types (scikit-learn's, NumPy's, SciPy's and ours, `trusted_types()`) and refuses a file holding any
other before building anything, so loading a model cannot run code the way unpickling can. `load_model` reads a
listed file once (a symlink or anything but a regular file is refused), checks the sha256 of those bytes against
the MODEL_DIR's `registry.json` and, for the shipped models, against the hashes pinned inside the package
(`resources/shipped_models.json`: whoever can write a folder can write the registry next to its files), and loads
from the same bytes. A pickle (`.joblib`, from folders trained before skops) is never loaded; a folder you trust
is converted once with `python -m feedback_mining.learning.convert_models DIR --trust-pickles`. The registry notes the
library versions a model was trained with, and a model from another scikit-learn minor version is refused.

The shipped models live in the repository's top-level `models/` folder, installed as the package
`feedback_mining.shipped_models`; a MODEL_DIR with some of the tasks takes the others from there
(`load_with_shipped`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import stat
import zipfile
from importlib import resources
from pathlib import Path

from feedback_mining.errors import UsageError

REGISTRY = "registry.json"
SUFFIX = ".skops"
TASKS = ("sentiment", "pain_points", "effort")
PINNED = Path(__file__).resolve().parents[1] / "resources" / "shipped_models.json"
CONVERT = "python -m feedback_mining.learning.convert_models {} --trust-pickles"
_LOADED: dict[tuple[str, str], object] = {}  # (resolved path, sha256) -> model, so workers load each file once


class ModelError(UsageError):
    """A model directory or file that cannot be used (unlisted, tampered, untrusted, incompatible). Exit code 2."""


def shipped_dir() -> Path:
    """The shipped models: the installed `feedback_mining.shipped_models` package, else the source tree's `models/`."""
    try:
        return Path(str(resources.files("feedback_mining.shipped_models")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "models"


def is_shipped(directory: Path) -> bool:
    return Path(directory).resolve() == shipped_dir().resolve()


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
    import skops

    from feedback_mining import __version__
    return {"python": platform.python_version(), "feedback_mining": __version__, "scikit-learn": sklearn.__version__,
            "numpy": numpy.__version__, "scipy": scipy.__version__, "skops": skops.__version__}


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


def listed_entry(directory: Path, task: str) -> dict:
    """The registry entry of `task` in a MODEL_DIR; refuses a task it does not list."""
    entry = read_registry(directory)["models"].get(task)
    if entry is None:
        raise ModelError(f"{Path(directory) / REGISTRY}: lists no {task!r} model; train one with "
                         f"`feedback-mining train --task {task} --data LABELLED --out {directory}`")
    return entry


def listed_path(directory: Path, task: str, entry: dict, suffix: str = SUFFIX) -> Path:
    """The model file an entry names, a plain file name inside the directory ending in `suffix`; a pickle where a
    skops file is expected is refused with the command that converts the folder."""
    name = str(entry.get("file", ""))
    if not name or Path(name).name != name or name in (".", ".."):
        raise ModelError(f"{Path(directory) / REGISTRY}: {task} model file {name!r} must be a file name inside the "
                         "directory")
    if suffix == SUFFIX and name.endswith(".joblib"):
        raise ModelError(f"{Path(directory) / name}: a pickle, which can run any code when loaded, so it is not "
                         "loaded; if you trust this folder, convert it once with "
                         f"`{CONVERT.format(directory)}`, or retrain with `feedback-mining train`")
    if not name.endswith(suffix):
        raise ModelError(f"{Path(directory) / REGISTRY}: {task} model file {name!r} must be a {suffix} file")
    return Path(directory) / name


def read_model_file(path: Path) -> bytes:
    """The bytes of a model file, read once through one file descriptor: a symlink or anything but a regular file
    is refused, so what is hashed is what is loaded."""
    if path.is_symlink():
        raise ModelError(f"{path}: a symbolic link; model files are read only as regular files in their folder")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)  # O_NOFOLLOW: a link swapped in after the check fails here; O_NONBLOCK: a FIFO too
    except FileNotFoundError:
        raise ModelError(f"{path}: model file missing (listed in {REGISTRY})") from None
    except OSError as e:
        reason = "a symbolic link" if e.errno == errno.ELOOP else f"unreadable ({e.strerror})"
        raise ModelError(f"{path}: {reason}; model files are read only as regular files in their folder") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ModelError(f"{path}: not a regular file; model files are read only as regular files")
        return f.read()


def check_hash(path: Path, digest: str, expected, where: str) -> None:
    if digest != expected:
        shown = f"{str(expected)[:12]}…" if expected else "(none)"
        raise ModelError(f"{path}: sha256 {digest[:12]}… does not match {where} {shown}; the file was "
                         "changed or replaced after training and will not be loaded; restore it or retrain with "
                         "`feedback-mining train`")


def pinned_hashes() -> dict:
    """The shipped models' sha256 by task, as written into the package by the step that saved them."""
    return json.loads(PINNED.read_text(encoding="utf-8"))["models"] if PINNED.exists() else {}


def load_model(directory: Path, task: str):
    """The `task` model of a MODEL_DIR and its registry entry; refuses unlisted, altered, untrusted or incompatible
    files (the shipped ones also against the package's pinned hashes)."""
    directory = Path(directory)
    entry = listed_entry(directory, task)
    path = listed_path(directory, task, entry)
    data = read_model_file(path)
    digest = hashlib.sha256(data).hexdigest()
    check_hash(path, digest, entry.get("sha256"), "the registry's")
    if is_shipped(directory):
        check_hash(path, digest, pinned_hashes().get(task, {}).get("sha256"), "the hash pinned in the package,")
    _check_versions(path, entry)
    key = (str(path.resolve()), digest)
    if key not in _LOADED:
        _LOADED[key] = parse_model(data, path, task)
    return _LOADED[key], {k: entry[k] for k in ("version", "sha256", "file", "trained_at") if k in entry}


def trusted_types() -> list[str]:
    """Our types a model file may hold, beside the ones skops trusts (scikit-learn, NumPy, SciPy)."""
    from feedback_mining.learning.models import MODEL_CLASSES, DomainGate, TextFeatures

    return [f"{c.__module__}.{c.__qualname__}" for c in (TextFeatures, DomainGate, *MODEL_CLASSES.values())]


def parse_model(data: bytes, path: Path, task: str):
    """The `task` model in the bytes of a skops file; refuses any type not trusted, before building anything."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    from feedback_mining.learning.models import MODEL_CLASSES

    trusted = trusted_types()
    try:
        model = sio.loads(data, trusted=trusted)
    except UntrustedTypesFoundException:
        untrusted = sorted(set(sio.get_untrusted_types(data=data)) - set(trusted))
        raise ModelError(f"{path}: holds types a model file may not hold: {', '.join(untrusted)}; it was not "
                         "loaded (only scikit-learn, NumPy, SciPy and feedback_mining.learning.models types are); "
                         "retrain with `feedback-mining train`") from None
    except Exception as e:  # noqa: BLE001 - whatever a malformed file makes skops raise
        raise ModelError(f"{path}: not a skops model file ({type(e).__name__}: {e})") from None
    expected = MODEL_CLASSES[task]
    if type(model) is not expected:
        raise ModelError(f"{path}: holds a {type(model).__name__} instead of the {task} model's {expected.__name__}")
    return model


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


def dump_model(model) -> bytes:
    """A model as the bytes of a skops file (deflate-compressed)."""
    import skops.io as sio

    return sio.dumps(model, compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def save_model(model, directory: Path, task: str, card: dict, note: dict | None = None) -> dict:
    """Write `<task>.skops`, its model card (`<task>.card.json`, `.md`) and its entry in `registry.json` (plus
    `note`); saved into the shipped folder, the hash is also pinned in the package."""
    from feedback_mining.learning.cards import render_card

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data = dump_model(model)
    path = _write_new(directory / f"{task}{SUFFIX}", data)
    digest = hashlib.sha256(data).hexdigest()
    entry = {"file": path.name, "sha256": digest, "size_bytes": len(data),
             "version": f"{task}-{card['date'][:10].replace('-', '')}-{digest[:8]}", "trained_at": card["date"],
             "versions": card["library_versions"], "card": f"{task}.card.json", **(note or {})}
    card = {**card, "artefact": {k: entry[k] for k in ("file", "sha256", "size_bytes", "version")}}
    (directory / f"{task}.card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (directory / f"{task}.card.md").write_text(render_card(card), encoding="utf-8")
    registry_path = directory / REGISTRY
    registry = read_registry(directory) if registry_path.exists() else {"models": {}}
    registry = {**registry, "format": 2, "models": {**registry["models"], task: entry}}
    registry_path.write_text(json.dumps(registry, indent=2) + "\n", encoding="utf-8")
    if is_shipped(directory):
        pin_shipped(registry)
    return entry


def _write_new(path: Path, data: bytes) -> Path:
    """Write `data` to a new file beside `path`, then move it over `path` (replacing a link, never writing through
    one)."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    with open(partial, "xb") as f:
        f.write(data)
    os.replace(partial, path)
    return path


def pin_shipped(registry: dict) -> None:
    """Pin the shipped registry's file names and hashes in the package (`resources/shipped_models.json`)."""
    pinned = {task: {"file": e["file"], "sha256": e["sha256"]} for task, e in registry["models"].items()}
    PINNED.write_text(json.dumps({"note": "written by feedback_mining.learning.registry.save_model into the shipped folder; "
                                  "load_model checks the shipped files against these", "models": pinned},
                                 indent=2) + "\n", encoding="utf-8")
