"""Helpers for workspace admin tests: people, fresh reads, audit actions, images."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from sqlalchemy import select

from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role
from londonhub.platform.core.tenancy import Workspace


@dataclass
class Team:
    """Alpha has an owner, an admin and a staff member; Beta has an owner and a staff member."""

    alpha_id: int
    beta_id: int
    members: dict[str, int]  # email -> membership id

    def membership(self, email: str) -> Membership | None:
        db.session.expire_all()
        return db.session.get(Membership, self.members[email])

    def role_of(self, email: str) -> Role | None:
        membership = self.membership(email)
        return membership.role if membership else None


ALPHA_OWNER = "owner@alpha.example.org"
ALPHA_ADMIN = "admin@alpha.example.org"
ALPHA_STAFF = "staff@alpha.example.org"
BETA_OWNER = "owner@beta.example.org"
BETA_STAFF = "staff@beta.example.org"
OUTSIDER = "outsider@example.org"


def fresh_workspace(slug: str) -> Workspace:
    """The workspace as stored now (the requests ran in their own sessions)."""
    db.session.expire_all()
    return db.session.scalar(select(Workspace).where(Workspace.slug == slug))


def audit_actions(workspace_id: int | None = None) -> list[str]:
    db.session.expire_all()
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if workspace_id is not None:
        query = query.where(AuditEvent.workspace_id == workspace_id)
    return list(db.session.scalars(query))


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (60, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (29, 112, 184)).save(buffer, format=image_format)
    return buffer.getvalue()


def noisy_image_bytes(image_format: str, size: tuple[int, int]) -> bytes:
    """An image that does not compress well, to make files of a known large size."""
    from PIL import Image

    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()
