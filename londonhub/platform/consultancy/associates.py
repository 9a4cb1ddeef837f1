"""Associates: applying, editing one's own profile and pausing work, the hub's decisions
(approve, suspend, feature, commission), fixed-price offers, and the public directory.

Plain functions: each checks who acts first, raises `ConsultancyError` with a message for a
person (and the form field it belongs to), flushes; the view commits.

Just over 400 lines: fixed-price offers are the part to move to their own module next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, desc, func, or_, select

from londonhub.platform.core import errors
from londonhub.platform.core.audit import record
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.images import ImageError, check_image
from londonhub.platform.core.storage import get_storage, new_key
from londonhub.platform.core.timeutil import utcnow

from .models import (
    BOROUGHS,
    EXPERTISE,
    RATE_BANDS,
    Associate,
    AssociateStatus,
    Availability,
    Offer,
    pack,
)

PER_PAGE = 12
PHOTO_MAX_PIXELS = 4000
#: Paths under /consultancy/ that are pages, never an associate's slug.
RESERVED_SLUGS = {
    "apply",
    "profile",
    "enquire",
    "enquiries",
    "quotes",
    "engagements",
    "lifeboat",
    "photo",
    "offers",
    "work",
}


class ConsultancyError(ValueError):
    """Something a person can act on; `field` is the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(errors.NotFound):
    pass


class NotAllowed(errors.NotAllowed):
    pass


@dataclass
class Profile:
    """What an associate says about themselves (the application and later edits)."""

    name: str
    headline: str
    bio: str
    expertise: list[str]
    boroughs: list[str]
    languages: str
    day_rate_pence: int
    availability: str
    references: str = ""
    photo: bytes | None = None
    photo_alt: str = ""


def _slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "associate"
    return f"{slug}-associate" if slug in RESERVED_SLUGS else slug


