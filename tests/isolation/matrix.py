"""The cross-tenant matrix: walk every route of the app as each role of workspace A, aimed at
workspace B's slug and B's object ids, by GET and by POST with a valid CSRF token.

Routes come from `app.url_map`, so a route added later is walked without anyone editing this
file; a route whose parameters the walk cannot fill in is reported as a failure until it is
given a filler here (or an exemption with its reason).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, inspect, pool, select, text
from werkzeug.routing import Rule

from londonhub.platform.core.access import is_public
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Membership, Role, make_token
from londonhub.platform.core.tenancy import TenantScoped, Workspace, tenant_context
from londonhub.platform.core.timeutil import utcnow
from londonhub.platform.core.workspaces import create_workspace

PASSWORD = "correct horse battery staple"
ROLES = (Role.OWNER, Role.ADMIN, Role.STAFF)
REFUSED = {403, 404, 405}
#: Text that only B's private data contains: it must never appear in an answer to A.
SECRET = "beta-private-7f3a"

#: Routes the walk does not aim at workspace B, each with the reason.
EXEMPT: dict[str, str] = {
    "brand.static": "the brand's CSS and images: the same files for everyone",
    "auth.verify_email": "a signed token for one person's own email address, not workspace data",
    "auth.reset_password": "a signed token for one person's own account, not workspace data",
}


@dataclass
class Side:
    workspace: Workspace
    users: dict[Role, str]  # role -> email
    #: model name -> id of the one row of that model in this workspace
    objects: dict[str, int] = field(default_factory=dict)
    #: A read-and-write API token of this workspace (its owner's).
    api_token: str = ""


@dataclass
class World:
    a: Side
    b: Side


# --- one object of every tenant-owned model in a workspace -------------------------------------


def _invitation(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.tenants.workspace.models import Invitation

    return Invitation(
        email=f"invitee-{side_name}-{_private(side_name)}@example.org",
        role=Role.STAFF,
        expires_at=utcnow() + timedelta(days=7),
    )


def _private(side_name: str) -> str:
    return SECRET if side_name == "beta" else "a"


def _order(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.billing.models import Order, OrderStatus, PaymentMode

    return Order(
        kind="isolation",
        fulfilment_ref="1",
        status=OrderStatus.PAID,
        payment_mode=PaymentMode.INVOICE,
        total_pence=1000,
        platform_fee_pence=50,
        refunded_pence=0,
        buyer_email=f"buyer-{_private(side_name)}@example.org",
        buyer_name=f"Buyer {_private(side_name)}",
        description=f"Order {_private(side_name)}",
    )


def _order_line(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.billing.models import OrderLine

    return OrderLine(
        order_id=made["Order"].id,
        description=f"Line {_private(side_name)}",
        quantity=1,
        unit_pence=1000,
        total_pence=1000,
    )


def _order_event(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.billing.models import OrderEvent

    return OrderEvent(
        order_id=made["Order"].id,
        from_status=None,
        to_status="paid",
        note=f"Event {_private(side_name)}",
    )


def _refund(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.billing.models import Refund, RefundStatus

    return Refund(
        order_id=made["Order"].id,
        amount_pence=100,
        status=RefundStatus.REQUESTED,
        reason=f"Reason {_private(side_name)}",
    )


def _ledger_entry(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.billing.models import LedgerEntry, LedgerKind

    return LedgerEntry(
        order_id=made["Order"].id,
        kind=LedgerKind.CHARGE,
        amount_pence=1000,
        source_id=f"invoice:{made['Order'].id}",
        held_by_hub=True,
        description=f"Charge {_private(side_name)}",
    )


def _billing_settings(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.billing.document_models import BillingSettings

    return BillingSettings(
        address=f"{_private(side_name)} Street",
        vat_registered=False,
        vat_rate_percent=0,
        payment_instructions=f"Sort code {_private(side_name)}",
        due_days=14,
        reminder_days=3,
        next_invoice_number=2,
        next_credit_note_number=2,
    )


def _invoice(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.billing.document_models import Invoice

    today = utcnow().date()
    return Invoice(
        order_id=made["Order"].id,
        number=1,
        issued_on=today,
        due_on=today + timedelta(days=14),
        seller_name=f"{side_name.title()} CVS",
        seller_address=f"{_private(side_name)} Street",
        vat_registered=False,
        vat_rate_percent=0,
        vat_pence=0,
        total_pence=1000,
        payment_instructions=f"Sort code {_private(side_name)}",
        buyer_name=f"Buyer {_private(side_name)}",
        buyer_email=f"buyer-{_private(side_name)}@example.org",
    )


def _credit_note(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.billing.document_models import CreditNote

    return CreditNote(
        invoice_id=made["Invoice"].id,
        number=1,
        issued_on=utcnow().date(),
        amount_pence=100,
        vat_pence=0,
        reason=f"Credit {_private(side_name)}",
        source=f"refund:{_private(side_name)}",
    )


def _room(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.tenants.rooms.models import Room

    # Published: its public page may answer anyone, but never with B's private booking data.
    room = Room(
        venue_name=f"{side_name.title()} Centre",
        address="1 High Street",
        postcode="E8 1DY",
        name=f"{side_name.title()} Hall",
        capacity_theatre=50,
        capacity_max=50,
        published=True,
        feed_token=f"feed-{side_name}-{_private(side_name)}",
    )
    for day in range(7):
        setattr(room, f"opens_{day}", 0)
        setattr(room, f"closes_{day}", 24 * 60)
    return room


def _room_booking(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.tenants.rooms.models import Booking, BookingKind, BookingStatus

    starts = utcnow().replace(microsecond=0) + timedelta(days=2)
    return Booking(
        room_id=made["Room"].id,
        kind=BookingKind.BOOKING,
        status=BookingStatus.CONFIRMED,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        blocked_from=starts,
        blocked_until=starts + timedelta(hours=2),
        reference=f"ref-{side_name}",
        attendees=10,
        layout="theatre",
        organisation_name=f"Organisation {_private(side_name)}",
        organisation_type="community",
        price_pence=1000,
        note=f"Note {_private(side_name)}",
    )


def _room_photo(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.tenants.rooms.models import RoomPhoto

    # Made directly, not uploaded: the walk reads every answer as text, so the stored bytes
    # stand in for an image (a real PNG or JPEG is not UTF-8). Photos of a published room are
    # public; the alt text is shown on its page, so neither carries private data.
    return RoomPhoto(
        room_id=made["Room"].id,
        data=f"photo of the {side_name} hall".encode(),
        content_type="image/png",
        alt_text=f"The {side_name} hall set out in rows",
        position=0,
    )


def _rate_claim(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.platform.core.identity import User
    from londonhub.tenants.rooms.models import ClaimStatus, RateClaim

    owner = db.session.scalar(select(User.id).where(User.email == f"owner@{side_name}.example.org"))
    return RateClaim(
        user_id=owner,
        organisation_name=f"Group {_private(side_name)}",
        evidence_kind="charity",
        evidence_number="1234567",
        status=ClaimStatus.PENDING,
    )


def _local_group(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.tenants.volunteering.models import LocalGroup

    # Listed publicly: its name shows on its opportunities' pages; its contact never does.
    return LocalGroup(
        name=f"{side_name.title()} Food Bank",
        kind="charity",
        charity_number="1234567",
        causes=",food-poverty,",
        contact_name=f"Contact {_private(side_name)}",
        contact_email=f"contact-{_private(side_name)}@example.org",
        contact_phone="020 7946 0000",
        address=f"{_private(side_name)} Street",
        postcode="E8 1DY",
        listed_publicly=True,
    )


def _opportunity(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.tenants.volunteering.models import Opportunity, OpportunityStatus, Schedule

    # Published: its public page may answer anyone.
    return Opportunity(
        group_id=made["LocalGroup"].id,
        title=f"{side_name.title()} warehouse helper",
        summary="Sort donations",
        description="Sort and pack food parcels.",
        cause="food-poverty",
        skills=",practical,",
        address="1 High Street",
        postcode="E8 1DY",
        schedule=Schedule.ONE_OFF,
        status=OpportunityStatus.PUBLISHED,
    )


def _opportunity_session(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.tenants.volunteering.models import OpportunitySession

    starts = utcnow().replace(microsecond=0) + timedelta(days=3)
    return OpportunitySession(
        opportunity_id=made["Opportunity"].id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        places=5,
    )


def _volunteer_response(side_name: str, made: dict[str, Any]) -> Any:
    """A volunteer who engaged with this workspace only, whose profile (emergency contact,
    adjustments) is private: no other workspace may ever see it."""
    from londonhub.platform.core.accounts import create_user
    from londonhub.tenants.volunteering.models import (
        ResponseStatus,
        VolunteerProfile,
        VolunteerResponse,
    )

    person = create_user(f"volunteer@{side_name}.example.org", f"Volunteer {side_name}", None)
    db.session.add(
        VolunteerProfile(
            user_id=person.id,
            emergency_name=f"Emergency {_private(side_name)}",
            emergency_phone="020 7946 0999",
            adjustments=f"Adjustments {_private(side_name)}",
        )
    )
    return VolunteerResponse(
        opportunity_id=made["Opportunity"].id,
        session_id=made["OpportunitySession"].id,
        user_id=person.id,
        status=ResponseStatus.PENDING,
        holds_place=True,
        message=f"Message {_private(side_name)}",
    )


def _volunteer_hours(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.tenants.volunteering.models import VolunteerHours

    return VolunteerHours(
        opportunity_id=made["Opportunity"].id,
        user_id=made["VolunteerResponse"].user_id,
        day=utcnow().date(),
        minutes=120,
        note=f"Hours {_private(side_name)}",
    )


def _anonymous_hours(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.tenants.volunteering.models import AnonymousHours

    return AnonymousHours(opportunity_id=made["Opportunity"].id, minutes=90, entries=1)


def _group_coordinator(side_name: str, made: dict[str, Any]) -> Any:
    """An invited, not yet accepted, coordinator of the side's group: the address is private."""
    from londonhub.tenants.volunteering.models import GroupCoordinator

    return GroupCoordinator(
        group_id=made["LocalGroup"].id, email=f"coordinator-{_private(side_name)}@example.org"
    )


