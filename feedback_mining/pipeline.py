"""The weekly job: read -> clean -> detect language -> analyse -> classify -> join -> rank -> report.

This module only orders the stages, cuts the work into chunks and keeps the books (`run.json`);
each stage lives in its own module.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs

from feedback_mining import __version__
from feedback_mining.analyse import analyse
from feedback_mining.checks import check_by, check_usable, direction_problems, week_of
from feedback_mining.classify import LexiconClassifier, ModelClassifier, classify, load_classifier
from feedback_mining.clean import MAX_CHARS, clean, count_redactions
from feedback_mining.config import SOURCES, Config
from feedback_mining.learning.corrections import apply_corrections, load_corrections
from feedback_mining.learning.drift import measure as measure_drift
from feedback_mining.errors import UsageError
from feedback_mining.join import add_effort, add_ticket_evidence, attach_texts, build_items, empty_frame
from feedback_mining.language import detect
from feedback_mining.rank import Partials, merge_segments, partials, segment_partials
from feedback_mining.read import OPTIONAL, REJECT_COLUMNS, REQUIRED, Source, read_source, validate_source
from feedback_mining.read import reject_reasons
from feedback_mining.learning.registry import file_sha256

log = logging.getLogger("feedback_mining")


@dataclass
class RunResult:
    """What a run produced: the items, the mergeable aggregates and the bookkeeping for `run.json`."""

    items: pd.DataFrame
    parts: Partials
    rejects: pd.DataFrame
    pain_points: list[str]
    manifest: dict = field(default_factory=dict)
    segments: dict[str, Partials] = field(default_factory=dict)  # with --by: partials per segment value
    by: str | None = None


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
                 text_col: str = "text") -> pd.DataFrame:
    """The text stages on one chunk: adds `clean_text, language, lemmas, features, duplicate` and, unless
    `classifier` is None, the classifier columns. Each distinct (text, given language) is processed once and
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
    lowered = out["clean_text"].str.lower()
    return out.assign(duplicate=lowered.duplicated() & (lowered != ""))


def mark_duplicates(frame: pd.DataFrame, seen: set[int]) -> pd.DataFrame:
    """Add `duplicate`: the same cleaned text (case-insensitive) already appeared in this or an earlier chunk.
    Texts are remembered by Python's 64-bit string hash, stable within this process, the only one that asks."""
    flags = []
    for text in frame["clean_text"].tolist():
        key = hash(text.lower())
        flags.append(bool(text) and key in seen)
        seen.add(key)
    return frame.assign(duplicate=flags)


PARALLEL_MIN_TEXTS = 10_000  # below this, starting worker processes (about 2 s) costs more than it saves
_WORKER_CLASSIFIERS: dict[str, object] = {}  # per worker process: the classifier, unpickled once


def _enrich_in_worker(batch: pd.DataFrame, key: str, blob: bytes, text_col: str, keep: list[str] | None):
    """The text stages in a worker process; the classifier (and its caches) is built once per process."""
    classifier = _WORKER_CLASSIFIERS.get(key)
    if classifier is None:
        classifier = _WORKER_CLASSIFIERS[key] = pickle.loads(blob)
    enriched = enrich_texts(batch, classifier, text_col)
    return enriched[list(dict.fromkeys([*keep, "clean_text"]))] if keep else enriched  # send back only what is kept