def _unique_slug(name: str) -> str:
    base = _slugify(name)
    taken = set(
        db.session.scalars(
            select(Associate.slug).where(
                or_(Associate.slug == base, Associate.slug.like(f"{base}-%"))
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check(profile: Profile) -> None:
    if not profile.name.strip():
        raise ConsultancyError("Enter your name as clients will see it", "name")
    if not profile.headline.strip():
        raise ConsultancyError("Enter a one-line summary of what you do", "headline")
    if not profile.expertise or any(e not in EXPERTISE for e in profile.expertise):
        raise ConsultancyError("Choose at least one area of expertise", "expertise")
    if not profile.boroughs or any(b not in BOROUGHS for b in profile.boroughs):
        raise ConsultancyError("Choose at least one borough you work in", "boroughs")
    if profile.day_rate_pence is None or profile.day_rate_pence <= 0:
        raise ConsultancyError("Enter a day rate of more than £0", "day_rate")
    if profile.day_rate_pence > 1_000_000:
        raise ConsultancyError("Enter a day rate of at most £10,000", "day_rate")
    if profile.availability not in Availability.__members__.values():
        raise ConsultancyError("Choose your availability", "availability")
    if profile.photo and not profile.photo_alt.strip():
        raise ConsultancyError("Describe your photo for people who cannot see it", "photo_alt")


def _store_photo(associate: Associate, data: bytes) -> None:
    try:
        content_type = check_image(
            data,
            max_bytes=int(current_app.config.get("LOGO_MAX_BYTES", 512 * 1024)) * 4,
            max_pixels=PHOTO_MAX_PIXELS,
            field="photo",
        )
    except ImageError as exc:
        raise ConsultancyError(str(exc), "photo") from exc
    key = new_key("consultancy-photos")
    get_storage().put(key, data, content_type)
    associate.photo_key, associate.photo_content_type = key, content_type


def _apply_profile(associate: Associate, profile: Profile) -> None:
    associate.name = profile.name.strip()[:200]
    associate.headline = profile.headline.strip()[:200]
    associate.bio = profile.bio.strip()[:10_000]
    associate.expertise = pack(profile.expertise, EXPERTISE)
    associate.boroughs = pack(profile.boroughs, BOROUGHS)
    associate.languages = profile.languages.strip()[:300] or "English"
    associate.day_rate_pence = profile.day_rate_pence
    associate.availability = Availability(profile.availability)
    associate.updated_at = utcnow()
    if profile.photo:
        _store_photo(associate, profile.photo)
        associate.photo_alt = profile.photo_alt.strip()[:300]


def apply(user: User, profile: Profile) -> Associate:
    """A person applies to join the pool; hub admins decide."""
    if associate_of(user) is not None:
        raise ConsultancyError("You have already applied: edit your profile instead", "name")
    _check(profile)
    if not profile.references.strip():
        raise ConsultancyError("Give at least one referee the hub may contact", "references")
    associate = Associate(
        user_id=user.id,
        slug=_unique_slug(profile.name),
        status=AssociateStatus.APPLIED,
        references=profile.references.strip()[:5000],
    )
    _apply_profile(associate, profile)
    db.session.add(associate)
    db.session.flush()
    record("consultancy.applied", f"{associate.name} applied to be an associate", actor=user)
    return associate


def update_profile(user: User, profile: Profile) -> Associate:
    associate = own_associate(user)
    _check(profile)
    _apply_profile(associate, profile)
    if profile.references.strip():
        associate.references = profile.references.strip()[:5000]
    db.session.flush()
    return associate


def set_paused(user: User, paused: bool) -> Associate:
    """An associate stops (or starts again) taking new work; they stay in the pool."""
    associate = own_associate(user)
    associate.paused = paused
    associate.updated_at = utcnow()
    db.session.flush()
    return associate


def associate_of(user: Any) -> Associate | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Associate).where(Associate.user_id == user.id))


def own_associate(user: User) -> Associate:
    associate = associate_of(user)
    if associate is None:
        raise NotFound("You have not applied to be an associate")
    return associate


# --- the hub's decisions -----------------------------------------------------------------------


def _require_hub(user: User) -> None:
    if not getattr(user, "is_hub_admin", False):
        raise NotAllowed("Only hub admins manage the consultancy pool")


def get_associate(associate_id: int) -> Associate:
    associate = db.session.get(Associate, associate_id)
    if associate is None:
        raise NotFound("No such associate")
    return associate


def decide(actor: User, associate_id: int, action: str) -> Associate:
    """approve, suspend, decline, feature, unfeature."""
    _require_hub(actor)
    associate = get_associate(associate_id)
    moves = {
        "approve": AssociateStatus.APPROVED,
        "suspend": AssociateStatus.SUSPENDED,
        "decline": AssociateStatus.DECLINED,
    }
    if action in moves:
        associate.status = moves[action]
    elif action in ("feature", "unfeature"):
        if action == "feature" and associate.status != AssociateStatus.APPROVED:
            raise ConsultancyError("Only approved associates can be featured")
        associate.featured = action == "feature"
    else:
        raise NotFound("No such action")
    associate.updated_at = utcnow()
    record(f"consultancy.{action}", f"{action.capitalize()}: associate {associate.name}")
    db.session.flush()
    return associate


def set_commission(actor: User, associate_id: int, percent: int | None) -> Associate:
    _require_hub(actor)
    associate = get_associate(associate_id)
    if percent is None or not 0 <= percent <= 100:
        raise ConsultancyError("Enter a commission from 0 to 100 percent", "commission_percent")
    associate.commission_percent = percent
    record("consultancy.commission", f"Commission for {associate.name} set to {percent}%")
    db.session.flush()
    return associate


def list_for_hub(status: str = "") -> list[Associate]:
    query = select(Associate).order_by(Associate.status, Associate.name)
    if status in AssociateStatus.__members__.values():
        query = query.where(Associate.status == AssociateStatus(status))
    return list(db.session.scalars(query))


# --- offers ------------------------------------------------------------------------------------


def add_offer(
    actor: User, associate: Associate, title: str, summary: str, price_pence: int | None, days: int
) -> Offer:
    """An associate (or the hub for them) publishes a fixed-price offer."""
    if associate.user_id != actor.id and not actor.is_hub_admin:
        raise NotFound("No such associate")
    if not title.strip():
        raise ConsultancyError("Give the offer a title", "title")
    if price_pence is None or price_pence <= 0:
        raise ConsultancyError("Enter a price of more than £0", "price")
    if not days or days <= 0:
        raise ConsultancyError("Enter how many days the work takes, at least 1", "days")
    offer = Offer(
        associate_id=associate.id,
        title=title.strip()[:200],
        summary=summary.strip()[:5000],
        price_pence=price_pence,
        days=days,
    )
    db.session.add(offer)
    db.session.flush()
    return offer


def offers_of(associate_id: int) -> list[Offer]:
    return list(
        db.session.scalars(
            select(Offer)
            .where(Offer.associate_id == associate_id, Offer.published.is_(True))
            .order_by(Offer.price_pence, Offer.id)
        )
    )


def withdraw_offer(actor: User, offer_id: int) -> None:
    offer = db.session.get(Offer, offer_id)
    associate = db.session.get(Associate, offer.associate_id) if offer else None
    if offer is None or (associate.user_id != actor.id and not actor.is_hub_admin):
        raise NotFound("No such offer")
    offer.published = False
    db.session.flush()


# --- the public directory ----------------------------------------------------------------------


@dataclass
class Criteria:
    expertise: str = ""
    borough: str = ""
    rate: str = ""
    available: bool = False
    q: str = ""
    page: int = 1

    def __post_init__(self) -> None:
        self.q = (self.q or "").strip()[:200]
        self.expertise = self.expertise if self.expertise in EXPERTISE else ""
        self.borough = self.borough if self.borough in BOROUGHS else ""
        self.rate = self.rate if self.rate in RATE_BANDS else ""
        self.page = max(int(self.page or 1), 1)


@dataclass
class Page:
    associates: list[Associate] = field(default_factory=list)
    page: int = 1
    has_next: bool = False


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def listed_query() -> Select:
    return select(Associate).where(Associate.status == AssociateStatus.APPROVED)


def search(criteria: Criteria) -> Page:
    """Approved associates matching the criteria, featured first; one statement per page
    whatever the size of the pool (everything shown is on the associate's row)."""
    query = listed_query()
    if criteria.expertise:
        query = query.where(Associate.expertise.like(f"%|{criteria.expertise}|%"))
    if criteria.borough:
        query = query.where(Associate.boroughs.like(f"%|{criteria.borough}|%"))
    if criteria.rate:
        _label, low, high = RATE_BANDS[criteria.rate]
        query = query.where(Associate.day_rate_pence >= low)
        if high is not None:
            query = query.where(Associate.day_rate_pence < high)
    if criteria.available:
        query = query.where(
            Associate.paused.is_(False), Associate.availability != Availability.BOOKED
        )
    for word in criteria.q.split()[:10]:
        pattern = f"%{_escape_like(word.lower())}%"
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (Associate.name, Associate.headline, Associate.bio)
                )
            )
        )
    offset = (criteria.page - 1) * PER_PAGE
    rows = list(
        db.session.scalars(
            query.order_by(desc(Associate.featured), Associate.name, Associate.id)
            .offset(offset)
            .limit(PER_PAGE + 1)
        )
    )
    return Page(rows[:PER_PAGE], criteria.page, len(rows) > PER_PAGE)


def featured(limit: int = 3) -> list[Associate]:
    return list(
        db.session.scalars(
            listed_query()
            .where(and_(Associate.featured.is_(True), Associate.paused.is_(False)))
            .order_by(Associate.name)
            .limit(limit)
        )
    )


def get_listed(slug: str, viewer: Any = None) -> Associate:
    """An approved associate's public page (their own page and hub admins see it always)."""
    associate = db.session.scalar(select(Associate).where(Associate.slug == slug))
    if associate is None:
        raise NotFound("No such associate")
    if not associate.listed:
        own = viewer is not None and getattr(viewer, "id", None) == associate.user_id
        if not own and not getattr(viewer, "is_hub_admin", False):
            raise NotFound("No such associate")
    return associate


def photo_bytes(associate: Associate) -> bytes:
    if not associate.photo_key:
        raise NotFound("No photo")
    return get_storage().get(associate.photo_key)
