"""The weekly job: read -> clean -> detect language -> analyse -> classify -> join -> rank -> report.

This module only orders the stages, cuts the work into chunks and keeps the books (`run.json`);
each stage lives in its own module.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import tempfile
import time
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import effective_n_jobs

from feedback_mining import __version__
from feedback_mining.analyse import analyse
from feedback_mining.checks import check_by, check_usable, direction_problems, week_of
from feedback_mining.engines import run_partitions
from feedback_mining.classify import LexiconClassifier, ModelClassifier, classify, load_classifier
from feedback_mining.clean import MAX_CHARS, clean
from feedback_mining.config import Config
from feedback_mining.learning.corrections import load_corrections
from feedback_mining.learning.drift import measure as measure_drift
from feedback_mining.errors import UsageError
from feedback_mining.join import empty_frame
from feedback_mining.language import detect
from feedback_mining.partitions import DRIFT_SAMPLE, text_hashes
from feedback_mining.rank import Partials
from feedback_mining.read import OPTIONAL, REJECT_COLUMNS, REQUIRED, Source, read_source, validate_source
from feedback_mining.read import reject_reasons
from feedback_mining.learning.registry import file_sha256
from feedback_mining.memory import release_memory

log = logging.getLogger("feedback_mining")


@dataclass
class RunResult:
    """What a run produced: the items, the mergeable aggregates and the bookkeeping for `run.json`."""

    items: pd.DataFrame  # every item of a one-partition week; else those the report may show (see run_job)
    parts: Partials
    rejects: pd.DataFrame
    pain_points: list[str]
    manifest: dict = field(default_factory=dict)
    segments: dict[str, Partials] = field(default_factory=dict)  # with --by: partials per segment value
    by: str | None = None
    items_path: Path | None = None  # items.parquet as the run wrote it (a file, or a folder of parts)
    sentiment_counts: dict | None = None  # report.model.sentiment_counts_by over every item
    scratch: object = None  # the temporary folder holding items_path, removed with the result


class Timer:
    """Wall-clock seconds per stage, for `run.json`."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        yield
        self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 3)


def chunks(frame: pd.DataFrame, size: int):
    """Consecutive row slices of at most `size` rows (one empty slice for an empty frame)."""
    for start in range(0, max(len(frame), 1), max(size, 1)):
        yield frame.iloc[start:start + size]


# ---------------------------------------------------------------- text stages


def enrich_texts(frame: pd.DataFrame, classifier: ModelClassifier | LexiconClassifier | None,
                 text_col: str = "text", with_hash: bool = False) -> pd.DataFrame:
    """The text stages on one chunk: adds `clean_text, language, lemmas, features, duplicate` and, unless
    `classifier` is None, the classifier columns; `with_hash`, also `text_hash` (`partitions.text_hashes` of the
    clean text, which `mark_duplicates` reads). Each distinct (text, given language) is processed once and
    its results are copied to its repeats (bots and copy-paste: about one text in eight in a week)."""
    read = [text_col, *(["language"] if "language" in frame else [])]  # all the stages read of the input
    key = frame[text_col].fillna("").astype(str)
    codes, _ = pd.factorize(key + "\x00" + frame["language"].fillna("").astype(str) if "language" in frame else key)
    _, first = np.unique(codes, return_index=True)  # codes number the distinct values in order of appearance
    enriched = frame.iloc[first][read].pipe(clean, text_col=text_col).pipe(detect).pipe(analyse)
    if classifier is not None:
        enriched = classify(enriched, classifier)
    copied = {c: enriched[c].to_numpy()[codes] for c in enriched.columns if c != text_col}  # fresh, even if present
    out = frame.assign(**{c: pd.Series(v, index=frame.index, dtype=v.dtype) for c, v in copied.items()})
    hashes = text_hashes(enriched["clean_text"])[codes] if len(frame) else np.zeros(0, np.uint64)
    duplicate = pd.Series(hashes).duplicated().to_numpy() & (hashes != 0)
    return out.assign(duplicate=duplicate, **({"text_hash": hashes} if with_hash else {}))


def mark_duplicates(frame: pd.DataFrame, seen: set[int]) -> pd.DataFrame:
    """Set `duplicate`: the same cleaned text (case-insensitive) already appeared in this or an earlier chunk.
    Texts are remembered by their 64-bit `text_hash`, made where the batch was enriched."""
    flags = []
    for key in frame["text_hash"].to_numpy(np.uint64).tolist():
        flags.append(key != 0 and key in seen)
        seen.add(key)
    return frame.assign(duplicate=np.asarray(flags, dtype=bool))


