"""Partner organisations, the email domains they vouch for, their members and the OpenID
Connect identities (issuer, subject) that sign those members in.

Hub-level tables, like `user_account`: a partner organisation works with the whole hub, not
with one borough workspace, so none of these rows carries a `tenant_id`.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import ID_TYPE, User
from londonhub.platform.core.tenancy import _enum
from londonhub.platform.core.timeutil import utcnow

DEFAULT_SCOPES = "openid email profile"


class PartnerKind(enum.StrEnum):
    COUNCIL = "council"
    NHS = "nhs"
    FUNDER = "funder"
    CHARITY = "charity"
    BUSINESS = "business"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "council": "Council",
            "nhs": "NHS body",
            "funder": "Funder",
            "charity": "National charity",
            "business": "Business",
            "other": "Other",
        }[self.value]

    @property
    def customer_type(self) -> str | None:
        """The kind of customer this organisation books rooms as (rooms' CustomerType
        values); None: the person chooses."""
        return {
            "council": "public",
            "nhs": "public",
            "charity": "community",
            "business": "business",
        }.get(self.value)


class PartnerRole(enum.StrEnum):
    """A person's role in their partner organisation, strongest first."""

    ADMIN = "admin"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return {"admin": "Organisation admin", "member": "Member"}[self.value]


class PartnerOrganisation(db.Model):
    __tablename__ = "partner_organisation"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[PartnerKind] = mapped_column(_enum(PartnerKind, "partner_kind"))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The provider's issuer identifier, exactly as its discovery document and ID tokens say it.
    issuer: Mapped[str] = mapped_column(String(300))
    #: Empty: `{issuer}/.well-known/openid-configuration`.
    discovery_url: Mapped[str | None] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(255))
    #: Fernet-encrypted with OIDC_SECRET_KEY; never shown again once saved.
    client_secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    scopes: Mapped[str] = mapped_column(String(300), default=DEFAULT_SCOPES)
    #: Claim-to-role rules: [{"claim": "groups", "value": "hub-admins", "role": "admin"}].
    role_rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The endpoints a discovery document names must share the issuer's origin (scheme, host,
    #: port) unless a hub admin allows others here, for providers that spread them (Google).
    allow_foreign_endpoints: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Origin of the provider's authorization endpoint, learned from its discovery document;
    #: the sign-in page allows form submissions to lead there (CSP form-action).
    authorization_origin: Mapped[str | None] = mapped_column(String(300))
    #: Bumped whenever the provider settings change: names the cached Authlib client
    #: (`partner{id}v{version}`) so every web process rebuilds it from this row.
    config_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    domains: Mapped[list[PartnerDomain]] = relationship(
        back_populates="partner",
        cascade="all, delete-orphan",
        order_by="PartnerDomain.domain",
        lazy="selectin",
    )

    @property
    def metadata_url(self) -> str:
        return self.discovery_url or (self.issuer.rstrip("/") + "/.well-known/openid-configuration")

    @property
    def client_name(self) -> str:
        return f"partner{self.id}v{self.config_version}"

    def __repr__(self) -> str:
        return f"<PartnerOrganisation {self.slug}>"


class PartnerDomain(db.Model):
    """An email domain a partner organisation vouches for; one organisation per domain."""

    __tablename__ = "partner_domain"

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("partner_organisation.id", ondelete="CASCADE"), index=True
    )
    #: Lower case, no "@".
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    partner: Mapped[PartnerOrganisation] = relationship(back_populates="domains")


class PartnerMembership(db.Model):
    __tablename__ = "partner_membership"
    __table_args__ = (UniqueConstraint("partner_id", "user_id"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("partner_organisation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[PartnerRole] = mapped_column(
        _enum(PartnerRole, "partner_role"), default=PartnerRole.MEMBER
    )
    #: The sign-in link this membership came through. Such a membership ends with the link
    #: (revoked, its domain dropped, the organisation's sign-in turned off), and only a session
    #: signed in through the organisation opens the organisation's page. Empty: added
    #: otherwise, and kept until removed.
    identity_id: Mapped[int | None] = mapped_column(
        ID_TYPE, ForeignKey("partner_identity.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    partner: Mapped[PartnerOrganisation] = relationship(lazy="raise_on_sql")
    user: Mapped[User] = relationship(lazy="raise_on_sql")

    @property
    def through_sign_in(self) -> bool:
        return self.identity_id is not None


class PartnerIdentity(db.Model):
    """An account at a partner's provider, (issuer, subject), linked to one user."""

    __tablename__ = "partner_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(ID_TYPE, primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("partner_organisation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ID_TYPE, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    #: The email the provider vouched for when the link was made (for hub admins to read).
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    partner: Mapped[PartnerOrganisation] = relationship(lazy="raise_on_sql")
    user: Mapped[User] = relationship(lazy="raise_on_sql")


class SsoReplayGuard(db.Model):
    """A used `state` or `nonce` (hashed): a second use of either is refused, even when an old
    session cookie is replayed. Rows older than a day are pruned on the way."""

    __tablename__ = "partner_sso_replay_guard"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
