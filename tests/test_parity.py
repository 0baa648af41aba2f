"""`docs/parity.md` stays true: every twin it names exists and is async, and every method it
says is not there yet really is missing (so the table is updated when it lands)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from seatable_async import Account, Base

PARITY = Path(__file__).resolve().parents[1] / "docs" / "parity.md"
_ROW = re.compile(r"^\| `(\w+)` \| (?:`(\w+)\.(\w+)`|—) \| (twin|differs|not yet|left out) \|")
CLASSES = {"Base": Base, "Account": Account}


def parity_rows() -> list[tuple[str, str, str | None, str]]:
    """(section class, official name, our name or None, status) for every table row."""
    rows: list[tuple[str, str, str | None, str]] = []
    section = ""
    for line in PARITY.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = "Account" if "Account" in line else "Base"
        if match := _ROW.match(line):
            official, owner, ours, status = match.groups()
            if owner is not None:
                assert owner == section, f"{official}: {owner} listed under {section}"
            rows.append((section, official, ours, status))
    return rows


def official_names() -> dict[str, list[str]]:
    """The official SDK's public methods per class, as the document lists them."""
    names: dict[str, list[str]] = {"Base": [], "Account": []}
    for section, official, _, _ in parity_rows():
        names[section].append(official)
    return names


def test_the_document_lists_both_classes() -> None:
    names = official_names()
    assert len(names["Base"]) == 63
    assert len(names["Account"]) == 7
    assert all(len(set(listed)) == len(listed) for listed in names.values())


@pytest.mark.parametrize(("section", "official", "ours", "status"), parity_rows())
def test_each_row_holds(section: str, official: str, ours: str | None, status: str) -> None:
    client = CLASSES[section]
    if status in ("twin", "differs"):
        assert ours is not None, f"{official} is a {status} without a name"
        method = getattr(client, ours, None)
        assert method is not None, f"{section}.{ours} is listed but missing"
        assert inspect.iscoroutinefunction(method) or inspect.isasyncgenfunction(method)
    else:
        assert ours is None
        assert not hasattr(client, official), (
            f"{section}.{official} exists now: update docs/parity.md ({status})"
        )
