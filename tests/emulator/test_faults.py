"""Scripted and random faults, the rate limit, latency and the request log."""

from __future__ import annotations

import httpx
import pytest

from seatable_async._constants import DEFAULT_TIMEOUT
from seatable_async.testing import Emulator, FaultPlan

from .conftest import FakeClock, client_for, gateway_for

pytestmark = pytest.mark.anyio

ROWS = {"table_name": "Contacts", "rows": [{"Name": "Ann"}]}


async def test_scripted_status_answers_count_times_then_recovers(emulator: Emulator) -> None:
    emulator.faults.script("/rows/", 503, count=2, method="GET")
    async with gateway_for(emulator) as gw:
        statuses = [
            (await gw.request("GET", "/rows/", params={"table_name": "Contacts"})).status_code
            for _ in range(3)
        ]
        metadata = await gw.request("GET", "/metadata/")
        failed = emulator.faults.script("/metadata/", 500)
        error = await gw.request("GET", "/metadata/")
    assert statuses == [503, 503, 200]
    assert metadata.status_code == 200
    assert error.json() == {"error_message": "Internal Server Error"}
    assert failed.remaining == 0
    assert emulator.faults.pending == []


async def test_429_has_no_body_and_custom_headers(emulator: Emulator) -> None:
    emulator.faults.script("app-access-token", 429, headers={"Retry-After": "3"})
    async with client_for(emulator) as client:
        response = await client.get(
            "/api/v2.1/dtable/app-access-token/", headers={"Authorization": "Token test-api-token"}
        )
    assert response.status_code == 429
    assert response.content == b""
    assert response.headers["retry-after"] == "3"


async def test_web_5xx_bodies_use_error_msg(emulator: Emulator) -> None:
    emulator.faults.script("app-access-token", 502)
    async with client_for(emulator) as client:
        response = await client.get("/api/v2.1/dtable/app-access-token/")
    assert response.status_code == 502
    assert response.json() == {"error_msg": "Bad Gateway"}


async def test_apply_write_performs_the_write_then_fails(emulator: Emulator) -> None:
    emulator.faults.script("/rows/", 502, method="POST", apply_write=True)
    async with gateway_for(emulator) as gw:
        failed = await gw.request("POST", "/rows/", json=ROWS)
    assert failed.status_code == 502
    assert [r["Name"] for r in emulator.rows("Contacts")] == ["Ann"]


async def test_status_fault_without_apply_write_does_not_write(emulator: Emulator) -> None:
    emulator.faults.script("/rows/", 503, method="POST")
    async with gateway_for(emulator) as gw:
        failed = await gw.request("POST", "/rows/", json=ROWS)
    assert failed.status_code == 503
    assert emulator.rows("Contacts") == []


@pytest.mark.parametrize("apply_write", [False, True])
async def test_reset_drops_the_connection(emulator: Emulator, apply_write: bool) -> None:
    emulator.faults.script("/rows/", kind="reset", method="POST", apply_write=apply_write)
    async with gateway_for(emulator) as gw:
        with pytest.raises(httpx.RemoteProtocolError):
            await gw.request("POST", "/rows/", json=ROWS)
    assert len(emulator.rows("Contacts")) == int(apply_write)
    record = emulator.request_log[-1]
    assert (record.status, record.fault) == (0, "reset")


async def test_delay_fault_answers_normally_after_sleeping(
    emulator: Emulator, clock: FakeClock
) -> None:
    emulator.faults.script("/metadata/", kind="delay", delay=5.0)
    async with gateway_for(emulator) as gw:
        response = await gw.request("GET", "/metadata/")
    assert response.status_code == 200
    assert emulator.request_log[-1].fault == "delay"
    assert clock.sleeps == [5.0]


async def test_random_slow_answer_takes_slow_seconds(clock: FakeClock) -> None:
    emu = Emulator(fault_rate=1.0, seed=6, slow_seconds=50.0, clock=clock, sleep=clock.sleep)
    try:
        async with client_for(emu) as client:
            await client.get("/api/v2.1/dtable/app-access-token/")
    finally:
        emu.close()
    assert emu.request_log[-1].fault == "delay"  # seed 6 draws the slow answer first
    assert clock.sleeps == [50.0]


def test_random_slow_answer_outlasts_the_client_timeout_by_default() -> None:
    (slow,) = [f for f in FaultPlan().random_faults if f.kind == "delay"]
    assert slow.delay > DEFAULT_TIMEOUT


def test_random_faults_are_deterministic_for_a_seed() -> None:
    def draw(seed: int) -> list[str | None]:
        plan = FaultPlan(fault_rate=0.5, seed=seed)
        return [getattr(plan.next_fault("GET", "/x"), "label", None) for _ in range(50)]

    first = draw(3)
    assert first == draw(3)
    assert first != draw(4)
    assert {label for label in first if label} <= {
        "429",
        "500",
        "502",
        "503",
        "504",
        "reset",
        "delay",
    }
    assert 10 < sum(label is not None for label in first) < 40


async def test_health_checks_are_exempt_from_random_faults(clock: FakeClock) -> None:
    emu = Emulator(fault_rate=1.0, seed=5, clock=clock, sleep=clock.sleep)
    health = ["/api2/ping/", "/api2/ping", "/api-gateway/api/v2/ping", "/server-info/"]
    try:
        async with client_for(emu) as client:
            answers = [(await client.get(path)).status_code for path in health]
            await client.get("/api2/auth/ping/")
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/api/v2.1/dtable/app-access-token/")
    finally:
        emu.close()
    assert answers == [200, 200, 200, 200]
    assert [r.fault for r in emu.request_log] == [None] * 5 + ["reset"]  # seed 5 draws reset first


