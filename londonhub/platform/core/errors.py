"""Domain errors every area's services raise, and how every page answers them.

A service raises `NotFound` for an object that is not in the current workspace (never revealing
that it exists elsewhere) and `NotAllowed` when the person lacks the role; the app answers 404
and 403 with the brand's error page and rolls the transaction back. Features subclass these.
"""

from __future__ import annotations


class NotAllowed(PermissionError):
    """The person may not do this here (403). The message says why."""


class NotFound(LookupError):
    """No such object in this workspace or account (404)."""
