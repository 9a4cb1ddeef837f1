"""Public pages: London-wide search at /opportunities, each opportunity's page, and the
workspace page listing its own opportunities."""

from __future__ import annotations

from datetime import timedelta

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.platform.core.timeutil import london_today
from londonhub.tenants.volunteering.models import Opportunity, OpportunityStatus
from londonhub.tenants.volunteering.operations import search
from londonhub.tenants.volunteering.operations.search import Criteria, search_opportunities

from .conftest import future_day


def titles(**criteria) -> list[str]:
    return sorted(r.opportunity.title for r in search_opportunities(Criteria(**criteria)).results)


def test_search_lists_published_open_opportunities_across_london(
    client, make_opportunity, hackney, camden, camden_admin
) -> None:
    make_opportunity(title="Hackney helper")
    make_opportunity(title="Hackney draft", status=OpportunityStatus.DRAFT)
    make_opportunity(title="Hackney paused", status=OpportunityStatus.PAUSED)
    make_opportunity(workspace=camden, user=camden_admin, group="Camden group", title="Camden role")
    closed_soon = make_opportunity(title="Closing today", closing_date=london_today())
    page = client.get("/opportunities")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Hackney helper" in text and "Camden role" in text and "Closing today" in text
    assert "Hackney draft" not in text and "Hackney paused" not in text
    # The day after its closing date it leaves the listing.
    with tenant_context(hackney.id):
        db.session.get(Opportunity, closed_soon).closing_date = london_today() - timedelta(days=1)
        db.session.commit()
    assert "Closing today" not in titles()


def test_each_filter_narrows_the_search(
    make_opportunity, camden, camden_admin, make_workspace, make_user
) -> None:
    make_opportunity(
        title="Gardening",
        cause="environment",
        skills=["gardening"],
        group_size=10,
        minimum_age=12,
        step_free=True,
        sessions=((3, 4),),
    )
    make_opportunity(
        title="Phone befriending",
        cause="older-people",
        skills=["befriending"],
        remote=True,
        address="",
        postcode="",
        minimum_age=18,
        schedule="flexible",
        sessions=(),
    )
    make_opportunity(
        workspace=camden,
        user=camden_admin,
        group="Camden group",
        title="Camden tutoring",
        cause="education-literacy",
        skills=["teaching"],
        description="Reading with children after school.",
        sessions=((20, 3),),
    )
    sutton = make_workspace("sutton", "Sutton Volunteer Centre", borough="Sutton")
    sutton_admin = make_user("admin@sutton.example.org", workspace=sutton, role="owner")
    make_opportunity(workspace=sutton, user=sutton_admin, group="Sutton group", title="Sutton role")

    assert titles() == ["Camden tutoring", "Gardening", "Phone befriending", "Sutton role"]
    assert titles(q="reading children") == ["Camden tutoring"]
    assert titles(q="CAMDEN group") == ["Camden tutoring"]  # the group's name, any case
    assert titles(q="100%") == []
    assert titles(cause="environment") == ["Gardening"]
    assert titles(skill="befriending") == ["Phone befriending"]
    assert titles(borough="camden") == ["Camden tutoring"]
    # Islington borders both Camden and Hackney; Croydon borders Sutton.
    assert titles(borough="islington") == []
    assert titles(borough="islington", neighbours=True) == [
        "Camden tutoring",
        "Gardening",
        "Phone befriending",
    ]
    assert titles(borough="croydon", neighbours=True) == ["Sutton role"]
    assert titles(remote=True) == ["Phone befriending"]
    assert titles(groups=True) == ["Gardening"]
    assert titles(under_18=True) == ["Camden tutoring", "Gardening", "Sutton role"]
    assert titles(step_free=True) == ["Gardening"]
    # Dated sessions in the range; ongoing roles without dates are always there.
    assert titles(date_from=future_day(15), date_to=future_day(25)) == [
        "Camden tutoring",
        "Phone befriending",
    ]
    assert titles(date_from=future_day(2), date_to=future_day(4)) == [
        "Gardening",
        "Phone befriending",
    ]


def test_search_urls_are_shareable_and_paged(client, make_opportunity) -> None:
    for number in range(23):
        make_opportunity(title=f"Role {number:02d}", cause="sport", sessions=((number + 1, 2),))
    first = client.get("/opportunities?cause=sport&borough=hackney").get_data(as_text=True)
    assert first.count('class="card"') == 20
    assert "Role 00" in first and "Role 22" not in first
    assert 'href="/opportunities?page=2&amp;cause=sport&amp;borough=hackney"' in first
    second = client.get("/opportunities?page=2&cause=sport&borough=hackney").get_data(as_text=True)
    assert second.count('class="card"') == 3 and "Role 22" in second
    assert 'href="/opportunities?page=1&amp;cause=sport&amp;borough=hackney"' in second


def test_bad_search_input_is_a_form_error_not_a_failure(client) -> None:
    response = client.get("/opportunities?date_from=2027-02-10&date_to=2027-02-01")
    assert response.status_code == 400
    assert "The end of the date range must be on or after its start" in response.get_data(
        as_text=True
    )
    assert client.get("/opportunities?date_from=tomorrow&page=x&borough=nowhere").status_code == 400
    assert client.get("/opportunities?borough=nowhere&cause=nothing").status_code == 200


def test_search_statements_stay_constant_as_results_grow(
    client, make_opportunity, count_queries
) -> None:
    make_opportunity(title="First", sessions=((2, 3), (3, 3)))
    count_queries.clear()
    assert client.get("/opportunities").status_code == 200
    few = len(count_queries)
    for number in range(15):
        make_opportunity(group=f"Group {number}", title=f"Role {number}", sessions=((4, 2), (5, 2)))
    count_queries.clear()
    assert client.get("/opportunities?q=role").status_code == 200
    assert len(count_queries) == few, count_queries
    count_queries.clear()
    assert client.get("/b/hackney/").status_code == 200
    workspace_page = len(count_queries)
    make_opportunity(group="One more", title="Another", sessions=((6, 2),))
    count_queries.clear()
    assert client.get("/b/hackney/").status_code == 200
    assert len(count_queries) == workspace_page


def test_opportunity_page_shows_details_and_sessions_never_the_groups_contact(
    client, make_opportunity
) -> None:
    opportunity_id = make_opportunity(sessions=((4, 6),))
    page = client.get(f"/b/hackney/opportunities/{opportunity_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Warehouse helper" in text and "Hackney Food Bank" in text
    assert "Food poverty" in text and "6 of 6" in text and "Expenses paid" in text
    assert "fola@foodbank.example.org" not in text and "Fola Coordinator" not in text
    draft = make_opportunity(title="Not yet", status=OpportunityStatus.DRAFT)
    assert client.get(f"/b/hackney/opportunities/{draft}").status_code == 404
    # Under another workspace's address it does not exist.
    assert client.get(f"/b/camden/opportunities/{opportunity_id}").status_code == 404


def test_workspace_page_lists_its_own_opportunities_only(
    client, make_opportunity, camden, camden_admin
) -> None:
    make_opportunity(title="Hackney helper")
    make_opportunity(workspace=camden, user=camden_admin, group="Camden group", title="Camden role")
    text = client.get("/b/hackney/").get_data(as_text=True)
    assert "Volunteering opportunities" in text
    assert "Hackney helper" in text and "Camden role" not in text
    assert search.workspace_listing(camden)[0].opportunity.title == "Camden role"