def _resource_adoption(side_name: str, made: dict[str, Any]) -> Any:
    from flask import g

    from londonhub.platform.resources.models import Resource, ResourceAdoption

    # The pool is hub-level; the adoption is the workspace's own row (its page lists it).
    pooled = Resource(
        owner_workspace_id=g._tenant_id,
        title=f"{side_name.title()} pooled guide",
        resource_type="briefing",
        topics="|digital|",
        audience="everyone",
    )
    db.session.add(pooled)
    db.session.flush()
    return ResourceAdoption(resource_id=pooled.id)


def _company(side_name: str) -> tuple[Any, Any]:
    """A company's account and an accepted employee (hub-level rows: a company is not a
    workspace), whose names carry the side's private marker."""
    from londonhub.platform.core.accounts import create_user
    from londonhub.platform.corporate.models import (
        CorporateAccount,
        CorporateEmployee,
        EmployeeStatus,
    )

    account = CorporateAccount(
        name=f"{side_name.title()} Corp {_private(side_name)}",
        company_number="01234567",
        billing_address=f"{_private(side_name)} Road",
    )
    db.session.add(account)
    db.session.flush()
    person = create_user(f"employee@{side_name}-corp.example.org", f"Employee {side_name}", None)
    employee = CorporateEmployee(
        account_id=account.id,
        email=person.email,
        name=f"Employee {_private(side_name)}",
        status=EmployeeStatus.ACCEPTED,
        user_id=person.id,
    )
    db.session.add(employee)
    db.session.flush()
    return account, employee


