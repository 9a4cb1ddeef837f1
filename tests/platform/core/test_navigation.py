"""Navigation shows each person where their work is (issue 10, item 4): staff land on their
workspace admin, hub admins on the hub; /account links to orders and bookings; the hub links
to its billing page. Areas fill the registry; the base layout names no feature."""

from __future__ import annotations

import re

from londonhub.platform.core.navigation import NavItem, navigation, register_navigation


def test_staff_of_one_workspace_land_on_its_admin(client, auth, make_user, make_workspace) -> None:
    hackney = make_workspace("hackney", "Hackney CVS")
    make_user("staff@hackney.example.org", workspace=hackney, role="staff")
    response = auth.login("staff@hackney.example.org")
    assert response.headers["Location"] == "/b/hackney/admin/"
    header = client.get("/account").get_data(as_text=True).split("</header>")[0]
    assert 'href="/b/hackney/admin/"' in header and "Hackney CVS" in header


def test_hub_admin_lands_on_the_hub(client, auth, make_user) -> None:
    make_user("hub@example.org", hub_admin=True)
    assert auth.login("hub@example.org").headers["Location"] == "/hub/"


def test_people_with_several_or_no_places_of_work_land_on_their_account(
    client, auth, member, make_user
) -> None:
    assert auth.login(member.email).headers["Location"] == "/account"
    header = client.get("/account").get_data(as_text=True).split("</header>")[0]
    assert 'href="/account#workspaces"' in header
    auth.logout()
    make_user("public@example.org")
    assert auth.login("public@example.org").headers["Location"] == "/account"


def test_archived_workspace_is_not_a_place_of_work(client, auth, make_user, make_workspace) -> None:
    from londonhub.platform.core.extensions import db

    gone = make_workspace("gone", "Gone CVS")
    make_user("staff@gone.example.org", workspace=gone, role="staff")
    gone.status = "archived"
    db.session.commit()
    assert auth.login("staff@gone.example.org").headers["Location"] == "/account"


def test_account_links_to_orders_and_bookings(client, auth, make_user) -> None:
    make_user("public@example.org")
    auth.login("public@example.org")
    page = client.get("/account").get_data(as_text=True)
    main = page.split('id="main-content"')[1]
    assert 'href="/account/orders"' in main and "Your orders" in main
    assert 'href="/account/bookings"' in main


def test_hub_overview_links_to_hub_billing(client, auth, make_user) -> None:
    make_user("hub@example.org", hub_admin=True)
    auth.login("hub@example.org")
    page = client.get("/hub/").get_data(as_text=True)
    assert re.search(r'href="/hub/billing/"', page)
    assert client.get("/hub/billing/").status_code == 200


def test_registry_takes_providers_from_areas(app, make_user) -> None:
    user = make_user("someone@example.org")
    register_navigation(app, lambda u: [NavItem("Extra", "/extra", place="account")])
    with app.test_request_context("/"):
        labels = [item.label for item in navigation(user, "account")]
    assert labels[-1] == "Extra"
    assert "Your orders" in labels


def test_the_header_links_for_everyone_come_from_the_areas(app, client) -> None:
    """The base layout's main navigation names no feature: each public area registers its own
    header link. (The workspace banner below it is the workspace's own, by design.)"""
    from pathlib import Path

    import londonhub.platform.brand as brand

    layout = (Path(brand.__file__).parent / "templates" / "brand" / "base.html").read_text()
    layout = layout.split('<nav class="hub-nav"')[1].split("</nav>")[0]
    named = set(re.findall(r"url_for\('([a-z_]+)\.", layout))
    owners = {name: app.blueprints[name].import_name for name in named}
    assert all(
        owner.startswith(("londonhub.platform.core", "londonhub.platform.brand"))
        for owner in owners.values()
    ), owners
    header = client.get("/").get_data(as_text=True).split("</header>")[0]
    for path, label in (
        ("/rooms", "Rooms"),
        ("/opportunities", "Volunteer"),
        ("/resources", "Resources"),
    ):
        assert f'href="{path}">{label}</a>' in header
    assert header.index(">Rooms<") < header.index(">Volunteer<") < header.index(">Resources<")
