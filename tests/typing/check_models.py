"""Checked by mypy, never run: the metadata models are typed and frozen."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

from seatable_async import Base, Column, ColumnType, Metadata, Table, View


async def models_keep_their_types() -> None:
    async with Base("api-token", "https://cloud.seatable.io") as base:
        metadata = await base.metadata()
        assert_type(metadata, Metadata)
        assert_type(await base.get_metadata(), dict[str, Any])
    table = metadata.table("Table1")
    assert_type(table, Table)
    assert_type(metadata.find_table("Table1"), Table | None)
    assert_type(table.column("Name"), Column)
    assert_type(table.find_column("Name"), Column | None)
    assert_type(table.view("Default View"), View)
    assert_type(table.columns_of_type(ColumnType.NUMBER), tuple[Column, ...])
    assert_type(table.column("Name").type, ColumnType | str)
    assert_type(table.raw, dict[str, Any])
    table.name = "Other"  # type: ignore[misc]
    table.colunm("Name")  # type: ignore[attr-defined]
