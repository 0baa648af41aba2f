"""Plain HTTP warns, TLS verification is on by default, and a certificate failure is raised at
once with its cause named on both backends (issue 6, requirement 6)."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
import trustme

from seatable_async import (
    Account,
    APIConnectionError,
    Base,
    RetryPolicy,
    SeaTableSecurityWarning,
    TLSVerificationError,
)
from seatable_async import _session as session_module

from .helpers import API_TOKEN, grant


def _plain_http_warnings(make: object) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make()  # type: ignore[operator]
    return [w for w in caught if issubclass(w.category, SeaTableSecurityWarning)]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Base(API_TOKEN, "http://seatable.example.com"),
        lambda: Base(API_TOKEN, "http://10.0.0.5:8000/"),
        lambda: Account(server_url="http://seatable.example.com", token="t" * 40),
        lambda: Account(server_url="http://seatable.example.com", username="u", password="p"),
    ],
)
def test_plain_http_beyond_loopback_warns_once_where_the_client_is_made(make: object) -> None:
    found = _plain_http_warnings(make)
    assert len(found) == 1
    assert found[0].filename == __file__
    assert "plain HTTP" in str(found[0].message)
    assert issubclass(SeaTableSecurityWarning, UserWarning)


@pytest.mark.parametrize(
    "url",
    [
        "https://seatable.example.com",
        "http://localhost:8000",
        "http://LOCALHOST.",
        "http://emulator.localhost",
        "http://127.0.0.1:8000",
        "http://127.5.6.7",
        "http://[::1]:8000",
    ],
)
def test_tls_or_loopback_does_not_warn(url: str) -> None:
    assert _plain_http_warnings(lambda: Base(API_TOKEN, url)) == []


def test_the_warning_obeys_the_standard_filters() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=SeaTableSecurityWarning)
        Base(API_TOKEN, "http://seatable.example.com")
    assert caught == []


@pytest.mark.anyio
async def test_a_base_from_an_account_does_not_warn_again() -> None:
    with respx.mock(base_url="http://seatable.example.com") as router:
        router.get("/api/v2.1/workspace/1/dtable/B/access-token/").respond(json=grant())
        with pytest.warns(SeaTableSecurityWarning):
            account = Account(server_url="http://seatable.example.com", token="t" * 40)
        with warnings.catch_warnings():
            warnings.simplefilter("error", SeaTableSecurityWarning)
            async with account:
                await account.get_base(1, "B")


class TLSServer:
    """A loopback HTTPS server with a certificate from a private CA, counting handshakes."""

    def __init__(self, ca: trustme.CA) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(self.context)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{self.listener.getsockname()[1]}"
        self.handshakes = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        body = json.dumps(grant()).encode()
        answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
        answer += b"content-length: %d\r\n\r\n%s" % (len(body), body)
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.handshakes += 1
            with connection:
                try:
                    with self.context.wrap_socket(connection, server_side=True) as tls:
                        tls.recv(65536)
                        tls.sendall(answer)
                except (OSError, ssl.SSLError):
                    continue

    def close(self) -> None:
        """Shutting the listener down wakes the blocked `accept`, which closing alone does not."""
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join(timeout=5)


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[TLSServer]:
    server = TLSServer(ca)
    yield server
    server.close()


@pytest.mark.anyio
async def test_an_unknown_certificate_fails_at_once_naming_the_cause(
    tls_server: TLSServer,
) -> None:
    retry = RetryPolicy(max_attempts=5, initial_delay=0.0, max_delay=0.0)
    async with Base(API_TOKEN, tls_server.url, retry=retry) as base:
        with pytest.raises(TLSVerificationError) as caught:
            await base.auth()
    error = caught.value
    assert isinstance(error, APIConnectionError)
    assert "unable to get local issuer certificate" in str(error)
    assert error.attempts == 1
    assert not error.sent
    assert tls_server.handshakes == 1


@pytest.mark.anyio
async def test_a_trusted_certificate_verifies(tls_server: TLSServer, ca: trustme.CA) -> None:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    async with (
        httpx.AsyncClient(verify=context) as http,
        Base(API_TOKEN, tls_server.url, http_client=http) as base,
    ):
        await base.auth()
    assert base.base_uuid == grant()["dtable_uuid"]


@pytest.mark.anyio
async def test_default_pools_share_one_tls_context_that_follows_ssl_cert_file(
    tls_server: TLSServer, ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading the CA bundle costs ~30 ms, so the default pools build their TLS context once;
    a CA bundle named by `SSL_CERT_FILE` still counts, as httpx's own default does."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    await Base(API_TOKEN, tls_server.url).aclose()
    built = session_module._tls_context.cache_info().misses
    for _ in range(3):
        await Base(API_TOKEN, tls_server.url).aclose()
    assert session_module._tls_context.cache_info().misses == built
    bundle = tmp_path / "private-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    async with Base(API_TOKEN, tls_server.url) as base:
        await base.auth()  # the private CA named by the environment is trusted
    assert base.base_uuid == grant()["dtable_uuid"]
