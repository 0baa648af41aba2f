"""Build a small schema from nothing: two tables, typed columns, a link between them, a file.

Creates "Example Projects" and "Example Tasks", adds number, date, single-select, link and
file columns, fills both tables, links each task to its project, uploads a file into a task's
file column, then reads the schema, the row and the file back. Offline by default (see
`_connect.py`); against a real server it stops if the two tables exist already.
"""

from __future__ import annotations

import io
import sys

import anyio
from _connect import connect

from seatable_async import Base, ColumnType

PROJECTS = "Example Projects"
TASKS = "Example Tasks"
NOTES = b"Kick-off on Monday.\nBring the estimates.\n"


async def build_schema(base: Base) -> None:
    """The two tables and the tasks' columns, the link to the projects among them."""
    await base.add_table(PROJECTS, columns=[{"column_name": "Title", "column_type": "text"}])
    await base.add_table(TASKS, columns=[{"column_name": "Name", "column_type": "text"}])
    await base.insert_column(TASKS, "Hours", ColumnType.NUMBER)
    await base.insert_column(TASKS, "Due", ColumnType.DATE, column_data={"format": "YYYY-MM-DD"})
    await base.insert_column(TASKS, "Status", ColumnType.SINGLE_SELECT)
    await base.add_column_options(
        TASKS,
        "Status",
        [
            {"name": "Open", "color": "#46A1FD", "textColor": "#FFFFFF"},
            {"name": "Done", "color": "#59CB74", "textColor": "#FFFFFF"},
        ],
    )
    link_data = {"table": TASKS, "other_table": PROJECTS}
    await base.insert_column(TASKS, "Project", ColumnType.LINK, column_data=link_data)
    await base.insert_column(TASKS, "Attachment", ColumnType.FILE)


async def fill(base: Base) -> str:
    """Rows in both tables, each task linked to its project; returns the first task's id."""
    projects = await base.batch_append_rows(PROJECTS, [{"Title": "Website"}, {"Title": "Shop"}])
    tasks = await base.batch_append_rows(
        TASKS,
        [
            {"Name": "Draft the texts", "Hours": 6, "Due": "2026-03-02", "Status": "Open"},
            {"Name": "Pick the colours", "Hours": 1.5, "Status": "Done"},
            {"Name": "List the products", "Hours": 4, "Status": "Open"},
        ],
    )
    project_ids = [item["_id"] for item in projects["row_ids"]]  # in input order
    task_ids = [item["_id"] for item in tasks["row_ids"]]
    link_id = await base.get_column_link_id(TASKS, "Project")
    links = {task_ids[0]: [project_ids[0]], task_ids[1]: [project_ids[0]]}
    links[task_ids[2]] = [project_ids[1]]
    await base.batch_add_links(link_id, TASKS, PROJECTS, links)
    return task_ids[0]


async def attach(base: Base, row_id: str) -> str:
    """Upload the notes and put them in the row's file column; returns the file's URL."""
    cell = await base.upload_bytes_file("kick-off.txt", NOTES)
    await base.update_row(TASKS, row_id, {"Attachment": [cell]})
    return cell["url"]


async def show(base: Base, row_id: str, url: str) -> None:
    meta = await base.metadata()
    for table in (meta.table(PROJECTS), meta.table(TASKS)):
        columns = ", ".join(f"{column.name} ({column.raw['type']})" for column in table.columns)
        print(f"{table.name}: {columns}")
    row = await base.get_row(TASKS, row_id)
    projects = [link["display_value"] for link in row["Project"]]
    files = [item["name"] for item in row["Attachment"]]
    print(f"task {row['Name']!r}: project {projects}, files {files}")
    copy = io.BytesIO()
    await base.download_file(url, copy)
    same = "the same bytes" if copy.getvalue() == NOTES else "DIFFERENT bytes"
    print(f"downloaded {len(copy.getvalue())} bytes back: {same}")


async def main() -> None:
    async with connect() as base:
        existing = {PROJECTS, TASKS} & {table["name"] for table in await base.list_tables()}
        if existing:
            sys.exit(f"{', '.join(sorted(existing))} exist already (an earlier run?): delete them")
        await build_schema(base)
        row_id = await fill(base)
        url = await attach(base, row_id)
        await show(base, row_id, url)


if __name__ == "__main__":
    anyio.run(main)
