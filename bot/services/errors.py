"""Errors services raise; dialogs turn each into one line the user understands."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every refusal a service makes on purpose (never a crash)."""

    code = "error"


class NotFound(ServiceError):
    """The record does not exist, or the actor may not know that it does."""

    code = "not_found"


class PermissionDenied(ServiceError):
    """The actor may not do this."""

    code = "forbidden"


class InvalidInput(ServiceError):
    """A value broke a business rule; `code` says which, for the message catalog."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail
