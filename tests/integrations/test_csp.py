"""Browsers apply the CSP's form-action to the redirect after a form POST: the sign-in page
names the providers it may lead to, and a provider not yet known gets a link instead."""

from __future__ import annotations

from .conftest import sso_sign_in
from .provider import PROVIDER_WARNINGS

pytestmark = PROVIDER_WARNINGS


def form_action(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(p for p in policy.split("; ") if p.startswith("form-action"))


def test_the_sign_in_page_may_lead_to_known_providers_only(client, provider, make_partner):
    make_partner(provider)
    assert provider.base_url in form_action(client.get("/login/sso"))
    assert provider.base_url not in form_action(client.get("/login"))
    assert provider.base_url not in form_action(client.get("/"))


def test_a_provider_not_yet_known_is_reached_by_a_link(client, provider, make_partner):
    make_partner(provider, learn_origin=False)
    assert provider.base_url not in form_action(client.get("/login/sso"))
    response = client.post("/login/sso", data={"email": "ada@camden.gov.uk"})
    assert response.status_code == 200
    assert "Continue to Camden Council" in response.get_data(as_text=True)
    # Learnt now: the next person is redirected straight away.
    assert provider.base_url in form_action(client.get("/login/sso"))
    provider.set_user("sub-ada", email="ada@camden.gov.uk", email_verified=True)
    assert sso_sign_in(client, provider, "ada@camden.gov.uk", "sub-ada").status_code == 302
