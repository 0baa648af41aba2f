"""SeaTable-shaped error responses (reference section 13.2), raised anywhere and rendered once.

Each SeaTable component words its errors differently; the helpers below name the component
so handlers never spell a body shape by hand.
"""

from __future__ import annotations

__all__ = ["APIError", "account_auth_error", "gateway_error", "web_error"]


class APIError(Exception):
    """An HTTP error answer: status code plus the JSON body SeaTable would send."""

    def __init__(self, status: int, body: object) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def gateway_error(status: int, message: str, error_type: str | None = None) -> APIError:
    """API gateway (base operations): ``{"error_message": ...}``, optionally with a type."""
    body: dict[str, str] = {"error_message": message}
    if error_type is not None:
        body = {"error_type": error_type, **body}
    return APIError(status, body)


def web_error(status: int, message: str) -> APIError:
    """dtable-web business errors (files, app-access-token, bases): ``{"error_msg": ...}``."""
    return APIError(status, {"error_msg": message})


def account_auth_error(*, credentials_given: bool) -> APIError:
    """Django REST Framework authentication failures on account endpoints."""
    if credentials_given:
        return APIError(401, {"detail": "Invalid token"})
    return APIError(403, {"detail": "Authentication credentials were not provided."})
