"""Fault injection: scripted faults for tests and seeded random faults for soak runs.

Scripted faults are consumed first, in the order they were scripted; the random draw
(``fault_rate`` with ``seed``) only runs when no scripted fault matched.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Literal

from .._constants import DEFAULT_TIMEOUT

__all__ = [
    "DEFAULT_SLOW_SECONDS",
    "RANDOM_STATUSES",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "ScriptedFault",
]

FaultKind = Literal["status", "reset", "delay"]
"""``status``: answer with an HTTP error; ``reset``: drop the connection mid-response;
``delay``: sleep before answering normally."""


@dataclass(frozen=True)
class Fault:
    """What the middleware must do to one request."""

    kind: FaultKind
    status: int = 0
    apply_write: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0

    @property
    def label(self) -> str:
        """Short name used in the request log (``429``, ``reset``, ``delay``)."""
        return str(self.status) if self.kind == "status" else self.kind


RANDOM_STATUSES = (429, 500, 502, 503, 504)
"""Error statuses a random fault answers with."""
DEFAULT_SLOW_SECONDS = DEFAULT_TIMEOUT + 5.0
"""How long a random ``slow`` answer takes: longer than the client's default timeout."""


def random_faults(slow_seconds: float) -> tuple[Fault, ...]:
    """The menu a random fault is drawn from, uniformly: each status, a reset, a slow answer."""
    statuses = tuple(Fault("status", status) for status in RANDOM_STATUSES)
    return (*statuses, Fault("reset"), Fault("delay", delay=slow_seconds))


@dataclass
class ScriptedFault:
    """A fault armed for the next ``remaining`` requests matching path and method."""

    path_contains: str
    fault: Fault
    remaining: int
    method: str | None = None
    hits: list[str] = field(default_factory=list)

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is targeted by this fault."""
        if self.remaining <= 0 or self.path_contains not in path:
            return False
        return self.method is None or self.method.upper() == method.upper()


class FaultPlan:
    """Scripted and random faults for one emulator (thread-safe)."""

    def __init__(
        self,
        *,
        fault_rate: float = 0.0,
        seed: int | None = None,
        slow_seconds: float = DEFAULT_SLOW_SECONDS,
    ) -> None:
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        if slow_seconds <= 0:
            raise ValueError("slow_seconds must be positive")
        self.fault_rate = fault_rate
        self.random_faults = random_faults(slow_seconds)
        self._random = random.Random(seed)
        self._scripted: list[ScriptedFault] = []
        self._lock = threading.Lock()

    def script(
        self,
        path_contains: str,
        status: int = 503,
        count: int = 1,
        *,
        kind: FaultKind = "status",
        method: str | None = None,
        apply_write: bool = False,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> ScriptedFault:
        """Arm a fault for the next ``count`` requests whose path contains ``path_contains``.

        ``kind="status"`` answers ``status`` (429 with an empty body, others with a
        SeaTable-shaped JSON body); ``kind="reset"`` drops the connection; ``kind="delay"``
        sleeps ``delay`` seconds and then answers normally. With ``apply_write=True`` the
        request is executed first and the fault replaces its response, so the write happened.
        """
        if kind == "delay" and delay <= 0:
            raise ValueError("a delay fault needs delay > 0")
        fault = Fault(kind, status, apply_write, tuple((headers or {}).items()), delay)
        scripted = ScriptedFault(path_contains, fault, count, method)
        with self._lock:
            self._scripted.append(scripted)
        return scripted

    def clear(self) -> None:
        """Disarm every scripted fault."""
        with self._lock:
            self._scripted.clear()

    @property
    def pending(self) -> list[ScriptedFault]:
        """Scripted faults that still have requests to hit."""
        with self._lock:
            return [s for s in self._scripted if s.remaining > 0]

    def next_fault(self, method: str, path: str, *, draw: bool = True) -> Fault | None:
        """Consume and return the fault for this request, if any; ``draw=False`` (health
        checks) leaves out random faults, so they neither hit nor shift the seeded sequence."""
        with self._lock:
            for scripted in self._scripted:
                if scripted.matches(method, path):
                    scripted.remaining -= 1
                    scripted.hits.append(f"{method} {path}")
                    return scripted.fault
            if draw and self.fault_rate and self._random.random() < self.fault_rate:
                return self._random.choice(self.random_faults)
        return None
