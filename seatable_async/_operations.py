"""Every endpoint the client calls, declared once as data (architecture §1).

An `Operation` names the official SDK's method, the 6.2 spec's operationId, the HTTP method and
path template, the token it needs, whether it is safe to repeat, its per-call item limit, and
the shape of its answer. Methods are thin typed wrappers around `_call(operation, ...)`; the
tests, the parity document and the emulator's coverage check all read these declarations.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, Union

import httpx
import typing_extensions

from ._exceptions import UnexpectedResponseError
from ._json import parse_json
from ._transport import IDEMPOTENT_METHODS, TokenKind, describe
from ._validation import AnswerCheck, path_segment

__all__ = ["AnswerT", "Decoding", "Operation", "answer_checks", "decoded", "json_answer"]

AnswerT = TypeVar("AnswerT")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Decoding(enum.Enum):
    """How an answer's body becomes the value a method returns."""

    JSON_OBJECT = "json_object"
    JSON_ARRAY = "json_array"
    TEXT = "text"


@dataclass(frozen=True)
class Operation(Generic[AnswerT]):
    """One endpoint; `path` is absolute, its `{placeholders}` escaped into one segment each."""

    sdk_name: str
    """The official SDK's method name (what logs, errors and `docs/parity.md` show); an
    `Account` method's is prefixed `Account.`, a `Base` method's is bare."""
    operation_id: str
    """The 6.2 spec's operationId: tests match the spec, the emulator and the client by it."""
    method: str
    path: str
    token: TokenKind | None
    answer: type[AnswerT]
    """A TypedDict (or `list`/`str` for array and text answers): its required keys are checked."""
    idempotent: bool | None = None
    """None: decided by the HTTP method. A SELECT sent by POST sets it per call instead."""
    max_items: int | None = None
    """The most items (rows, ids, links) one call may carry; batch methods split by it."""
    decode: Decoding = Decoding.JSON_OBJECT

    @property
    def safe_to_repeat(self) -> bool:
        return self.method in IDEMPOTENT_METHODS if self.idempotent is None else self.idempotent

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.path))

    def url(self, segments: Mapping[str, object]) -> str:
        """The path with every placeholder filled by its escaped value (checked first)."""
        missing = set(self.placeholders) - set(segments)
        if missing:
            raise KeyError(f"{self.sdk_name} needs {sorted(missing)}")
        return _PLACEHOLDER.sub(lambda match: _segment(match[1], segments[match[1]]), self.path)


def _segment(name: str, value: object) -> str:
    """One escaped path segment; an `..._id` placeholder also takes an int, in decimal."""
    if name.endswith("_id") and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return path_segment(name, value)


def _type_check(annotation: Any) -> AnswerCheck:
    """A predicate for one annotated field: isinstance on its outer type, bools kept apart."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return typing.get_args(annotation)[1]  # type: ignore[no-any-return]
    if origin in (Union, types.UnionType):
        options = [_type_check(arg) for arg in typing.get_args(annotation)]
        return lambda value: any(check(value) for check in options)
    if annotation is Any:
        return lambda value: True
    if annotation is type(None):
        return lambda value: value is None
    outer = origin or annotation
    if typing_extensions.is_typeddict(outer) or outer in (dict, Mapping):
        return lambda value: isinstance(value, dict)
    if outer in (int, float):
        numbers = (int, float) if outer is float else (int,)
        return lambda value: isinstance(value, numbers) and not isinstance(value, bool)
    return lambda value: isinstance(value, outer)


_CHECKS: dict[type[Any], dict[str, AnswerCheck]] = {}


def answer_checks(answer: type[Any]) -> dict[str, AnswerCheck]:
    """What each required key of a TypedDict answer must hold; nothing for other answers."""
    if answer not in _CHECKS:
        checks: dict[str, AnswerCheck] = {}
        if typing_extensions.is_typeddict(answer):
            hints = typing.get_type_hints(answer, include_extras=True)
            for key in sorted(answer.__required_keys__):
                checks[key] = _type_check(_strip_required(hints[key]))
        _CHECKS[answer] = checks
    return _CHECKS[answer]


def _strip_required(annotation: Any) -> Any:
    """`Required[X]`/`NotRequired[X]` as plain `X` (they only say whether the key must be)."""
    while typing.get_origin(annotation) in _REQUIREDNESS:
        annotation = typing.get_args(annotation)[0]
    return annotation


_REQUIREDNESS = (typing_extensions.Required, typing_extensions.NotRequired)


def json_answer(response: httpx.Response) -> Any:
    """The answer as JSON if it is JSON, else its text (what the escape hatch returns)."""
    body = parse_json(response.content)
    return response.text if body is None and response.content.strip() != b"null" else body


def decoded(
    operation: Operation[AnswerT],
    response: httpx.Response,
    checks: Mapping[str, AnswerCheck] | None = None,
) -> AnswerT:
    """The answer as the operation declares it, once every required field is known to be usable.

    `checks` replaces the checks derived from the answer type (a SELECT's answer needs rows, a
    write's answer is taken as it comes).
    """
    if operation.decode is Decoding.TEXT:
        return response.text  # type: ignore[return-value]
    body = parse_json(response.content)
    expected = dict if operation.decode is Decoding.JSON_OBJECT else list
    if not isinstance(body, expected):
        kind = "a JSON object" if expected is dict else "a JSON array"
        raise UnexpectedResponseError(
            f"{describe(response.request)} answered with a body that is not {kind}",
            response=response,
        )
    if not isinstance(body, dict):
        return body  # type: ignore[return-value]
    answer_type: type[Any] = operation.answer
    checks = answer_checks(answer_type) if checks is None else checks
    wrong = [key for key, check in checks.items() if not check(body.get(key))]
    if wrong:
        raise UnexpectedResponseError(
            f"{describe(response.request)} answered without a valid {', '.join(wrong)}",
            response=response,
        )
    return body  # type: ignore[return-value]
