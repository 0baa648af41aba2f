"""What every schema test checks of bad arguments: refused, named, before any request."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import respx

from seatable_async import Base, InvalidInputError

from ..helpers import API_TOKEN, SERVER


async def assert_refused(
    server: respx.MockRouter, call: Callable[[Base], Awaitable[Any]], named: str
) -> None:
    """`call` raises an `InvalidInputError` whose message holds `named`, and nothing is sent."""
    async with Base(API_TOKEN, SERVER) as base:
        with pytest.raises(InvalidInputError, match=re.escape(named)):
            await call(base)
    assert not server.calls
