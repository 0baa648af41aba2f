"""Drive the official ``seatable-api`` SDK through the schema-and-files flow; one JSON line a step.

Run by ``test_schema_flow.py`` with the python of a scratch venv that holds the SDK, never
imported by our test suite: ``python sdk_schema_driver.py <server_url> <api_token>`` with the
flow (``test_schema_flow.FLOW``) as JSON on stdin. Lines are those of ``sdk_driver.py``; a
failing step does not stop the later ones.
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))  # -I leaves the script's folder off sys.path

from sdk_driver import _emit  # type: ignore[import-not-found]


def main(server_url: str, api_token: str, flow: dict[str, Any]) -> None:
    """The steps of ``test_schema_flow.run_ours``, in the same order, with the SDK's calls."""
    from seatable_api import Base  # type: ignore[import-not-found]  # only in the scratch venv
    from seatable_api.constants import ColumnTypes  # type: ignore[import-not-found]

    base = Base(api_token, server_url)
    base.auth()
    tasks, projects = flow["tasks"], flow["projects"]
    keys: dict[str, str] = {}

    def ids(table: str, column: str) -> dict[str, str]:
        return {r[column]: r["_id"] for r in base.list_rows(table)}

    def add_tables() -> Any:
        return [
            base.add_table(name, columns=columns)["name"]
            for name, columns in (
                (projects, flow["project_columns"]),
                (tasks, flow["task_columns"]),
            )
        ]

    def insert_columns() -> Any:
        for name, kind, data in flow["inserted"]:
            answer = base.insert_column(tasks, name, ColumnTypes(kind), column_data=data)
            keys[name] = answer["key"]
        return [[name, keys[name]] for name, _, _ in flow["inserted"]]

    def rename_column() -> Any:
        old, new = flow["rename"]
        return base.rename_column(tasks, keys[old], new)["name"]

    def add_column_options() -> Any:
        column, options = flow["options"]
        return base.add_column_options(tasks, column, options)

    def batch_append_rows() -> Any:
        return [
            base.batch_append_rows(projects, flow["project_rows"])["inserted_row_count"],
            base.batch_append_rows(tasks, flow["task_rows"])["inserted_row_count"],
        ]

    def append_row() -> Any:
        return base.append_row(tasks, flow["appended_row"])

    def add_links() -> Any:
        link_id = base.get_column_link_id(tasks, flow["link_column"])
        task_ids, project_ids = ids(tasks, "Name"), ids(projects, "Title")
        return [
            base.add_link(link_id, tasks, projects, task_ids[task], project_ids[project])
            for task, project in flow["links"]
        ]

    def views() -> Any:
        name, new_name = flow["view"]
        base.add_view(tasks, name)
        return base.rename_view(tasks, name, new_name)["name"]

    def upload_file() -> Any:
        spec = flow["file"]
        cell = base.upload_bytes_file(spec["name"], base64.b64decode(spec["content"]))
        base.update_row(tasks, ids(tasks, "Name")[spec["row"]], {spec["column"]: [cell]})
        return cell

    def download_file() -> Any:
        cell = base.list_rows(tasks)[0][flow["file"]["column"]][0]
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder, "downloaded")
            base.download_file(cell["url"], str(target))
            return base64.b64encode(target.read_bytes()).decode()

    def update_row() -> Any:
        name, values = flow["update"]
        return base.update_row(tasks, ids(tasks, "Name")[name], values)

    def delete_row() -> Any:
        return base.delete_row(tasks, ids(tasks, "Name")[flow["delete"]])

    for step in (
        add_tables,
        insert_columns,
        rename_column,
        add_column_options,
        batch_append_rows,
        append_row,
        add_links,
        views,
        upload_file,
        download_file,
        update_row,
        delete_row,
    ):
        _emit(step.__name__, step)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], json.load(sys.stdin))
