"""The rate limiter layer through the stack: slots, the announced budget, the documented
limits, adaptive slow-down, sharing between clients, the deadline, and the retry budget."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Coroutine
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
import respx

from seatable_async import (
    Account,
    APITimeoutError,
    Base,
    InvalidInputError,
    RateLimit,
    RetryPolicy,
    ServiceUnavailableError,
)
from seatable_async._ratelimit import scope_of
from seatable_async._transport._adaptive import Cubic
from seatable_async._transport._pacing import Pacer
from seatable_async.testing import Emulator

from .helpers import API_TOKEN, BASE_UUID, GATEWAY, SERVER, FakeTime, grant

pytestmark = pytest.mark.anyio

ROWS = f"{GATEWAY}/rows/"
NOW = 1_720_710_400.0
"""The unix time the tests pin, so that reset times turn into exact waits."""
ACCOUNT_INFO = "/api2/account/info/"


@pytest.fixture(autouse=True)
def _pinned_unix_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only for reading reset times: the tokens still expire on the real clock."""
    monkeypatch.setattr("seatable_async._retry.time", SimpleNamespace(time=lambda: NOW))


def window(remaining: int, resets_in: float = 30, limit: int = 500) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-reset": str(int(NOW + resets_in)),
    }


def rows(remaining: int = 400, resets_in: float = 30) -> httpx.Response:
    return httpx.Response(200, json={"rows": []}, headers=window(remaining, resets_in))


class InFlight:
    """An answer that yields many times before it returns, counting the peak in flight."""

    def __init__(self, answer: Callable[[], httpx.Response] = rows) -> None:
        self.now = self.peak = self.calls = 0
        self.answer = answer

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.now += 1
        self.calls += 1
        self.peak = max(self.peak, self.now)
        try:
            for _ in range(60):
                await anyio.lowlevel.checkpoint()
        finally:
            self.now -= 1
        return self.answer()


async def fan_out(count: int, call: Callable[[], Coroutine[Any, Any, object]]) -> None:
    async with anyio.create_task_group() as tasks:
        for _ in range(count):
            tasks.start_soon(call)


@pytest.mark.parametrize(("rate_limit", "peak"), [(RateLimit(), 8), (RateLimit(3), 3), (None, 50)])
async def test_fifty_concurrent_calls_keep_to_the_concurrency_cap(
    server: respx.MockRouter, rate_limit: RateLimit | None, peak: int
) -> None:
    answer = InFlight()
    server.get(ROWS).mock(side_effect=answer)
    async with Base(API_TOKEN, SERVER, rate_limit=rate_limit) as base:
        await base.auth()
        await fan_out(50, lambda: base.list_rows("Table1"))
    assert answer.calls == 50
    assert answer.peak == peak


async def test_a_spent_budget_waits_for_its_reset(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.get(ROWS).mock(side_effect=[rows(remaining=0, resets_in=30), rows()])
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy()) as base:
        await base.list_rows("Table1")
        await base.list_rows("Table1")
    assert route.call_count == 2
    assert fake_time.sleeps == [30.0]


