"""The secrets a client holds (tokens, a password), and the one place text built from server
answers is scrubbed of them, so an echoing server cannot leak them into errors or logs."""

from __future__ import annotations

__all__ = ["MASK", "Secrets"]

MASK = "***"
MIN_SECRET_CHARS = 4
"""Shorter values are not masked: masking every "a" of a one-letter password would garble
every message while hiding nothing."""


class Secrets:
    """Every secret a client (and the clients sharing its pool) has sent or been given."""

    def __init__(self) -> None:
        self._texts: set[str] = set()
        self._bytes: set[bytes] = set()

    def add(self, secret: str) -> None:
        if len(secret) >= MIN_SECRET_CHARS and secret not in self._texts:
            self._texts.add(secret)
            self._bytes.add(secret.encode())

    def scrub(self, text: str) -> str:
        """The text with every known secret replaced by `***`, longest first."""
        for secret in sorted(self._texts, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    def scrub_bytes(self, content: bytes) -> bytes:
        """Like `scrub`, on a body before it is parsed or cut to length."""
        for secret in sorted(self._bytes, key=len, reverse=True):
            content = content.replace(secret, MASK.encode())
        return content

    def __repr__(self) -> str:
        return f"Secrets({len(self._texts)} held)"