# a few texts that take every path of the text stages: a maybe-name inside a Russian sentence (the NER), the other
# scripts, markup, contact details; no week's words (the per-word caches stay as good as empty)
WARM_UP_TEXTS = ["Звонил вчера, Вера сказала ждать ответа", "Дякую, все добре", "پشتیبانی خیلی دیر جواب داد",
                 "<p>I spoke to agent Smith, mail me at a@b.co or +1 202 555 0143</p>", "Die Lieferung kam zu spät"]


def warm_up() -> None:
    """Load in this process what the text stages otherwise load on first use, so the first batch of a week does
    not pay it: the dictionaries and known words, lingua's detector of each script (its models load at the first
    text), the NER, the modules and patterns the stages import and compile lazily. Worker processes run it as
    they start; about a second."""
    from feedback_mining.lang.known_words import known_words
    from feedback_mining.language import _CANDIDATES, lingua_detector

    known_words()
    sample = {"cyrillic": WARM_UP_TEXTS[0], "arabic": WARM_UP_TEXTS[2]}
    for script in _CANDIDATES:
        lingua_detector(script).detect_language_of(sample.get(script, WARM_UP_TEXTS[-1]))
    enrich_texts(pd.DataFrame({"text": WARM_UP_TEXTS}), None, with_hash=True)


PARALLEL_MIN_TEXTS = 10_000  # below this, starting worker processes (about 2 s) costs more than it saves
_WORKER_CLASSIFIERS: dict[str, object] = {}  # per worker process: the classifier, unpickled once


def _enrich_in_worker(batch: pd.DataFrame, key: str, blob: bytes, text_col: str, keep: list[str] | None):
    """The text stages in a worker process; the classifier (and its caches) is built once per process."""
    classifier = _WORKER_CLASSIFIERS.get(key)
    if classifier is None:
        classifier = _WORKER_CLASSIFIERS[key] = pickle.loads(blob)
    enriched = enrich_texts(batch, classifier, text_col, with_hash=True)
    return enriched[list(dict.fromkeys([*keep, "text_hash"]))] if keep else enriched  # send back only what is kept


