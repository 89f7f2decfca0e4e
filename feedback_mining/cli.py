"""`feedback-mining`: the command line. Errors become one line and an exit code (2 usage, 1 failure)."""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import time
from pathlib import Path

import pandas as pd

from feedback_mining import __version__
from feedback_mining.config import Config, check_week, load_config, parse_scale, with_flags
from feedback_mining.errors import FeedbackMiningError, UsageError
from feedback_mining.history import DEFAULT_NAME as HISTORY_FILE
from feedback_mining.history import ENV_VAR as HISTORY_ENV
from feedback_mining.history import check_history, history_path, list_weeks, previous_week, store_week
from feedback_mining.learning.model_commands import add_commands as add_model_commands
from feedback_mining.learning.model_commands import command_evaluate, command_train
from feedback_mining.loop_commands import add_compare_command, alerts_exit, command_compare, watch

EPILOG = """examples:
  feedback-mining run --example --out out/
  feedback-mining run --surveys surveys.csv --comments comments.csv --tickets tickets.xlsx --out out/
  feedback-mining run --config weekly.toml
  feedback-mining run --config weekly.toml --corrections reviewed/2026-W47.csv   # a reviewed review.csv
  feedback-mining enrich comments.csv --out comments_enriched.csv --text-col text
  feedback-mining history --history feedback_mining_history.duckdb
  feedback-mining run --config weekly.toml --fail-on alerts || notify-the-team   # exit 3: an alert fired
  feedback-mining compare 2026-W45 2026-W48 --history feedback_mining_history.duckdb
  feedback-mining train --task sentiment --data labelled.csv --out my_models/ --tune
  feedback-mining evaluate --task sentiment --data labelled.csv --model my_models/

outputs of run (in --out): touchpoints.csv (ranked), pain_points.csv (drill-down), items.parquet,
rejects.csv (every row not used and every field emptied, with the reason), report.html, summary.md,
touchpoints.xlsx, run.json, review.csv (the texts that most need a person; correct it, then --corrections);
with --by COLUMN also touchpoints_by_COLUMN.csv. Each run stores its week in the --history file.
exit codes: 0 done, 1 failed, 2 bad usage or unusable input, 3 (with --fail-on alerts) done, and an alert
fired: a significant change, drift past its threshold or a data-quality problem (run.json and summary.md list
them)."""

ENRICH_EXAMPLES = """examples:
  feedback-mining enrich comments.csv --out comments_enriched.csv --text-col text
  feedback-mining enrich tickets.xlsx --sheet Tickets --text-col body --out tickets_enriched.parquet
  feedback-mining enrich reviews.jsonl --out reviews.xlsx --models my_models/   # your models, the rest shipped

the output keeps every input row and column, in order, and adds clean_text (redacted), language, lemmas,
sentiment, sentiment_confidence, sentiment_low_confidence, pain_points, pain_point_scores, effort_estimate."""

HISTORY_EXAMPLES = """examples:
  feedback-mining history                                   # $FEEDBACK_MINING_HISTORY or ./feedback_mining_history.duckdb
  feedback-mining history --history reports/feedback_mining_history.duckdb

each `feedback-mining run` stores its week there (rerunning a week replaces it; --no-history skips it)."""