def _corporate_placement(side_name: str, made: dict[str, Any]) -> Any:
    """An employee of a company waiting for this workspace to place them."""
    from londonhub.platform.corporate.models import CorporatePlacement, PlacementStatus

    account, employee = _company(side_name)
    return CorporatePlacement(
        account_id=account.id,
        employee_id=employee.id,
        user_id=employee.user_id,
        opportunity_id=made["Opportunity"].id,
        status=PlacementStatus.WAITING,
        message=f"Note {_private(side_name)}",
    )


def _outbox_event(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.platform.core.events import OutboxEvent

    uid = f"evt_isolation_{side_name}"
    return OutboxEvent(
        uid=uid,
        type="booking.confirmed",
        payload={"id": uid, "type": "booking.confirmed", "data": {"note": _private(side_name)}},
    )


def _webhook_endpoint(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.integrations.webhooks import signing
    from londonhub.integrations.webhooks.models import WebhookEndpoint

    return WebhookEndpoint(
        url=f"https://hooks.example.org/{_private(side_name)}",
        description=f"Endpoint {_private(side_name)}",
        events="booking.confirmed",
        secret_encrypted=signing.encrypt(signing.new_secret()),
    )


def _webhook_delivery(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.integrations.webhooks.models import DeliveryStatus, WebhookDelivery

    return WebhookDelivery(
        endpoint_id=made["WebhookEndpoint"].id,
        event_id=made["OutboxEvent"].id,
        event_type="booking.confirmed",
        status=DeliveryStatus.FAILED,
        attempts=1,
        last_status_code=500,
        last_response=f"Answer {_private(side_name)}",
    )


def _webhook_attempt(side_name: str, made: dict[str, Any]) -> Any:
    from londonhub.integrations.webhooks.models import WebhookAttempt

    return WebhookAttempt(
        delivery_id=made["WebhookDelivery"].id,
        status_code=500,
        response_excerpt=f"Answer {_private(side_name)}",
    )


#: model class name -> factory(side name, rows made so far) returning one unsaved row, made in
#: this order inside the workspace's context. Every tenant-owned model needs one.
TENANT_OBJECT_FACTORIES: dict[str, Callable[[str, dict[str, Any]], Any]] = {
    "Invitation": _invitation,
    "Order": _order,
    "OrderLine": _order_line,
    "OrderEvent": _order_event,
    "Refund": _refund,
    "LedgerEntry": _ledger_entry,
    "BillingSettings": _billing_settings,
    "Invoice": _invoice,
    "CreditNote": _credit_note,
    "Room": _room,
    "Booking": _room_booking,
    "RoomPhoto": _room_photo,
    "RateClaim": _rate_claim,
    "LocalGroup": _local_group,
    "Opportunity": _opportunity,
    "OpportunitySession": _opportunity_session,
    "VolunteerResponse": _volunteer_response,
    "VolunteerHours": _volunteer_hours,
    "AnonymousHours": _anonymous_hours,
    "GroupCoordinator": _group_coordinator,
    "ResourceAdoption": _resource_adoption,
    "CorporatePlacement": _corporate_placement,
    "OutboxEvent": _outbox_event,
    "WebhookEndpoint": _webhook_endpoint,
    "WebhookDelivery": _webhook_delivery,
    "WebhookAttempt": _webhook_attempt,
}


def tenant_models() -> list[type]:
    return sorted(
        (
            mapper.class_
            for mapper in db.Model.registry.mappers
            if issubclass(mapper.class_, TenantScoped)
        ),
        key=lambda cls: cls.__name__,
    )


def build_side(name: str, make_user: Callable[..., Any]) -> Side:
    from londonhub.billing.fulfilment import FulfilmentHandler, register_fulfilment

    # The walks' orders sell nothing: a handler that does nothing lets their pages render.
    register_fulfilment("isolation", FulfilmentHandler())
    workspace = create_workspace(f"{name}-borough", f"{name.title()} CVS")
    workspace.description = f"{name.title()} public description"
    db.session.commit()
    users = {}
    for role in ROLES:
        email = f"{role.value}@{name}.example.org"
        make_user(email, name=f"{name} {role.value}", workspace=workspace, role=role)
        users[role] = email
    side = Side(workspace, users)
    with tenant_context(workspace.id):
        made: dict[str, Any] = {}
        for model_name, factory in TENANT_OBJECT_FACTORIES.items():
            made[model_name] = factory(name, made)
            db.session.add(made[model_name])
            db.session.flush()
        side.objects = {model_name: row.id for model_name, row in made.items()}
        side.objects["Volunteer"] = made["VolunteerResponse"].user_id
        db.session.commit()
    side.objects["Membership"] = db.session.scalar(
        select(Membership.id).where(
            Membership.workspace_id == workspace.id, Membership.role == Role.OWNER
        )
    )
    side.objects["ApiToken"], side.api_token = _api_token(side, name)
    return side


def _api_token(side: Side, name: str) -> tuple[int, str]:
    """A read-and-write API token made by the side's owner (B's named with SECRET)."""
    from londonhub.platform.api import tokens
    from londonhub.platform.core.identity import get_user_by_email

    owner = get_user_by_email(side.users[Role.OWNER])
    token, raw = tokens.create_token(
        owner, side.workspace, f"Token {_private(name)}", tokens.TokenScope.READ_WRITE
    )
    db.session.commit()
    return token.id, raw


# --- filling in URL parameters with B's values -------------------------------------------------


def _invite_token(world: World) -> str:
    invitation_id = world.b.objects["Invitation"]
    return make_token("workspace-invite", {"tid": world.b.workspace.id, "iid": invitation_id})


def _partner(world: World) -> dict[str, Any]:
    """A partner organisation (hub-level, not a workspace's) with one member, whose private
    details carry SECRET; made once per walk. Workspace roles may reach none of it."""
    made = getattr(world, "_partner", None)
    if made is None:
        from londonhub.integrations.oidc import services as oidc
        from londonhub.integrations.oidc.models import PartnerIdentity, PartnerMembership
        from londonhub.platform.core.accounts import create_user

        partner = oidc.create_partner(
            name="Beta Partner Trust",
            kind="charity",
            domains=["beta-partner.example.org"],
            issuer="http://127.0.0.1:9",  # nothing listens: no outside calls
            client_id="beta-partner-client",
            client_secret=f"client-secret-{SECRET}",
        )
        member = create_user(f"{SECRET}@beta-partner.example.org", f"Member {SECRET}", None)
        db.session.add(PartnerMembership(partner_id=partner.id, user_id=member.id))
        identity = PartnerIdentity(
            partner_id=partner.id,
            user_id=member.id,
            issuer=partner.issuer,
            subject=f"sub-{SECRET}",
            email=member.email,
        )
        db.session.add(identity)
        db.session.commit()
        made = {
            "id": partner.id,
            "slug": partner.slug,
            "identity_id": identity.id,
            "link": make_token(
                "partner-link",
                {
                    "partner_id": partner.id,
                    "issuer": partner.issuer,
                    "subject": f"sub-{SECRET}",
                    "email": member.email,
                    "role": "admin",
                },
            ),
            "signed_out": make_token("partner-signed-out", {"pid": partner.id}),
        }
        world._partner = made  # type: ignore[attr-defined]
    return made


def _resource(world: World) -> dict[str, Any]:
    """B's resource in the shared pool: version 1 published (public, nothing private), and a
    draft moving on with SECRET in its text and a not-yet-published file. Made once per walk."""
    made = getattr(world, "_resource", None)
    if made is None:
        from londonhub.platform.core.storage import get_storage, new_key
        from londonhub.platform.resources.models import Resource, ResourceFile, ResourceVersion

        content = {
            "title": "Beta guide",
            "summary": "A published guide",
            "body": "Public text",
            "resource_type": "briefing",
            "topics": "|digital|",
            "audience": "everyone",
            "licence": "cc-by-4.0",
        }
        resource = Resource(
            owner_workspace_id=world.b.workspace.id, published_number=1, latest_number=1
        )
        for name, value in content.items():
            setattr(resource, name, value)
        resource.body = f"Draft text {SECRET}"
        db.session.add(resource)
        db.session.flush()
        db.session.add(ResourceVersion(resource_id=resource.id, number=1, **content))
        key = new_key("resources")
        get_storage().put(key, f"name,secret\nx,{SECRET}\n".encode(), "text/csv")
        draft_file = ResourceFile(
            resource_id=resource.id,
            filename=f"{SECRET}.csv",
            content_type="text/csv",
            kind="csv",
            size=10,
            sha256="0" * 64,
            storage_key=key,
        )
        db.session.add(draft_file)
        db.session.commit()
        made = {"id": resource.id, "file_id": draft_file.id}
        world._resource = made  # type: ignore[attr-defined]
    return made


def _consultancy(world: World) -> dict[str, Any]:
    """B's side of the consultancy pool (hub-level rows, isolated by person): an approved
    associate whose references carry SECRET, a client's enquiry, quote, engagement, milestone
    and pending review carrying SECRET, an offer, and a confidential Lifeboat request. Workspace
    roles are neither client nor associate nor hub admin: every private route must refuse them.
    Made once per world (the own-values walks mirror the world, and get their own)."""
    made = getattr(world, "_consultancy", None)
    if made is None:
        from datetime import timedelta

        from londonhub.platform.consultancy import models as c
        from londonhub.platform.core.accounts import create_user
        from londonhub.platform.core.timeutil import london_today

        slug = world.b.workspace.slug
        adviser = create_user(f"adviser-{slug}@consultancy.example.org", "Beta Adviser", None)
        client = create_user(f"client-{slug}@consultancy.example.org", "Beta Client", None)
        associate = c.Associate(
            user_id=adviser.id,
            slug=f"beta-adviser-{slug}",
            name="Beta Adviser",
            headline="Governance",
            expertise="|governance|",
            boroughs="|camden|",
            day_rate_pence=40_000,
            references=f"Referee {SECRET}",
            status=c.AssociateStatus.APPROVED,
        )
        db.session.add(associate)
        db.session.flush()
        offer = c.Offer(associate_id=associate.id, title="Health check", price_pence=45_000)
        enquiry = c.Enquiry(
            client_user_id=client.id,
            associate_id=associate.id,
            organisation="Beta Charity",
            needs=f"Needs {SECRET}",
            status=c.EnquiryStatus.ENGAGED,
        )
        db.session.add_all([offer, enquiry])
        db.session.flush()
        quote = c.Quote(
            enquiry_id=enquiry.id,
            associate_id=associate.id,
            status=c.QuoteStatus.ACCEPTED,
            terms=f"Terms {SECRET}",
            deposit_percent=20,
            expires_on=london_today() + timedelta(days=30),
            total_pence=100_000,
        )
        db.session.add(quote)
        db.session.flush()
        db.session.add(
            c.QuoteLine(
                quote_id=quote.id,
                description=f"Line {SECRET}",
                unit_pence=100_000,
                amount_pence=100_000,
            )
        )
        engagement = c.Engagement(
            quote_id=quote.id,
            enquiry_id=enquiry.id,
            associate_id=associate.id,
            client_user_id=client.id,
            status=c.EngagementStatus.COMPLETED,
            total_pence=100_000,
            deposit_pence=20_000,
        )
        db.session.add(engagement)
        db.session.flush()
        milestone = c.Milestone(engagement_id=engagement.id, title=f"Milestone {SECRET}")
        review = c.Review(
            engagement_id=engagement.id,
            associate_id=associate.id,
            client_user_id=client.id,
            rating=5,
            text=f"Review {SECRET}",
        )
        request = c.LifeboatRequest(
            organisation=f"Sinking {SECRET}",
            contact_name="Beta Contact",
            contact_email="contact@beta.example.org",
            situation=c.LifeboatSituation.CASH_FLOW,
            details=f"Details {SECRET}",
        )
        week = c.TimeRecord(
            engagement_id=engagement.id,
            week_starting=london_today() - timedelta(days=london_today().weekday() + 7),
            half_days=4,
            notes=f"Week {SECRET}",
            amount_pence=80_000,
        )
        db.session.add_all([milestone, review, request, week])
        db.session.commit()
        made = {
            "associate_slug": associate.slug,
            "associate_id": associate.id,
            "offer_id": offer.id,
            "enquiry_id": enquiry.id,
            "quote_id": quote.id,
            "engagement_id": engagement.id,
            "milestone_id": milestone.id,
            "review_id": review.id,
            "request_id": request.id,
            "record_id": week.id,
        }
        world._consultancy = made  # type: ignore[attr-defined]
    return made


def _corporate(world: World) -> dict[str, Any]:
    """Hub-level corporate rows of B's company: a package (hub admins only), a purchase, an
    employee invitation carrying SECRET, and its link. Made once per walk."""
    made = getattr(world, "_corporate", None)
    if made is None:
        from londonhub.platform.corporate.models import (
            CorporateEmployee,
            CorporatePackage,
            CorporatePlacement,
            CorporatePurchase,
            PackageKind,
            PackageStatus,
            VatTreatment,
        )
        from londonhub.platform.corporate.operations.employees import INVITE

        package = CorporatePackage(
            name=f"Package {SECRET}",
            kind=PackageKind.PER_EMPLOYEE,
            status=PackageStatus.DRAFT,
            price_pence=1000,
            vat=VatTreatment.EXEMPT,
            hub_share_pence=400,
            workspace_share_pence=600,
        )
        db.session.add(package)
        db.session.flush()
        with tenant_context(world.b.workspace.id):
            placement = db.session.get(CorporatePlacement, world.b.objects["CorporatePlacement"])
            account_id = placement.account_id
        purchase = CorporatePurchase(
            account_id=account_id,
            package_id=package.id,
            quantity=1,
            places=1,
            place_price_pence=1000,
            hub_share_pence=400,
            workspace_share_pence=600,
            total_pence=1000,
            po_number=f"PO {SECRET}"[:40],
        )
        invited = CorporateEmployee(
            account_id=account_id, email=f"{SECRET}@beta-corp.example.org", name=SECRET
        )
        db.session.add_all([purchase, invited])
        db.session.commit()
        made = {
            "package_id": package.id,
            "purchase_id": purchase.id,
            "employee_id": invited.id,
            "token": make_token(INVITE, {"aid": account_id, "eid": invited.id}),
        }
        world._corporate = made  # type: ignore[attr-defined]
    return made


def _annual_report(world: World) -> int:
    """B's annual report of its own borough (a hub-level row naming B), written: only B's
    staff may see it or download its files. Made once per walk."""
    made = getattr(world, "_annual_report", None)
    if made is None:
        from londonhub.platform.core.storage import get_storage, new_key
        from londonhub.platform.intelligence.models import AnnualReport

        key = new_key("reports")
        get_storage().put(key, f"<p>{SECRET}</p>".encode(), "text/html")
        report = AnnualReport(
            scope=world.b.workspace.slug,
            workspace_id=world.b.workspace.id,
            year=utcnow().year,
            version=1,
            status="done",
            progress=100,
            step=f"Ready {SECRET}",
            html_key=key,
            pdf_key=key,
        )
        db.session.add(report)
        db.session.commit()
        made = report.id
        world._annual_report = made  # type: ignore[attr-defined]
    return made


#: URL parameter name -> B's value.
PARAM_FILLERS: dict[str, Callable[[World], Any]] = {
    "slug": lambda w: w.b.workspace.slug,
    "membership_id": lambda w: w.b.objects["Membership"],
    "invitation_id": lambda w: w.b.objects["Invitation"],
    "order_id": lambda w: w.b.objects["Order"],
    "invoice_id": lambda w: w.b.objects["Invoice"],
    "credit_note_id": lambda w: w.b.objects["CreditNote"],
    "room_id": lambda w: w.b.objects["Room"],
    "booking_id": lambda w: w.b.objects["Booking"],
    "photo_id": lambda w: w.b.objects["RoomPhoto"],
    "claim_id": lambda w: w.b.objects["RateClaim"],
    "group_id": lambda w: w.b.objects["LocalGroup"],
    "opportunity_id": lambda w: w.b.objects["Opportunity"],
    "session_id": lambda w: w.b.objects["OpportunitySession"],
    "response_id": lambda w: w.b.objects["VolunteerResponse"],
    "hours_id": lambda w: w.b.objects["VolunteerHours"],
    # B's volunteer: engaged with B only, so A may not see them at all.
    "volunteer_id": lambda w: w.b.objects["Volunteer"],
    "coordinator_id": lambda w: w.b.objects["GroupCoordinator"],
    # B's API token: A's admins may neither see nor revoke it.
    "token_id": lambda w: w.b.objects["ApiToken"],
    # A guess at B's secret feed address: only the real token opens the feed.
    "feed_token": lambda w: "feed-beta-guessed",
    # Stripe events are hub-level rows: only hub admins may touch them at all.
    "event_id": lambda w: "evt_isolation_matrix",
    # Partner organisations are hub-level: only hub admins and their own members reach them.
    "partner_id": lambda w: _partner(w)["id"],
    "identity_id": lambda w: _partner(w)["identity_id"],
    # The hub's status changes (hub admins only).
    "action": lambda w: "archive",
    # The resource pool is hub-level: B's draft must stay B's, whatever the route.
    "resource_id": lambda w: _resource(w)["id"],
    "file_id": lambda w: _resource(w)["file_id"],
    "number": lambda w: 2,  # the draft's next version, not published
    # The consultancy pool is hub-level, isolated by person: B's client's and associate's.
    **{
        name: (lambda n: lambda w: _consultancy(w)[n])(name)
        for name in (
            "associate_slug",
            "associate_id",
            "offer_id",
            "enquiry_id",
            "quote_id",
            "engagement_id",
            "milestone_id",
            "review_id",
            "request_id",
            "record_id",
        )
    },
    "part": lambda w: "balance",
    "decision": lambda w: "publish",
    # Corporate volunteering: B's placement is B's; packages, purchases and employees are
    # hub-level rows of the hub and of a company, which no workspace role may reach.
    "placement_id": lambda w: w.b.objects["CorporatePlacement"],
    "package_id": lambda w: _corporate(w)["package_id"],
    "purchase_id": lambda w: _corporate(w)["purchase_id"],
    "employee_id": lambda w: _corporate(w)["employee_id"],
    # Outbound webhooks: B's endpoint and B's delivery (of B's event).
    "endpoint_id": lambda w: w.b.objects["WebhookEndpoint"],
    "delivery_id": lambda w: w.b.objects["WebhookDelivery"],
    # Intelligence: B's dashboard tables and B's annual report (of its own borough).
    "table": lambda w: "metrics",
    "fmt": lambda w: "csv",
    "report_id": _annual_report,
    "kind": lambda w: "html",
}

#: endpoint -> all its parameters, where a name alone is ambiguous.
ENDPOINT_FILLERS: dict[str, Callable[[World], dict[str, Any]]] = {
    "workspace_invites.accept": lambda w: {"token": _invite_token(w)},
    "partners.view": lambda w: {"slug": _partner(w)["slug"]},
    # A link offer for the partner's member: another person signed in may not use it.
    "partner_sso.link": lambda w: {"token": _partner(w)["link"]},
    # Public: names the partner and its provider's sign-out, nothing private.
    "partner_sso.signed_out": lambda w: {"token": _partner(w)["signed_out"]},
    # B's invitation of a group coordinator: only the invited address may open it.
    "volunteering_me.coordination": lambda w: {"token": _coordinator_token(w)},
    # An invitation to B's company's employee: nobody else signed in may accept it.
    "corporate_me.join": lambda w: {"token": _corporate(w)["token"]},
}


def _coordinator_token(world: World) -> str:
    from londonhub.tenants.volunteering.operations.coordinators import PURPOSE

    coordinator_id = world.b.objects["GroupCoordinator"]
    return make_token(PURPOSE, {"tid": world.b.workspace.id, "cid": coordinator_id})


def fill(rule: Rule, world: World) -> dict[str, Any] | None:
    if rule.endpoint in ENDPOINT_FILLERS:
        return ENDPOINT_FILLERS[rule.endpoint](world)
    values = {}
    for name in rule.arguments:
        if name not in PARAM_FILLERS:
            return None
        values[name] = PARAM_FILLERS[name](world)
    return values


def post_payload(world: World, csrf_token: str) -> dict[str, str]:
    """Plausible values for every form in the app, and a forged tenant id."""
    return {
        "csrf_token": csrf_token,
        "tenant_id": str(world.b.workspace.id),
        "role": "owner",
        "action": "archive",
        "email": "intruder@example.org",
        "invite-email": "intruder@example.org",
        "invite-role": "owner",
        "description": "PWNED",
        "accent_colour": "#000000",
        "name": "PWNED",
        "slug": "pwned",
        "borough": "PWNED",
        "kind": "cvs",
    }


# --- the walk ----------------------------------------------------------------------------------


@dataclass
class Case:
    endpoint: str
    path: str
    method: str
    role: str
    status: int
    problem: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} as {self.role} of A: {self.status} ({self.problem})"


@dataclass
class WalkResult:
    cases: int = 0
    failures: list[Case] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)
    routes: int = 0


#: What a public GET changes by design: counts of views and downloads (no personal data),
#: table -> counter columns (None: the whole table is counts). Everything else must not change.
COUNTERS: dict[str, set[str] | None] = {
    "resource": {"view_count", "download_count"},
    "resource_file": {"download_count"},
    "resource_page_view": None,
    # An API token's own last use, written by using it (A's token, in the API walk).
    "api_token": {"last_used_at"},
}


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, read past row-level security (superuser) or plainly (SQLite);
    without the COUNTERS."""
    rows = {}
    with engine.connect() as connection:
        inspector = inspect(connection)
        for table in sorted(inspector.get_table_names()):
            if table == "alembic_version" or (table in COUNTERS and COUNTERS[table] is None):
                continue
            skip = COUNTERS.get(table) or set()
            columns = ", ".join(
                f'"{c["name"]}"' for c in inspector.get_columns(table) if c["name"] not in skip
            )
            rows[table] = [
                tuple(map(repr, row))
                for row in connection.execute(text(f'SELECT {columns} FROM "{table}" ORDER BY 1'))
            ]
    return rows


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    match = re.search(rb'name="(?:[a-z]+-)?csrf_token"[^>]*value="([^"]+)"', page.data)
    assert match, f"no CSRF token on {path}"
    return match.group(1).decode()


def sign_in(app: Flask, email: str) -> tuple[FlaskClient, str]:
    """A client signed in as `email`, and a valid CSRF token of its session."""
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, f"could not sign in as {email}: {response.data[-2500:]}"
    return client, csrf_token(client, "/account")


def walk(app: Flask, world: World, snapshot_url: str, only: str | None = None) -> WalkResult:
    """Walk every route with parameters (or only those whose endpoint starts with `only`)."""
    engine = create_engine(snapshot_url, poolclass=pool.NullPool)
    try:
        return _walk(app, world, engine, only)
    finally:
        engine.dispose()


def _walk(app: Flask, world: World, engine: Engine, only: str | None) -> WalkResult:
    result = WalkResult()
    clients = {role: sign_in(app, world.a.users[role]) for role in ROLES}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.arguments or rule.endpoint in EXEMPT:
            continue
        if only and not rule.endpoint.startswith(only):
            continue
        result.routes += 1
        values = fill(rule, world)
        if values is None:
            result.unfilled.append(f"{rule.endpoint} ({rule.rule})")
            continue
        with app.test_request_context():
            from flask import url_for

            path = url_for(rule.endpoint, **values)
        public = is_public(app.view_functions[rule.endpoint])
        for role in ROLES:
            client, token = clients[role]
            for method in ("GET", "POST"):
                before = snapshot(engine)
                if rule.rule.startswith("/api/"):
                    # The API: as A's read-and-write token, aimed at B (a session is no key).
                    writes = [m for m in ("POST", "PUT", "PATCH", "DELETE") if m in rule.methods]
                    response = client.open(
                        path,
                        method=method if method == "GET" or not writes else writes[0],
                        headers={"Authorization": f"Bearer {world.a.api_token}"},
                        json=None if method == "GET" else {"verified": True, "name": "PWNED"},
                    )
                elif method == "GET":
                    response = client.get(path)
                else:
                    response = client.post(path, data=post_payload(world, token))
                after = snapshot(engine)
                result.cases += 1
                body = response.get_data()  # bytes: images and CSV too
                case = partial(Case, rule.endpoint, path, method, role.value, response.status_code)
                if before != after:
                    changed = [t for t in before if before[t] != after.get(t)]
                    result.failures.append(case(f"database changed: {', '.join(changed)}"))
                if SECRET.encode() in body:
                    result.failures.append(case("answer shows workspace B's private data"))
                allowed = REFUSED | ({200} if public and method == "GET" else set())
                if method == "GET" and "GET" not in (rule.methods or ()):
                    # A POST-only address opened by GET sends the person to the page above
                    # it (issue 10, item 7): an address built from the path alone, revealing
                    # nothing; that page is walked here in its own right.
                    location = response.headers.get("Location", "")
                    above = location.removeprefix("http://localhost").rstrip("/")
                    if response.status_code == 303 and path.startswith(above + "/"):
                        allowed = allowed | {303}
                if response.status_code not in allowed:
                    result.failures.append(case(f"expected one of {sorted(allowed)}"))
    return result
