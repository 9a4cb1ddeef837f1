"""The consultancy pool's public face for other features (the API): approved associates."""

from __future__ import annotations

from londonhub.platform.core.extensions import db

from .associates import listed_query
from .models import Associate


def listed_associates_after(after_id: int, limit: int) -> list[Associate]:
    """Approved associates in id order after `after_id`: one query per page of the API."""
    query = listed_query().where(Associate.id > after_id).order_by(Associate.id).limit(limit)
    return list(db.session.scalars(query))


def unpack(packed: str | None) -> list[str]:
    """`|a|b|` as stored (expertise, boroughs) -> ["a", "b"]."""
    return [part for part in (packed or "").split("|") if part]


__all__ = ["Associate", "listed_associates_after", "unpack"]
