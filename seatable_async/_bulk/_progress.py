"""Progress of a bulk job: a caller's `on_progress(done, total)` and an optional bar drawn with
tqdm or rich (the `progress` extra), neither a dependency."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .._exceptions import InvalidInputError

__all__ = ["ProgressCallback", "Reporter"]

ProgressCallback = Callable[[int, "int | None"], object]
"""Called with the items done so far (applied or failed) and the input's length (None when
the input has none, as a generator)."""
_NO_BAR = (
    "progress=True draws a bar with tqdm or rich, and neither is installed: "
    'pip install "seatable-async[progress]"'
)


def _module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class _TqdmBar:
    def __init__(self, tqdm: Any, name: str, total: int | None) -> None:
        self._bar = tqdm.tqdm(total=total, unit="row", desc=name)

    def update(self, done: int) -> None:
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()


class _RichBar:
    def __init__(self, rich: Any, name: str, total: int | None) -> None:
        self._progress = rich.Progress()
        self._progress.start()
        self._task = self._progress.add_task(name, total=total)

    def update(self, done: int) -> None:
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        self._progress.stop()


_BARS: tuple[tuple[str, Callable[[Any, str, int | None], _TqdmBar | _RichBar]], ...] = (
    ("tqdm.auto", _TqdmBar),
    ("rich.progress", _RichBar),
)
"""The bars `progress=True` may draw, the first installed one chosen."""


def _bar_maker() -> Callable[[str, int | None], _TqdmBar | _RichBar]:
    for module_name, bar in _BARS:
        module = _module(module_name)
        if module is not None:
            return lambda name, total: bar(module, name, total)
    raise InvalidInputError(_NO_BAR)


class Reporter:
    """Tells the caller's callback and the bar how far a job got; checked when the job is made."""

    def __init__(self, name: str, on_progress: object, progress: object) -> None:
        if on_progress is not None and not callable(on_progress):
            raise InvalidInputError("on_progress must be a callable(done, total)")
        if not isinstance(progress, bool):
            raise InvalidInputError("progress must be True or False")
        self._name = name
        self._callback: ProgressCallback | None = on_progress
        self._make_bar = _bar_maker() if progress else None
        self._bar: _TqdmBar | _RichBar | None = None
        self.error: Exception | None = None
        """What the callback raised, if it did: the job stops and raises it once it ends."""

    def start(self, total: int | None) -> None:
        if self._make_bar is not None:
            self._bar = self._make_bar(self._name, total)

    def report(self, done: int, total: int | None) -> None:
        if self._bar is not None:
            self._bar.update(done)
        if self._callback is not None and self.error is None:
            try:
                self._callback(done, total)
            except Exception as error:
                self.error = error

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