class FixedWindow:
    """A server counting calls in fixed windows of `seconds` on the fake clock, with 429s
    for calls beyond `limit` and SeaTable's headers on every answer."""

    def __init__(self, time: FakeTime, limit: int, seconds: float) -> None:
        self.time, self.limit, self.seconds = time, limit, seconds
        self.ends = time.now + seconds
        self.count = 0
        self.statuses: list[int] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        for _ in range(20):  # the answer takes a while, as over a network
            await anyio.lowlevel.checkpoint()
        if self.time.now >= self.ends:
            self.ends += self.seconds * ((self.time.now - self.ends) // self.seconds + 1)
            self.count = 0
        self.count += 1
        allowed = self.count <= self.limit
        headers = window(max(self.limit - self.count, 0), self.ends - self.time.now, self.limit)
        self.statuses.append(200 if allowed else 429)
        if not allowed:
            return httpx.Response(429, headers=headers)
        return httpx.Response(200, json={"rows": []}, headers=headers)


class SettlingTime(FakeTime):
    """A fake time that moves only once every other task waits, as real time would while
    the requests in flight are answered."""

    async def sleep(self, seconds: float) -> None:
        await anyio.wait_all_tasks_blocked()
        await super().sleep(seconds)


async def test_concurrent_callers_never_exceed_the_announced_windows(
    server: respx.MockRouter,
) -> None:
    """Forty callers against 5 calls per 30 s: no 429, and every window used in full."""
    time = SettlingTime()
    gateway = FixedWindow(time, limit=5, seconds=30)
    server.get(ROWS).mock(side_effect=gateway)
    async with Base(API_TOKEN, SERVER, retry=time.policy(max_elapsed=600)) as base:
        await fan_out(40, lambda: base.list_rows("Table1"))
    assert gateway.statuses == [200] * 40
    assert time.now - 1000 == 7 * 30  # the eighth window of five holds the last calls


async def test_a_wait_beyond_the_deadline_fails_at_once(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.get(ROWS).mock(return_value=rows(remaining=0, resets_in=50))
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(max_elapsed=10)) as base:
        await base.list_rows("Table1")
        with pytest.raises(APITimeoutError, match="rate limit") as caught:
            await base.list_rows("Table1")
    assert route.call_count == 1
    assert fake_time.sleeps == []
    assert caught.value.sent is False


async def test_two_bases_for_one_base_share_slots_and_budget(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    answer = InFlight()
    route = server.get(ROWS).mock(side_effect=answer)
    policy = fake_time.policy()
    async with (
        Base(API_TOKEN, SERVER, retry=policy) as first,
        Base(API_TOKEN, SERVER, retry=policy, rate_limit=RateLimit(4)) as second,
    ):
        await first.list_rows("Table1")
        await second.list_rows("Table1")
        async with anyio.create_task_group() as tasks:
            for index in range(50):
                tasks.start_soon((first, second)[index % 2].list_rows, "Table1")
        assert answer.peak == 4  # the tightest setting of the two
        route.side_effect = [rows(remaining=0, resets_in=20), rows()]
        await first.list_rows("Table1")
        assert fake_time.sleeps == []
        await second.list_rows("Table1")
    assert fake_time.sleeps == [20.0]


async def test_a_closed_client_no_longer_binds_the_others(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    """The tightest settings are those of the clients still open: once the careful one is
    closed, the other gets its own 8 slots and no ceiling of 30 calls a minute."""
    answer = InFlight()
    server.get(ROWS).mock(side_effect=answer)
    policy = fake_time.policy()
    careful = RateLimit(max_concurrency=2, requests_per_minute=30)
    async with Base(API_TOKEN, SERVER, retry=policy) as first:
        async with Base(API_TOKEN, SERVER, retry=policy, rate_limit=careful) as second:
            await first.list_rows("Table1")
            await second.list_rows("Table1")
            async with anyio.create_task_group() as tasks:
                for _ in range(40):
                    tasks.start_soon(first.list_rows, "Table1")
            assert answer.peak == 2
            waited_while_open = len(fake_time.sleeps)
        answer.peak = 0
        async with anyio.create_task_group() as tasks:
            for _ in range(40):
                tasks.start_soon(first.list_rows, "Table1")
        assert answer.peak == 8
    assert waited_while_open > 0  # 42 calls against 30 a minute
    assert len(fake_time.sleeps) == waited_while_open


async def test_account_calls_have_their_own_limiter(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    server.get(ROWS).mock(return_value=rows(remaining=0, resets_in=40))
    server.get(ACCOUNT_INFO).mock(return_value=httpx.Response(200, json={"email": "a@b.c"}))
    policy = fake_time.policy()
    async with (
        Base(API_TOKEN, SERVER, retry=policy) as base,
        Account(token="c" * 40, server_url=SERVER, retry=policy) as account,
    ):
        await base.list_rows("Table1")
        for _ in range(3):
            await account.load_account_info()
    assert fake_time.sleeps == []


async def test_switched_off_it_neither_waits_nor_caps(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.get(ROWS).mock(return_value=rows(remaining=0, resets_in=40))
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(), rate_limit=None) as base:
        for _ in range(3):
            await base.list_rows("Table1")
    assert route.call_count == 3
    assert fake_time.sleeps == []


async def test_a_backoff_sleep_holds_no_slot(server: respx.MockRouter) -> None:
    """With one slot, a call sleeping before its retry lets another call through."""
    backing_off, release = anyio.Event(), anyio.Event()

    async def sleep(seconds: float) -> None:
        backing_off.set()
        await release.wait()

    server.get(ROWS).mock(side_effect=[httpx.Response(503), rows(), rows()])
    policy = RetryPolicy(sleep=sleep)
    async with Base(API_TOKEN, SERVER, retry=policy, rate_limit=RateLimit(1)) as base:
        await base.auth()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(base.list_rows, "Table1")
            await backing_off.wait()
            with anyio.fail_after(5):
                await base.list_rows("Table1")  # would wait forever for a held slot
            release.set()


async def test_an_unexplained_429_slows_down_then_recovers(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    """A 429 without a spent window (another limit) slows the client; successes recover it."""
    throttled = httpx.Response(429, headers=window(remaining=300))
    server.get(ROWS).mock(side_effect=[rows(), throttled, *[rows()] * 40])
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(initial_delay=0, max_delay=0)) as b:
        waits = []
        for _ in range(41):
            before = len(fake_time.sleeps)
            await b.list_rows("Table1")
            waits.append(sum(fake_time.sleeps[before:]))
    assert waits[:2] == [0.0, 0.0]  # the 429's retry goes at once: it already backed off
    # then the client slows down to 70 % of the rate it sent at (two calls in its first half
    # second), not to the 0.5 calls a second a measure that is still empty would give,
    assert waits[2] == pytest.approx(1 / (0.7 * 2 / 0.5))
    assert all(later <= earlier + 1e-9 for earlier, later in itertools.pairwise(waits[2:]))
    assert waits[-1] < waits[2] / 5  # and climbs back


def test_cubic_cuts_to_seventy_percent_and_climbs_back() -> None:
    cubic = Cubic(now=0.0)
    for tick in range(40):  # ten sends a second for four seconds
        cubic.record_send(tick / 10)
    cubic.throttled(now=4.0)
    assert cubic.rate == pytest.approx(0.7 * cubic.measured)
    w_max = cubic.measured
    k = (w_max * 0.3 / 0.4) ** (1 / 3)
    cubic.succeeded(now=4.0 + k)
    assert cubic.rate == pytest.approx(w_max)


def test_a_429_early_in_a_job_cuts_to_seventy_percent_of_its_rate_so_far() -> None:
    """Sixteen sends in the job's first 0.2 s, then a 429 no window explains: before the first
    half-second bucket has ended there is no smoothed measure yet, so the rate so far counts
    (16 per 0.5 s at least), and the success after it does not drop to the minimum either."""
    cubic = Cubic(now=0.0)
    for tick in range(16):
        cubic.record_send(tick / 80)
    cubic.throttled(now=0.2)
    assert cubic.rate == pytest.approx(0.7 * 16 / 0.5)
    cubic.succeeded(now=0.21)
    assert cubic.rate >= 0.7 * 16 / 0.5 - 1e-9
    cubic.take()
    assert cubic.delay(now=0.21) < 1 / 20  # not the 2 s of a 0.5-per-second floor


async def test_the_documented_limit_paces_calls_before_any_header() -> None:
    time = FakeTime(start=0.0)
    scope, base_uuid = scope_of(f"{GATEWAY}/rows/") or pytest.fail("no scope")
    assert (scope.name, base_uuid) == ("base", BASE_UUID)
    pacer = Pacer(scope.default_per_minute("cloud.seatable.io"))
    pacer.join(RateLimit())
    for _ in range(200):
        sent = await pacer.admit(time.clock, time.sleep, None)
        assert not isinstance(sent, float)
        pacer.answered(httpx.Response(200), time.now, sent)  # no rate headers
    assert time.sleeps == []
    await pacer.admit(time.clock, time.sleep, None)
    assert time.sleeps == [60.0]


@pytest.mark.parametrize(
    ("path", "scope", "cloud", "server"),
    [
        (f"{GATEWAY}/rows/", "base", 200, 500),
        ("/api/v2.1/dtable/app-access-token/", "account", 1000, 3000),
        ("/api2/account/info/", "account", 1000, 3000),
        ("/api2/auth-token/", "login", 60, None),
    ],
)
def test_scopes_and_their_documented_limits(
    path: str, scope: str, cloud: int, server: int | None
) -> None:
    found = scope_of(path)
    assert found is not None
    assert found[0].name == scope
    assert found[0].default_per_minute("cloud.seatable.io") == cloud
    assert found[0].default_per_minute("seatable.example.com") == server


@pytest.mark.parametrize(
    "path", ["/seafhttp/files/x/a.png", "/api2/ping/", "/api-gateway/api/v2/ping/", "/server-info"]
)
def test_the_file_server_and_health_checks_are_not_limited(path: str) -> None:
    assert scope_of(path) is None


@pytest.mark.parametrize(
    "settings",
    [{"max_concurrency": 0}, {"requests_per_minute": 0}, {"max_concurrency": 2.5}],
)
def test_bad_settings_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(InvalidInputError):
        RateLimit(**settings)  # type: ignore[arg-type]


def test_a_client_refuses_a_rate_limit_of_another_type() -> None:
    with pytest.raises(InvalidInputError, match="rate_limit"):
        Base(API_TOKEN, SERVER, rate_limit=8)  # type: ignore[arg-type]


async def test_an_outage_costs_at_most_the_retry_budget(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    route = server.get(ROWS).mock(return_value=rows())
    policy = fake_time.policy(retry_budget=10)
    failures: list[ServiceUnavailableError] = []

    async def call() -> None:
        try:
            await base.list_rows("Table1")
        except ServiceUnavailableError as error:
            failures.append(error)

    async with Base(API_TOKEN, SERVER, retry=policy) as base:
        await base.list_rows("Table1")  # the token, fetched before the outage
        route.reset()
        route.return_value = httpx.Response(503)
        await fan_out(30, call)
    assert len(failures) == 30
    assert route.call_count == 30 + 10  # not 30 * 5
    assert any("retry budget is spent" in str(error) for error in failures)


async def test_429_retries_are_free_and_successes_earn_the_budget_back(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    rate_limited = httpx.Response(429, headers=window(remaining=0, resets_in=1))
    server.get(ROWS).mock(side_effect=[rate_limited, rate_limited, rows()] * 2)
    server.post(f"{GATEWAY}/sql/").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"results": []})] * 3
    )
    async with Base(API_TOKEN, SERVER, retry=fake_time.policy(retry_budget=1)) as base:
        await base.list_rows("Table1")
        await base.list_rows("Table1")
        for _ in range(3):  # each spends the one retry and earns it back by succeeding
            await base.query("SELECT * FROM Table1")


async def test_fifty_callers_against_the_emulators_limit_see_no_429() -> None:
    """The emulator counts 20 calls per base per minute in a sliding window."""
    time = SettlingTime(start=1_900_000_000.0)
    with Emulator(api_token=API_TOKEN, clock=time, rate_limit=20) as emulator:
        emulator.add_table("Contacts", [("Name", "text")])
        async with (
            httpx.AsyncClient(transport=emulator.transport(), base_url=SERVER) as http,
            Base(API_TOKEN, SERVER, http_client=http, retry=time.policy(max_elapsed=600)) as base,
        ):
            await fan_out(50, lambda: base.list_rows("Contacts"))
        statuses = [record.status for record in emulator.request_log if "/rows" in record.path]
    assert statuses == [200] * 50
    assert 120 <= time.now - 1_900_000_000 <= 125  # the third window holds the last ten


async def test_calls_cancelled_while_waiting_for_a_slot_give_nothing_away(
    server: respx.MockRouter,
) -> None:
    """Half of forty calls are cancelled, many while queued for one of two slots; afterwards
    the slots are all free and still capped at two."""
    answer = InFlight()
    server.get(ROWS).mock(side_effect=answer)
    async with Base(API_TOKEN, SERVER, rate_limit=RateLimit(2)) as base:
        await base.auth()
        async with anyio.create_task_group() as tasks:
            scopes = []
            for _ in range(40):
                scope = anyio.CancelScope()
                scopes.append(scope)

                async def call(scope: anyio.CancelScope = scope) -> None:
                    with scope:
                        await base.list_rows("Table1")

                tasks.start_soon(call)
            for _ in range(30):
                await anyio.lowlevel.checkpoint()
            for scope in scopes[::2]:
                scope.cancel()
        calls = answer.calls
        assert 20 <= calls < 40
        answer.peak = 0
        await fan_out(10, lambda: base.list_rows("Table1"))
    assert answer.calls == calls + 10
    assert answer.peak == 2


async def test_a_base_from_an_account_shares_the_limiter_of_its_base(
    server: respx.MockRouter, fake_time: FakeTime
) -> None:
    server.get(path__startswith="/api/v2.1/workspace/").respond(200, json=grant())
    server.get(ROWS).mock(side_effect=[rows(remaining=0, resets_in=20), rows()])
    policy = fake_time.policy()
    async with (
        Account(token="c" * 40, server_url=SERVER, retry=policy) as account,
        Base(API_TOKEN, SERVER, retry=policy) as by_api_token,
    ):
        from_account = await account.get_base(7, "Test base")
        await from_account.list_rows("Table1")
        await by_api_token.list_rows("Table1")
    assert fake_time.sleeps == [20.0]


async def _steady_caller_against_a_sliding_window(
    monkeypatch: pytest.MonkeyPatch, calls: int, think: float, fault_at: int | None = None
) -> tuple[list[float], list[int]]:
    """One caller against the emulator's 10 calls per 10 s, pausing `think` seconds after each
    answer, on a fake clock that starts 0.1 s past a whole second (so each reset, rounded up
    to whole seconds, comes 0.9 s after the oldest call leaves). Returns when each call went,
    relative to the first, and the statuses. Call `fault_at` meets one 503 the window does
    not count (its retry goes in its place)."""
    time = FakeTime(start=1_900_000_000.1)
    monkeypatch.setattr("seatable_async._retry.time", SimpleNamespace(time=time.clock))
    sent: list[float] = []
    with Emulator(api_token=API_TOKEN, clock=time, rate_limit=10, rate_window=10) as emulator:
        emulator.add_table("Contacts", [("Name", "text")])
        async with (
            httpx.AsyncClient(transport=emulator.transport(), base_url=SERVER) as http,
            Base(API_TOKEN, SERVER, http_client=http, retry=time.policy(max_elapsed=600)) as base,
        ):
            await base.auth()
            for call in range(calls):
                if call == fault_at:
                    emulator.faults.script("/rows", 503, method="GET")
                await base.list_rows("Contacts")
                sent.append(time.now)  # the emulator answers in no time
                await time.sleep(think)
        statuses = [record.status for record in emulator.request_log if "/rows" in record.path]
    return [at - sent[0] for at in sent], statuses


async def test_a_sliding_window_frees_its_calls_one_by_one_as_they_age_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Call n + 10 may go once call n has left the window, 10 s later: the limiter learns the
    window's span from the answers and sends each call then, not at the rounded-up resets."""
    sent, statuses = await _steady_caller_against_a_sliding_window(monkeypatch, 30, think=0.25)
    assert statuses == [200] * 30
    lateness = [sent[n + 10] - sent[n] - 10 for n in range(20)]
    assert all(late >= 0 for late in lateness)  # never before the window had room
    assert lateness[:10] == pytest.approx([0.9] * 10)  # the first reset is all it knows,
    assert lateness[10:] == pytest.approx([0.0] * 10, abs=0.01)  # then none is late


async def test_an_answer_the_window_may_not_have_counted_puts_the_mirror_in_doubt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 503 the emulator answers before counting shifts which call is which: the limiter
    frees no call by its learnt bound until that call is older than the window, then trusts
    the answers again (relearning the span), so the fourth window is on time again."""
    sent, statuses = await _steady_caller_against_a_sliding_window(
        monkeypatch, 40, think=0.25, fault_at=12
    )
    assert (statuses.count(503), statuses.count(429)) == (1, 0)
    lateness = [sent[n + 10] - sent[n] - 10 for n in range(30)]
    assert all(late >= 0 for late in lateness)
    assert lateness[20:] == pytest.approx([0.0] * 10, abs=0.01)


async def test_a_window_shared_with_another_client_falls_back_to_the_resets() -> None:
    """The mirror counts only the scope's own calls: when an answer's window holds calls the
    learnt span says have left (another program's), it stops freeing slots before the reset."""
    time = FakeTime(start=0.0)
    pacer = Pacer(None)
    pacer.join(RateLimit())

    async def call(remaining: int, resets_in: float) -> None:
        sent = await pacer.admit(time.clock, time.sleep, None)
        assert not isinstance(sent, float)
        answer = httpx.Response(200, headers=window(remaining, resets_in, limit=3))
        pacer.answered(answer, time.now, sent)

    for remaining in (2, 1, 0):
        await call(remaining, resets_in=10)  # the span is at most 10 s
    await call(0, resets_in=8)  # at the reset, one slot: but the window holds two others
    assert time.sleeps == [10.0]
    await call(2, resets_in=8)
    assert time.sleeps == [10.0, 8.0]  # their reset, not the 10 s the mirror would allow


class SlidingWindow:
    """SeaTable's window on the fake clock: `limit` calls in any `seconds`, counted as they
    arrive, each answered a while later; the reset is when the oldest leaves, rounded up to
    whole seconds of the clock (which the test makes the unix time too)."""

    def __init__(self, time: FakeTime, limit: int, seconds: float) -> None:
        self.time, self.limit, self.seconds = time, limit, seconds
        self.counted: list[float] = []
        self.statuses: list[int] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        now = self.time.now
        window = [at for at in self.counted if at > now - self.seconds]
        allowed = len(window) < self.limit
        if allowed:
            self.counted.append(now)
            window.append(now)
        for _ in range(20):  # the answer takes a while, as over a network
            await anyio.lowlevel.checkpoint()
        headers = {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.limit - len(window)),
            "x-ratelimit-reset": str(math.ceil(window[0] + self.seconds)),
        }
        self.statuses.append(200 if allowed else 429)
        return httpx.Response(200 if allowed else 429, json={"rows": []}, headers=headers)


async def test_concurrent_calls_after_a_warm_up_go_as_the_windows_free(
    server: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call 10 s before the job tells the span exactly (it has left when the job's first
    answer comes); an answer that comes while the next call waits for the rounded-up reset
    shortens the wait, so each window of five goes 10 s after the one before, not 10.9 s."""
    time = SettlingTime(start=1_900_000_000.1)
    monkeypatch.setattr("seatable_async._retry.time", SimpleNamespace(time=time.clock))
    gateway = SlidingWindow(time, limit=5, seconds=10)
    server.get(ROWS).mock(side_effect=gateway)
    answered: list[float] = []
    async with Base(API_TOKEN, SERVER, retry=time.policy(max_elapsed=600)) as base:
        await base.list_rows("Table1")
        began = time.now
        await time.sleep(10)

        async def call() -> None:
            await base.list_rows("Table1")
            answered.append(time.now - began)

        await fan_out(20, call)
    assert gateway.statuses == [200] * 21
    # Each call goes just as a call of 10 s before leaves, never at a rounded-up reset (x.9 s).
    # (Trio counts calls in a random order; where one overtakes others, the limiter may keep a
    # slot unused for a window, never one too many.)
    assert [at % 10 for at in answered] == pytest.approx([0.0] * 20, abs=1e-6)
    assert max(answered) <= 50.0


async def test_a_huge_announced_limit_does_not_make_the_limiter_remember_every_call() -> None:
    time = FakeTime(start=0.0)
    pacer = Pacer(None)
    pacer.join(RateLimit())
    answer = httpx.Response(200, headers=window(999_999, resets_in=60, limit=1_000_000))
    for _ in range(6000):
        sent = await pacer.admit(time.clock, time.sleep, None)
        assert not isinstance(sent, float)
        pacer.answered(answer, time.now, sent)
    assert len(pacer._mirror.log) <= 4096 + 64
