"""Convert a model folder's pickles to skops files, once, for a folder you trust:

    python -m feedback_mining.learning.convert_models my_models/ --trust-pickles

Folders trained before the models were saved with skops hold `<task>.joblib` pickles, which `load_model` refuses:
unpickling runs whatever code the file holds. This is the one place that unpickles, only when told the folder is
trusted, and only files whose bytes match their registry's sha256. Each model is written with the same writer as
`train` (`<task>.skops`, card and registry entry updated, the pickle's hash kept as `converted_from`), loaded
back through `load_model`, and must predict exactly what the pickle predicted on `CHECK_TEXTS`. The pickles are
left in place, no longer listed; delete them when you like.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import time
from pathlib import Path

from feedback_mining.errors import FeedbackMiningError
from feedback_mining.learning.registry import (
    REGISTRY,
    TASKS,
    ModelError,
    check_hash,
    library_versions,
    listed_path,
    load_model,
    read_model_file,
    read_registry,
    save_model,
)

CHECK_TEXTS = {  # a few texts per language whose predictions must not change
    "ru": ["Ждали очень долго, часа два, никто не помог", "Всё быстро и удобно, спасибо", "Заказ привезли вовремя"],
    "uk": ["Чекав дві години на лінії", "Дуже дякую, все чудово", "Перевели на іншого оператора тричі"],
    "en": ["I was on hold for two hours", "Great service, quick and friendly", "They charged me twice"],
    "fa": ["خیلی منتظر ماندم و کسی جواب نداد", "ممنون، عالی بود", "سفارش دیر رسید"],
}


def unpickle_listed(directory: Path, task: str, entry: dict):
    """The pickled `task` model of a trusted folder, from the bytes that match its registry entry, and their hash."""
    import joblib

    path = listed_path(directory, task, entry, suffix=".joblib")
    data = read_model_file(path)
    digest = hashlib.sha256(data).hexdigest()
    check_hash(path, digest, entry.get("sha256"), "the registry's")
    return joblib.load(io.BytesIO(data)), digest


def predictions(models: dict):
    """What the models predict on CHECK_TEXTS: the enriched frame of a classifier made of them."""
    import pandas as pd

    from feedback_mining.classify import ModelClassifier
    from feedback_mining.pipeline import enrich_texts

    frame = pd.DataFrame([(t, lang) for lang, texts in CHECK_TEXTS.items() for t in texts], columns=["text", "language"])
    return enrich_texts(frame, ModelClassifier(models))


def convert_folder(directory: Path) -> dict:
    """Convert every pickle a trusted folder's registry lists; the new entries by task (empty: nothing to do)."""
    import pandas as pd

    directory = Path(directory)
    listed = read_registry(directory)["models"]
    pickled = {t: e for t, e in listed.items() if t in TASKS and str(e.get("file", "")).endswith(".joblib")}
    old, new, entries = {}, {}, {}
    for task, entry in pickled.items():
        old[task], digest = unpickle_listed(directory, task, entry)
        card_path = directory / str(entry.get("card", f"{task}.card.json"))
        card = json.loads(card_path.read_text(encoding="utf-8"))
        note = {"converted_from": {"file": entry["file"], "sha256": digest, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                   "by": library_versions()}}
        entries[task] = save_model(old[task], directory, task, card, note)
        new[task], _ = load_model(directory, task)
    if old:
        try:
            pd.testing.assert_frame_equal(predictions(old), predictions(new), check_exact=True)
        except AssertionError as e:
            raise ModelError(f"{directory}: the converted models predict differently from the pickles ({e}); "
                             f"restore {REGISTRY} and the cards from a copy, and report this") from None
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m feedback_mining.learning.convert_models", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path, help="a model folder whose registry lists .joblib files")
    parser.add_argument("--trust-pickles", action="store_true", required=True,
                        help="required: you trust whoever wrote this folder (unpickling runs their code)")
    args = parser.parse_args(argv)
    try:
        entries = convert_folder(args.directory)
    except FeedbackMiningError as e:
        print(f"convert_models: error: {e}", file=sys.stderr)
        return e.exit_code
    for task, entry in entries.items():
        print(f"{task}: {entry['converted_from']['file']} -> {entry['file']} ({entry['size_bytes']:,} bytes), "
              "same predictions")
    if not entries:
        print(f"{args.directory}: no pickles listed, nothing to convert")
    return 0


if __name__ == "__main__":
    sys.exit(main())
