"""Partitions: a week cut into self-contained pieces, each worked on alone, and the pieces' results merged.

A partition holds whole items: a survey goes with its customer's tickets (the window join needs them) and with its
comments, so every join of `join.py` is correct inside a partition. Surveys and tickets go to the partition of a
stable hash of their customer (a survey without one: of its response id), comments to their survey's partition
(a comment whose survey is absent: of its response id). Each partition runs the same two steps wherever it runs:

1. `enrich_partition`: the text stages on its texts (`pipeline.enrich_in_chunks`);
2. `finish_partition`: duplicates across partitions (given by the caller), items, ticket evidence, effort,
   corrections, the rank partials and the small, mergeable summaries the report and `run.json` need: counts
   (`_tally`), the scale-direction table, the report's candidate rows and a sample of texts for drift.

Between the steps the caller marks a text as a duplicate when the same cleaned text (case-insensitive) came earlier
in its partition or in an earlier partition (`SeenTexts`, fed the partitions' text hashes in partition order),
so both engines flag the same texts. Partials are summed as a tree in partition order (`tree_sum`), so
the figures do not depend on which engine or worker computed a partition.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from feedback_mining.checks import direction_counts
from feedback_mining.clean import count_redactions
from feedback_mining.config import SOURCES, Config
from feedback_mining.join import add_effort, add_ticket_evidence, attach_texts, build_items
from feedback_mining.learning.corrections import apply_corrections
from feedback_mining.learning.review import review_candidates
from feedback_mining.rank import Partials, merge_segments, partials, segment_partials, stable_hash
from feedback_mining.report.model import report_candidates, sentiment_counts_by
from feedback_mining.tokens import as_strings

DRIFT_SAMPLE = 20_000  # distinct texts per language that drift is measured on (all of them in smaller weeks)
TEXT_COLUMNS = ["source", "key", "clean_text", "language", "duplicate", "sentiment", "sentiment_confidence",
                "sentiment_low_confidence", "pain_point_evidence", "effort_estimate"]


# ---------------------------------------------------------------- splitting a week


@dataclass
class Spilled:
    """A week's rows already written out as partitions (`spill_sources`), by the process that read them."""

    folders: list[Path]


def partition_count(rows: dict[str, pd.DataFrame] | Spilled, size: int) -> int:
    """How many partitions a week needs for about `size` items (surveys and tickets) each."""
    if isinstance(rows, Spilled):
        return len(rows.folders)
    n = sum(len(rows[name]) for name in ("surveys", "tickets") if name in rows)
    return max(1, math.ceil(n / max(size, 1)))


def assign_partitions(rows: dict[str, pd.DataFrame], n: int) -> dict[str, np.ndarray]:
    """The partition of every row of every source (see the module docstring)."""
    out = {}
    if "surveys" in rows:
        s = rows["surveys"]
        key = s["customer_id"].fillna("").astype(str) if "customer_id" in s else pd.Series("", index=s.index)
        key = key.where(key != "", "response:" + s["response_id"].astype(str))
        out["surveys"] = (stable_hash(key) % n).astype(np.int64)
    if "tickets" in rows:
        out["tickets"] = (stable_hash(rows["tickets"]["customer_id"]) % n).astype(np.int64)
    if "comments" in rows:
        c = rows["comments"]
        own = (stable_hash("response:" + c["response_id"].astype(str)) % n).astype(np.int64)
        if "surveys" in rows:
            survey_part = pd.Series(out["surveys"], index=rows["surveys"]["response_id"].to_numpy())
            survey_part = survey_part[~survey_part.index.duplicated()]
            found = survey_part.reindex(c["response_id"].to_numpy()).to_numpy()
            own = np.where(np.isnan(found), own, np.nan_to_num(found)).astype(np.int64)
        out["comments"] = own
    return out


def split_sources(rows: dict[str, pd.DataFrame], n: int):
    """Yield, for each partition in order, `{source: its rows}` (rows keep their order within a source)."""
    if n == 1:
        yield dict(rows)
        return
    parts = assign_partitions(rows, n)
    for k in range(n):
        yield {name: frame[parts[name] == k] for name, frame in rows.items()}


