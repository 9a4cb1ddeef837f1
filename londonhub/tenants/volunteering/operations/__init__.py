"""Volunteering verbs, one module per subject (groups, opportunities, search, sign-ups, ...).

Plain functions: each takes the workspace explicitly and names it in its queries, checks the
person's role first when a person acts, raises a domain error with a message for a person,
and flushes; the caller commits. Times are stored in UTC and entered and shown in London time.
"""

from __future__ import annotations

from londonhub.platform.core import errors


class NotFound(errors.NotFound):
    """No such group, opportunity or session here (404: never reveal another workspace's)."""


#: The person may not do this (403); raised by `core.access.require_role` too.
NotAllowed = errors.NotAllowed


class VolunteeringError(ValueError):
    """Bad input: the message names what to change; `field` is the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


PAGE_SIZE = 20
