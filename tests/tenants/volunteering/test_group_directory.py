"""The public directory of local groups: per workspace and London-wide, listed groups only,
paged, and never showing a group's contact person or address."""

from __future__ import annotations

from londonhub.platform.core.extensions import db
from londonhub.tenants.volunteering.operations import groups

from .conftest import group_values


def test_listed_groups_appear_per_workspace_and_across_london_without_contacts(
    client, admin, camden_admin, hackney, camden, make_opportunity
) -> None:
    make_opportunity()  # Hackney Food Bank, with a published opportunity
    groups.save_group(admin, hackney, group_values(name="Hidden Allotment", listed_publicly=False))
    groups.save_group(
        camden_admin,
        camden,
        group_values(name="Camden Chess Club", causes=["sport"], kind="unincorporated"),
    )
    db.session.commit()
    london = client.get("/groups").get_data(as_text=True)
    assert "Hackney Food Bank" in london and "Camden Chess Club" in london
    assert "Hidden Allotment" not in london
    assert "Fola Coordinator" not in london and "fola@foodbank" not in london
    assert "1 Mare Street" not in london
    assert "1 volunteering opportunity" in london
    hackney_page = client.get("/b/hackney/groups/").get_data(as_text=True)
    assert "Hackney Food Bank" in hackney_page and "Camden Chess Club" not in hackney_page
    sport = client.get("/groups?cause=sport").get_data(as_text=True)
    assert "Camden Chess Club" in sport and "Hackney Food Bank" not in sport
    only_camden = client.get("/groups?borough=camden").get_data(as_text=True)
    assert "Camden Chess Club" in only_camden and "Hackney Food Bank" not in only_camden


def test_the_directory_is_paged(client, admin, hackney) -> None:
    for number in range(23):
        groups.save_group(admin, hackney, group_values(name=f"Group {number:02d}"))
    db.session.commit()
    first = client.get("/b/hackney/groups/").get_data(as_text=True)
    assert "Group 19" in first and "Group 20" not in first and "Next page" in first
    second = client.get("/b/hackney/groups/?page=2").get_data(as_text=True)
    assert "Group 20" in second and "Group 22" in second and "Previous page" in second
    assert client.get("/groups?page=99999999999999999999999").status_code == 200