def spill_sources(rows: dict[str, pd.DataFrame], n: int, folder: Path) -> list[Path]:
    """Write each partition's rows to `folder` (one pickle per partition and source: our own files of this run,
    in a private folder) and empty `rows` source by source, so that memory stops holding the inputs; returns
    the partitions' folders, for `load_partition`."""
    parts = assign_partitions(rows, n)
    folders = [folder / f"partition-{k:05d}" for k in range(n)]
    for path in folders:
        path.mkdir(parents=True, exist_ok=True)
    for name in list(rows):
        frame = rows.pop(name)
        for k, path in enumerate(folders):
            frame[parts[name] == k].to_pickle(path / f"{name}.pkl", protocol=5)
        del frame
    return folders


def load_partition(path: Path) -> dict[str, pd.DataFrame]:
    """The rows of one partition written by `spill_sources`."""
    return {file.stem: pd.read_pickle(file) for file in sorted(Path(path).glob("*.pkl"))}


# ---------------------------------------------------------------- step 1: texts


@dataclass
class Enriched:
    """A partition's texts after the text stages, with the hash of each cleaned text (0: empty)."""

    texts: pd.DataFrame
    hashes: np.ndarray
    notes: Counter


def text_hashes(clean_text: pd.Series) -> np.ndarray:
    """The `stable_hash` of each clean text lower-cased (Python's `str.lower`), 0 for an empty one."""
    lowered = np.array([text.lower() for text in as_strings(clean_text)], dtype=object)
    return np.where(lowered != "", stable_hash(lowered), np.uint64(0)).astype(np.uint64)


def enrich_partition(rows: dict[str, pd.DataFrame], classifier, config: Config, n_jobs: int = 1,
                     progress=None, busy=None) -> Enriched:
    """The text stages on the texts of one partition's rows (`busy`: see `pipeline.enrich_in_chunks`)."""
    from feedback_mining.pipeline import collect_texts, enrich_in_chunks, text_warnings

    keep = [*TEXT_COLUMNS, *(f"p_{pp}" for pp in classifier.ids), "features", "text_hash"]
    raw = collect_texts(rows)
    notes = Counter(text_warnings(raw["text"]))
    texts = enrich_in_chunks(raw, classifier, config.chunk_size, progress=progress, keep=keep, n_jobs=n_jobs,
                             busy=busy)
    notes["no_letters (language und)"] += int((texts["language"] == "und").sum()) if len(texts) else 0
    hashes = texts.pop("text_hash").to_numpy(np.uint64)  # made where each batch was enriched
    return Enriched(texts.reset_index(drop=True), hashes, notes)


def hashes_of(enriched: Enriched) -> np.ndarray:
    return enriched.hashes


class SeenTexts:
    """The hashes of the texts of the partitions so far: `earlier(hashes)` of partition k, called in partition
    order, flags its texts that a partition before it already had. The hashes are kept as disjoint sorted runs,
    each more than twice the size of the next (a new run merges into the ones before it until that holds), so
    there are at most log2(texts) + 1 runs and a call costs about its own texts times their log, not a sort of
    all the week's hashes (which made the 40th partition of a 1M week take 1.4 s, 25 s in all)."""

    def __init__(self):
        self.runs: list[np.ndarray] = []  # sorted, nonzero, disjoint; decreasing in size

    def earlier(self, hashes: np.ndarray) -> np.ndarray:
        hashes = np.asarray(hashes, dtype=np.uint64)
        flags = np.zeros(len(hashes), dtype=bool)
        for run in self.runs:
            at = np.minimum(np.searchsorted(run, hashes), len(run) - 1)
            flags |= run[at] == hashes
        filled = hashes != 0
        new = np.unique(hashes[filled & ~flags])  # the runs stay disjoint: each hash kept once
        while self.runs and len(self.runs[-1]) < 2 * len(new):
            new = np.union1d(self.runs.pop(), new)
        if len(new):
            self.runs.append(new)
        return flags & filled


# ---------------------------------------------------------------- step 2: items and partials


