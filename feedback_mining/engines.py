"""Engines: where the partitions of a week run. Both run the same functions of `partitions.py` on the same
partitions, so their figures are the same; only the place differs.

- `local` (default): one partition after another in this process, the text stages of each on every core (joblib).
  Memory holds the inputs' rows and one partition's work; items are written to `items.parquet` as they are made,
  one row group per partition.
- `dask`: the partitions as tasks on a Dask cluster (`--scheduler ADDRESS`, or a local cluster of `--workers`
  processes), a few partitions ahead of the one being finished; items are written as a partitioned dataset
  (`items.parquet/part-00000.parquet`, ...). Needs `pip install "feedback-mining[dask]"`.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from feedback_mining.errors import UsageError
from feedback_mining.memory import release_memory
from feedback_mining.report.files import item_table
from feedback_mining.partitions import (
    Accumulator,
    Merged,
    SeenTexts,
    Spilled,
    enrich_partition,
    finish_partition,
    hashes_of,
    partition_count,
    load_partition,
    spill_sources,
    split_sources,
)

ENGINES = ("local", "dask")


def arrow_table(items: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    """An item table as Arrow, text columns as strings, cast to `schema` (the first partition's) when given."""
    frame = items.assign(**{c: items[c].astype("string") for c in items.columns if items[c].dtype == object})
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if schema is not None and not table.schema.equals(schema, check_metadata=False):
        table = pa.table([table[name].cast(schema.field(name).type, safe=False) if name in table.column_names
                          else pa.nulls(len(table), schema.field(name).type) for name in schema.names], schema=schema)
    return table


def _schema(table: pa.Table) -> pa.Schema:
    """The file's schema: null columns (nothing in them in the first partition) as strings."""
    return pa.schema([pa.field(f.name, pa.string() if pa.types.is_null(f.type) else f.type) for f in table.schema],
                     metadata=table.schema.metadata)


class ItemsFile:
    """`items.parquet` as one file, a row group per partition."""

    def __init__(self, path: Path):
        self.path, self.writer, self.schema, self.rows = Path(path), None, None, 0

    def keep(self, index: int, done, n: int, by: str | None) -> None:
        """Write a finished partition's items and let go of them (a week of one partition keeps them for the
        report)."""
        self.write(index, item_table(done.items, [by]))
        done.items = done.items if n == 1 else None

    def table(self, items: pd.DataFrame) -> pa.Table:
        """The items as Arrow, in the schema the first partition set (its null columns as strings)."""
        if self.schema is None:
            self.schema = _schema(arrow_table(items))
        self.rows += len(items)
        return arrow_table(items, self.schema)

    def write(self, index: int, items: pd.DataFrame) -> None:
        table = self.table(items)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class ItemsDataset(ItemsFile):
    """`items.parquet/` as a dataset folder, a file per partition (`part-00000.parquet`)."""

    def write(self, index: int, items: pd.DataFrame) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        pq.write_table(self.table(items), self.path / f"part-{index:05d}.parquet")

    def close(self) -> None:
        pass


def run_local(rows: dict[str, pd.DataFrame], classifier, config, corrections, writer: ItemsFile,
              say=lambda line: None, progress=None) -> tuple[Merged, dict]:
    """Every partition in turn; returns the merged results and seconds per stage. With several partitions and
    cores, a partition's items and partials (`finish_partition`, single-threaded pandas) are made by a worker
    process while this one starts the next partition's text stages, taking more of their batches meanwhile
    (`pipeline._shared_batches`, `busy`); results are kept in partition order, so they are the same either way."""
    from joblib import effective_n_jobs

    n = partition_count(rows, config.partition_size)
    cores = effective_n_jobs(config.n_jobs)
    pool = None
    if n > 1 and cores > 1:
        from feedback_mining.pipeline import worker_pool
        pool = worker_pool(cores)
    seen, results = SeenTexts(), Accumulator(config)
    seconds = {"text": 0.0} if pool else {"text": 0.0, "join_rank": 0.0}  # a worker's join runs meanwhile
    finishing = None  # (k, texts, start, future): the partition the worker is finishing

    def keep(k, texts, start, done) -> None:
        writer.keep(k, done, n, config.by)
        results.add(k, done)
        if n > 1:
            say(f"  partition {k + 1}/{n}: {texts:,} texts, {done.tally['items']:,} items "
                f"({time.perf_counter() - start:.1f} s)")

    for k, part in enumerate(partitions(rows, n, writer.path.parent)):
        start = time.perf_counter()
        enriched = enrich_partition(part, classifier, config, n_jobs=config.n_jobs,
                                    progress=progress if n == 1 else None,  # else a line per partition
                                    busy=finishing[3] if finishing else None)
        middle = time.perf_counter()
        seconds["text"] += middle - start
        earlier = seen.earlier(enriched.hashes)
        if pool is None:
            keep(k, len(enriched.texts), start,
                 finish_partition(k, part, enriched, earlier, classifier.ids, config, corrections))
            seconds["join_rank"] += time.perf_counter() - middle
            continue
        if finishing:  # finished while this partition's texts were enriched: memory holds two partitions
            keep(*finishing[:3], finishing[3].result()[1])
        finishing = (k, len(enriched.texts), start, pool.submit(_finish, k, part, enriched, earlier, classifier.ids,
                                                                config, corrections))
        del part, enriched
    if finishing:
        keep(*finishing[:3], finishing[3].result()[1])
    writer.close()
    return results.merged(), {"engine": "local", "workers": 1, "partitions": n,
                              "seconds": {k: round(v, 3) for k, v in seconds.items()}}


def partitions(rows: dict[str, pd.DataFrame], n: int, work: Path):
    """The week's partitions in order: a week of one as it is, else written to `work` and read back one at a
    time, `rows` emptied (memory then holds one partition's rows, not the whole week's)."""
    if isinstance(rows, Spilled):
        folders = rows.folders
    elif n == 1:
        yield from split_sources(rows, 1)
        return
    else:
        folders = spill_sources(rows, n, work / "partitions")
        release_memory()
    for folder in folders:
        yield load_partition(folder)
        shutil.rmtree(folder, ignore_errors=True)
        release_memory()  # what the partition's work held


def dask_client(config):
    """A client of `config.scheduler`, or of a new local cluster of `config.workers` single-threaded processes."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError('--engine dask needs Dask: pip install "feedback-mining[dask]" (or dask[distributed])') \
            from None
    if config.scheduler:
        try:
            return Client(config.scheduler, timeout="10s"), None
        except (OSError, TimeoutError, ValueError) as e:
            raise UsageError(f"--scheduler {config.scheduler}: cannot reach the Dask scheduler ({e})") from None
    cluster = LocalCluster(n_workers=config.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=40)
    return Client(cluster), cluster


def run_dask(rows: dict[str, pd.DataFrame], classifier, config, corrections, writer: ItemsFile,
             say=lambda line: None, progress=None) -> tuple[Merged, dict]:
    """Every partition as two tasks on a Dask cluster: the text stages, then (once the texts of the partitions
    before it are known, for duplicates) items and partials. At most two partitions per worker are in flight."""
    client, cluster = dask_client(config)  # first: it says how to install Dask when it is missing
    from dask.distributed import wait

    n = partition_count(rows, config.partition_size)
    try:
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        model = client.scatter(classifier, broadcast=True)
        ahead, pending, results = 2 * workers, {}, Accumulator(config)
        parts = partitions(rows, n, writer.path.parent)
        seen, finishing = SeenTexts(), []

        def submit(k):
            part = client.scatter([next(parts)], hash=False)[0]  # in a list: a dict would be scattered by its keys
            enriched = client.submit(enrich_partition, part, model, config, 1, key=f"enrich-{k}", pure=False)
            pending[k] = (part, enriched, client.submit(hashes_of, enriched, key=f"hashes-{k}", pure=False))

        def collect(futures):
            for future in futures:
                k, done = future.result()
                writer.keep(k, done, n, config.by)
                results.add(k, done)
                say(f"  partition {k + 1}/{n} done: {done.tally['items']:,} items")

        for k in range(min(ahead, n)):
            submit(k)
        for k in range(n):
            part, enriched, hashes = pending.pop(k)
            earlier = seen.earlier(hashes.result())
            finishing.append(client.submit(_finish, k, part, enriched, earlier, classifier.ids, config, corrections,
                                           key=f"finish-{k}", pure=False))
            del part, enriched, hashes
            if k + ahead < n:
                submit(k + ahead)
            done = [f for f in finishing if f.done()]
            collect(done)
            finishing = [f for f in finishing if f not in done]
        wait(finishing)
        collect(finishing)
        writer.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return results.merged(), {"engine": "dask", "workers": workers, "partitions": n,
                                     "scheduler": config.scheduler or "local cluster", "seconds": {}}


def _finish(k, part, enriched, earlier, ids, config, corrections):
    return k, finish_partition(k, part, enriched, earlier, ids, config, corrections)


def run_partitions(rows, classifier, config, corrections, out: Path, say=lambda line: None, progress=None):
    """Run the week's partitions on `config.engine`, items written under `out`; returns (merged, engine info,
    the items path)."""
    if config.engine == "dask":
        writer = ItemsDataset(out / "items.parquet")
        merged, info = run_dask(rows, classifier, config, corrections, writer, say, progress)
    else:
        writer = ItemsFile(out / "items.parquet")
        merged, info = run_local(rows, classifier, config, corrections, writer, say, progress)
    return merged, info, writer.path
