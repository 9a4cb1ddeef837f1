"""What billing refuses: errors a person can act on, and not-found / not-allowed."""

from __future__ import annotations

from londonhub.platform.core import errors


class BillingError(ValueError):
    """Something a person can act on; the message says what to do next."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(errors.NotAllowed):
    pass


class OrderNotFound(errors.NotFound):
    pass


class InvalidWebhook(ValueError):
    pass
