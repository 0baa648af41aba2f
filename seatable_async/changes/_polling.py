"""The polling source: inserts and updates from `_mtime`/`_ctime` through SQL, deletions and
schema changes from the base's operation log (`getBaseActivityLog`).

Each table has a mark: the latest `_mtime` reported (ms) and a digest of every row at exactly
that time, so rows stamped within the same millisecond (or second, on a server whose SQL
compares seconds) are neither missed nor reported twice. `_mtime` must not go back within a
base (SeaTable stamps operations as it applies them, one at a time). A mark with more than
`SEEN_LIMIT` rows at its time (a batch stamped alike) keeps one digest of them instead, so a
cursor stays a few kilobytes (see `_Mark.fold` for what that gives up). SQL pages hold at most
10,000 rows; a burst of more than 10,000 rows within one second is paged by offset, which a
write landing meanwhile could shift.

Cost: each round is one log page (more when over 25 entries were logged), one SQL query per
watched table (more past 10,000 changed rows) and the metadata only after a schema change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import AsyncGenerator, Iterable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .._exceptions import BadRequestError, InvalidInputError, NotFoundError, QueryError
from .._filters._sql import _select
from .._sql_paging import MAX_ROWS
from ..resources.base_info import objects
from ._convert import ROW_OPERATIONS, is_schema_operation
from ._events import Change, RowDeleted, RowInserted, RowUpdated, SchemaChanged
from ._source import Cursor, Watch, encode_cursor

if TYPE_CHECKING:
    from .._base import Base

__all__ = ["PollingSource", "open_source"]

_ROW_SQL = " WHERE _mtime >= ? ORDER BY _mtime, _id LIMIT {limit} OFFSET {offset}"
_DELETIONS = frozenset(op for op, (kind, _) in ROW_OPERATIONS.items() if kind is RowDeleted)
"""The row operations whose rows only the log reports (SQL sees inserts and updates)."""


async def open_source(base: Base) -> PollingSource:
    """Polling works against every server."""
    return PollingSource(base)


def _ms(stamp: object) -> int | None:
    """A system time (`2021-03-10T16:06:48.981+00:00`) in ms since the epoch; None if not one."""
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return round(moment.timestamp() * 1000)


def _iso(ms: int) -> str:
    """The whole second at or before `ms`, as the ISO text SeaTable SQL compares times with."""
    moment = datetime.fromtimestamp(ms // 1000, timezone.utc)
    return moment.isoformat()


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def _digest(row: Mapping[str, Any]) -> str:
    """A short fingerprint of a row's values: a row changed within the same ms differs."""
    text = json.dumps(row, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


SEEN_LIMIT = 100
"""Rows at a mark's time that a cursor lists one by one; more are folded into one digest."""


def _fold(pairs: Iterable[tuple[str, str]]) -> tuple[str, int]:
    """One digest of many (row id, row digest) pairs, whatever their order, and their count."""
    folded, count = 0, 0
    for row_id, digest in pairs:
        pair = hashlib.blake2b(f"{row_id}:{digest}".encode(), digest_size=8).digest()
        folded ^= int.from_bytes(pair, "big")
        count += 1
    return f"{folded:016x}", count


@dataclass
class _Mark:
    """How far a table has been reported."""

    time_ms: int
    seen: dict[str, str] = field(default_factory=dict)
    """Row id → digest of each row reported with `_mtime` exactly `time_ms`."""
    fold: tuple[str, str, int] | None = None
    """In place of `seen` when more rows share `time_ms` (a batch): the greatest of their ids,
    `_fold` of them all and their count. Still all there and as they were: none is reported.
    Fewer (some changed since, so they moved on): the rest count as seen. Otherwise (a row
    changed or added within that very millisecond) all are reported again: repeated, never lost;
    a loss needs both at once in a batch of more than `SEEN_LIMIT` rows stamped alike."""

    def settled(self) -> _Mark:
        """This mark as a cursor keeps it: small whatever the batch."""
        if len(self.seen) <= SEEN_LIMIT:
            return self
        folded, count = _fold(self.seen.items())
        return _Mark(self.time_ms, {}, (max(self.seen), folded, count))

    def covers(self, row_id: str) -> bool:
        """Whether the row was among those at the mark's time when it was made."""
        return row_id in self.seen or (self.fold is not None and row_id <= self.fold[0])

    def encoded(self) -> list[Any]:
        return [self.time_ms, self.seen, *([list(self.fold)] if self.fold else [])]

    @classmethod
    def decoded(cls, mark: Any) -> _Mark:
        fold = (str(mark[2][0]), str(mark[2][1]), int(mark[2][2])) if len(mark) > 2 else None
        return cls(int(mark[0]), dict(mark[1]), fold)


@dataclass
class _State:
    """Where the poll stands; every event carries it as its cursor."""

    start_ms: int
    """Where a table without a mark starts (a table created later starts at 0)."""
    op_id: int | None
    """The last operation-log entry reported; None: entries from `start_ms` on."""
    marks: dict[str, _Mark] = field(default_factory=dict)
    position: tuple[str, int, str] | None = None
    """Within a table's pass: (table id, `_mtime` ms, row id) of the last row reported."""

    @classmethod
    def resumed(cls, cursor: Cursor) -> _State:
        """The state a cursor holds; a cursor of another source starts every table at its
        time (so changes around it may come twice, never missing)."""
        state = cursor.state if cursor.source == "poll" else {}
        try:
            marks = {
                str(table_id): _Mark.decoded(mark)
                for table_id, mark in dict(state.get("w", {})).items()
            }
            at, op_id = state.get("p"), state.get("o")
            return cls(
                cursor.time_ms,
                None if op_id is None else int(op_id),
                marks,
                None if at is None else (str(at[0]), int(at[1]), str(at[2])),
            )
        except (TypeError, ValueError, IndexError, AttributeError) as exc:
            raise InvalidInputError("since is not a cursor from a change event") from exc

    def mark(self, table_id: str) -> _Mark:
        return self.marks.get(table_id) or _Mark(self.start_ms)

    def cursor(self) -> str:
        times = [mark.time_ms for mark in self.marks.values()]
        state: dict[str, Any] = {
            "o": self.op_id,
            "w": {table_id: m.encoded() for table_id, m in self.marks.items()},
        }
        if self.position is not None:
            state["p"] = list(self.position)
        return encode_cursor("poll", min(times, default=self.start_ms), state)


class PollingSource:
    """Polls each watched table's changed rows and the operation log, every `poll_interval`."""

    name = "poll"

    def __init__(self, base: Base) -> None:
        self._base = base
        self._log_served = True

    async def events(self, watch: Watch) -> AsyncGenerator[Change, None]:
        state = await self._initial(watch)
        while True:
            async with aclosing(self.poll(state, watch)) as events:
                async for change in events:
                    yield change
            await watch.sleep(watch.poll_interval)

    async def catch_up(self, watch: Watch) -> AsyncGenerator[Change, None]:
        """One round from `watch.since`, then the end: how a source that cannot replay (the
        realtime channel) reports what happened before it connected."""
        state = await self._initial(watch)
        async with aclosing(self.poll(state, watch)) as events:
            async for change in events:
                yield change

    async def _initial(self, watch: Watch) -> _State:
        """From a cursor, or from now: each table's latest rows and log entry count as seen."""
        if watch.since is not None:
            return _State.resumed(watch.since)
        state = _State(0, None)
        log = await self._log_page(1)
        state.op_id = max((entry["op_id"] for entry in log), default=0)
        for table_id, table_name in await self._tables(watch):
            latest = await self._rows(_select(table_name, None) + " ORDER BY _mtime DESC LIMIT 1")
            start = _ms(latest[0].get("_mtime")) if latest else None
            state.marks[table_id] = _Mark(start or 0)
            async for _ in self._table_changes(state, table_id, table_name):
                pass
        return state

    async def poll(self, state: _State, watch: Watch) -> AsyncGenerator[Change, None]:
        """One round: the log's deletions and schema changes (so a table created or renamed
        meanwhile is polled by its new name), then every watched table's new and changed rows;
        each event carries the state after it."""
        async with aclosing(self._logged_changes(state, watch)) as events:
            async for change in events:
                yield change
        tables = await self._tables(watch)
        if watch.table_id is None:
            for gone in set(state.marks) - {table_id for table_id, _ in tables}:
                del state.marks[gone]
        for table_id, table_name in tables:
            async with aclosing(self._table_changes(state, table_id, table_name)) as events:
                async for change in events:
                    yield change

    async def _tables(self, watch: Watch) -> list[tuple[str, str]]:
        metadata = await self._base.metadata()
        return [
            (table.id, table.name)
            for table in metadata.tables
            if watch.table_id in (None, table.id)
        ]

    async def _table_changes(
        self, state: _State, table_id: str, table_name: str
    ) -> AsyncGenerator[Change, None]:
        """The table's rows changed since its mark, oldest first; the mark moves past them."""
        mark = state.mark(table_id)
        resumed = state.position if state.position and state.position[0] == table_id else None
        done = None if resumed is None else resumed[1:]
        """The last row handled in this pass, by (`_mtime`, `_id`): pages may overlap."""
        latest = _Mark(mark.time_ms)
        pending: Change | None = None
        """Held back until the next row: the pass's last event carries the moved mark."""
        batch: list[tuple[dict[str, Any], int, str, str]] | None = [] if mark.fold else None
        """The rows a folded mark covers (they come first), until they can be compared."""

        def handle(row: dict[str, Any], mtime: int, row_id: str) -> Change | None:
            """Makes the row's event, unless handled already; returns the one it holds back."""
            nonlocal done, pending
            if done is not None and (mtime, row_id) <= done:
                return None
            done = (mtime, row_id)
            state.position = (table_id, mtime, row_id)
            previous, pending = (
                pending,
                _row_change(table_id, table_name, row, mark, state.cursor()),
            )
            return previous

        def unfolded() -> list[tuple[dict[str, Any], int, str]]:
            """The folded batch's rows to report: none when they are exactly as they were."""
            nonlocal batch
            held, batch = batch or [], None
            folded, count = _fold((i, d) for _, _, i, d in held)
            if mark.fold is None or folded == mark.fold[1] or count < mark.fold[2]:
                return []
            return [(row, mtime, row_id) for row, mtime, row_id, _ in held]

        bound, offset = mark.time_ms - mark.time_ms % 1000, 0
        while True:
            sql = _select(table_name, None) + _ROW_SQL.format(limit=MAX_ROWS, offset=offset)
            try:
                rows = await self._rows(sql, _iso(bound))
            except (BadRequestError, NotFoundError, QueryError):
                if await self._table_name(table_id, reread=True) is not None:
                    raise
                rows = []  # the table was deleted meanwhile: the log reports that
            for row in rows:
                row_id, mtime = row.get("_id"), _ms(row.get("_mtime"))
                if not isinstance(row_id, str) or mtime is None or mtime < mark.time_ms:
                    continue
                digest = _digest(row)
                if mtime > latest.time_ms:
                    latest = _Mark(mtime)
                latest.seen[row_id] = digest
                at_mark = mtime == mark.time_ms
                if batch is not None and mark.fold and at_mark and row_id <= mark.fold[0]:
                    batch.append((row, mtime, row_id, digest))
                    continue
                for earlier in unfolded() if batch is not None else ():
                    if (event := handle(*earlier)) is not None:
                        yield event
                if at_mark and mark.seen.get(row_id) == digest:
                    continue
                if (event := handle(row, mtime, row_id)) is not None:
                    yield event
            if len(rows) < MAX_ROWS:
                break
            last = _ms(rows[-1].get("_mtime")) or bound
            bound, offset = (
                (last - last % 1000, 0)
                if last - last % 1000 > bound
                else (bound, offset + MAX_ROWS)
            )
        for earlier in unfolded() if batch is not None else ():
            if (event := handle(*earlier)) is not None:
                yield event
        state.marks[table_id] = latest.settled()
        if state.position is not None and state.position[0] == table_id:
            state.position = None
        if pending is not None:
            yield dataclasses.replace(pending, cursor=state.cursor())

    async def _rows(self, sql: str, *parameters: object) -> list[dict[str, Any]]:
        """A SELECT's rows by column name; this source pages itself, so no truncation warning."""
        body: dict[str, Any] = {"sql": sql, "convert_keys": True}
        if parameters:
            body["parameters"] = list(parameters)
        return await self._base._sql(body)

    async def _log_page(self, page: int) -> list[dict[str, Any]]:
        """One page of the operation log; none once the server has answered it has none."""
        if not self._log_served:
            return []
        try:
            return [dict(entry) for entry in await self._base.get_base_activity_log(page)]
        except NotFoundError:
            self._log_served = False
            return []

    async def _logged_changes(self, state: _State, watch: Watch) -> AsyncGenerator[Change, None]:
        """Deletions and schema changes logged since the state's last entry, oldest first."""
        fresh: list[dict[str, Any]] = []
        page, newest = 1, 0
        while entries := await self._log_page(page):
            newest = max(
                [newest, *(e["op_id"] for e in entries if isinstance(e.get("op_id"), int))]
            )
            newer = [e for e in entries if _is_newer(e, state)]
            fresh.extend(newer)
            if len(newer) < len(entries):
                break
            page += 1
        if state.op_id is None and not fresh:
            state.op_id = newest
        for entry in sorted(fresh, key=lambda e: int(e["op_id"])):
            state.op_id = int(entry["op_id"])
            for change in await self._entry_changes(entry, watch, state.cursor()):
                yield change

    async def _entry_changes(
        self, entry: Mapping[str, Any], watch: Watch, cursor: str
    ) -> list[Change]:
        """The events one log entry holds: a row per deleted row, or one schema change."""
        try:
            operation = json.loads(entry.get("operation") or "{}")
        except ValueError:
            return []
        if not isinstance(operation, dict):
            return []
        op_type, table_id = operation.get("op_type"), operation.get("table_id")
        if not isinstance(op_type, str) or not isinstance(table_id, str):
            return []
        if watch.table_id not in (None, table_id):
            return []
        common: dict[str, Any] = {
            "table_id": table_id,
            "cursor": cursor,
            "op_time": _time(int(entry["op_time"]))
            if isinstance(entry.get("op_time"), int)
            else None,
            "source": "poll",
            "op_user": entry.get("author"),
            "raw": entry,
        }
        if is_schema_operation(op_type):
            self._base._schema.invalidate()
            name = operation.get("table_name")
            return [
                SchemaChanged(
                    table_name=name if isinstance(name, str) else None,
                    row_id=None,
                    op_type=op_type,
                    detail=operation,
                    **common,
                )
            ]
        if op_type not in _DELETIONS:
            return []
        names, _ = await self._base._column_names(table_id)
        table_name = await self._table_name(table_id)
        deleted = {row.get("_id"): row for row in objects(operation.get("deleted_rows", []))}
        row_ids = operation.get("row_ids") or [operation.get("row_id")]
        return [
            RowDeleted(
                table_name=table_name,
                row_id=row_id,
                row={names.get(k, k): v for k, v in deleted.get(row_id, {}).items()},
                **common,
            )
            for row_id in row_ids
            if isinstance(row_id, str)
        ]

    async def _table_name(self, table_id: str, *, reread: bool = False) -> str | None:
        """The table's name; None when the base (read afresh if `reread`) has no such table."""
        if reread:
            self._base._schema.invalidate()
        tables = (await self._base.metadata()).tables
        return next((t.name for t in tables if t.id == table_id), None)


def _is_newer(entry: Mapping[str, Any], state: _State) -> bool:
    """Whether a log entry comes after the state: by id, or by time when no id is known."""
    op_id = entry.get("op_id")
    if not isinstance(op_id, int):
        return False
    if state.op_id is not None:
        return op_id > state.op_id
    op_time = entry.get("op_time")
    return isinstance(op_time, int) and op_time >= state.start_ms


def _row_change(
    table_id: str, table_name: str, row: dict[str, Any], mark: _Mark, cursor: str
) -> Change:
    """An insert when the row was created after the mark (or at it, unseen), else an update.

    A pass resumed from within (an event but its table's last) still counts from the mark it
    began at: a row it reported inserted and that changed since comes as inserted again."""
    row_id: str = row["_id"]
    mtime = _ms(row.get("_mtime")) or 0
    created = _ms(row.get("_ctime"))
    inserted = created is not None and (
        created > mark.time_ms or (created == mark.time_ms and not mark.covers(row_id))
    )
    common: dict[str, Any] = {
        "table_id": table_id,
        "table_name": table_name,
        "row_id": row_id,
        "cursor": cursor,
        "op_time": _time(mtime),
        "source": "poll",
        "raw": row,
        "row": row,
    }
    if inserted:
        return RowInserted(op_user=row.get("_creator"), **common)
    return RowUpdated(op_user=row.get("_last_modifier"), old_values=None, **common)
