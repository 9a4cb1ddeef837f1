"""Listings: local groups, the opportunities a workspace publishes on their behalf, and each
opportunity's sessions. Tenant-owned.

A session's `places_taken` counts the responses holding a place (pending, accepted or
offered); it only ever changes by one conditional UPDATE (`... WHERE places_taken < places`),
so two people taking the last place at once cannot both get it, on PostgreSQL or SQLite.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import ID_TYPE
from londonhub.platform.core.tenancy import (
    TenantScoped,
    _enum,
    tenant_foreign_key,
    tenant_table_args,
)
from londonhub.platform.core.timeutil import utcnow

from ..vocab import CAUSES, GROUP_KINDS, SKILLS, labels, unpack


class OpportunityStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    PAUSED = "paused"  # listed, not taking sign-ups
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "published": "Published",
            "paused": "Paused",
            "closed": "Closed",
        }[self.value]


class Schedule(enum.StrEnum):
    ONE_OFF = "one_off"
    WEEKLY = "weekly"
    FLEXIBLE = "flexible"

    @property
    def label(self) -> str:
        return {"one_off": "One-off", "weekly": "Regular, weekly", "flexible": "Flexible"}[
            self.value
        ]


#: Statuses the public can see (drafts are the workspace's own).
LISTED = (OpportunityStatus.PUBLISHED, OpportunityStatus.PAUSED, OpportunityStatus.CLOSED)

SUPPORT = {
    "expenses_paid": "Expenses paid",
    "training_given": "Training given",
    "step_free": "Step-free access",
}


class LocalGroup(TenantScoped, db.Model):
    """A local community group, charity or social enterprise in the workspace's directory."""

    __tablename__ = "volunteering_group"
    __table_args__ = tenant_table_args(Index("ix_volunteering_group_name", "tenant_id", "name"))

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    charity_number: Mapped[str | None] = mapped_column(String(20))
    company_number: Mapped[str | None] = mapped_column(String(20))
    #: Packed cause slugs (`,a,b,`).
    causes: Mapped[str] = mapped_column(String(500), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    website: Mapped[str | None] = mapped_column(String(300))
    #: Shown to the public (name, kind, causes, website) on its opportunities' pages.
    listed_publicly: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @property
    def kind_label(self) -> str:
        return GROUP_KINDS.get(self.kind, self.kind)

    @property
    def cause_labels(self) -> list[str]:
        return labels(self.causes, CAUSES)

    @property
    def cause_slugs(self) -> list[str]:
        return unpack(self.causes)


class Opportunity(TenantScoped, db.Model):
    """A volunteering role the workspace publishes on behalf of one of its groups."""

    __tablename__ = "volunteering_opportunity"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(
            ["group_id"],
            "volunteering_group",
            ["id"],
            ondelete="RESTRICT",
            name="fk_volunteering_opportunity_group",
        ),
        CheckConstraint("minimum_age IS NULL OR minimum_age BETWEEN 0 AND 99", name="age"),
        CheckConstraint("group_size IS NULL OR group_size > 0", name="group_size_positive"),
        Index("ix_volunteering_opportunity_listing", "tenant_id", "status", "closing_date"),
        Index("ix_volunteering_opportunity_group", "tenant_id", "group_id"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    group_id: Mapped[int] = mapped_column(ID_TYPE)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(String(40))
    #: Packed skill slugs (`,a,b,`).
    skills: Mapped[str] = mapped_column(String(500), default="")
    remote: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    schedule: Mapped[Schedule] = mapped_column(_enum(Schedule, "volunteering_schedule"))
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    dbs_needed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    expenses_paid: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    training_given: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    step_free: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Suitable for groups of up to this many people (None: individuals only).
    group_size: Mapped[int | None] = mapped_column(Integer)
    skills_based: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[OpportunityStatus] = mapped_column(
        _enum(OpportunityStatus, "volunteering_opportunity_status"),
        default=OpportunityStatus.DRAFT,
    )
    #: Last day to respond (London date); None: open until closed.
    closing_date: Mapped[date | None] = mapped_column(Date)
    #: The start of the next session, kept by `operations.next_session` whenever sessions
    #: change and refreshed when that session starts. Search sorts by it instead of working out
    #: every match's next session; a value already past (or None) is worked out afresh there.
    next_session_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @property
    def cause_label(self) -> str:
        return CAUSES.get(self.cause, self.cause)

    @property
    def skill_labels(self) -> list[str]:
        return labels(self.skills, SKILLS)

    @property
    def skill_slugs(self) -> list[str]:
        return unpack(self.skills)

    @property
    def support_labels(self) -> list[str]:
        return [label for key, label in SUPPORT.items() if getattr(self, key)]

    @property
    def where(self) -> str:
        if self.remote and not self.address:
            return "Remote"
        place = ", ".join(p for p in (self.address, self.postcode) if p)
        return f"{place} (or remote)" if self.remote else place


class OpportunitySession(TenantScoped, db.Model):
    """One dated session of an opportunity, with its own place and number of places."""

    __tablename__ = "volunteering_session"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(
            ["opportunity_id"],
            "volunteering_opportunity",
            ["id"],
            ondelete="CASCADE",
            name="fk_volunteering_session_opportunity",
        ),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("places > 0", name="places_positive"),
        CheckConstraint("places_taken >= 0 AND places_taken <= places", name="places_taken"),
        Index("ix_volunteering_session_time", "tenant_id", "opportunity_id", "starts_at"),
        Index("ix_volunteering_session_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ID_TYPE)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Where this session happens, when not the opportunity's own address.
    place: Mapped[str] = mapped_column(String(300), default="")
    places: Mapped[int] = mapped_column(Integer)
    places_taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def places_left(self) -> int:
        return max(self.places - self.places_taken, 0)
