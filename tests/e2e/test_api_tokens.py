"""Issue 16 (the API) in the browser: a workspace admin makes an API token (errors first), sees
it once, uses it, sees when it was last used, and revokes it. axe checks every page."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import Site

pytestmark = [pytest.mark.e2e]

ADMIN = "admin@hackney.example.org"


@pytest.fixture
def world(make_workspace, make_user):
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    make_user(ADMIN, name="Ada Admin", workspace=hackney, role="admin")
    return hackney


def test_an_admin_makes_uses_and_revokes_an_api_token(site: Site, world) -> None:
    page = site.page
    site.sign_in(ADMIN, PASSWORD)
    site.goto("/b/hackney/admin/")
    site.submit(page.get_by_role("link", name="API tokens"))
    site.submit(page.get_by_role("button", name="Make token"), status=400)
    page.get_by_label("Name").fill("Our CRM")
    page.get_by_label("What it may do").select_option("read")
    site.submit(page.get_by_role("button", name="Make token"), status=201)
    token = page.get_by_label("Token").input_value()
    assert token.startswith("lhapi_")

    answer = page.request.get(
        f"{site.base_url}/api/v1/workspaces/hackney/bookings",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status == 200 and answer.json() == {"data": [], "next_cursor": None}

    site.goto("/b/hackney/admin/api-tokens/")
    assert token not in page.content()
    row = page.get_by_role("row", name="Our CRM")
    assert "Never" not in row.inner_text()
    site.submit(row.get_by_role("button", name="Revoke Our CRM"))
    assert "Revoked" in page.get_by_role("row", name="Our CRM").inner_text()
    refused = page.request.get(
        f"{site.base_url}/api/v1/workspaces/hackney/bookings",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status == 401
    assert refused.headers["content-type"] == "application/problem+json"
