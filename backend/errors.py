"""Domain errors with stable codes; one exception handler maps them to HTTP status codes."""

from __future__ import annotations

from typing import Any

from contract import ErrorCode


class DomainError(Exception):
    status_code = 400

    def __init__(self, code: ErrorCode, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


class InvalidInput(DomainError):
    status_code = 422


class NotFound(DomainError):
    status_code = 404


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class TooManyAttempts(DomainError):
    status_code = 429
