"""Corporate volunteering verbs, one module per subject: packages (hub), buying and accounts,
employees and invitations, matching, placements (workspaces), and the impact figures.

Plain functions: they check who acts first, raise `CorporateError` with a message for a person
(and the form field it belongs to), and flush; the caller commits once per action.
"""

from __future__ import annotations

from londonhub.platform.core import errors


class NotFound(errors.NotFound):
    """No such package, employee or placement for this person (404: never reveal another's)."""


#: The person may not do this (403).
NotAllowed = errors.NotAllowed


class CorporateError(ValueError):
    """Bad input: the message names what to change; `field` is the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
