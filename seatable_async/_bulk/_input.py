"""A bulk job's input, read chunk by chunk: any iterable or async iterable, each item checked
and encoded as it is taken, key values checked present and unique within the job.

A list, tuple or other sequence is checked whole before the job sends anything (bad input is
an InvalidInputError before any request); an iterator is read lazily, so an item it yields
that is refused fails only its own chunk.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Sequence,
    Sized,
)
from typing import Any, Generic, TypeVar

from .._exceptions import InvalidInputError
from .._validation import is_text

__all__ = ["Item", "Keys", "Reader", "key_columns"]

SentT = TypeVar("SentT")
_END = object()
"""What `Reader._next` returns once the source is done."""
Key = tuple[object, ...]
"""A row's key values, normalised so that the server's answer compares equal."""


@dataclasses.dataclass(slots=True)
class Item(Generic[SentT]):
    """One input item: where it stood, what the caller gave and what the job sends."""

    index: int
    given: Any
    sent: SentT
    key: Key = ()


def key_columns(key: object) -> tuple[str, ...]:
    """`key=` as column names: one name or a non-empty sequence of distinct ones."""
    names = (key,) if isinstance(key, str) else key
    if not isinstance(names, Sequence) or not names:
        raise InvalidInputError("key must be a column name or a list of column names")
    for name in names:
        if not is_text(name) or name.startswith("_") or "`" in name:
            raise InvalidInputError(
                f"key column {name!r} must be a column name (not a hidden _ column, no backtick)"
            )
    if len(set(names)) != len(names):
        raise InvalidInputError("key names a column twice")
    return tuple(names)


def _key_value(value: object) -> object:
    """A key cell as compared: text as is, any number as a float (the server stores floats)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    return value if is_text(value) else None


@dataclasses.dataclass(frozen=True)
class Keys:
    """The key columns of a job and how a row's key is read (from input or from an answer)."""

    columns: tuple[str, ...]

    def of(self, row: dict[str, Any]) -> Key | None:
        """The row's normalised key, or None when a key cell is missing, empty or not text or
        a number."""
        values = tuple(_key_value(row.get(column)) for column in self.columns)
        return None if None in values else values

    def require(self, where: str, row: dict[str, Any]) -> Key:
        """The row's key, or InvalidInputError naming the row."""
        key = self.of(row)
        if key is None:
            raise InvalidInputError(
                f"{where} needs a text or number value in its key column(s)"
                f" {', '.join(map(repr, self.columns))}"
            )
        return key


class Reader(Generic[SentT]):
    """Takes a job's input `size` items at a time; `total` is its length when it has one.

    A sequence is checked whole here, then encoded again chunk by chunk as it is sent, so the
    job holds no more than its chunks in flight (the encoding is cheap next to a request).
    """

    def __init__(
        self,
        name: str,
        source: object,
        encode: Callable[[str, Any], SentT],
        key_of: Callable[[str, SentT], Key] | None = None,
        *,
        unique: str = "key",
    ) -> None:
        if isinstance(source, (str, bytes, bytearray, dict)) or not isinstance(
            source, (Iterable, AsyncIterable)
        ):
            raise InvalidInputError(f"{name} must be an iterable or async iterable of items")
        self._name = name
        self._encode = encode
        self._key_of = key_of
        self._unique = unique
        self._seen: set[Key] = set()
        self._taken = 0
        self.total: int | None = len(source) if isinstance(source, Sized) else None
        self.reading: list[Any] = []
        """Items of the chunk being read, taken from the source but not yet in a chunk."""
        self._sync: Iterator[Any] | None = None
        self._async: AsyncIterator[Any] | None = None
        if isinstance(source, Sequence):
            for index, given in enumerate(source):
                self._item(index, given)
            self._seen.clear()
        if isinstance(source, AsyncIterable):
            self._async = aiter(source)
        else:
            self._sync = iter(source)

    async def _next(self) -> Any:
        """The source's next item, or `_END`."""
        if self._async is not None:
            return await anext(self._async, _END)
        assert self._sync is not None
        return next(self._sync, _END)

    def abandon(self) -> tuple[int, list[Any]]:
        """The items a read cut short had taken (and where they start), counted as taken."""
        start, given, self.reading = self._taken, self.reading, []
        self._taken += len(given)
        return start, given

    @property
    def taken(self) -> int:
        """Items read so far."""
        return self._taken

    def _item(self, index: int, given: object) -> Item[SentT]:
        where = f"{self._name}[{index}]"
        sent = self._encode(where, given)
        if self._key_of is None:
            return Item(index, given, sent)
        key = self._key_of(where, sent)
        if key in self._seen:
            raise InvalidInputError(f"{where} repeats the {self._unique} of an earlier item: {key}")
        self._seen.add(key)
        return Item(index, given, sent, key)

    async def chunk(
        self, size: int
    ) -> tuple[list[Item[SentT]], list[Any], InvalidInputError | None]:
        """The next `size` items (fewer at the end, none once done); with an item refused, the
        chunk's given items and the first refusal instead."""
        given = self.reading = []
        while len(given) < size and (value := await self._next()) is not _END:
            given.append(value)
        self.reading = []
        start, self._taken = self._taken, self._taken + len(given)
        try:
            return [self._item(start + i, value) for i, value in enumerate(given)], [], None
        except InvalidInputError as error:
            return [], given, error
