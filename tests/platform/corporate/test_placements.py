"""Matching and placements: suitable opportunities in the employee's home borough first, then
its neighbours, ranked by cause, skills and time; a choice (or a request for help) waits for
that borough's workspace, which confirms it exactly once, paying itself its share through
billing while the hub keeps its own; the placement completes when hours are verified."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from londonhub.billing import services as billing
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace, hub_scope, tenant_context
from londonhub.platform.core.timeutil import london_today
from londonhub.platform.corporate.models import (
    CorporatePlacement,
    CorporatePurchase,
    PlacementStatus,
)
from londonhub.platform.corporate.operations import (
    CorporateError,
    accounts,
    impact,
    matching,
    placements,
)
from londonhub.tenants.volunteering.models import (
    OpportunitySession,
    ResponseStatus,
    VolunteerResponse,
)
from londonhub.tenants.volunteering.operations import hours as volunteering_hours
from tests.billing.conftest import StripeDriver
from tests.billing.test_connect import connected_account

from .conftest import BUYER, corporate_opportunity


@pytest.fixture
def listings(boroughs) -> dict[str, int]:
    hackney, islington = boroughs["hackney"], boroughs["islington"]
    h_admin, i_admin = boroughs["hackney_admin"], boroughs["islington_admin"]
    return {
        "food": corporate_opportunity(hackney, h_admin, title="Food bank team"),
        "garden": corporate_opportunity(
            hackney, h_admin, title="Hackney gardening", cause="environment", group="Green"
        ),
        "solo": corporate_opportunity(hackney, h_admin, title="Solo role", group_size=None),
        "skills": corporate_opportunity(
            islington,
            i_admin,
            title="Islington charity finance",
            group="Islington Aid",
            group_size=None,
            skills_based=True,
            cause="environment",
            skills=["finance"],
        ),
        "far": corporate_opportunity(
            boroughs["bromley"], boroughs["bromley_admin"], title="Bromley", group="Far"
        ),
    }


def titles(person: User) -> list[str]:
    return [m.opportunity.title for m in matching.matches(person)]


def test_matches_are_suitable_nearby_and_ranked_home_first(employee, listings):
    person = employee("zoe@acme.example.com", "hackney", causes=["environment"], skills=["finance"])
    assert titles(person) == ["Hackney gardening", "Food bank team", "Islington charity finance"]
    islington = employee("ian@acme.example.com", "islington", causes=["environment"])
    assert titles(islington)[0] == "Islington charity finance"
    assert "Bromley" not in titles(islington) and "Solo role" not in titles(islington)


def test_full_and_closed_opportunities_are_not_offered_and_cannot_be_chosen(
    employee, listings, boroughs
):
    person = employee("zoe@acme.example.com", "hackney")
    with tenant_context(boroughs["hackney"].id):
        for session in db.session.scalars(
            select(OpportunitySession).where(OpportunitySession.opportunity_id == listings["food"])
        ):
            session.places_taken = session.places
        db.session.commit()
    assert "Food bank team" not in titles(person)
    with pytest.raises(CorporateError, match="full, closed or not near where you live"):
        matching.choose(person, f"hackney:{listings['food']}")
    with pytest.raises(CorporateError, match="full, closed or not near where you live"):
        matching.choose(person, f"bromley:{listings['far']}")
    with pytest.raises(CorporateError, match="Choose one of the opportunities listed"):
        matching.choose(person, "hackney:abc")
    db.session.rollback()
    with hub_scope("test"):
        assert db.session.scalar(select(func.count()).select_from(CorporatePlacement)) == 0


def test_an_employee_without_a_company_place_cannot_use_the_pages(make_user, signed_in):
    make_user("walk.in@example.org")
    person = signed_in("walk.in@example.org")
    assert person.get("/corporate/me").status_code == 403
    assert person.post("/corporate/me/choose", data={"opportunity": "hackney:1"}).status_code == 403


def confirm_as_hackney(signed_in, placement_id: int, **form: str):
    return signed_in("admin@hackney.example.org").post(
        f"/b/hackney/admin/corporate/placements/{placement_id}/confirm",
        data=form,
        follow_redirects=True,
    )


def only_placement() -> CorporatePlacement:
    with hub_scope("test"):
        return db.session.scalar(select(CorporatePlacement))


def test_the_workspace_confirms_a_choice_once_and_is_paid_its_share(
    employee, listings, signed_in, boroughs, outbox
):
    employee("zoe@acme.example.com", "hackney")
    zoe = signed_in("zoe@acme.example.com")
    response = zoe.post("/corporate/me/choose", data={"opportunity": f"hackney:{listings['food']}"})
    assert response.status_code == 302
    again = zoe.post("/corporate/me/choose", data={"opportunity": f"hackney:{listings['garden']}"})
    assert again.status_code == 400 and "already have a placement" in again.get_data(as_text=True)

    page = signed_in("admin@hackney.example.org").get("/b/hackney/admin/corporate/")
    assert "Zoe" in page.get_data(as_text=True) and "Food bank team" in page.get_data(as_text=True)
    assert (
        signed_in("admin@camden.example.org").get("/b/hackney/admin/corporate/").status_code == 403
    )

    placement = only_placement()
    page = confirm_as_hackney(signed_in, placement.id).get_data(as_text=True)
    assert "The placement is confirmed" in page
    page = confirm_as_hackney(signed_in, placement.id).get_data(as_text=True)
    assert "confirmed or closed already" in page
    db.session.expire_all()
    placement = only_placement()
    assert (placement.status, placement.workspace_share_pence, placement.hub_share_pence) == (
        PlacementStatus.CONFIRMED,
        10000,
        5000,
    )
    hackney = db.session.get(Workspace, boroughs["hackney"].id)
    assert [(e.kind.value, e.amount_pence, e.held_by_hub) for e in billing.ledger(hackney)] == [
        ("transfer", 10000, True)
    ]
    hub_rows = [(e.kind.value, e.amount_pence) for e in billing.ledger(billing.hub_workspace())]
    assert sorted(hub_rows) == [("charge", 90000), ("transfer", -10000)]
    with tenant_context(hackney.id):
        response = db.session.scalar(select(VolunteerResponse))
    assert response.status == ResponseStatus.ACCEPTED
    assert any(
        "Your volunteering placement" in m["Subject"] for m in outbox.to("zoe@acme.example.com")
    )
    assert placements.income(hackney) == 10000


def test_asking_for_help_waits_in_the_home_borough_and_a_decline_lets_them_choose_again(
    employee, listings, signed_in, boroughs
):
    employee("zoe@acme.example.com", "hackney")
    zoe = signed_in("zoe@acme.example.com")
    zoe.post("/corporate/me/choose", data={"help": "1", "message": "Anything outdoors"})
    placement = only_placement()
    assert (placement.tenant_id, placement.opportunity_id) == (boroughs["hackney"].id, None)
    page = confirm_as_hackney(signed_in, placement.id).get_data(as_text=True)
    assert "Choose the opportunity to place them on" in page
    declined = signed_in("admin@hackney.example.org").post(
        f"/b/hackney/admin/corporate/placements/{placement.id}/decline",
        data={"reason": "Nothing outdoors this month"},
    )
    assert declined.status_code == 302
    assert "Nothing outdoors this month" in zoe.get("/corporate/me").get_data(as_text=True)
    assert (
        zoe.post(
            "/corporate/me/choose", data={"opportunity": f"hackney:{listings['garden']}"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    placement = [p for p in _all() if p.status == PlacementStatus.WAITING][0]
    page = confirm_as_hackney(signed_in, placement.id, opportunity_id=str(listings["food"]))
    assert "The placement is confirmed" in page.get_data(as_text=True), page.get_data(as_text=True)[
        -3000:
    ]
    db.session.expire_all()
    assert [p.status for p in _all()] == [PlacementStatus.DECLINED, PlacementStatus.CONFIRMED]
    assert _all()[1].opportunity_id == listings["food"]  # the workspace placed them elsewhere


def _all() -> list[CorporatePlacement]:
    with hub_scope("test"):
        return list(db.session.scalars(select(CorporatePlacement).order_by(CorporatePlacement.id)))


def test_no_places_left_refuses_the_confirmation_and_changes_nothing(
    employee, listings, signed_in, boroughs
):
    person = employee("zoe@acme.example.com", "hackney")
    matching.choose(person, f"hackney:{listings['food']}")
    for purchase in db.session.scalars(select(CorporatePurchase)):
        purchase.expires_on = london_today() - timedelta(days=1)
    db.session.commit()
    page = confirm_as_hackney(signed_in, only_placement().id).get_data(as_text=True)
    assert "no places left to use" in page
    db.session.expire_all()
    assert only_placement().status == PlacementStatus.WAITING
    assert billing.ledger(db.session.get(Workspace, boroughs["hackney"].id)) == []


def test_verified_hours_complete_the_placement_on_the_companys_dashboard(
    employee, listings, signed_in, boroughs
):
    person = employee("zoe@acme.example.com", "hackney")
    matching.choose(person, f"hackney:{listings['garden']}")
    db.session.commit()
    confirm_as_hackney(signed_in, only_placement().id)
    hackney = db.session.get(Workspace, boroughs["hackney"].id)
    person = db.session.get(User, person.id)
    logged = volunteering_hours.record_hours(
        person, hackney, listings["garden"], london_today(), 150
    ).id
    db.session.commit()
    account = accounts.account_of(db.session.scalar(select(User).where(User.email == BUYER)))
    assert impact.impact(account).completed == 0
    volunteering_hours.verify(boroughs["hackney_admin"], hackney, logged, True)
    db.session.commit()
    found = impact.impact(account)
    assert (found.completed, found.hours, found.by_borough, found.by_cause) == (
        1,
        2.5,
        [("Hackney", 1)],
        [("Environment", 1)],
    )
    company = signed_in(BUYER)
    page = company.get("/corporate/account").get_data(as_text=True)
    assert "<strong>1</strong> completed" in page and "Employees placed by borough" in page
    csv = company.get("/corporate/account/impact.csv").get_data(as_text=True)
    assert "Verified hours,2.5" in csv and "Hackney,1" in csv and "Zoe,Completed,Hackney" in csv
    # The company sees its employee's name and status, never their profile.
    assert "zoe@acme.example.com" not in company.get("/corporate/account/impact").get_data(
        as_text=True
    )


@pytest.mark.postgres
def test_two_confirmations_at_once_make_exactly_one_placement(app, employee, listings, boroughs):
    person = employee("zoe@acme.example.com", "hackney")
    matching.choose(person, f"hackney:{listings['food']}")
    db.session.commit()
    placement_id = only_placement().id
    staff = [boroughs["hackney_admin"].id, boroughs["hackney_admin"].id]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(user_id: int) -> None:
        with app.app_context(), app.test_request_context():
            try:
                actor = db.session.get(User, user_id)
                hackney = db.session.get(Workspace, boroughs["hackney"].id)
                barrier.wait(timeout=10)
                placements.confirm(actor, hackney, placement_id)
                db.session.commit()
                result = "confirmed"
            except CorporateError as exc:
                db.session.rollback()
                result = str(exc)
            except Exception as exc:  # report, do not hide
                db.session.rollback()
                result = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(who,)) for who in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["This placement was confirmed or closed already", "confirmed"]
    db.session.expire_all()
    hackney = db.session.get(Workspace, boroughs["hackney"].id)
    assert [e.amount_pence for e in billing.ledger(hackney)] == [10000]
    with tenant_context(hackney.id):
        assert db.session.scalar(select(func.count()).select_from(VolunteerResponse)) == 1


@pytest.mark.stripe
def test_a_connected_workspace_is_paid_its_share_by_stripe_transfer(
    package, buyer, make_user, signed_in, boroughs, listings, fake_stripe, client
):
    account_id = connected_account(fake_stripe, boroughs["hackney"])
    company = signed_in(BUYER)
    response = company.post(
        "/corporate/buy",
        data={
            "package_id": str(package.id),
            "quantity": "2",
            "company_name": "Acme Ltd",
            "company_number": "01234567",
            "billing_address": "1 Finsbury Square, London EC2A 1AE",
            "payment": "card",
        },
    )
    fake_stripe.pay_session(response.headers["Location"].rsplit("/", 1)[1])
    StripeDriver(fake_stripe, client).deliver()
    company.post("/corporate/account/employees", data={"invite-email": "zoe@acme.example.com"})
    from londonhub.platform.corporate.operations import employees

    person = make_user("zoe@acme.example.com", name="Zoe")
    invited = db.session.scalar(select(employees.CorporateEmployee))
    employees.accept(person, employees.invitation_link(invited).rsplit("/", 1)[1])
    matching.save_profile(person, {"home_borough": "hackney"})
    matching.choose(person, f"hackney:{listings['food']}")
    db.session.commit()
    confirm_as_hackney(signed_in, only_placement().id)
    [transfer] = [o for o in fake_stripe.all_objects() if o["object"] == "transfer"]
    assert (transfer["destination"], transfer["amount"]) == (account_id, 10000)
    hackney = db.session.get(Workspace, boroughs["hackney"].id)
    assert [(e.amount_pence, e.held_by_hub, e.source_id) for e in billing.ledger(hackney)] == [
        (10000, False, transfer["id"])
    ]