def parse_window(text: str) -> float:
    """`14d`, `36h` or a number of days -> days."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dh]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"window {text!r}: use days like 14d, hours like 36h, or a number of days")
    return float(match.group(1)) / (24 if match.group(2) == "h" else 1)


def parse_week(text: str) -> str:
    try:
        return check_week(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def scale_flag(text: str):
    try:
        return parse_scale(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def sheet_flags(values: list[str] | None) -> dict[str, str] | None:
    """`--sheet Data` (every XLSX input) and `--sheet surveys=Data` (one source) -> {source or "*": sheet}."""
    if not values:
        return None
    sheets = {}
    for value in values:
        source, _, name = value.partition("=") if re.match(r"(surveys|comments|tickets)=", value) else ("*", "", value)
        sheets[source] = name
    return sheets


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedback-mining", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Rank customer touchpoints by the effort customers report in surveys, comments and "
                    "support tickets, and drill each down into pain points.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="the weekly job: read, analyse, rank, report",
                              description="Run the weekly job. Inputs may be CSV, TSV, Parquet, JSON Lines or XLSX; "
                                          "any of the three sources may be absent.",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = run.add_argument_group("inputs")
    source.add_argument("--example", action="store_true", help="run on the built-in example week (no files needed)")
    source.add_argument("--config", type=Path, help="a weekly.toml holding any of the options below, and column "
                                                     "mappings and touchpoint aliases; flags override it")
    source.add_argument("--surveys", type=Path, help="survey responses: response_id, customer_id, touchpoint, "
                                                      "submitted_at, ces/csat/nps/happiness, optional comment")
    source.add_argument("--comments", type=Path, help="comments: response_id, text, optional language")
    source.add_argument("--tickets", type=Path, help="tickets: ticket_id, customer_id, touchpoint, created_at, "
                                                      "subject/body, optional closed_at, contacts, transfers, reopened")
    source.add_argument("--sheet", action="append", metavar="[SOURCE=]SHEET",
                        help="the sheet of XLSX inputs to read, by name or number from 1 (default: the first); "
                             "--sheet surveys=Data for one source; repeat for several")
    source.add_argument("--date-format", dest="date_format", metavar="FORMAT",
                        help="how the export writes dates that are not ISO 8601: a strftime format such as "
                             "'%%m/%%d/%%Y %%H:%%M', or dayfirst / monthfirst for slashed dates like 11/23/2026")
    scales = run.add_argument_group(
        "scales", "The run checks that the answers fit the scales (values outside them, values that never reach "
                  "one end, CES moving with the comments' sentiment the wrong way) and stops when they do not; "
                  "stating a scale here or in the config confirms it, and the checks only warn.")
    scales.add_argument("--ces-scale", dest="ces_scale", type=scale_flag, metavar="LOW-HIGH[,DIRECTION]",
                        help="the CES scale, e.g. 1-7 (default; 7 = strongly agree it was easy) or "
                             "1-5,lower-is-easier (1 = very low effort)")
    scales.add_argument("--csat-scale", dest="csat_scale", type=scale_flag, metavar="LOW-HIGH[,DIRECTION]",
                        help="the CSAT scale, e.g. 1-5 (default) or 1-10; lower-is-easier when 1 is best")
    scales.add_argument("--trust-scales", dest="trust_scales", action="store_const", const=True,
                        help="take every scale as configured: the checks warn instead of stopping")
    options = run.add_argument_group("options")
    options.add_argument("--out", type=Path, help="output folder (default: out)")
    options.add_argument("--week", type=parse_week, help="ISO week label, e.g. 2026-W47 (default: from the data)")
    options.add_argument("--window", dest="window_days", type=parse_window,
                         help="how long before a survey a ticket may be created to join it (default: 14d)")
    options.add_argument("--target", type=float, help="effort at or below this contributes nothing (default: 0)")
    options.add_argument("--chunk-size", type=int, help="rows per chunk of the text stages (default: 20000)")
    options.add_argument("--jobs", dest="n_jobs", type=int,
                         help="processes for the text stages, -1 for every core (default: -1; used from 10,000 texts)")
    options.add_argument("--engine", choices=["local", "dask"],
                         help="where the week's partitions run: local (default: this machine, one partition at a "
                              "time, the text stages on every core) or dask (a Dask cluster; pip install "
                              "'feedback-mining[dask]')")
    options.add_argument("--scheduler", metavar="ADDRESS",
                         help="with --engine dask: the scheduler of an existing cluster, e.g. tcp://10.0.0.5:8786 "
                              "(default: start a local cluster)")
    options.add_argument("--workers", type=int, help="with --engine dask and no --scheduler: worker processes of "
                                                     "the local cluster (default: 2)")
    options.add_argument("--partition-size", dest="partition_size", type=int,
                         help="surveys and tickets per partition; memory holds about one partition's work "
                              "(default: 25000)")
    options.add_argument("--bootstrap", dest="n_boot", type=int, help="bootstrap replicates (default: 200)")
    options.add_argument("--seed", type=int, help="bootstrap seed (default: 0)")
    options.add_argument("--taxonomy", type=Path, help="pain-point term file (default: the built-in taxonomy.toml)")
    options.add_argument("--models", type=Path, help="model directory written by `train` (default: the shipped "
                                                     "models; `lexicon`: the term files alone)")
    options.add_argument("--by", help="repeat the ranking per value of this column (e.g. language, or a survey "
                                      "column such as segment) into touchpoints_by_COLUMN.csv")
    options.add_argument("--history", type=Path, help=f"DuckDB file of past weeks, for week-over-week deltas "
                                                       f"(default: ${HISTORY_ENV} or ./{HISTORY_FILE})")
    options.add_argument("--no-history", dest="store_history", action="store_const", const=False,
                         help="do not store this week in the history (deltas are still read from it; an unreadable "
                              "file only warns)")
    options.add_argument("--report-lang", dest="report_lang", choices=["en", "ru"],
                         help="language of report.html, summary.md and touchpoints.xlsx (default: en)")
    options.add_argument("--quiet", action="store_const", const=True, help="print nothing but errors and warnings")
    options.add_argument("--fail-on", dest="fail_on", choices=["alerts"],
                         help="exit 3 when any alert fires (written after every output and the history), so a "
                              "scheduler or CI job can notify; config key fail_on = \"alerts\"")
    loop = run.add_argument_group(
        "review and corrections", "Each run writes review.csv, the texts that most need a person, in the labelled-file "
                                  "format with the model's guesses filled in; correct it and pass it back with "
                                  "--corrections.")
    loop.add_argument("--review-size", dest="review_size", type=int, metavar="N",
                      help="texts in review.csv (default: 200; 0 writes only the header)")
    loop.add_argument("--corrections", action="append", type=Path, metavar="FILE",
                      help="a reviewed review.csv (or touchpoints.xlsx, or any labelled file): items with the same "
                           "redacted text take its labels; repeat for several files, later ones win")

    enrich = commands.add_parser("enrich", help="the text stages alone on any table",
                                 description="Add clean_text, language, lemmas, sentiment, pain points and an effort "
                                             "estimate to every row of a table, keeping its rows in order. A "
                                             "`language` column (ru, uk, fa, en, other) is used instead of detection.",
                                 epilog=ENRICH_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    enrich.add_argument("input", type=Path, help="a CSV, TSV, Parquet, JSON Lines or XLSX file")
    enrich.add_argument("--out", type=Path, required=True, help="output file; its suffix picks the format")
    enrich.add_argument("--text-col", default="text", help="the column holding the text (default: text)")
    enrich.add_argument("--taxonomy", type=Path, help="pain-point term file (default: built-in)")
    enrich.add_argument("--models", type=Path, help="model directory written by `train` (default: the shipped "
                                                    "models; `lexicon`: the term files alone)")
    enrich.add_argument("--jobs", dest="n_jobs", type=int, default=-1,
                        help="processes, -1 for every core (default: -1; used from 10,000 rows)")
    enrich.add_argument("--sheet", help="the sheet of an XLSX input, by name or number from 1 (default: the first)")
    enrich.add_argument("--quiet", action="store_true", help="print nothing but errors")

    add_model_commands(commands)

    history = commands.add_parser("history", help="list the weeks stored in the history file",
                                  description="List the stored weeks: week, run time, items, top touchpoint.",
                                  epilog=HISTORY_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    history.add_argument("--history", type=Path, help=f"the DuckDB file (default: ${HISTORY_ENV} or ./{HISTORY_FILE})")
    add_compare_command(commands)
    return parser


def config_from_args(args) -> Config:
    """The config file's settings (if any), overridden by every flag that was given."""
    config = load_config(args.config) if args.config else Config()
    flags = {f.name: getattr(args, f.name) for f in dataclasses.fields(Config)
             if f.name not in ("sheet", "stated") and getattr(args, f.name, None) is not None}
    if sheet_flags(getattr(args, "sheet", None)):
        flags["sheet"] = sheet_flags(args.sheet)
    return with_flags(config, flags)