@dataclass
class Finished:
    """What one partition contributes: its items as the rows of `items.parquet`, and mergeable summaries."""

    items: pd.DataFrame | None  # every column; the engine writes `item_table(items)` and lets go of them
    parts: Partials
    segments: dict[str, Partials]
    tally: dict
    directions: dict[str, pd.Series]
    candidates: pd.DataFrame  # items the report may quote, sample or queue for review
    drift_sample: pd.DataFrame  # distinct texts with the smallest hashes, at most DRIFT_SAMPLE per language


def finish_partition(index: int, rows: dict[str, pd.DataFrame], enriched: Enriched, earlier: np.ndarray,
                     pain_points: list[str], config: Config, corrections) -> Finished:
    """Items, partials and summaries of one partition; `earlier` flags its texts seen in an earlier partition."""
    from feedback_mining.pipeline import _empty_source, check_segment_column

    texts = enriched.texts.assign(duplicate=enriched.texts["duplicate"].to_numpy(bool) | earlier) \
        if len(enriched.texts) else enriched.texts
    full = {name: rows[name] if name in rows else _empty_source(name) for name in SOURCES}
    items, links = build_items(full["surveys"], full["comments"], full["tickets"], config.window_days,
                               carry=[config.by] if config.by else [])
    texts = texts.merge(links, on=["source", "key"], how="left")
    items = (attach_texts(items, texts, pain_points)
             .pipe(add_ticket_evidence, pain_points, config).pipe(add_effort, config))
    items, corrected = apply_corrections(items, corrections, pain_points)
    check_segment_column(items, config.by)
    parts = partials(items, pain_points, config)
    segments = segment_partials(items, config.by, pain_points, config) if config.by else {}
    tally = _tally(rows, texts, links, items, enriched.notes, corrected)
    return Finished(items, parts, segments, tally, direction_counts(items, config), candidates(items, config),
                    _drift_sample(texts, enriched.hashes, index))


def candidates(items: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The items the report and the review queue may pick (each choice ranks items by their own values, so the
    candidates of a union of partitions' candidates are still a superset of the week's picks)."""
    both = pd.concat([report_candidates(items), review_candidates(items, config)])
    return both[~both["item_id"].duplicated()]


def _drift_sample(texts: pd.DataFrame, hashes: np.ndarray, index: int) -> pd.DataFrame:
    """Distinct texts with the smallest hashes, per language, with their place (`_part`, `_pos`) to keep order."""
    if not len(texts):
        return texts.assign(_part=0, _pos=0, _hash=np.uint64(0))
    texts = texts.assign(_part=index, _pos=np.arange(len(texts)), _hash=hashes[:len(texts)])
    distinct = texts[~texts["duplicate"].astype(bool)]
    return keep_smallest(distinct.drop(columns=["item_id", "clean_text"], errors="ignore"))


def keep_smallest(sample: pd.DataFrame) -> pd.DataFrame:
    """At most DRIFT_SAMPLE rows per language, those with the smallest `_hash`, in (`_part`, `_pos`) order."""
    kept = sample.sort_values("_hash", kind="stable").groupby("language", sort=False).head(DRIFT_SAMPLE)
    return kept.sort_values(["_part", "_pos"], kind="stable")


def _tally(rows, texts, links, items, notes: Counter, corrected: dict) -> dict:
    """The counts `run.json` reports, as numbers and Counters that add up across partitions."""
    item_ids = pd.Index(items["item_id"].astype(object).to_numpy())
    sentiment = items["sentiment"] if "sentiment" in items else pd.Series("", index=items.index)
    rated = sentiment.isin(["negative", "neutral", "positive"])
    low = items["sentiment_low_confidence"] if "sentiment_low_confidence" in items else pd.Series(False, index=items.index)
    return {
        "used": Counter({name: int((item_ids.get_indexer(links.loc[links["source"] == name, "item_id"]
                                                         .astype(object).to_numpy()) >= 0).sum()) for name in rows}),
        "items": len(items), "by_source": Counter(items["source"].value_counts().to_dict()),
        "effort_source": Counter(items["effort_source"].value_counts().to_dict()),
        "rated": int(rated.sum()), "low_confidence": int(low[rated].sum()),
        "sentiment_by": sentiment_counts_by(items),
        "texts": len(texts), "languages": Counter(texts["language"].value_counts().to_dict() if len(texts) else {}),
        "duplicates": int(texts["duplicate"].sum()) if len(texts) else 0,
        "redactions": Counter(count_redactions(texts["clean_text"]) if len(texts) else {}),
        "text_notes": notes, "corrected": corrected,
    }


# ---------------------------------------------------------------- merging


def tree_sum(values: list):
    """`values[0] + values[1] + ...` as a balanced tree in this order: the same floating-point sums whatever the
    engine, and a depth of log2(n) for a reduction on a cluster."""
    if not values:
        raise ValueError("nothing to add up")
    while len(values) > 1:
        values = [values[i] + values[i + 1] if i + 1 < len(values) else values[i] for i in range(0, len(values), 2)]
    return values[0]


def merge_tallies(tallies: list[dict]) -> dict:
    """Add up the partitions' tallies key by key (numbers, Counters, tables of counts; corrections' counts)."""
    out: dict = {}
    for tally in tallies:
        for key, value in tally.items():
            if key == "corrected":
                out[key] = merge_corrected(out.get(key), value)
            elif key == "sentiment_by":
                out[key] = {k: v.add(out[key][k], fill_value=0) if key in out and k in out[key] else v
                            for k, v in {**out.get(key, {}), **value}.items()}
            elif key in out:
                out[key] = out[key] + value
            else:
                out[key] = Counter(value) if isinstance(value, Counter) else value
    return out


def merge_corrected(a: dict | None, b: dict) -> dict:
    """Corrections' counts of two partitions: numbers (and the nested `changed`) added, the rest kept."""
    if a is None:
        return dict(b)
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, dict)):
            out.setdefault(key, value)
        elif isinstance(value, dict):
            out[key] = {k: out.get(key, {}).get(k, 0) + v for k, v in value.items()}
        else:
            out[key] = out.get(key, 0) + value
    return out


