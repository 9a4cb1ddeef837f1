"""A person from a partner organisation signs in through their organisation's own OpenID
Connect provider in a real browser (headless Chromium, CSRF on, axe on every page of ours),
and a hub admin sets a partner up. The provider is oidc-provider-mock on 127.0.0.1."""

from __future__ import annotations

import re

import pytest

from londonhub.integrations.oidc import services
from londonhub.integrations.oidc.models import PartnerIdentity
from londonhub.platform.core.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.conftest import Site
from tests.integrations import conftest as oidc_fixtures
from tests.integrations.provider import PROVIDER_WARNINGS, free_port_url

pytestmark = [pytest.mark.e2e, *PROVIDER_WARNINGS]

# The provider fixtures of tests/integrations, used here too.
provider = oidc_fixtures.provider
make_partner = oidc_fixtures.make_partner
allow_loopback_providers = oidc_fixtures.allow_loopback_providers

EMAIL = "ada@camden.gov.uk"


def test_a_partner_member_signs_in_through_their_provider_and_sees_their_organisation(
    site: Site,
    live_server: str,
    provider,
    make_partner,
) -> None:
    partner = make_partner(provider, extra_redirect_uris=(f"{live_server}/login/sso/callback",))
    provider.set_user("sub-ada", email=EMAIL, email_verified=True, name="Ada Lovelace")
    page = site.page

    site.goto("/login")
    site.submit(page.get_by_role("link", name="Sign in with your organisation"))
    policy = page.evaluate("() => document.location.href")  # the sign-in page is ours
    assert policy.endswith("/login/sso")
    page.get_by_label("Work email address").fill(EMAIL)
    # The POST answers with a redirect to the provider: Chrome applies the page's CSP
    # form-action to it, so this navigation only succeeds because the page names the provider.
    with page.expect_navigation(url=re.compile(re.escape(provider.base_url) + "/oauth2/authorize")):
        page.get_by_role("button", name="Continue").click()
    assert page.url.startswith(f"{provider.base_url}/oauth2/authorize")
    assert "code_challenge=" in page.url and "nonce=" in page.url

    # At the provider: its own form (not our page, so not axe-checked here).
    page.locator("input[name=sub]").fill("sub-ada")
    with page.expect_navigation(url=f"{live_server}/partners/{partner.slug}"):
        page.get_by_role("button", name="Authorize").click()
    site.check()
    assert page.get_by_role("heading", level=1).inner_text() == "Camden Council"
    assert "You are signed in as ada@camden.gov.uk through Camden Council." in page.inner_text(
        "main"
    )
    assert page.get_by_role("cell", name="Ada Lovelace").is_visible()

    site.goto("/account")
    assert page.get_by_role("heading", name="Your partner organisations").is_visible()
    assert page.get_by_role("link", name="Camden Council").is_visible()
    assert db.session.query(PartnerIdentity).count() == 1

    # Sign out: ours ends, and the provider's sign-out is offered.
    site.submit(page.get_by_role("button", name="Sign out"))
    assert "/login/sso/signed-out/" in page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("You have signed out")
    offer = page.get_by_role("link", name="Sign out of Camden Council too")
    assert offer.get_attribute("href").startswith(f"{provider.base_url}/oauth2/end_session?")
    with page.expect_navigation():
        offer.click()
    assert page.url.startswith(f"{provider.base_url}/oauth2/end_session")
    site.goto("/account")  # signed out: the sign-in page
    assert page.url.startswith(f"{live_server}/login")


def test_a_hub_admin_sets_up_a_partner_and_tests_the_connection(
    site: Site,
    provider,
    make_user,
) -> None:
    make_user("hub@example.org", name="Hub Admin", hub_admin=True)
    client_id, secret = provider.register_client("http://127.0.0.1/login/sso/callback")
    page = site.page
    site.sign_in("hub@example.org", PASSWORD)
    site.goto("/hub/")
    site.submit(page.get_by_role("link", name="Partner organisations"))
    site.submit(page.get_by_role("link", name="Add a partner organisation"))
    site.submit(page.get_by_role("button", name="Add partner organisation"), status=400)
    assert "Enter the organisation's name" in page.locator(".error-summary").inner_text()
    page.get_by_label("Organisation name").fill("Camden Council")
    page.get_by_label("Type of organisation").select_option("council")
    page.get_by_label("Email domains").fill("camden.gov.uk")
    page.get_by_label("Issuer").fill(provider.issuer)
    page.get_by_label("Client ID").fill(client_id)
    page.get_by_label("Client secret").fill(secret)
    page.get_by_label("Claim-to-role rules (optional)").fill("groups = partner-admins -> admin")
    site.submit(page.get_by_role("button", name="Add partner organisation"))
    assert "will not be shown again" in page.inner_text("main")
    assert secret not in page.content()
    site.submit(page.get_by_role("button", name="Test connection"))
    assert page.get_by_role("heading", name="The connection works").is_visible()
    assert secret not in page.content()
    partner = services.list_partners()[0]
    db.session.refresh(partner)
    assert partner.authorization_origin == provider.base_url
    site.goto("/hub/partners")
    assert page.get_by_role("link", name="Camden Council").is_visible()


def test_sign_in_problems_are_explained_on_accessible_pages(site: Site, app) -> None:
    services.create_partner(
        name="Gone Trust",
        kind="charity",
        domains=["gone.example"],
        issuer=free_port_url(),
        client_id="x",
        client_secret="y",
    )
    db.session.commit()
    page = site.page
    site.goto("/login/sso")
    site.submit(page.get_by_role("button", name="Continue"), status=400)
    assert "Enter your email address" in page.locator(".error-summary").inner_text()
    page.get_by_label("Work email address").fill("someone@unknown.example")
    site.submit(page.get_by_role("button", name="Continue"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Your organisation is not set up yet"
    )
    assert page.get_by_role("link", name="Create an account with a password").is_visible()
    site.goto("/login/sso")
    page.get_by_label("Work email address").fill("bo@gone.example")
    site.submit(page.get_by_role("button", name="Continue"), status=503)
    assert "is not answering" in page.get_by_role("heading", level=1).inner_text()
    site.goto("/login/sso/callback?code=x&state=y", status=400)
