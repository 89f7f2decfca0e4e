"""Redaction figures on the annotated PII corpus of the tests: leaked items per type and language, and the
items that must survive (order numbers, prices, dates, common words that are also names) that were lost.

    python benchmarks/redaction.py [--failures]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.pii_eval import evaluate, table  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--failures", action="store_true", help="print each leaked or lost item")
    args = parser.parse_args(argv)
    figures, failures = evaluate()
    print(table(figures))
    if args.failures:
        print("\n".join(failures))


if __name__ == "__main__":
    main()
