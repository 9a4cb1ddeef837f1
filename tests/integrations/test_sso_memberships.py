"""A partner membership that came through a partner's sign-in lasts only as long as that
sign-in: revoking the link, turning the organisation's sign-in off or dropping the person's
domain ends it; and it is proven by signing in through the organisation, never by a password."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from londonhub.integrations.oidc import services
from londonhub.integrations.oidc.models import PartnerIdentity, PartnerMembership
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import get_user_by_email
from tests.conftest import PASSWORD

from .conftest import sso_sign_in
from .provider import PROVIDER_WARNINGS

pytestmark = PROVIDER_WARNINGS

BOB = "bob@camden.gov.uk"
NEW_PASSWORD = "a fresh and longer phrase"


def memberships(email: str) -> int:
    db.session.expire_all()
    user = get_user_by_email(email)
    return db.session.scalar(
        select(func.count())
        .select_from(PartnerMembership)
        .where(PartnerMembership.user_id == user.id)
    )


def reset_password(client, outbox, email: str) -> None:
    """The real reset flow: the person asks, opens the emailed link, chooses a password."""
    client.post("/password/forgot", data={"email": email})
    link = outbox.link(outbox.to(email)[-1])
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.text[-500:]


def password_sign_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": NEW_PASSWORD})
    assert response.status_code == 302, response.text[-500:]
    return client


@pytest.fixture
def bob_signed_in_through_camden(app, provider, make_partner):
    partner = make_partner(provider, domains=("camden.gov.uk", "camden.example"))
    provider.set_user("sub-bob", email=BOB, email_verified=True, name="Bob")
    client = app.test_client()
    assert sso_sign_in(client, provider, BOB, "sub-bob").status_code == 302
    assert client.get(f"/partners/{partner.slug}").status_code == 200
    assert memberships(BOB) == 1
    return partner


def test_revoking_the_sign_in_link_ends_the_partner_membership_it_made(
    app, outbox, bob_signed_in_through_camden
) -> None:
    partner = bob_signed_in_through_camden
    identity = db.session.scalar(select(PartnerIdentity))
    services.revoke_identity(services.get_partner(partner.id), identity.id)
    db.session.commit()

    reset_password(app.test_client(), outbox, BOB)
    bob = password_sign_in(app, BOB)
    assert bob.get(f"/partners/{partner.slug}").status_code == 404
    assert "Camden Council" not in bob.get("/account").get_data(as_text=True)
    assert memberships(BOB) == 0


def test_a_membership_from_sign_in_is_not_opened_by_a_password_session(
    app, outbox, provider, bob_signed_in_through_camden
) -> None:
    partner = bob_signed_in_through_camden
    reset_password(app.test_client(), outbox, BOB)
    bob = password_sign_in(app, BOB)
    page = bob.get(f"/partners/{partner.slug}")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "Sign in through Camden Council" in html and 'href="/login/sso"' in html
    assert "<h1>Camden Council</h1>" not in html, "not the organisation's page"

    # Signing in through the organisation opens it again.
    again = app.test_client()
    assert sso_sign_in(again, provider, BOB, "sub-bob").status_code == 302
    assert again.get(f"/partners/{partner.slug}").status_code == 200


def test_turning_an_organisations_sign_in_off_ends_the_memberships_it_made(
    app, make_user, bob_signed_in_through_camden
) -> None:
    partner = services.get_partner(bob_signed_in_through_camden.id)
    # Someone the organisation added by other means keeps their place.
    ada = make_user("ada@camden.gov.uk")
    db.session.add(PartnerMembership(partner_id=partner.id, user_id=ada.id))
    db.session.commit()
    services.update_partner(
        partner,
        name=partner.name,
        kind=partner.kind,
        domains=[d.domain for d in partner.domains],
        issuer=partner.issuer,
        client_id=partner.client_id,
        is_enabled=False,
    )
    db.session.commit()
    assert memberships(BOB) == 0
    assert memberships("ada@camden.gov.uk") == 1


def test_removing_a_domain_ends_the_sign_ins_and_memberships_at_it(
    app, provider, bob_signed_in_through_camden
) -> None:
    partner = services.get_partner(bob_signed_in_through_camden.id)
    provider.set_user("sub-cat", email="cat@camden.example", email_verified=True, name="Cat")
    assert sso_sign_in(app.test_client(), provider, "cat@camden.example", "sub-cat").status_code
    assert memberships("cat@camden.example") == 1

    services.update_partner(
        partner,
        name=partner.name,
        kind=partner.kind,
        domains=["camden.gov.uk"],
        issuer=partner.issuer,
        client_id=partner.client_id,
    )
    db.session.commit()
    assert memberships("cat@camden.example") == 0
    assert memberships(BOB) == 1
    emails = set(db.session.scalars(select(PartnerIdentity.email)))
    assert emails == {BOB}, "the organisation no longer vouches for cat@camden.example"


def test_linking_a_password_account_is_proof_enough_for_that_session(
    app, provider, make_partner, make_user
) -> None:
    partner = make_partner(provider)
    make_user(BOB, name="Bob Existing")
    provider.set_user("sub-bob", email=BOB, email_verified=True)
    client = app.test_client()
    html = sso_sign_in(client, provider, BOB, "sub-bob").get_data(as_text=True)
    login_url = html.split('class="button" href="')[1].split('"')[0].replace("&amp;", "&")
    link_path = client.post(login_url, data={"email": BOB, "password": PASSWORD}).headers[
        "Location"
    ]
    assert client.post(link_path).headers["Location"] == f"/partners/{partner.slug}"
    assert client.get(f"/partners/{partner.slug}").status_code == 200

    # Next time, a password alone does not open it.
    later = app.test_client()
    later.post("/login", data={"email": BOB, "password": PASSWORD})
    assert later.get(f"/partners/{partner.slug}").status_code == 403
