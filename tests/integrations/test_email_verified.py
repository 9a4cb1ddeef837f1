"""Only a JSON `true` in `email_verified` lets a partner's sign-in create or link an account.
The sign-in service is called directly with the claims, as the callback hands them over after
validating the ID token: no provider, no request."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from londonhub.integrations.oidc import services
from londonhub.integrations.oidc.models import PartnerIdentity, PartnerMembership
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User

ISSUER = "https://login.camden.example"
EMAIL = "ada@camden.gov.uk"
MISSING = object()

#: Every value that is not a JSON boolean true, including strings that look true.
NOT_VERIFIED = [
    pytest.param("false", id="string-false"),
    pytest.param(MISSING, id="missing"),
    pytest.param(None, id="null"),
    pytest.param(False, id="json-false"),
    pytest.param("true", id="string-true"),
    pytest.param("True", id="string-True"),
    pytest.param("", id="empty-string"),
    pytest.param(1, id="number-1"),
    pytest.param("yes", id="string-yes"),
    pytest.param(["true"], id="list"),
]


@pytest.fixture
def partner(app):
    partner = services.create_partner(
        name="Camden Council",
        kind="council",
        domains=["camden.gov.uk"],
        issuer=ISSUER,
        client_id="hub-client",
        client_secret="secret",
    )
    db.session.commit()
    return partner


def claims(verified: object) -> dict:
    found = {"iss": ISSUER, "sub": "sub-ada", "email": EMAIL, "name": "Ada"}
    if verified is not MISSING:
        found["email_verified"] = verified
    return found


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("verified", NOT_VERIFIED)
def test_no_account_is_created_unless_email_verified_is_json_true(partner, verified) -> None:
    with pytest.raises(services.SignInRefused) as refused:
        services.complete_sign_in(partner, claims(verified))
    assert refused.value.reason in ("email_not_verified", "email_verified_not_boolean")
    db.session.rollback()
    assert count(User) == count(PartnerIdentity) == count(PartnerMembership) == 0


@pytest.mark.parametrize("verified", NOT_VERIFIED)
def test_no_existing_account_is_offered_for_linking_unless_json_true(
    partner,
    make_user,
    verified,
) -> None:
    make_user(EMAIL)
    with pytest.raises(services.SignInRefused):
        services.complete_sign_in(partner, claims(verified))


def test_json_true_creates_the_account(partner) -> None:
    result = services.complete_sign_in(partner, claims(True))
    db.session.commit()
    assert result.created and result.user.email == EMAIL
    assert count(PartnerIdentity) == count(PartnerMembership) == 1


def test_json_true_offers_an_existing_account_for_linking(partner, make_user) -> None:
    make_user(EMAIL)
    with pytest.raises(services.LinkRequired) as link:
        services.complete_sign_in(partner, claims(True))
    assert link.value.email == EMAIL


def test_a_string_is_refused_with_its_own_reason(partner) -> None:
    """So the audit log tells the hub the provider sends strings, not that it did not verify."""
    with pytest.raises(services.SignInRefused) as refused:
        services.complete_sign_in(partner, claims("true"))
    assert refused.value.reason == "email_verified_not_boolean"
