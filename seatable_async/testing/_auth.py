"""Tokens of the emulator: HS256 base tokens, API tokens and account tokens.

Base tokens are real JWTs (header ``{"typ": "JWT", "alg": "HS256"}``) so clients can read
``exp`` exactly as they would from a SeaTable server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BaseTokenClaims",
    "JWTError",
    "VerifiedTokens",
    "bearer_token",
    "decode_jwt",
    "encode_jwt",
    "parse_lifetime",
]

_HEADER = {"typ": "JWT", "alg": "HS256"}
_SCHEMES = ("token", "bearer")
_LIFETIME_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LIFETIME_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE)


class JWTError(ValueError):
    """The token is malformed, carries a bad signature or has expired."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_jwt(payload: Mapping[str, Any], secret: bytes) -> str:
    """Sign ``payload`` with HMAC-SHA256 and return the compact JWT."""
    head = _b64encode(json.dumps(_HEADER, separators=(",", ":")).encode())
    body = _b64encode(json.dumps(dict(payload), separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode("ascii")
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return f"{head}.{body}.{_b64encode(signature)}"


def decode_jwt(token: str, secret: bytes, *, now: float) -> dict[str, Any]:
    """Verify signature and ``exp`` of ``token``; return its payload."""
    parts = token.split(".")
    if len(parts) != 3:
        raise JWTError("not a JWT")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii", "replace")
    expected = hmac.new(secret, signing_input, hashlib.sha256).digest()
    try:
        signature = _b64decode(parts[2])
        payload = json.loads(_b64decode(parts[1]))
    except (binascii.Error, ValueError) as exc:
        raise JWTError("undecodable JWT") from exc
    if not hmac.compare_digest(signature, expected) or not isinstance(payload, dict):
        raise JWTError("bad signature")
    exp = payload.get("exp")
    if not isinstance(exp, (int, float)) or exp <= now:
        raise JWTError("expired")
    return payload


class VerifiedTokens:
    """:func:`decode_jwt` that remembers the payloads whose signature it verified, so a token
    sent again costs a lookup instead of an HMAC and two decodes; ``exp`` is still checked on
    every use. At most ``size`` tokens are kept (all are forgotten when it is full)."""

    def __init__(self, secret: bytes, size: int = 4096) -> None:
        self._secret = secret
        self._size = size
        self._payloads: dict[str, dict[str, Any]] = {}

    def decode(self, token: str, *, now: float) -> dict[str, Any]:
        """The payload of a valid, unexpired ``token``; :class:`JWTError` otherwise."""
        payload = self._payloads.get(token)
        if payload is None:
            payload = decode_jwt(token, self._secret, now=now)
            if len(self._payloads) >= self._size:
                self._payloads.clear()
            self._payloads[token] = payload
        elif payload["exp"] <= now:
            raise JWTError("expired")
        return payload


def parse_lifetime(text: str) -> float:
    """Parse a SeaTable ``?exp=`` value such as ``5h`` or ``3d`` (``s``/``m`` also accepted)."""
    match = _LIFETIME_RE.match(text)
    if match is None:
        raise ValueError(f"invalid expiration time: {text!r}")
    return int(match.group(1)) * _LIFETIME_UNITS[match.group(2).lower()]


def bearer_token(authorization: str | None) -> str | None:
    """Return the credential of an ``Authorization: Token|Bearer <x>`` header, else None."""
    if not authorization:
        return None
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() not in _SCHEMES or not credential:
        return None
    return credential


@dataclass(frozen=True)
class BaseTokenClaims:
    """The payload SeaTable puts in a base token (see the reference, section 2.1)."""

    exp: int
    dtable_uuid: str
    username: str
    permission: str
    app_name: str

    def as_payload(self) -> dict[str, Any]:
        """JSON payload in SeaTable's key order."""
        return {
            "exp": self.exp,
            "dtable_uuid": self.dtable_uuid,
            "username": self.username,
            "permission": self.permission,
            "app_name": self.app_name,
        }
