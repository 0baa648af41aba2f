"""Sentinels shared by the public signatures."""

from __future__ import annotations

import enum
from typing import Literal

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven(enum.Enum):
    """An argument the caller left out, as distinct from one they set to None."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> Literal[False]:
        return False


NOT_GIVEN = NotGiven.NOT_GIVEN
