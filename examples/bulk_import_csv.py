"""Import a CSV file into a table with `bulk_append`, with a progress bar.

    python examples/bulk_import_csv.py [orders.csv] [--rows 50000]

Without a file it writes a sample CSV of `--rows` orders (50,000 by default) and imports that.
The file is read lazily, so only the chunks in flight are in memory, and with `key="Order"`
(a column whose values are unique) every row lands exactly once even if a call fails after
the server stored it. A bar is drawn when tqdm or rich is installed
(`pip install "seatable-async[progress]"`); otherwise progress is printed every 10 %.

Offline by default: with neither SEATABLE_SERVER_URL nor SEATABLE_API_TOKEN set, it starts the
local emulator in-process (`pip install "seatable-async[testing]"`) and creates the table. Set
both to use a real server (SEATABLE_TABLE names a table with the CSV's columns, default
"Orders", each a text column except the number column "Amount").
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from _connect import connect

from seatable_async import BulkError

if TYPE_CHECKING:
    from seatable_async.testing import Emulator

TABLE = os.environ.get("SEATABLE_TABLE", "Orders")
COLUMNS = [("Order", "text"), ("Customer", "text"), ("City", "text"), ("Amount", "number")]
CITIES = ["Berlin", "Lisbon", "Oslo", "Turin", "Vienna"]


def write_sample(path: Path, count: int) -> None:
    """A CSV of `count` orders, with a unique order number each."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([name for name, _ in COLUMNS])
        for i in range(count):
            writer.writerow([f"A{i:06d}", f"Customer {i % 997}", CITIES[i % 5], f"{i % 500}.50"])


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The CSV's rows one at a time, "Amount" as a number."""
    with path.open(newline="", encoding="utf-8") as file:
        for record in csv.DictReader(file):
            yield {**record, "Amount": float(record["Amount"])}


def add_table(emulator: Emulator) -> None:
    emulator.add_table(TABLE, COLUMNS)


def count_rows(emulator: Emulator) -> None:
    print(f"the emulated table now holds {len(emulator.rows(TABLE))} rows")


def _printed_progress(total: int) -> Any:
    """Prints progress every 10 %, for when no bar can be drawn."""
    step = max(1, total // 10)
    last = [0]

    def report(done: int, _: int | None) -> None:
        if done // step > last[0] // step or done == total:
            print(f"  {done}/{total} rows")
        last[0] = done

    return report


async def import_csv(path: Path) -> None:
    with path.open(encoding="utf-8") as file:
        total = sum(1 for _ in file) - 1
    bar = any(importlib.util.find_spec(name) for name in ("tqdm", "rich"))
    async with connect(add_table, count_rows) as base:
        job = base.bulk_append(
            TABLE,
            read_rows(path),
            key="Order",
            progress=bar,
            on_progress=None if bar else _printed_progress(total),
        )
        try:
            result = await job
        except BulkError as error:
            print(error)
            for failure in error.failures:
                print(f"  rows {failure.indices[0]}..{failure.indices[-1]}: {failure.outcome}")
            return
        print(
            f"imported {result.rows} rows in {result.elapsed:.1f} s with {result.requests}"
            f" requests ({result.retries} retries); first id {result.row_ids[0]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, help="a CSV with the table's columns")
    parser.add_argument("--rows", type=int, default=50_000, help="rows of the sample CSV")
    args = parser.parse_args()
    if args.csv is not None:
        anyio.run(import_csv, args.csv)
        return
    with tempfile.TemporaryDirectory() as folder:
        sample = Path(folder) / "orders.csv"
        write_sample(sample, args.rows)
        print(f"wrote a sample CSV of {args.rows} orders")
        anyio.run(import_csv, sample)


if __name__ == "__main__":
    main()
