"""Route markers: which workspace routes are public.

The cross-tenant matrix (tests/isolation) expects every workspace route requested by a member
of another workspace to be refused (403/404), except routes marked `@public`: those show what
the workspace published to everyone, and may answer 200 to anyone, but must still refuse
changes and never show the workspace's private data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def public(view: F) -> F:
    """Mark a view as public: anyone may read it, in any workspace."""
    view.londonhub_public = True  # type: ignore[attr-defined]
    return view


def is_public(view: Callable) -> bool:
    return bool(getattr(view, "londonhub_public", False))