def enrich_in_chunks(frame: pd.DataFrame, classifier: ModelClassifier | LexiconClassifier | None, chunk_size: int,
                     text_col: str = "text",
                     progress=None, keep: list[str] | None = None, n_jobs: int = 1) -> pd.DataFrame:
    """Run the text stages on batches of rows, in order, on `n_jobs` processes (joblib; -1 = every core)
    when there are enough texts; flags duplicates across batches; `keep` drops the other columns."""
    workers = effective_n_jobs(n_jobs) if len(frame) >= PARALLEL_MIN_TEXTS else 1
    size = chunk_size if workers == 1 else max(1000, min(chunk_size, -(-len(frame) // (workers * 4))))
    batches = chunks(frame, size)
    if workers > 1:
        blob = pickle.dumps(classifier)
        key = hashlib.blake2b(blob, digest_size=16).hexdigest()
        results = Parallel(n_jobs=workers, return_as="generator")(
            delayed(_enrich_in_worker)(batch, key, blob, text_col, keep) for batch in batches)
    else:
        results = (enrich_texts(batch, classifier, text_col) for batch in batches)
    seen: set[int] = set()
    done = []
    for enriched in results:
        enriched = mark_duplicates(enriched, seen)
        done.append(enriched[keep] if keep else enriched)
        if progress:
            progress(sum(map(len, done)), len(frame))
    return pd.concat(done) if done else frame


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\u202a-\u202e\u2066-\u2069]")


def text_warnings(texts: pd.Series) -> dict[str, int]:
    """Counts of texts the cleaning had to cut or scrub, for `run.json`: over-long, control or bidi characters."""
    return {f"longer_than_{MAX_CHARS}_chars (cut)": int((texts.str.len() > MAX_CHARS).sum()),
            "control_or_bidi_characters (removed)": int(texts.str.contains(_CONTROL).sum())}


def collect_texts(sources: dict[str, Source]) -> pd.DataFrame:
    """One row per text to analyse: survey `comment`s, comments' `text`, tickets' `subject` + `body`."""
    parts = []
    if "surveys" in sources:
        s = sources["surveys"].rows
        parts.append(pd.DataFrame({"source": "surveys", "key": s["response_id"], "text": s["comment"], "language": ""}))
    if "comments" in sources:
        c = sources["comments"].rows
        parts.append(pd.DataFrame({"source": "comments", "key": c["response_id"], "text": c["text"],
                                   "language": c["language"]}))
    if "tickets" in sources:
        t = sources["tickets"].rows
        text = (t["subject"].str.strip() + "\n" + t["body"]).str.strip()
        parts.append(pd.DataFrame({"source": "tickets", "key": t["ticket_id"], "text": text, "language": ""}))
    texts = pd.concat(parts, ignore_index=True) if parts else empty_frame(["source", "key", "text", "language"])
    return texts[texts["text"].str.strip() != ""].reset_index(drop=True)


# ---------------------------------------------------------------- the run


def read_inputs(config: Config, frames: dict[str, pd.DataFrame] | None = None) -> dict[str, Source]:
    """Read and validate every configured source (or validate in-memory frames, for tests and notebooks)."""
    if frames is not None:
        return {name: validate_source(frame, name, config) for name, frame in frames.items()}
    return {name: read_source(name, path, config) for name, path in config.inputs().items()}


def run_job(config: Config, frames: dict[str, pd.DataFrame] | None = None, progress=None, say=None) -> RunResult:
    """Run every stage up to ranking partials; the report module turns the result into files. `progress(done,
    total)` follows the text stages, `say(line)` gets a completion line per stage. The checks of `checks` run
    as soon as their data exist: usable rows, `--by` and the week before the text stages, the scales'
    direction after the join; each raises a usage error or adds to `manifest["warnings"]`."""
    timer, say = Timer(), say or (lambda line: None)
    with timer.stage("read"):
        sources = read_inputs(config, frames)
        if not sources:
            raise UsageError("no input: give --surveys, --comments and/or --tickets, --config, or --example")
        check_usable(sources)
        check_by(config.by, sources)
        week, warnings = week_of(sources, config)
        warnings = [w for s in sources.values() for w in s.warnings] + warnings
    say(f"read {sum(s.rows_read for s in sources.values()):,} rows ("
        + ", ".join(f"{k} {s.rows_read:,}" for k, s in sources.items()) + f") in {timer.seconds['read']:.1f} s")
    with timer.stage("models"):
        classifier = load_classifier(config.models, config.taxonomy, config.sentiment_lexicon)
        corrections = load_corrections(config.corrections, classifier.ids)
    with timer.stage("text"):
        keep = ["source", "key", "clean_text", "language", "duplicate", "sentiment", "sentiment_confidence",
                "sentiment_low_confidence", "pain_point_evidence", "effort_estimate",
                *(f"p_{pp}" for pp in classifier.ids), "features"]
        raw_texts = collect_texts(sources)
        text_notes = text_warnings(raw_texts["text"])
        texts = enrich_in_chunks(raw_texts, classifier, config.chunk_size, progress=progress, keep=keep,
                                 n_jobs=config.n_jobs)
        text_notes["no_letters (language und)"] = int((texts["language"] == "und").sum()) if len(texts) else 0
        del raw_texts
    say(f"text stages: {len(texts):,} texts in {timer.seconds['text']:.1f} s")
    with timer.stage("drift"):
        drift = measure_drift(texts, classifier, config.seed)
        texts = texts.drop(columns="features")
    say(f"drift: {len(drift['warnings'])} warnings in {timer.seconds['drift']:.1f} s")
    with timer.stage("join"):
        rows = {name: sources[name].rows if name in sources else _empty_source(name) for name in SOURCES}
        items, links = build_items(rows["surveys"], rows["comments"], rows["tickets"], config.window_days,
                                   carry=[config.by] if config.by else [])
        texts = texts.merge(links, on=["source", "key"], how="left")
        items = (attach_texts(items, texts, classifier.ids)
                 .pipe(add_ticket_evidence, classifier.ids, config).pipe(add_effort, config))
        items, corrected = apply_corrections(items, corrections, classifier.ids)  # before ranking: it uses them
        check_segment_column(items, config.by)
        warnings += direction_problems(items, config)
    say(f"joined into {len(items):,} items in {timer.seconds['join']:.1f} s"
        + (f"; {corrected['items']:,} took a reviewer's correction" if corrections.files else "")
        + (f" ({corrected['effort_kept_ces']:,} kept their CES answer's effort)" if corrected["effort_kept_ces"] else ""))
    with timer.stage("rank"):
        ids = classifier.ids
        parts = sum((partials(chunk, ids, config) for chunk in chunks(items, config.chunk_size)),
                    start=partials(items.iloc[:0], ids, config))
        segments: dict[str, Partials] = {}
        for chunk in chunks(items, config.chunk_size) if config.by else []:
            segments = merge_segments(segments, segment_partials(chunk, config.by, ids, config))
    say(f"ranked {len(parts.sums):,} touchpoints ({config.n_boot} bootstrap replicates) in "
        f"{timer.seconds['rank']:.1f} s")
    # rejects.csv: rejected rows and emptied fields (told apart by `action`); reconciliation counts only rows
    rejects = pd.concat([s.issues() for s in sources.values()], ignore_index=True) if sources else \
        empty_frame(REJECT_COLUMNS)
    result = RunResult(items, parts, rejects, classifier.ids, segments=segments, by=config.by)
    result.manifest = manifest(config, sources, texts, links, items, classifier, timer)
    result.manifest["week"] = week
    result.manifest["corrections"] = corrected
    result.manifest["texts"]["warnings"] = text_notes
    result.manifest["warnings"] = [w.as_dict() for w in warnings]
    result.manifest["drift"] = drift
    return result


def check_segment_column(items: pd.DataFrame, by: str | None) -> None:
    """Raise a usage error when `--by` names a column the items do not have."""
    if by and by not in items.columns:
        usable = sorted(c for c in items.columns if not c.startswith(("p_", "_")))
        raise UsageError(f"--by {by!r}: no such column in the items or the input files; use one of {usable} "
                         "or a column of the survey, ticket or comment export")


def _empty_source(name: str) -> pd.DataFrame:
    frame = empty_frame(REQUIRED[name] + OPTIONAL[name])
    return validate_source(frame, name, Config()).rows


def sentiment_counts(items: pd.DataFrame) -> dict:
    """Items with a sentiment, and how many of those rest on a low-confidence prediction."""
    if "sentiment" not in items:
        return {"rated": 0, "low_confidence": 0, "low_confidence_share": 0.0}
    rated = items["sentiment"].isin(["negative", "neutral", "positive"])
    low = int(items.loc[rated, "sentiment_low_confidence"].sum()) if "sentiment_low_confidence" in items else 0
    return {"rated": int(rated.sum()), "low_confidence": low,
            "low_confidence_share": round(low / int(rated.sum()), 4) if rated.any() else 0.0}


def manifest(config, sources, texts, links, items, classifier, timer) -> dict:
    """The run's books: inputs with hashes, counts that reconcile per source, text stats, models, timings."""
    item_ids = set(items["item_id"])
    inputs, reconciliation = {}, {}
    for name, source in sources.items():
        used = int(links.loc[links["source"] == name, "item_id"].isin(item_ids).sum())
        rejected = source.rows_rejected
        inputs[name] = {"path": str(source.path) if source.path else None,
                        "sha256": file_sha256(source.path) if source.path else None, "rows_read": source.rows_read,
                        "notes": source.notes}
        reconciliation[name] = {"rows_read": source.rows_read, "rows_used": used, "rows_rejected": rejected,
                                "reconciles": source.rows_read == used + rejected,
                                "fields_emptied": source.fields_emptied}
    return {
        "tool": "feedback_mining", "version": __version__, "week": config.week,
        "created_at": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
        "inputs": inputs, "reconciliation": reconciliation,
        "rejects_by_reason": reject_reasons(sources.values()),
        "items": {"total": len(items), "by_source": items["source"].value_counts().to_dict(),
                  "effort_source": items["effort_source"].value_counts().to_dict(),
                  "sentiment": sentiment_counts(items)},
        "texts": {"total": len(texts), "languages": texts["language"].value_counts().to_dict() if len(texts) else {},
                  "duplicates": int(texts["duplicate"].sum()) if len(texts) else 0,
                  "redactions": count_redactions(texts["clean_text"]) if len(texts) else {}},
        "models": classifier.describe(),
        "settings": {"target": config.target, "window_days": config.window_days, "n_boot": config.n_boot,
                     "seed": config.seed, "chunk_size": config.chunk_size,
                     "ces_scale": vars(config.ces_scale), "csat_scale": vars(config.csat_scale),
                     "repeat_contacts": config.repeat_contacts, "waiting_hours": config.waiting_hours,
                     "by": config.by, "date_format": config.date_format, "trust_scales": config.trust_scales,
                     "scales_stated": sorted(k for k in ("ces_scale", "csat_scale") if k in config.stated)},
        "timings_s": timer.seconds,
    }

