"""Retry scheduler: one fresh tenacity loop per call, jittered backoff, server hints honoured."""

from __future__ import annotations

import logging

import httpx
import tenacity

from .._exceptions import RateLimitError, RetrySafety, SeaTableError, ServerError
from .._retry import RetryEvent, RetryPolicy
from .._usage import UsageCounter, count_retry
from ._options import CallOptions, call_options, describe

logger = logging.getLogger("seatable_async")

BUDGET_REFILL = 0.1
"""Retries a call that succeeds at its first attempt earns back for its client."""
BUDGET_SPENT_NOTE = (
    " (not retried: this client's retry budget is spent, see RetryPolicy.retry_budget)"
)


class RetryBudget:
    """The retries one client may still make (botocore's retry quota), shared by its views.

    It counts what was spent, so that each call measures it against its own policy's budget.
    """

    def __init__(self) -> None:
        self.spent = 0.0

    def spend(self, capacity: int) -> bool:
        """Takes one retry if the budget has one left."""
        if self.spent + 1 > capacity:
            return False
        self.spent += 1
        return True

    def earn(self, amount: float) -> None:
        self.spent = max(0.0, self.spent - amount)


def _note_budget_spent(error: SeaTableError) -> None:
    error.message += BUDGET_SPENT_NOTE
    error.args = (error.message, *error.args[1:])


def _failure(state: tenacity.RetryCallState) -> BaseException:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    if error is None:  # pragma: no cover - tenacity only consults us after a failure
        raise RuntimeError("retry decision requested without a failure")
    return error


def _may_retry(options: CallOptions, error: BaseException) -> bool:
    """The retry rule: what the error allows, narrowed by whether the call is idempotent."""
    if not isinstance(error, SeaTableError) or error.retries_exhausted:
        return False
    if error.retry_safety is RetrySafety.ALWAYS:
        return True
    if error.retry_safety is RetrySafety.IF_IDEMPOTENT:
        opted_in = isinstance(error, ServerError) and options.retry.retry_non_idempotent_on_5xx
        return options.idempotent or opted_in
    return False


class _Schedule:
    """tenacity's retry, wait, stop and before_sleep hooks for one call under one policy."""

    def __init__(
        self,
        options: CallOptions,
        request: httpx.Request,
        usage: UsageCounter | None,
        budget: RetryBudget | None,
    ) -> None:
        self.options = options
        self.usage = usage
        self.budget = budget
        self.policy: RetryPolicy = options.retry
        self.request = request
        deadline = options.deadline
        self.deadline = (
            self.policy.clock() + self.policy.max_elapsed if deadline is None else deadline
        )

    def retry(self, state: tenacity.RetryCallState) -> bool:
        return _may_retry(self.options, _failure(state))

    def wait(self, state: tenacity.RetryCallState) -> float:
        hint = getattr(_failure(state), "retry_after", None)
        if hint is not None:
            return float(hint) + self.policy.hint_jitter()
        return self.policy.backoff(state.attempt_number)

    def stop(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= self.policy.max_attempts:
            return True
        if self.policy.clock() + state.upcoming_sleep > self.deadline:
            return True
        return not self._budget_allows(_failure(state))

    def _budget_allows(self, error: BaseException) -> bool:
        """Spends a retry from the client's budget; a 429's retry is free."""
        capacity = self.policy.retry_budget
        if self.budget is None or capacity is None or isinstance(error, RateLimitError):
            return True
        if self.budget.spend(capacity):
            return True
        if isinstance(error, SeaTableError):
            _note_budget_spent(error)
        return False

    def before_sleep(self, state: tenacity.RetryCallState) -> None:
        error = _failure(state)
        count_retry(self.usage)
        event = RetryEvent(
            attempt=state.attempt_number,
            delay=state.upcoming_sleep,
            method=self.request.method,
            path=describe(self.request).split(" ", 1)[1],
            status_code=getattr(error, "status_code", None),
            error=error,
        )
        logger.info(
            "retrying %s after %s (attempt %d of %d failed), next attempt in %.2f s",
            describe(self.request),
            event.status_code or type(error).__name__,
            event.attempt,
            self.policy.max_attempts,
            event.delay,
        )
        if self.policy.on_retry is not None:
            self.policy.on_retry(event)


class RetryTransport(httpx.AsyncBaseTransport):
    """Outermost layer: repeats a call while its policy and the failure allow it.

    When the attempts or the time budget run out, the last typed error is raised (never
    `tenacity.RetryError`), with `.attempts` set.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        usage: UsageCounter | None = None,
        budget: RetryBudget | None = None,
    ) -> None:
        self._inner = inner
        self._usage = usage
        self._budget = budget

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        options = call_options(request)
        schedule = _Schedule(options, request, self._usage, self._budget)
        retrying = tenacity.AsyncRetrying(
            retry=schedule.retry,
            wait=schedule.wait,
            stop=schedule.stop,
            before_sleep=schedule.before_sleep,
            sleep=options.retry.sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    try:
                        response = await self._inner.handle_async_request(request)
                    except SeaTableError as error:
                        if not error.retries_exhausted:
                            error.attempts = attempt.retry_state.attempt_number
                        raise
                    self._earn(attempt.retry_state.attempt_number)
                    return response
        except SeaTableError as error:
            error.retries_exhausted = True
            raise
        raise AssertionError("tenacity ended a retry loop without an outcome")  # pragma: no cover

    def _earn(self, attempts: int) -> None:
        """A success refills the budget: a little at the first attempt, else its last retry."""
        if self._budget is not None:
            self._budget.earn(BUDGET_REFILL if attempts == 1 else 1.0)

    async def aclose(self) -> None:
        await self._inner.aclose()
