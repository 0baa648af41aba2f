"""Reading the JSON a server sent, which may be anything: it never raises."""

from __future__ import annotations

import json
from typing import Any


def parse_json(content: bytes | str) -> Any:
    """The parsed value, or None when the text is not JSON or nests too deep to parse."""
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None