def command_run(args) -> int:
    from feedback_mining.learning.corrections import check_not_overwritten
    from feedback_mining.pipeline import run_job
    from feedback_mining.report import check_out, write_outputs

    config = config_from_args(args)
    check_out(config.out, [*config.inputs().values(), history_path(config.history)])  # before any work
    if args.example:
        config = example_config(config)
    check_not_overwritten(config.corrections, config.out)
    unreadable = check_history(history_path(config.history), config.store_history)
    say = (lambda *a: None) if config.quiet else (lambda *a: print(*a, file=sys.stderr))
    start = time.perf_counter()
    say(f"reading {', '.join(f'{k}={v}' for k, v in config.inputs().items()) or 'nothing'}")
    result = run_job(config, progress=lambda done, total: say(f"  text stages: {done:,}/{total:,} texts"),
                     say=lambda line: say(f"  {line}"))
    history, week = history_path(config.history), result.manifest["week"]
    if unreadable:  # --no-history with a file DuckDB cannot open: the run goes on without it
        result.manifest["warnings"] = [*result.manifest.get("warnings", []), {"check": "history", "message": unreadable}]
    previous = None if unreadable else previous_week(history, week)
    result.manifest["history"] = {"path": str(history), "previous_week": previous[0] if previous else None,
                                  "stored": bool(config.store_history and week)}
    watch(result, None if unreadable else history, previous)  # the drift trend and the alerts, into run.json
    if result.manifest["history"]["stored"]:  # stored before the outputs move in, so their `stored` is true
        from feedback_mining.rank import drill_down, overall_scores, rank_touchpoints
        store_week(history, week, rank_touchpoints(result.parts), drill_down(result.parts),
                   {**result.manifest, "scores": overall_scores(result.parts)},  # the report's trends read scores
                   drift=result.manifest["drift"])
    written = write_outputs(result, config.out, previous[1] if previous else None, config=config,
                            history=None if unreadable else history)
    from feedback_mining.classify import model_sources
    say(f"models: {model_sources(result.manifest['models'])}")
    say(_run_summary(result, config.out, written, time.perf_counter() - start))
    say(f"  history {history}: " + (f"stored {week}" if result.manifest["history"]["stored"] else "not stored")
        + (f", compared with {previous[0]}" if previous else ", no earlier week to compare with"))
    for warning in result.manifest.get("warnings", []):  # printed even with --quiet: they change the reading
        print(f"feedback-mining: warning: {warning['message']}", file=sys.stderr)
    return alerts_exit(result.manifest["alerts"], config.fail_on, say)


