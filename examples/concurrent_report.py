"""Revenue per region: SQL over two tables at once, reading past SeaTable's 10,000-row cap.

Three queries run concurrently in one task group. `query()` gets at most 10,000 rows from
SeaTable, so the 11,250 paid orders are read with `query_all()`, which pages through them in a
stable order. Offline by default (see `_connect.py`); against a real server it creates and
fills the tables "Report Customers" and "Report Orders" when they are missing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import anyio
from _connect import connect

from seatable_async import Base

CUSTOMERS = "Report Customers"
ORDERS = "Report Orders"
REGIONS = ("North", "East", "South", "West")
CUSTOMER_COUNT = 40
ORDER_COUNT = 12_500


def _text(*names: str) -> list[dict[str, Any]]:
    return [{"column_name": name, "column_type": "text"} for name in names]


async def ensure_tables(base: Base) -> None:
    """Create and fill the two tables unless they are there already."""
    present = {table["name"] for table in await base.list_tables()}
    if CUSTOMERS not in present:
        await base.add_table(CUSTOMERS, columns=_text("Name", "Region"))
        customers = [
            {"Name": f"Customer {i:02}", "Region": REGIONS[i % len(REGIONS)]}
            for i in range(CUSTOMER_COUNT)
        ]
        await base.batch_append_rows(CUSTOMERS, customers)
    if ORDERS not in present:
        columns = [*_text("Customer", "Status"), {"column_name": "Amount", "column_type": "number"}]
        await base.add_table(ORDERS, columns=columns)
        orders = [
            {
                "Customer": f"Customer {i % CUSTOMER_COUNT:02}",
                "Status": "refunded" if i % 10 == 0 else "paid",
                "Amount": 5 + (i * 37) % 500,
            }
            for i in range(ORDER_COUNT)
        ]
        answer = await base.batch_append_rows(ORDERS, orders)  # 13 calls of at most 1000 rows
        print(f"added {answer['inserted_row_count']:,} orders")


async def report(base: Base) -> None:
    results: dict[str, list[dict[str, Any]]] = {}

    async def run(name: str, sql: str, *parameters: Any) -> None:
        results[name] = await base.query_all(sql, list(parameters))

    started = time.perf_counter()
    async with anyio.create_task_group() as group:
        group.start_soon(run, "customers", f"SELECT Name, Region FROM `{CUSTOMERS}`")
        group.start_soon(
            run, "paid", f"SELECT Customer, Amount FROM `{ORDERS}` WHERE Status = ?", "paid"
        )
        group.start_soon(
            run, "statuses", f"SELECT Status, COUNT(*) AS Orders FROM `{ORDERS}` GROUP BY Status"
        )
    elapsed = time.perf_counter() - started

    region_of = {row["Name"]: row["Region"] for row in results["customers"]}
    revenue: dict[str, float] = defaultdict(float)
    for order in results["paid"]:
        revenue[region_of[order["Customer"]]] += order["Amount"]
    statuses = ", ".join(f"{row['Status']} {row['Orders']:,}" for row in results["statuses"])
    print(f"orders by status: {statuses}")
    paid = len(results["paid"])
    print(f"read {paid:,} paid orders in {elapsed:.2f} s (one query answers at most 10,000)")
    print(f"{'region':<8}{'revenue':>12}")
    for region in sorted(revenue):
        print(f"{region:<8}{revenue[region]:>12,.0f}")


async def main() -> None:
    async with connect() as base:
        await ensure_tables(base)
        await report(base)


if __name__ == "__main__":
    anyio.run(main)
