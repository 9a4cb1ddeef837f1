"""What the partner sign-in operations raise: shared by partners, clients and sign-in."""

from __future__ import annotations

from dataclasses import dataclass


class PartnerError(ValueError):
    """Invalid partner settings; `field` names the form field to show it next to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ProviderUnavailable(RuntimeError):
    """The organisation's provider could not be reached or answered nonsense."""


class SignInRefused(Exception):
    """A sign-in that must not go ahead. `reason` is a short code for the audit log;
    the message is what the person reads."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class LinkRequired(Exception):  # a flow outcome, not an error
    """The provider vouched for an email that already has an account here: its owner must
    sign in with their password once to link the identity."""

    partner_id: int
    issuer: str
    subject: str
    email: str
    role: str