def example_config(config: Config) -> Config:
    """The config of `run --example`: the built-in week written under `out/example-input/`, with a history of its
    own there, so the example never touches a history it did not create."""
    if config.inputs():
        raise UsageError("--example runs on the built-in data; drop --surveys/--comments/--tickets")
    if "history" in config.stated:
        raise UsageError(f"--example keeps its own history in {config.out / 'example-input'}/ and never writes "
                         f"into {config.history}; drop --history (or `history` in the config) for the example")
    from feedback_mining.example import write_example

    folder = config.out / "example-input"
    return dataclasses.replace(config, **write_example(folder), history=folder / "history.duckdb")


def command_history(args) -> int:
    history = history_path(args.history)
    if not history.exists():
        raise UsageError(f"{history}: no history file; run `feedback-mining run` first or give --history PATH")
    weeks = list_weeks(history)
    print(weeks.to_string(index=False) if len(weeks) else f"{history}: no weeks stored")
    return 0


def _run_summary(result, out: Path, written, seconds: float) -> str:
    rec = result.manifest["reconciliation"]
    lines = [f"done in {seconds:.1f} s: {result.manifest['items']['total']:,} items, week {result.manifest['week']}"]
    lines += [f"  {k}: {v['rows_read']:,} rows read = {v['rows_used']:,} used + {v['rows_rejected']:,} rejected"
              + (f" ({v['fields_emptied']:,} fields emptied)" if v.get("fields_emptied") else "")
              for k, v in rec.items()]
    lines += [f"  {k}: {note}" for k, i in result.manifest["inputs"].items() for note in i.get("notes", [])]
    lines.append(f"  wrote {len(written)} files to {out}/ ({', '.join(written)})")
    return "\n".join(lines)


def command_enrich(args) -> int:
    from feedback_mining.classify import load_classifier
    from feedback_mining.pipeline import enrich_in_chunks
    from feedback_mining.read import load_table
    from feedback_mining.report import write_table

    frame = load_table(args.input, sheet=args.sheet, hints=[args.text_col])
    if args.text_col not in frame.columns:
        raise UsageError(f"{args.input}: no column {args.text_col!r}; it has "
                         f"{[c for c in frame.columns if not c.startswith('_')]}; pick one with --text-col")
    rows = frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    start = time.perf_counter()
    say(f"read {len(rows):,} rows from {args.input}")
    enriched = enrich_in_chunks(rows, load_classifier(args.models, args.taxonomy), 20_000, text_col=args.text_col,
                                n_jobs=args.n_jobs,
                                progress=lambda done, total: say(f"  text stages: {done:,}/{total:,} rows"))
    columns = ["clean_text", "language", "lemmas", "sentiment", "sentiment_confidence", "sentiment_low_confidence",
               "pain_points", "pain_point_scores", "effort_estimate"]
    kept = rows.drop(columns=[c for c in columns if c in rows and c != args.text_col])  # a given `language` is used
    write_table(pd.concat([kept, enriched[columns]], axis=1), args.out)
    languages = enriched["language"].value_counts().head(5)
    say(f"enriched {len(rows):,} rows in {time.perf_counter() - start:.1f} s ("
        + ", ".join(f"{k} {v:,}" for k, v in languages.items()) + f") -> {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.argv = list(argv if argv is not None else sys.argv[1:])
        return {"run": command_run, "enrich": command_enrich, "history": command_history, "train": command_train,
                "evaluate": command_evaluate, "compare": command_compare}[args.command](args)
    except FeedbackMiningError as e:
        if args.debug:
            raise
        print(f"feedback-mining: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("feedback-mining: interrupted", file=sys.stderr)
        return 1
    except Exception as e:
        if args.debug:
            raise
        print(f"feedback-mining: failed: {type(e).__name__}: {e} (run with --debug for the traceback)", file=sys.stderr)
        return 1
