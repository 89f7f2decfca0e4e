"""The whole weekly job at scale: wall time, items/s and peak memory of every process, for growing weeks.

    python benchmarks/scale.py [--surveys 100000 300000 1000000] [--engines local dask] [--workers 2]
                               [--dir /tmp/fm_scale] [--keep]

Each week is written by the example generator (`write_example`, cached in `--dir`), then `feedback-mining run`
runs on it in a fresh process, once per engine, while a sampler adds up the resident memory of the run's process
and all its children (joblib workers, Dask scheduler and workers) every 0.2 s. Printed per run: items, wall
time, items/s, the peak of the summed RSS, the peak of the largest single process (what `--memory-limit` per
Dask worker bounds), and the stage timings from `run.json`. The sums of the two engines' `touchpoints.csv`
are compared, so a fast wrong engine cannot hide. Needs psutil (installed with joblib's loky, or `pip install
psutil`) and, for `--engines dask`, `pip install ".[dask]"`.

The generator repeats phrases, so the text stages look faster here than on real text: for real-text speed see
`benchmarks/text_throughput.py --input`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedback_mining.example import write_example  # noqa: E402


class Sampler(threading.Thread):
    """Peak of the summed RSS of a process and its descendants, and of the largest one, sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root, self.total, self.largest, self.processes = psutil.Process(pid), 0, 0, 1
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes = []
            for process in tree:
                try:
                    sizes.append(process.memory_info().rss)
                except psutil.NoSuchProcess:
                    pass
            self.total, self.largest = max(self.total, sum(sizes)), max(self.largest, max(sizes, default=0))
            self.processes = max(self.processes, len(sizes))
            self.done.wait(0.2)


def week(directory: Path, n_surveys: int) -> dict[str, Path]:
    """The generated week of `n_surveys` surveys (written once, then reused)."""
    folder = directory / f"week_{n_surveys}"
    paths = {name: folder / f"{name}.csv" for name in ("surveys", "comments", "tickets")}
    if not all(p.exists() for p in paths.values()):
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        write_example(folder, n_surveys=n_surveys)
        print(f"  generated {n_surveys:,} surveys in {time.perf_counter() - start:.0f} s", flush=True)
    return paths


def run(paths: dict[str, Path], out: Path, engine: str, workers: int) -> dict:
    """One `feedback-mining run` in a fresh process; returns its figures."""
    command = [sys.executable, "-m", "feedback_mining", "run", "--out", str(out), "--no-history", "--quiet",
               "--trust-scales", "--engine", engine, *(["--workers", str(workers)] if engine == "dask" else []),
               *(arg for name, path in paths.items() for arg in (f"--{name}", str(path)))]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(process.pid)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{engine} run failed ({process.returncode}):\n{stderr[-3000:]}")
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return {"engine": engine, "items": manifest["items"]["total"], "wall": wall, "rss": sampler.total,
            "largest": sampler.largest, "processes": sampler.processes, "timings": manifest.get("timings_s", {}),
            "touchpoints": pd.read_csv(out / "touchpoints.csv")}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--surveys", type=int, nargs="+", default=[100_000, 300_000, 1_000_000],
                        help="week sizes, in surveys (items are about 1.3 times as many)")
    parser.add_argument("--engines", nargs="+", default=["local", "dask"], choices=["local", "dask"])
    parser.add_argument("--workers", type=int, default=2, help="Dask workers of the local cluster")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/fm_scale"), help="where the weeks and outputs go")
    args = parser.parse_args(argv)
    print(f"{'surveys':>9s} {'engine':>6s} {'items':>10s} {'wall s':>7s} {'items/s':>8s} {'peak RSS all':>13s} "
          f"{'largest proc':>13s}  stages (s)")
    for n in args.surveys:
        paths = week(args.dir, n)
        first = None
        for engine in args.engines:
            r = run(paths, args.dir / f"out_{n}_{engine}", engine, args.workers)
            stages = " / ".join(f"{k} {v:.0f}" for k, v in r["timings"].items() if v >= 0.5)
            print(f"{n:9,d} {engine:>6s} {r['items']:10,d} {r['wall']:7.0f} {r['items'] / r['wall']:8,.0f} "
                  f"{r['rss'] / 2**30:10.2f} GiB {r['largest'] / 2**30:10.2f} GiB  {stages}"
                  f"  ({r['processes']} processes)", flush=True)
            if first is None:
                first = r
            else:
                a, b = first["touchpoints"], r["touchpoints"]
                numeric = a.select_dtypes("number").columns
                gap = (a[numeric] - b[numeric]).abs().max().max() if a.shape == b.shape else float("inf")
                print(f"{'':17s} largest difference from {first['engine']}'s touchpoints.csv: {gap:.2e}")


if __name__ == "__main__":
    main()
