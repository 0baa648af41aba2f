"""The adaptive rate a scope falls back to after unexplained 429s (botocore's adaptive mode)."""

from __future__ import annotations

import math

__all__ = ["Cubic"]


class Cubic:
    """botocore's adaptive mode: a token bucket whose rate drops to `BETA` times the measured
    send rate on a throttle and climbs back along TCP CUBIC's curve (design anchors 7.1)."""

    SCALE = 0.4
    BETA = 0.7
    MIN_RATE = 0.5
    SMOOTHING = 0.8
    BUCKET = 0.5

    def __init__(self, now: float) -> None:
        self.enabled = False
        """Off until the first throttle, so an unthrottled client pays nothing."""
        self.measured = 0.0
        """Sends per second, smoothed over half-second buckets."""
        self._count = 0
        self._first = now
        self._bucket = math.floor(now / self.BUCKET) * self.BUCKET
        self.rate = 0.0
        self._tokens = 0.0
        self._stamp = now
        self._w_max = 0.0
        self._k = 0.0
        self._throttled_at = now

    def record_send(self, now: float) -> None:
        self._count += 1
        bucket = math.floor(now / self.BUCKET) * self.BUCKET
        if bucket > self._bucket:
            current = self._count / (bucket - self._bucket)
            self.measured = current * self.SMOOTHING + self.measured * (1 - self.SMOOTHING)
            self._count = 0
            self._bucket = bucket

    def delay(self, now: float) -> float:
        if not self.enabled:
            return 0.0
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def take(self) -> None:
        if self.enabled:
            self._tokens -= 1

    def throttled(self, now: float) -> None:
        rate = min(self.measured, self.rate) if self.enabled else self._measured_so_far(now)
        self._w_max = rate
        self._k = (rate * (1 - self.BETA) / self.SCALE) ** (1 / 3)
        self._throttled_at = now
        if not self.enabled:
            self.enabled, self._tokens, self._stamp = True, 1.0, now
        self._set_rate(rate * self.BETA, now)

    def _measured_so_far(self, now: float) -> float:
        """The send rate, also early in a job, before a first bucket has ended (when botocore's
        measure is still 0 and the first throttle would cut to the minimum rate)."""
        if self.measured > 0:
            return self.measured
        return self._count / max(now - self._first, self.BUCKET)

    def succeeded(self, now: float) -> None:
        if self.enabled:
            elapsed = now - self._throttled_at - self._k
            cap = 2 * self._measured_so_far(now)
            self._set_rate(min(self.SCALE * elapsed**3 + self._w_max, cap), now)

    def _refill(self, now: float) -> None:
        capacity = max(self.rate, 1.0)
        self._tokens = min(capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def _set_rate(self, rate: float, now: float) -> None:
        self._refill(now)
        self.rate = max(rate, self.MIN_RATE)
        self._tokens = min(self._tokens, max(self.rate, 1.0))
