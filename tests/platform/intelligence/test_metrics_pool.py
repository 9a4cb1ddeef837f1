"""The data dictionary's hub-level areas (corporate, consultancy, resources) from records
built here: credited to the workspace their records name, in the period, and nothing else."""

from __future__ import annotations

from datetime import timedelta

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context

from .conftest import IN_APRIL, IN_MARCH
from .test_metrics import figure


def _company(records):
    from londonhub.platform.corporate.models import (
        CorporateAccount,
        CorporatePackage,
        PackageKind,
        VatTreatment,
    )

    account = CorporateAccount(name="Acme", company_number="01234567", billing_address="1 Road")
    package = CorporatePackage(
        name="Team day",
        kind=PackageKind.PER_EMPLOYEE,
        price_pence=1000,
        vat=VatTreatment.EXEMPT,
        hub_share_pence=400,
        workspace_share_pence=600,
    )
    db.session.add_all([account, package])
    db.session.flush()
    return account, package


def test_corporate_places_bought_and_placed(records, two_boroughs):
    from londonhub.billing.operations.orders import hub_workspace
    from londonhub.platform.corporate.models import (
        CorporateEmployee,
        CorporatePlacement,
        CorporatePurchase,
    )

    hackney, camden = two_boroughs
    hub = hub_workspace()
    account, package = _company(records)

    def purchase(places, refunded=0, status="paid", at=IN_MARCH):
        db.session.add(
            CorporatePurchase(
                account_id=account.id,
                package_id=package.id,
                quantity=places,
                places=places,
                places_refunded=refunded,
                place_price_pence=1000,
                hub_share_pence=400,
                workspace_share_pence=600,
                total_pence=1000 * places,
                status=status,
                order_tenant_id=hub.id,
                paid_at=at,
            )
        )

    purchase(10, refunded=2)
    purchase(5, status="pending", at=None)
    purchase(3, at=IN_APRIL)
    db.session.flush()
    opportunity = records.opportunity(hackney)

    def placement(ws, status="confirmed", at=IN_MARCH):
        person = records.person()
        employee = CorporateEmployee(account_id=account.id, email=person.email, user_id=person.id)
        db.session.add(employee)
        db.session.flush()
        with tenant_context(ws.id):
            db.session.add(
                CorporatePlacement(
                    account_id=account.id,
                    employee_id=employee.id,
                    user_id=person.id,
                    opportunity_id=opportunity.id if ws is hackney else None,
                    status=status,
                    confirmed_at=at,
                )
            )
            db.session.flush()

    placement(hackney)
    placement(hackney)
    placement(hackney, status="waiting", at=None)
    placement(hackney, at=IN_APRIL)
    placement(camden)
    assert figure("corporate.places_bought") == {hub.id: 8}
    assert figure("corporate.placed") == {hackney.id: 2, camden.id: 1}


def test_consultancy_enquiries_engagements_and_lifeboat_by_the_borough_named(records, two_boroughs):
    from londonhub.platform.consultancy import models as c
    from londonhub.platform.core.timeutil import london_today

    hackney, camden = two_boroughs
    client, adviser = records.person(), records.person()
    associate = c.Associate(
        user_id=adviser.id,
        slug="adviser",
        name="Adviser",
        headline="Governance",
        expertise="|governance|",
        boroughs="|hackney|",
        day_rate_pence=40_000,
    )
    db.session.add(associate)
    db.session.flush()

    def enquiry(borough, at=IN_MARCH, engaged_at=None):
        row = c.Enquiry(
            client_user_id=client.id,
            associate_id=associate.id,
            organisation="Charity",
            needs="Help",
            borough=borough,
            created_at=at,
        )
        db.session.add(row)
        db.session.flush()
        if engaged_at is not None:
            quote = c.Quote(
                enquiry_id=row.id,
                associate_id=associate.id,
                expires_on=london_today() + timedelta(days=30),
                total_pence=100_000,
            )
            db.session.add(quote)
            db.session.flush()
            db.session.add(
                c.Engagement(
                    quote_id=quote.id,
                    enquiry_id=row.id,
                    associate_id=associate.id,
                    client_user_id=client.id,
                    status=c.EngagementStatus.ACTIVE,
                    total_pence=100_000,
                    deposit_pence=0,
                    created_at=engaged_at,
                )
            )
        return row

    enquiry("hackney", engaged_at=IN_MARCH)
    enquiry("hackney", engaged_at=IN_APRIL)
    enquiry("hackney", at=IN_APRIL)
    enquiry("camden")
    enquiry("")  # no borough named: credited to no workspace
    for borough, at in (("hackney", IN_MARCH), ("", IN_MARCH), ("camden", IN_APRIL)):
        db.session.add(
            c.LifeboatRequest(
                organisation="Sinking",
                contact_name="Contact",
                contact_email="contact@example.org",
                borough=borough,
                situation=c.LifeboatSituation.CASH_FLOW,
                details="Details",
                created_at=at,
            )
        )
    db.session.flush()
    assert figure("consultancy.enquiries") == {hackney.id: 2, camden.id: 1, None: 1}
    assert figure("consultancy.engagements") == {hackney.id: 1}
    assert figure("consultancy.lifeboat_requests") == {hackney.id: 1, None: 1}


def test_resources_published_checked_adopted_and_downloaded(records, two_boroughs):
    from londonhub.platform.resources.models import (
        Resource,
        ResourceAdoption,
        ResourceReview,
        ResourceVersion,
    )

    hackney, camden = two_boroughs

    def resource(owner, first_published=IN_MARCH, downloads=0):
        row = Resource(
            owner_workspace_id=owner.id,
            title="Guide",
            resource_type="briefing",
            audience="everyone",
            published_number=1 if first_published else None,
            download_count=downloads,
            created_at=IN_MARCH - timedelta(days=5),
        )
        db.session.add(row)
        db.session.flush()
        if first_published:
            for number, at in ((1, first_published), (2, first_published + timedelta(days=1))):
                db.session.add(
                    ResourceVersion(
                        resource_id=row.id,
                        number=number,
                        title="Guide",
                        resource_type="briefing",
                        audience="everyone",
                        published_at=at,
                    )
                )
        db.session.flush()
        return row

    guide = resource(hackney, downloads=7)
    resource(hackney, first_published=IN_APRIL, downloads=2)
    resource(hackney, first_published=None, downloads=50)  # never published
    other = resource(camden, downloads=1)
    reviews = ((1, "approve", IN_MARCH), (2, "changes", IN_MARCH), (3, "approve", IN_APRIL))
    for version, decision, at in reviews:
        db.session.add(
            ResourceReview(
                resource_id=guide.id,
                version_number=version,
                reviewer_workspace_id=camden.id,
                decision=decision,
                created_at=at,
            )
        )
        db.session.flush()
    with tenant_context(camden.id):
        db.session.add(ResourceAdoption(resource_id=guide.id, created_at=IN_MARCH))
        db.session.flush()
    with tenant_context(hackney.id):
        db.session.add(ResourceAdoption(resource_id=other.id, created_at=IN_APRIL))
        db.session.flush()
    db.session.flush()
    assert figure("resources.published") == {hackney.id: 1, camden.id: 1}
    assert figure("resources.checked") == {hackney.id: 1}
    assert figure("resources.adopted") == {camden.id: 1}
    assert figure("resources.downloads") == {hackney.id: 9, camden.id: 1}
