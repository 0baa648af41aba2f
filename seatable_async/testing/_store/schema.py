"""Schema: tables and columns, including link columns and their mirrors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._cells import (
    CELL_TYPES,
    check_column_data,
    column_storage,
    decode_cell,
    encode_cell,
    quote_ident,
)
from .._errors import APIError, gateway_error
from .._views import new_view
from ._core import SELECT_TYPES, Base, Json
from .rows import RowStore

__all__ = ["SchemaStore"]


class SchemaStore(RowStore):
    """Tables and columns of a base's metadata and their SQLite storage."""

    def create_table(
        self,
        base: Base,
        name: str,
        columns: Sequence[Mapping[str, Any]] | None,
        *,
        first_ids: bool = False,
    ) -> Json:
        """Create a table; without ``columns`` it gets SeaTable's default text column Name."""
        if any(t["name"] == name for t in base.tables):
            raise gateway_error(400, f"table {name} already exists")
        taken = [t["_id"] for t in base.tables]
        table_id = "0000" if first_ids and not taken else self.new_key(taken)
        table: Json = {
            "_id": table_id,
            "name": name,
            "is_header_locked": False,
            "summary_configs": {},
            "columns": [],
            "views": [new_view("0000", "Default View")],
        }
        with self.transaction() as db:
            db.execute(
                f"CREATE TABLE {self.sqlite_table(base, table)} ("
                "_seq INTEGER PRIMARY KEY, _id TEXT UNIQUE NOT NULL, _ctime TEXT, _mtime TEXT,"
                " _creator TEXT, _last_modifier TEXT, _locked INTEGER, _locked_by TEXT,"
                " _archived INTEGER NOT NULL DEFAULT 0)"
            )
            base.tables.append(table)
            specs = columns or [{"column_name": "Name", "column_type": "text"}]
            for spec in specs:
                self.insert_column(
                    base,
                    table,
                    str(spec.get("column_name", "")),
                    str(spec.get("column_type", "text")),
                    spec.get("column_data"),
                    save=False,
                )
            self.save(base)
        return table

    def rename_table(self, base: Base, table: Json, new_name: str) -> None:
        """Rename a table (400 if the name is taken)."""
        if any(t["name"] == new_name for t in base.tables if t is not table):
            raise gateway_error(400, f"table {new_name} already exists")
        table["name"] = new_name
        self.save(base)

    def delete_table(self, base: Base, table: Json) -> None:
        """Drop a table, its rows and every link column pointing at it."""
        with self.transaction() as db:
            for column in list(table["columns"]):
                if column["type"] == "link":
                    self._drop_link(base, column["data"]["link_id"])
            db.execute(f"DROP TABLE {self.sqlite_table(base, table)}")
            base.tables.remove(table)
            self.save(base)

    def duplicate_table(self, base: Base, table: Json, with_rows: bool) -> Json:
        """Copy a table as ``<name>(copy)``; link columns are not copied."""
        name = f"{table['name']}(copy)"
        columns = [
            {"column_name": c["name"], "column_type": c["type"], "column_data": c.get("data")}
            for c in table["columns"]
            if c["type"] != "link"
        ]
        copy = self.create_table(base, name, columns)
        if with_rows:
            source = self.render_many(base, table, self.select(base, table), keys=False)
            self.append_rows(base, copy, source, user="")
        return copy

    def insert_column(
        self,
        base: Base,
        table: Json,
        name: str,
        column_type: str,
        data: Mapping[str, Any] | None,
        *,
        anchor: str | None = None,
        save: bool = True,
        link_data: Json | None = None,
    ) -> Json:
        """Add a column (and, for links, its mirror column in the other table)."""
        if column_type not in CELL_TYPES:
            raise gateway_error(400, f"column_type {column_type} invalid")
        if not name or any(ch in name for ch in ".{}`"):
            raise gateway_error(400, "column_name invalid")
        if any(c["name"] == name for c in table["columns"]):
            raise APIError(400, f"Column {name} exists.")
        check_column_data(column_type, data)
        keys = [c["key"] for c in table["columns"]]
        column: Json = {
            "key": "0000" if not keys else self.new_key(keys),
            "type": column_type,
            "name": name,
            "editable": True,
            "width": 200,
            "resizable": True,
            "draggable": True,
            "data": self._column_data(column_type, data),
            "permission_type": "",
            "permitted_users": [],
        }
        if column_type == "link":
            column["data"] = link_data or self._new_link(base, table, data or {})
        position = len(table["columns"])
        if anchor:
            anchor_column = self.column(table, anchor)
            position = table["columns"].index(anchor_column) + 1
        with self.transaction() as db:
            db.execute(
                f"ALTER TABLE {self.sqlite_table(base, table)} "
                f"ADD COLUMN {quote_ident(column_storage(column))}"
            )
            table["columns"].insert(position, column)
            if column_type == "link" and link_data is None:
                self._add_mirror_column(base, table, column["data"])
            if save:
                self.save(base)
        return column

    def _column_data(self, column_type: str, data: Mapping[str, Any] | None) -> Json | None:
        """``column_data`` as stored: a select column always has options, each with an id."""
        if column_type not in SELECT_TYPES:
            return dict(data) if data else None
        given: list[Json] = (data or {}).get("options") or []
        options: list[Json] = []
        for option in given:
            if "id" not in option:
                option = {**option, "id": self.new_option_id(given + options)}
            options.append(option)
        return {**(data or {}), "options": options}

    def _new_link(self, base: Base, table: Json, data: Mapping[str, Any]) -> Json:
        other_name = data.get("other_table")
        if not isinstance(other_name, str):
            raise gateway_error(400, "column_data invalid: other_table is required")
        other = self.table(base, other_name)
        links = [
            c["data"]["link_id"] for t in base.tables for c in t["columns"] if c["type"] == "link"
        ]
        return {
            "display_column_key": "0000",
            "table_id": table["_id"],
            "other_table_id": other["_id"],
            "is_internal_link": other is table,
            "is_multiple": True,
            "is_row_from_view": False,
            "other_view_id": "",
            "link_id": self.new_key(links),
        }

    def _add_mirror_column(self, base: Base, table: Json, link: Json) -> None:
        other = self.table(base, table_id=link["other_table_id"])
        if other is table:
            return
        name, suffix = table["name"], 1
        while self.find_column(other, name) is not None:
            suffix += 1
            name = f"{table['name']}{suffix}"
        self.insert_column(base, other, name, "link", None, save=False, link_data=dict(link))

    def _drop_link(self, base: Base, link_id: str) -> None:
        for table in base.tables:
            for column in list(table["columns"]):
                if column["type"] == "link" and column["data"]["link_id"] == link_id:
                    self._drop_column_storage(base, table, column)
        self._db.execute(
            "DELETE FROM emu_links WHERE base_uuid = ? AND link_id = ?", (base.uuid, link_id)
        )

    def _drop_column_storage(self, base: Base, table: Json, column: Json) -> None:
        self._db.execute(
            f"ALTER TABLE {self.sqlite_table(base, table)} "
            f"DROP COLUMN {quote_ident(column_storage(column))}"
        )
        table["columns"].remove(column)

    def delete_column(self, base: Base, table: Json, column: Json) -> None:
        """Delete a column; the first (primary) column cannot be deleted."""
        if table["columns"] and table["columns"][0] is column:
            raise gateway_error(400, "the first column can not be deleted")
        with self.transaction():
            if column["type"] == "link":
                self._drop_link(base, column["data"]["link_id"])
            else:
                self._drop_column_storage(base, table, column)
            self.save(base)

    def rename_column(self, base: Base, table: Json, column: Json, new_name: str) -> None:
        """Rename a column (400 ``column_already_exists`` if taken)."""
        if any(c["name"] == new_name for c in table["columns"] if c is not column):
            raise gateway_error(400, "column name already exists", "column_already_exists")
        column["name"] = new_name
        self.save(base)

    def modify_column_type(
        self, base: Base, table: Json, column: Json, new_type: str, data: Mapping[str, Any] | None
    ) -> None:
        """Change a column's type and convert the stored values."""
        if new_type not in CELL_TYPES or new_type == "link" or column["type"] == "link":
            raise gateway_error(400, f"column_type {new_type} invalid")
        check_column_data(new_type, data)
        storage = quote_ident(column_storage(column))
        sqlite_table = self.sqlite_table(base, table)
        new_column = {**column, "type": new_type, "data": self._column_data(new_type, data)}
        with self.transaction() as db:
            records = db.execute(f"SELECT _id, {storage} AS v FROM {sqlite_table}").fetchall()
            for record in records:
                value = encode_cell(decode_cell(record["v"], column), new_column)
                db.execute(
                    f"UPDATE {sqlite_table} SET {storage} = ? WHERE _id = ?", (value, record["_id"])
                )
            column.update(new_column)
            self.save(base)