def enrich_in_chunks(frame: pd.DataFrame, classifier: ModelClassifier | LexiconClassifier | None, chunk_size: int,
                     text_col: str = "text",
                     progress=None, keep: list[str] | None = None, n_jobs: int = 1, busy=None) -> pd.DataFrame:
    """Run the text stages on batches of rows, in order, on `n_jobs` processes (-1 = every core) when there are
    enough texts: this process takes every n-th batch itself and `n_jobs - 1` worker processes (loky) the others,
    so n cores hold n copies of the models, not n + 1. `busy`: a task the workers run first (a future), while
    which this process takes the batches they would make it wait for. Flags duplicates across batches; `keep`
    drops the other columns."""
    workers = effective_n_jobs(n_jobs) if len(frame) >= PARALLEL_MIN_TEXTS else 1
    size = chunk_size if workers == 1 else max(1000, min(chunk_size, -(-len(frame) // (workers * 4))))
    batches = chunks(frame, size)
    here = lambda batch: enrich_texts(batch, classifier, text_col, with_hash=True)  # noqa: E731
    results = (here(batch) for batch in batches) if workers == 1 else \
        _shared_batches(batches, classifier, text_col, keep, workers, here, busy)
    seen: set[int] = set()
    done = []
    for enriched in results:
        enriched = mark_duplicates(enriched, seen)
        done.append(enriched[keep] if keep else enriched.drop(columns="text_hash"))
        if progress:
            progress(sum(map(len, done)), len(frame))
    return pd.concat(done) if done else frame


_POOLS: dict[int, object] = {}  # workers -> the pool of its helper processes, kept for later chunks and runs


def worker_pool(workers: int):
    """The `workers - 1` processes (loky) that help this one, started on first use and kept. Our own pool, not
    loky's shared one: joblib's `Parallel` (training, tuning) takes that one and expects to have made it."""
    import atexit

    from joblib.externals.loky import ProcessPoolExecutor

    pool = _POOLS.get(workers)
    flags = getattr(pool, "_flags", None)
    if pool is None or (flags is not None and (flags.broken or flags.shutdown)):  # a worker died: start again
        pool = _POOLS[workers] = ProcessPoolExecutor(max_workers=workers - 1, initializer=warm_up)
        atexit.register(pool.shutdown, wait=False, kill_workers=True)
    return pool


def stop_worker_pools() -> None:
    """End the helper processes (the benchmarks start each measurement without them)."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, kill_workers=True)


def _shared_batches(batches, classifier, text_col, keep, workers: int, here, busy=None):
    """The batches' results in order: batch i in this process when i % workers == 0, else in one of the
    `workers - 1` loky processes, a few batches ahead, so both kinds run at the same time. While `busy` (a task
    queued before these batches) runs, a batch goes to the workers only when fewer batches than workers wait
    there; this process makes the others at once, instead of waiting for the workers' first results."""
    from collections import deque

    blob = pickle.dumps(classifier)
    key = hashlib.blake2b(blob, digest_size=16).hexdigest()
    executor = worker_pool(workers)
    submit = lambda batch: executor.submit(_enrich_in_worker, batch, key, blob, text_col, keep)  # noqa: E731
    pending: deque = deque()
    for i, batch in enumerate(batches):
        if busy is not None and not busy.done():
            waiting = sum(1 for item in pending if not isinstance(item, pd.DataFrame) and not item.done())
            pending.append(submit(batch) if waiting < workers - 1 else _made(here(batch)))
            continue
        pending.append(batch if i % workers == 0 else submit(batch))
        while len(pending) > 2 * workers:
            yield _result(pending.popleft(), here)
    while pending:
        yield _result(pending.popleft(), here)


def _made(frame: pd.DataFrame) -> Future:
    """A batch's result made in this process ahead of its turn, as a future that is done."""
    future = Future()
    future.set_result(frame)
    return future


def _result(item, here) -> pd.DataFrame:
    return here(item) if isinstance(item, pd.DataFrame) else item.result()


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\u202a-\u202e\u2066-\u2069]")


def text_warnings(texts: pd.Series) -> dict[str, int]:
    """Counts of texts the cleaning had to cut or scrub, for `run.json`: over-long, control or bidi characters."""
    return {f"longer_than_{MAX_CHARS}_chars (cut)": int((texts.str.len() > MAX_CHARS).sum()),
            "control_or_bidi_characters (removed)": int(texts.str.contains(_CONTROL).sum())}


def collect_texts(rows: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per text to analyse: survey `comment`s, comments' `text`, tickets' `subject` + `body`; `rows` are
    the validated rows of each source (or the `Source`s)."""
    rows = {name: getattr(r, "rows", r) for name, r in rows.items()}
    parts = []
    if "surveys" in rows:
        s = rows["surveys"]
        parts.append(pd.DataFrame({"source": "surveys", "key": s["response_id"], "text": s["comment"], "language": ""}))
    if "comments" in rows:
        c = rows["comments"]
        parts.append(pd.DataFrame({"source": "comments", "key": c["response_id"], "text": c["text"],
                                   "language": c["language"]}))
    if "tickets" in rows:
        t = rows["tickets"]
        text = (t["subject"].str.strip() + "\n" + t["body"]).str.strip()
        parts.append(pd.DataFrame({"source": "tickets", "key": t["ticket_id"], "text": text, "language": ""}))
    texts = pd.concat(parts, ignore_index=True) if parts else empty_frame(["source", "key", "text", "language"])
    return texts[texts["text"].str.strip() != ""].reset_index(drop=True)


# ---------------------------------------------------------------- the run


def read_inputs(config: Config, frames: dict[str, pd.DataFrame] | None = None) -> dict[str, Source]:
    """Read and validate every configured source (or validate in-memory frames, for tests and notebooks)."""
    if frames is not None:
        return {name: validate_source(frame, name, config) for name, frame in frames.items()}
    sources = {}
    for name, path in config.inputs().items():
        sources[name] = read_source(name, path, config)
        release_memory()  # what reading the file held (its bytes, blocks, copies) before the next file adds its own
    return sources


def run_job(config: Config, frames: dict[str, pd.DataFrame] | None = None, progress=None, say=None,
            work: Path | None = None) -> RunResult:
    """Run every stage up to ranking partials; the report module turns the result into files. `progress(done,
    total)` follows the text stages, `say(line)` gets a completion line per stage. The checks of `checks` run
    as soon as their data exist: usable rows, `--by` and the week before the text stages, the scales'
    direction after the join; each raises a usage error or adds to `manifest["warnings"]`.

    The week runs as partitions of whole items (`partitions.py`) on `config.engine` (`engines.py`); the items are
    written to `work/items.parquet` as they are made (`work` None: a temporary folder that lives as long as the
    result), and `RunResult.items` keeps all of them only for a week of one partition, else the ones the report
    may show."""
    timer, say = Timer(), say or (lambda line: None)
    scratch = None
    if work is None:
        scratch = tempfile.TemporaryDirectory(prefix="feedback_mining-")
        work = Path(scratch.name)
    with timer.stage("read"):
        if frames is None and input_bytes(config) >= READ_APART_BYTES:
            sources, week, warnings, rows = read_apart(config, Path(work))
        else:
            sources, week, warnings = read_and_check(config, frames)
            rows = {name: source.rows for name, source in sources.items()}
            for source in sources.values():  # the engine owns the rows now, may write them out and let go
                source.rows = source.rows.iloc[:0]
    say(f"read {sum(s.rows_read for s in sources.values()):,} rows ("
        + ", ".join(f"{k} {s.rows_read:,}" for k, s in sources.items()) + f") in {timer.seconds['read']:.1f} s")
    with timer.stage("models"):
        classifier = load_classifier(config.models, config.taxonomy, config.sentiment_lexicon)
        corrections = load_corrections(config.corrections, classifier.ids)
    with timer.stage("partitions"):
        merged, engine, items_path = run_partitions(rows, classifier, config, corrections, Path(work), say, progress)
    timer.seconds.update({f"{k} (summed over partitions)" if engine["partitions"] > 1 else k: v
                          for k, v in engine.pop("seconds").items()})
    tally = merged.tally
    say(f"text stages: {tally['texts']:,} texts, joined into {tally['items']:,} items in "
        f"{timer.seconds['partitions']:.1f} s ({engine['partitions']} partition"
        f"{'s' if engine['partitions'] > 1 else ''}, {engine['engine']} engine)")
    corrected = tally["corrected"]
    if corrections.files:
        say(f"  {corrected['items']:,} items took a reviewer's correction"
            + (f" ({corrected['effort_kept_ces']:,} kept their CES answer's effort)"
               if corrected["effort_kept_ces"] else ""))
    with timer.stage("drift"):
        drift = measure_drift(merged.drift_sample, classifier, config.seed)
        drift["sampled"] = {"per_language": DRIFT_SAMPLE, "texts": len(merged.drift_sample)}
    say(f"drift: {len(drift['warnings'])} warnings in {timer.seconds['drift']:.1f} s")
    warnings += direction_problems(merged.candidates, config, merged.directions)
    say(f"ranked {len(merged.parts.sums):,} touchpoints ({config.n_boot} bootstrap replicates)")
    # rejects.csv: rejected rows and emptied fields (told apart by `action`); reconciliation counts only rows
    rejects = pd.concat([s.issues() for s in sources.values()], ignore_index=True) if sources else \
        empty_frame(REJECT_COLUMNS)
    items = merged.items if merged.items is not None else merged.candidates
    result = RunResult(items, merged.parts, rejects, classifier.ids, segments=merged.segments, by=config.by,
                       items_path=items_path, sentiment_counts=tally["sentiment_by"], scratch=scratch)
    result.manifest = manifest(config, sources, tally, classifier, timer)
    result.manifest["engine"] = engine
    result.manifest["week"] = week
    result.manifest["corrections"] = corrected
    result.manifest["warnings"] = [w.as_dict() for w in warnings]
    result.manifest["drift"] = drift
    return result


READ_APART_BYTES = 64 << 20  # inputs this large are read by a process of their own (see `read_apart`)


def input_bytes(config: Config) -> int:
    """The size of the configured input files (a pattern's files), 0 for what cannot be sized."""
    from feedback_mining.read import input_files

    total = 0
    for path in config.inputs().values():
        try:
            total += sum(f.stat().st_size for f in input_files(path))
        except (OSError, UsageError):
            pass  # the reader reports it
    return total


def read_and_check(config: Config, frames=None):
    """(sources, week, warnings): the inputs read and validated, and the checks that need only them."""
    sources = read_inputs(config, frames)
    if not sources:
        raise UsageError("no input: give --surveys, --comments and/or --tickets, --config, or --example")
    check_usable(sources)
    check_by(config.by, sources)
    week, warnings = week_of(sources, config)
    return sources, week, [w for s in sources.values() for w in s.warnings] + warnings


def read_apart(config: Config, work: Path):
    """`read_and_check` in a process of its own that also writes the week's partitions to `work`: reading a large
    export leaves the heap fragmented (millions of small strings freed), and that memory goes away with the
    process instead of staying with the run. Returns the sources without their rows, and the partitions."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_read_and_spill, config, work).result()


def _read_and_spill(config: Config, work: Path):
    from feedback_mining.partitions import Spilled, partition_count, spill_sources

    sources, week, warnings = read_and_check(config)
    rows = {name: source.rows for name, source in sources.items()}
    for source in sources.values():
        source.rows = source.rows.iloc[:0]
    n = partition_count(rows, config.partition_size)
    return sources, week, warnings, (Spilled(spill_sources(rows, n, work / "partitions")) if n > 1 else rows)


def check_segment_column(items: pd.DataFrame, by: str | None) -> None:
    """Raise a usage error when `--by` names a column the items do not have."""
    if by and by not in items.columns:
        usable = sorted(c for c in items.columns if not c.startswith(("p_", "_")))
        raise UsageError(f"--by {by!r}: no such column in the items or the input files; use one of {usable} "
                         "or a column of the survey, ticket or comment export")


def _empty_source(name: str) -> pd.DataFrame:
    frame = empty_frame(REQUIRED[name] + OPTIONAL[name])
    return validate_source(frame, name, Config()).rows


def manifest(config, sources, tally, classifier, timer) -> dict:
    """The run's books: inputs with hashes, counts that reconcile per source, text stats, models, timings."""
    inputs, reconciliation = {}, {}
    for name, source in sources.items():
        used = int(tally["used"].get(name, 0))
        rejected = source.rows_rejected
        inputs[name] = {"path": str(source.path) if source.path else None,
                        "sha256": file_sha256(source.path) if source.path and not source.files else None,
                        "rows_read": source.rows_read, "notes": source.notes,
                        **({"files": [{"path": str(f), "sha256": file_sha256(f)} for f in source.files]}
                           if source.files else {})}
        reconciliation[name] = {"rows_read": source.rows_read, "rows_used": used, "rows_rejected": rejected,
                                "reconciles": source.rows_read == used + rejected,
                                "fields_emptied": source.fields_emptied}
    rated, low = tally["rated"], tally["low_confidence"]
    return {
        "tool": "feedback_mining", "version": __version__, "week": config.week,
        "created_at": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "inputs": inputs, "reconciliation": reconciliation,
        "rejects_by_reason": reject_reasons(sources.values()),
        "items": {"total": tally["items"], "by_source": _by_count(tally["by_source"]),
                  "effort_source": _by_count(tally["effort_source"]),
                  "sentiment": {"rated": rated, "low_confidence": low,
                                "low_confidence_share": round(low / rated, 4) if rated else 0.0}},
        "texts": {"total": tally["texts"], "languages": _by_count(tally["languages"]),
                  "duplicates": tally["duplicates"], "redactions": dict(tally["redactions"]),
                  "warnings": dict(tally["text_notes"])},
        "models": classifier.describe(),
        "settings": {"target": config.target, "window_days": config.window_days, "n_boot": config.n_boot,
                     "seed": config.seed, "chunk_size": config.chunk_size, "partition_size": config.partition_size,
                     "ces_scale": vars(config.ces_scale), "csat_scale": vars(config.csat_scale),
                     "repeat_contacts": config.repeat_contacts, "waiting_hours": config.waiting_hours,
                     "by": config.by, "date_format": config.date_format, "trust_scales": config.trust_scales,
                     "scales_stated": sorted(k for k in ("ces_scale", "csat_scale") if k in config.stated)},
        "timings_s": timer.seconds,
    }


def _by_count(counter) -> dict:
    """A Counter as `value_counts().to_dict()` gives it: largest first (ties in first-seen order), no zeros."""
    return {k: int(v) for k, v in sorted(counter.items(), key=lambda kv: -kv[1]) if v}