def test_fault_plan_validates_arguments() -> None:
    with pytest.raises(ValueError, match="fault_rate"):
        FaultPlan(fault_rate=1.5)
    with pytest.raises(ValueError, match="delay"):
        FaultPlan().script("/x", kind="delay")
    with pytest.raises(ValueError, match="slow_seconds"):
        FaultPlan(slow_seconds=0)


async def test_rate_limit_per_base_with_sliding_window(clock: FakeClock) -> None:
    emu = Emulator(rate_limit=3, clock=clock)
    try:
        async with gateway_for(emu) as gw:
            answers = [await gw.request("GET", "/metadata/") for _ in range(4)]
            clock.advance(61)
            recovered = await gw.request("GET", "/metadata/")
    finally:
        emu.close()
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["x-ratelimit-limit"] == "3"
    assert int(answers[3].headers["x-ratelimit-reset"]) == int(clock.now - 61 + 60)
    assert answers[3].content == b""
    assert recovered.status_code == 200


async def test_rate_window_sets_the_sliding_window(clock: FakeClock) -> None:
    """``rate_window=10``: two calls per 10 s, the third refused until the oldest leaves."""
    start = clock.now
    emu = Emulator(rate_limit=2, rate_window=10, clock=clock)
    try:
        async with gateway_for(emu) as gw:
            answers = [await gw.request("GET", "/metadata/") for _ in range(3)]
            clock.advance(9.5)
            still_full = await gw.request("GET", "/metadata/")
            clock.advance(0.5)
            recovered = await gw.request("GET", "/metadata/")
    finally:
        emu.close()
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["x-ratelimit-reset"]) == int(start + 10)
    assert (still_full.status_code, recovered.status_code) == (429, 200)


def test_rate_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate_window"):
        Emulator(rate_limit=2, rate_window=0)


async def test_fault_and_crash_answers_carry_rate_limit_headers(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = Emulator(rate_limit=10, clock=clock)
    emu.add_table("Contacts", [("Name", "text")])
    for status in (503, 429):
        emu.faults.script("/metadata/", status)
    emu.faults.script("/rows/", 502, method="POST", apply_write=True)
    crash_client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emu.app, raise_app_exceptions=False),
        base_url="http://seatable.test",
    )
    try:
        async with gateway_for(emu) as gw, crash_client:
            answers = [await gw.request("GET", "/metadata/") for _ in range(3)]
            answers.append(await gw.request("POST", "/rows/", json=ROWS))

            def crash(*args: object) -> None:
                raise RuntimeError("a bug in a handler")

            monkeypatch.setattr(emu, "verify_base_token", crash)
            answers.append(await crash_client.get(gw.prefix + "/metadata/", headers=gw.headers))
    finally:
        emu.close()
    assert [a.status_code for a in answers] == [503, 429, 200, 502, 500]
    assert [a.headers.get("x-ratelimit-remaining") for a in answers] == ["10", "10", "9", "8", "7"]
    assert all(a.headers.get("x-ratelimit-limit") == "10" for a in answers)
    assert all(a.headers.get("x-ratelimit-reset") for a in answers)
    assert answers[-1].json() == {"error_message": "Internal Server Error"}
    assert emu.request_log[-1].status == 500


async def test_random_fault_answers_carry_rate_limit_headers(clock: FakeClock) -> None:
    emu = Emulator(fault_rate=1.0, seed=3, clock=clock, sleep=clock.sleep)
    path = f"/api-gateway/api/v2/dtables/{emu.base_uuid}/metadata/"
    headers = {"Authorization": f"Bearer {emu.issue_base_token(emu.base)}"}
    try:
        async with client_for(emu) as client:
            answer = await client.get(path, headers=headers)
    finally:
        emu.close()
    assert (answer.status_code, emu.request_log[-1].fault) == (504, "504")  # seed 3 draws 504
    assert answer.headers["x-ratelimit-remaining"] == "500"  # not counted: the fault answered


async def test_latency_is_added_to_every_request(clock: FakeClock) -> None:
    emu = Emulator(latency_ms=2, clock=clock, sleep=clock.sleep)
    try:
        async with client_for(emu) as client:
            await client.get("/api2/ping/")
            await client.get("/server-info/")
    finally:
        emu.close()
    assert clock.sleeps == [0.002, 0.002]


async def test_request_log_records_method_path_status_and_callback(clock: FakeClock) -> None:
    seen: list[str] = []
    emu = Emulator(clock=clock, on_request=lambda record: seen.append(record.path))
    try:
        async with client_for(emu) as client:
            await client.get("/server-info/")
            await client.get("/api2/ping/", params={"a": "1"})
    finally:
        emu.close()
    first, second = emu.request_log
    assert (first.method, first.path, first.status) == ("GET", "/server-info/", 200)
    assert second.query == "a=1"
    assert first.duration >= 0
    assert seen == ["/server-info/", "/api2/ping/"]


async def test_dtable_web_calls_are_limited_per_client_but_pings_never(clock: FakeClock) -> None:
    emu = Emulator(rate_limit=2, clock=clock)
    try:
        async with client_for(emu) as client:
            pings = [(await client.get("/api2/ping/")).status_code for _ in range(4)]
            calls = [
                await client.get(
                    "/api/v2.1/dtable/app-access-token/",
                    headers={"Authorization": "Token test-api-token"},
                )
                for _ in range(3)
            ]
    finally:
        emu.close()
    assert pings == [200, 200, 200, 200]
    assert [c.status_code for c in calls] == [200, 200, 429]
    assert "x-ratelimit-limit" not in calls[0].headers
