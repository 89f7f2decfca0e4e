"""The `--out` folder: checked before a run does any work, and its set of outputs replaced as a whole.

A run writes every output into `out/.writing-PID-XXXX/`, then swaps: the previous run's outputs move aside into
`out/.previous-PID-XXXX/`, the new ones move in (run.json last), and the folder aside is deleted. When a move
fails, the new files go and the old set moves back, so the folder holds exactly one run's outputs. A run killed
- while writing leaves `.writing-*` and the old set untouched;
- while moving the old set aside or the new one in leaves both folders; the next run puts the old set back;
- after run.json moved in leaves the new set complete and `.previous-*`; the next run deletes that.
Only these dot-folders are ever cleaned, and only those of a process that no longer runs (`.writing-abc`, without
a process id, counts as left over). Outputs live directly in `out/`, so `out/report.html` stays the page to open.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from feedback_mining.errors import UsageError

OUTPUT_NAMES = ("touchpoints.csv", "pain_points.csv", "items.parquet", "rejects.csv", "report.html", "summary.md",
                "touchpoints.xlsx", "run.json", "review.csv")
BY_OUTPUT = re.compile(r"touchpoints_by_[\w-]+\.csv")  # touchpoints_by_COLUMN.csv, with --by COLUMN
WRITING, PREVIOUS = ".writing-", ".previous-"
LEFTOVER = re.compile(r"\.(writing|previous)-(?:(\d+)-)?.*")  # .writing-PID-XXXX; .writing-abc from older runs


def is_output_name(name: str) -> bool:
    """True for the name of a file a run writes into `--out` (and only such names are ever removed)."""
    return name in OUTPUT_NAMES or BY_OUTPUT.fullmatch(name) is not None


def previous_outputs(out: Path) -> list[str]:
    """The files the previous run in `out` wrote: `outputs` of its run.json, or (a run.json written before that
    list existed) every file in `out` with an output's name; nothing without a readable run.json."""
    try:
        manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    listed = manifest.get("outputs") if isinstance(manifest, dict) else None
    names = listed if isinstance(listed, list) else sorted(p.name for p in out.iterdir())
    return [str(n) for n in names if is_output_name(str(n))]


# ---------------------------------------------------------------- before the run


def check_out(out: Path, reads: list[Path]) -> None:
    """Raise a usage error, before any work, when `out` cannot take the outputs: it is a file, lies under a file,
    is not writable, or holds one of the files the run reads (`reads`) under an output's name."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder for the outputs")
    existing = next(p for p in (out, *out.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} is a file, so the folder cannot be made; give another --out")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {existing} is not writable; give a folder you can write to")
    for path in reads:
        if _inside(Path(path), out) and is_output_name(Path(path).name):
            raise UsageError(f"{path} is inside --out {out} and named like an output, so the run would overwrite "
                             f"or remove it; move the input or give another --out")


def _inside(path: Path, out: Path) -> bool:
    """True when `path` (as given, or with links resolved) is a file directly in `out`."""
    folder = out.absolute()
    return path.absolute().parent in (folder, folder.resolve()) or path.resolve().parent == folder.resolve()


# ---------------------------------------------------------------- the swap


def staging_folder(out: Path) -> Path:
    """A new empty `out/.writing-PID-XXXX/` to write the outputs into."""
    return Path(tempfile.mkdtemp(prefix=f"{WRITING}{os.getpid()}-", dir=out))


def swap_in(out: Path, staged: Path, earlier: list[str]) -> list[str]:
    """Replace the outputs in `out` (the previous run's, named in `earlier`) with every file in `staged`,
    run.json last; on a failure put the previous set back and raise. The names written."""
    names = sorted((p.name for p in staged.iterdir()), key=lambda n: (n == "run.json", n))
    aside = out / (PREVIOUS + staged.name[len(WRITING):])
    aside.mkdir()
    try:
        for name in sorted(set(earlier) | set(names)):
            if (out / name).is_file() or _is_folder(out / name):  # items.parquet/ of the Dask engine is a folder
                os.replace(out / name, aside / name)
        for name in names:
            os.replace(staged / name, out / name)
    except BaseException:
        _roll_back(out, aside, staged, names)
        raise
    shutil.rmtree(aside, ignore_errors=True)
    return sorted(names)


def _is_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _roll_back(out: Path, aside: Path, staged: Path, names: list[str]) -> None:
    """Remove the new files that already left `staged` for `out`, and move the set put `aside` back."""
    for name in names:
        if not (staged / name).exists():
            if _is_folder(out / name):
                shutil.rmtree(out / name, ignore_errors=True)
            else:
                (out / name).unlink(missing_ok=True)
    for path in aside.iterdir():
        os.replace(path, out / path.name)
    shutil.rmtree(aside, ignore_errors=True)


def clean_leftovers(out: Path) -> list[str]:
    """Undo or finish the swaps of runs killed in `out` and remove their folders; the names removed."""
    removed = []
    for path in sorted(Path(out).glob(".*-*"), key=lambda p: not p.name.startswith(PREVIOUS)):
        match = LEFTOVER.fullmatch(path.name)
        if not match or not path.is_dir() or (match.group(2) and _running(int(match.group(2)))):
            continue
        staged = out / (WRITING + path.name[len(PREVIOUS):])
        if match.group(1) == "previous" and (staged / "run.json").is_file():
            _roll_back(out, path, staged, _listed(staged / "run.json"))  # killed before the new run.json moved in
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


def _listed(manifest: Path) -> list[str]:
    try:
        outputs = json.loads(manifest.read_text(encoding="utf-8")).get("outputs")
    except (OSError, ValueError, AttributeError):
        return []
    return [str(n) for n in outputs if is_output_name(str(n))] if isinstance(outputs, list) else []


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier run of this process (tests): not running now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