def merge_directions(tables: list[dict[str, pd.Series]]) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    for table in tables:
        for column, counts in table.items():
            out[column] = counts.add(out[column], fill_value=0) if column in out else counts
    return out


@dataclass
class Merged:
    """The partitions' results added up; the items themselves were written out as they came."""

    parts: Partials
    segments: dict[str, Partials] = field(default_factory=dict)
    tally: dict = field(default_factory=dict)
    directions: dict = field(default_factory=dict)
    candidates: pd.DataFrame | None = None
    drift_sample: pd.DataFrame | None = None
    partitions: int = 0
    items: pd.DataFrame | None = None  # all of them, for a week of one partition


class Accumulator:
    """Partition results kept as they come, in any order: the small ones whole, the drift sample and the report's
    candidates cut back to their size at each step (so memory does not hold every partition's texts);
    `merged()` adds them up in partition order."""

    def __init__(self, config: Config):
        self.config, self.results = config, {}
        self.sample: pd.DataFrame | None = None
        self.candidates: dict[int, pd.DataFrame] = {}

    def add(self, index: int, result: Finished) -> None:
        if result.drift_sample is not None:
            both = [f for f in (self.sample, result.drift_sample) if f is not None]
            self.sample = keep_smallest(pd.concat(both, ignore_index=True))
            result.drift_sample = None
        self.candidates[index], result.candidates = result.candidates, None
        if len(self.candidates) >= 8:  # in partition order, so the union does not depend on arrival order
            order = sorted(self.candidates)
            self.candidates = {order[0]: candidates(pd.concat([self.candidates[k] for k in order],
                                                              ignore_index=True), self.config)}
        self.results[index] = result

    def merged(self) -> Merged:
        results = [self.results[k] for k in sorted(self.results)]
        segments: dict[str, Partials] = {}
        for r in results:
            segments = merge_segments(segments, r.segments)
        sample = self.sample if self.sample is not None else pd.DataFrame(columns=["_part", "_pos", "_hash"])
        return Merged(tree_sum([r.parts for r in results]), segments, merge_tallies([r.tally for r in results]),
                      merge_directions([r.directions for r in results]),
                      candidates(pd.concat([self.candidates[k] for k in sorted(self.candidates)],
                                           ignore_index=True), self.config),  # the same set however it was cut
                      sample.drop(columns=["_part", "_pos", "_hash"]).reset_index(drop=True), len(results),
                      results[0].items if len(results) == 1 else None)
