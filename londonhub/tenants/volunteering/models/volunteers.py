"""Volunteers: a person's profile and consents (hub-level, the person's own, like the user
account), their responses to opportunities, and the hours they give (tenant-owned).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
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

from ..vocab import AVAILABILITY, CAUSES, SKILLS, labels

CONSENTS = {
    "share_profile": (
        "Share my volunteer profile, including my emergency contact, with the organisers "
        "of the opportunities I respond to"
    ),
    "email_updates": "Email me about new opportunities that match my interests",
}


class VolunteerProfile(db.Model):
    """One person's volunteer profile, across London: hub-level, like the user account.

    Workspaces see it only once the person has engaged with them (responded to one of their
    opportunities); the operations check that on every read."""

    __tablename__ = "volunteer_profile"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    #: Workspace slug of the person's home borough.
    home_borough: Mapped[str] = mapped_column(String(63), default="")
    causes: Mapped[str] = mapped_column(String(500), default="")
    skills: Mapped[str] = mapped_column(String(500), default="")
    availability: Mapped[str] = mapped_column(String(200), default="")
    #: Adjustments the person needs to volunteer (access, communication, ...).
    adjustments: Mapped[str] = mapped_column(Text, default="")
    #: For minimum ages; never shown to workspaces (only whether a minimum age is met).
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    emergency_name: Mapped[str] = mapped_column(String(200), default="")
    emergency_phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @property
    def cause_labels(self) -> list[str]:
        return labels(self.causes, CAUSES)

    @property
    def skill_labels(self) -> list[str]:
        return labels(self.skills, SKILLS)

    @property
    def availability_labels(self) -> list[str]:
        return labels(self.availability, AVAILABILITY)


class VolunteerConsent(db.Model):
    """A consent the person gave or withdrew, kept as a history: never updated in place."""

    __tablename__ = "volunteer_consent"
    __table_args__ = (Index("ix_volunteer_consent_user", "user_id", "kind", "recorded_at"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    user_id: Mapped[int] = mapped_column(ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    given: Mapped[bool] = mapped_column(Boolean)
    #: The wording the person saw.
    wording: Mapped[str] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ResponseStatus(enum.StrEnum):
    INTERESTED = "interested"  # expressed interest in the opportunity, no session
    PENDING = "pending"  # signed up for a session, holding a place, awaiting the workspace
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # by the volunteer
    OFFERED = "offered"  # a freed place offered to the first on the waiting list, for a time
    LAPSED = "lapsed"  # the offer ran out before the volunteer took it

    @property
    def label(self) -> str:
        return {
            "interested": "Interested",
            "pending": "Signed up, awaiting a reply",
            "accepted": "Accepted",
            "waitlisted": "On the waiting list",
            "declined": "Declined",
            "withdrawn": "Withdrawn",
            "offered": "Offered a place",
            "lapsed": "Offer lapsed",
        }[self.value]


class VolunteerResponse(TenantScoped, db.Model):
    """A person's interest in an opportunity, or sign-up for one of its sessions.

    One per person and session, and one interest per person and opportunity (the database
    refuses duplicates even under concurrent requests). `holds_place` says whether the row
    is counted in its session's `places_taken`."""

    __tablename__ = "volunteering_response"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(
            ["opportunity_id"],
            "volunteering_opportunity",
            ["id"],
            ondelete="CASCADE",
            name="fk_volunteering_response_opportunity",
        ),
        tenant_foreign_key(
            ["session_id"],
            "volunteering_session",
            ["id"],
            ondelete="RESTRICT",
            name="fk_volunteering_response_session",
        ),
        UniqueConstraint(
            "tenant_id", "session_id", "user_id", name="uq_volunteering_response_session"
        ),
        Index(
            "uq_volunteering_response_interest",
            "tenant_id",
            "opportunity_id",
            "user_id",
            unique=True,
            postgresql_where=text("session_id IS NULL"),
            sqlite_where=text("session_id IS NULL"),
        ),
        Index("ix_volunteering_response_opportunity", "tenant_id", "opportunity_id", "status"),
        Index("ix_volunteering_response_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ID_TYPE)
    session_id: Mapped[int | None] = mapped_column(ID_TYPE)
    user_id: Mapped[int] = mapped_column(ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[ResponseStatus] = mapped_column(
        _enum(ResponseStatus, "volunteering_response_status")
    )
    holds_place: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    message: Mapped[str] = mapped_column(Text, default="")
    #: While OFFERED: the place is held for the volunteer until then.
    offer_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class HoursStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {
            "submitted": "Waiting to be verified",
            "verified": "Verified",
            "rejected": "Not verified",
        }[self.value]


class VolunteerHours(TenantScoped, db.Model):
    """Time a volunteer gave to one of the workspace's opportunities, which the workspace
    verifies. At most 24 hours a day per person across London, never in the future."""

    __tablename__ = "volunteering_hours"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(
            ["opportunity_id"],
            "volunteering_opportunity",
            ["id"],
            ondelete="RESTRICT",
            name="fk_volunteering_hours_opportunity",
        ),
        tenant_foreign_key(
            ["session_id"],
            "volunteering_session",
            ["id"],
            ondelete="RESTRICT",
            name="fk_volunteering_hours_session",
        ),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_in_a_day"),
        Index("ix_volunteering_hours_status", "tenant_id", "status", "day"),
        Index("ix_volunteering_hours_user_day", "user_id", "day"),
        # A person's attendance at a session is recorded once.
        Index(
            "uq_volunteering_hours_session",
            "tenant_id",
            "session_id",
            "user_id",
            unique=True,
            postgresql_where=text("session_id IS NOT NULL"),
            sqlite_where=text("session_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ID_TYPE)
    #: Set when the workspace recorded attendance at this session.
    session_id: Mapped[int | None] = mapped_column(ID_TYPE)
    user_id: Mapped[int] = mapped_column(ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"))
    #: The London date the time was given.
    day: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[HoursStatus] = mapped_column(
        _enum(HoursStatus, "volunteering_hours_status"), default=HoursStatus.SUBMITTED
    )
    verified_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnonymousHours(TenantScoped, db.Model):
    """Verified time given by people who since deleted their volunteer profile: only the total
    per opportunity stays, with no person, day or note (the workspace's reports still count
    it)."""

    __tablename__ = "volunteering_anonymous_hours"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(
            ["opportunity_id"],
            "volunteering_opportunity",
            ["id"],
            ondelete="CASCADE",
            name="fk_volunteering_anonymous_hours_opportunity",
        ),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        Index("ix_volunteering_anonymous_hours_opportunity", "tenant_id", "opportunity_id"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ID_TYPE)
    minutes: Mapped[int] = mapped_column(Integer)
    #: How many entries of hours were folded into this total.
    entries: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GroupCoordinator(TenantScoped, db.Model):
    """A group's contact invited to coordinate it: they manage that group's opportunities,
    sessions, responses and hours, and nothing else of the workspace. `user_id` is set when
    they accept the invitation (signed in as the person it was sent to)."""

    __tablename__ = "volunteering_coordinator"
    __table_args__ = tenant_table_args(
        tenant_foreign_key(
            ["group_id"],
            "volunteering_group",
            ["id"],
            ondelete="CASCADE",
            name="fk_volunteering_coordinator_group",
        ),
        UniqueConstraint("tenant_id", "group_id", "email", name="uq_volunteering_coordinator"),
        Index("ix_volunteering_coordinator_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    group_id: Mapped[int] = mapped_column(ID_TYPE)
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE")
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
