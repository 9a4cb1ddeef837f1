"""Signing in through a partner organisation's own OpenID Connect provider, end to end over
http against a real provider (oidc-provider-mock), and every way it must refuse."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from londonhub.integrations.oidc import services
from londonhub.integrations.oidc.models import (
    PartnerIdentity,
    PartnerMembership,
    PartnerRole,
    SsoReplayGuard,
)
from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User, get_user_by_email
from tests.conftest import PASSWORD
from tests.platform.core.helpers import SESSION_COOKIE, signed_in

from .conftest import TEST_CALLBACK, sso_sign_in, start_sso
from .provider import PROVIDER_WARNINGS, callback_path, free_port_url, run_provider

pytestmark = PROVIDER_WARNINGS

EMAIL = "ada@camden.gov.uk"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def audit_reasons(action: str = "partner_sso.failed") -> list[str]:
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
    return [e.details.get("reason") for e in events]


def nothing_created() -> None:
    assert count(User) == 0
    assert count(PartnerIdentity) == 0
    assert count(PartnerMembership) == 0


def test_first_sign_in_creates_the_account_and_lands_on_the_organisation(
    client, provider, make_partner
) -> None:
    partner = make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True, name="Ada Lovelace")

    response = sso_sign_in(client, provider, EMAIL, "sub-ada")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/partners/{partner.slug}"
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Camden Council</h1>" in html and "Ada Lovelace" in html
    user = get_user_by_email(EMAIL)
    assert user.name == "Ada Lovelace" and user.email_verified and user.password_hash is None
    identity = db.session.scalar(select(PartnerIdentity))
    assert (identity.issuer, identity.subject, identity.user_id) == (
        provider.issuer,
        "sub-ada",
        user.id,
    )
    membership = db.session.scalar(select(PartnerMembership))
    assert (membership.partner_id, membership.role) == (partner.id, PartnerRole.MEMBER)
    account = client.get("/account").get_data(as_text=True)
    assert "Your partner organisations" in account and "Camden Council" in account
    assert set(audit_reasons("partner_sso.started")) == {None}
    assert count(AuditEvent) >= 3
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"partner_sso.started", "partner_sso.provisioned", "partner_sso.signed_in"} <= actions


def test_the_identity_not_the_email_decides_who_signs_in(client, provider, make_partner) -> None:
    make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True, name="Ada")
    assert sso_sign_in(client, provider, EMAIL, "sub-ada").status_code == 302
    first = get_user_by_email(EMAIL).id
    client.post("/logout")
    # The provider now reports another address for the same subject: still the same person.
    provider.set_user("sub-ada", email="ada.l@camden.gov.uk", email_verified=True)
    assert sso_sign_in(client, provider, EMAIL, "sub-ada").status_code == 302
    assert count(User) == 1 and count(PartnerIdentity) == 1
    assert get_user_by_email(EMAIL).id == first
    assert signed_in(client)


def test_an_existing_password_account_is_linked_only_after_a_password_sign_in(
    app, client, provider, make_partner, make_user
) -> None:
    partner = make_partner(provider)
    owner = make_user(EMAIL, name="Ada Existing")
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)

    response = sso_sign_in(client, provider, EMAIL, "sub-ada")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You already have an account" in html
    assert not signed_in(client), "the provider's word alone never takes over an account"
    assert count(PartnerIdentity) == 0 and count(PartnerMembership) == 0
    login_url = html.split('class="button" href="')[1].split('"')[0].replace("&amp;", "&")
    assert login_url.startswith("/login?next=")
    link_path = parse_qs(urlsplit(login_url).query)["next"][0]

    # Someone else's password does not link it.
    make_user("other@example.org")
    other = app.test_client()
    other.post("/login", data={"email": "other@example.org", "password": PASSWORD})
    assert other.get(link_path).status_code == 403
    assert other.post(link_path).status_code == 403
    assert count(PartnerIdentity) == 0

    signed = client.post(login_url, data={"email": EMAIL, "password": PASSWORD})
    assert signed.status_code == 302 and signed.headers["Location"] == link_path
    confirm = client.get(link_path)
    assert confirm.status_code == 200 and "Link my account" in confirm.get_data(as_text=True)
    assert count(PartnerIdentity) == 0, "a GET links nothing"
    linked = client.post(link_path)
    assert linked.status_code == 302 and linked.headers["Location"] == f"/partners/{partner.slug}"
    identity = db.session.scalar(select(PartnerIdentity))
    assert identity.user_id == owner.id
    assert count(PartnerMembership) == 1

    client.post("/logout")
    again = sso_sign_in(client, provider, EMAIL, "sub-ada")
    assert again.status_code == 302 and again.headers["Location"] == f"/partners/{partner.slug}"
    assert count(User) == 2
    assert "partner_sso.linked" in set(db.session.scalars(select(AuditEvent.action)))


def test_an_unverified_email_is_refused(client, provider, make_partner) -> None:
    make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=False)
    response = sso_sign_in(client, provider, EMAIL, "sub-ada")
    assert response.status_code == 403
    assert "has not verified your email address" in response.get_data(as_text=True)
    nothing_created()
    assert not signed_in(client)
    assert audit_reasons() == ["email_not_verified"]


def test_an_email_outside_the_organisations_domains_is_refused(
    client, provider, make_partner
) -> None:
    make_partner(provider)
    provider.set_user("sub-ada", email="ada@gmail.example", email_verified=True)
    response = sso_sign_in(client, provider, EMAIL, "sub-ada")
    assert response.status_code == 403
    assert "does not vouch for email addresses at gmail.example" in response.get_data(True)
    nothing_created()
    assert audit_reasons() == ["domain_not_vouched"]


def test_an_id_token_from_another_issuer_is_refused(client, provider, make_partner) -> None:
    make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    provider.tamper.issuer_host = "impostor.example:443"  # same keys, another `iss`
    response = sso_sign_in(client, provider, EMAIL, "sub-ada")
    assert response.status_code == 400
    assert "could not be trusted" in response.get_data(as_text=True)
    nothing_created()
    assert audit_reasons() == ["token_rejected"]


def test_an_id_token_for_another_client_is_refused(client, provider, make_partner) -> None:
    partner = make_partner(provider)
    other_id, other_secret = provider.register_client(TEST_CALLBACK)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    provider.tamper.swap_client = (partner.client_id, other_id, other_secret)
    response = sso_sign_in(client, provider, EMAIL, "sub-ada")
    assert response.status_code == 400
    nothing_created()
    assert audit_reasons() == ["token_rejected"]


def test_an_expired_id_token_is_refused(client, make_partner, monkeypatch) -> None:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with run_provider(access_token_max_age=timedelta(minutes=-10)) as stale:
        make_partner(stale)
        stale.set_user("sub-ada", email=EMAIL, email_verified=True)
        response = sso_sign_in(client, stale, EMAIL, "sub-ada")
    assert response.status_code == 400
    nothing_created()
    assert audit_reasons() == ["token_rejected"]


def test_an_expired_sign_in_is_refused(client, provider, make_partner) -> None:
    make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    authorization_url = start_sso(client, EMAIL)
    callback = provider.authorize(authorization_url, "sub-ada")
    with client.session_transaction() as session:
        pending = session["partner_sso_pending"]
        session["partner_sso_pending"] = {**pending, "at": time.time() - 3600}
    response = client.get(callback_path(callback))
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    nothing_created()
    assert audit_reasons() == ["expired_state"]


def test_a_replayed_state_is_refused_even_with_the_old_cookie(
    app, client, provider, make_partner
) -> None:
    make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    authorization_url = start_sso(client, EMAIL)
    cookie = client.get_cookie(SESSION_COOKIE).value  # the session holding state and nonce
    callback = callback_path(provider.authorize(authorization_url, "sub-ada"))
    assert client.get(callback).status_code == 302

    attacker = app.test_client()
    attacker.set_cookie(SESSION_COOKIE, cookie)
    replay = attacker.get(callback)
    assert replay.status_code == 400
    assert not signed_in(attacker)
    assert audit_reasons() == ["replayed_state"]
    assert count(User) == 1


def test_a_state_that_does_not_match_is_refused(client, provider, make_partner) -> None:
    make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    callback = callback_path(provider.authorize(start_sso(client, EMAIL), "sub-ada"))
    forged = callback.replace("state=", "state=forged")
    assert client.get(forged).status_code == 400
    nothing_created()
    assert audit_reasons() == ["state_mismatch"]


def test_a_callback_without_a_sign_in_in_progress_is_refused(client) -> None:
    response = client.get("/login/sso/callback?code=abc&state=def")
    assert response.status_code == 400
    assert "This sign-in has expired" in response.get_data(as_text=True)
    assert audit_reasons() == ["missing_state"]


def test_a_replayed_nonce_is_refused(client, provider, make_partner) -> None:
    make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    authorization_url = start_sso(client, EMAIL)
    nonce = parse_qs(urlsplit(authorization_url).query)["nonce"][0]
    services.use_once("nonce", nonce)  # an ID token with this nonce was already accepted
    db.session.commit()
    response = client.get(callback_path(provider.authorize(authorization_url, "sub-ada")))
    assert response.status_code == 400
    nothing_created()
    assert audit_reasons() == ["replayed_nonce"]


def test_an_id_token_with_another_nonce_is_refused(client, provider, make_partner) -> None:
    partner = make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    authorization_url = start_sso(client, EMAIL)
    state = parse_qs(urlsplit(authorization_url).query)["state"][0]
    with client.session_transaction() as session:
        key = f"_state_partner{partner.id}v1_{state}"
        saved = session[key]
        session[key] = {**saved, "data": {**saved["data"], "nonce": "not-the-nonce-sent"}}
    response = client.get(callback_path(provider.authorize(authorization_url, "sub-ada")))
    assert response.status_code == 400
    nothing_created()
    assert audit_reasons() == ["token_rejected"]


def test_the_provider_down_at_the_start_shows_a_clear_page(client, make_partner, provider) -> None:
    partner = make_partner(provider)
    provider.tamper.down = True
    response = client.post("/login/sso", data={"email": EMAIL})
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert f"{partner.name}&#39;s sign-in is not answering" in html
    assert "nothing has changed" in html
    nothing_created()
    assert audit_reasons() == ["provider_unavailable"]


def test_an_unreachable_provider_shows_a_clear_page(client, app) -> None:
    services.create_partner(
        name="Nowhere Trust",
        kind="charity",
        domains=["nowhere.org.uk"],
        issuer=free_port_url(),
        client_id="x",
        client_secret="y",
    )
    db.session.commit()
    response = client.post("/login/sso", data={"email": "bo@nowhere.org.uk"})
    assert response.status_code == 503
    assert "is not answering" in response.get_data(as_text=True)
    nothing_created()


def test_the_provider_down_at_the_callback_creates_nothing(client, provider, make_partner) -> None:
    make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    callback = callback_path(provider.authorize(start_sso(client, EMAIL), "sub-ada"))
    services.registry()._clients.clear()  # a fresh web process: nothing cached
    provider.tamper.down = True
    response = client.get(callback)
    assert response.status_code == 503
    nothing_created()
    assert audit_reasons() == ["provider_unavailable"]


def test_a_refusal_at_the_provider_is_explained(client, provider, make_partner) -> None:
    import requests

    make_partner(provider)
    authorization_url = start_sso(client, EMAIL)
    denied = requests.post(
        authorization_url, data={"action": "deny"}, allow_redirects=False, timeout=5
    )
    response = client.get(callback_path(denied.headers["Location"]))
    assert response.status_code == 400
    assert "access_denied" in response.get_data(as_text=True)
    nothing_created()
    assert audit_reasons() == ["provider_error"]


def test_two_organisations_with_two_providers_each_land_in_their_own(
    app, provider, second_provider, make_partner
) -> None:
    camden = make_partner(provider, "Camden Council", ("camden.gov.uk",))
    nhs = make_partner(second_provider, "North London NHS Trust", ("nhs.example.uk",))
    provider.set_user("same-sub", email=EMAIL, email_verified=True, name="Ada")
    second_provider.set_user(
        "same-sub", email="bea@nhs.example.uk", email_verified=True, name="Bea"
    )
    first, second = app.test_client(), app.test_client()
    # Both sign-ins in flight at once.
    url_a = start_sso(first, EMAIL)
    url_b = start_sso(second, "bea@nhs.example.uk")
    assert url_a.startswith(provider.base_url) and url_b.startswith(second_provider.base_url)
    answer_b = second.get(callback_path(second_provider.authorize(url_b, "same-sub")))
    answer_a = first.get(callback_path(provider.authorize(url_a, "same-sub")))
    assert answer_a.headers["Location"] == f"/partners/{camden.slug}"
    assert answer_b.headers["Location"] == f"/partners/{nhs.slug}"
    ada, bea = get_user_by_email(EMAIL), get_user_by_email("bea@nhs.example.uk")
    memberships = {(m.user_id, m.partner_id) for m in db.session.scalars(select(PartnerMembership))}
    assert memberships == {(ada.id, camden.id), (bea.id, nhs.id)}
    # The same subject at two issuers is two identities.
    assert count(PartnerIdentity) == 2
    assert first.get(f"/partners/{nhs.slug}").status_code == 404
    assert second.get(f"/partners/{camden.slug}").status_code == 404


def test_an_unknown_domain_gets_a_clear_page(client) -> None:
    response = client.post("/login/sso", data={"email": "someone@unknown.example"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your organisation is not set up yet" in html
    assert "unknown.example" in html and 'href="/register"' in html
    assert audit_reasons() == ["unknown_domain"]


def test_a_turned_off_organisation_cannot_sign_in(client, provider, make_partner) -> None:
    partner = make_partner(provider)
    services.get_partner(partner.id).is_enabled = False
    db.session.commit()
    response = client.post("/login/sso", data={"email": EMAIL})
    assert "turned off" in response.get_data(as_text=True)


def test_a_claim_can_make_someone_an_organisation_admin(client, provider, make_partner) -> None:
    partner = make_partner(
        provider, role_rules=[{"claim": "groups", "value": "partner-admins", "role": "admin"}]
    )
    provider.set_user(
        "sub-ada", email=EMAIL, email_verified=True, groups=["staff", "partner-admins"]
    )
    assert sso_sign_in(client, provider, EMAIL, "sub-ada").status_code == 302
    membership = db.session.scalar(select(PartnerMembership))
    assert membership.role == PartnerRole.ADMIN
    assert "Organisation admin" in client.get(f"/partners/{partner.slug}").get_data(True)
    # The provider's claims decide each time: out of the group, back to member.
    client.post("/logout")
    provider.set_user("sub-ada", email=EMAIL, email_verified=True, groups=["staff"])
    assert sso_sign_in(client, provider, EMAIL, "sub-ada").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(PartnerMembership)).role == PartnerRole.MEMBER


def test_sign_out_offers_the_providers_sign_out(client, provider, make_partner) -> None:
    partner = make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    sso_sign_in(client, provider, EMAIL, "sub-ada")
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/sso/signed-out/")
    assert not signed_in(client)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You have been signed out." in page
    end_session = f"{provider.base_url}/oauth2/end_session?client_id={partner.client_id}"
    assert end_session in page.replace("&amp;", "&")
    assert "post_logout_redirect_uri=http%3A%2F%2Flocalhost%2F" in page


def test_a_password_sign_out_goes_home(client, make_user) -> None:
    make_user(EMAIL)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    assert client.post("/logout").headers["Location"] == "/"


def test_tokens_codes_and_secrets_never_reach_the_logs(
    client, provider, make_partner, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    partner = make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    authorization_url = start_sso(client, EMAIL)
    callback = provider.authorize(authorization_url, "sub-ada")
    query = parse_qs(urlsplit(callback).query)
    # The provider runs in this process and logs on its own loggers: look at ours only.
    caplog.clear()
    client.get(callback_path(callback))
    ours = "\n".join(
        f"{r.name} {r.getMessage()} {r.__dict__}"
        for r in caplog.records
        if not r.name.startswith(("oidc_provider_mock", "werkzeug"))
    )
    verifier_and_nonce = parse_qs(urlsplit(authorization_url).query)["nonce"][0]
    for secret in (partner.client_secret, query["code"][0], query["state"][0], verifier_and_nonce):
        assert secret not in ours
    details = [e.details for e in db.session.scalars(select(AuditEvent))]
    assert partner.client_secret not in repr(details) and query["code"][0] not in repr(details)


def test_used_states_and_nonces_are_remembered_hashed(client, provider, make_partner) -> None:
    make_partner(provider)
    provider.set_user("sub-ada", email=EMAIL, email_verified=True)
    authorization_url = start_sso(client, EMAIL)
    query = parse_qs(urlsplit(authorization_url).query)
    client.get(callback_path(provider.authorize(authorization_url, "sub-ada")))
    keys = set(db.session.scalars(select(SsoReplayGuard.key)))
    assert len(keys) == 2
    assert query["state"][0] not in keys and query["nonce"][0] not in keys


@pytest.mark.parametrize("path", ["/login/sso", "/login"])
def test_the_sign_in_pages_link_to_each_other(client, path: str) -> None:
    html = client.get(path).get_data(as_text=True)
    target = "/login" if path == "/login/sso" else "/login/sso"
    assert f'href="{target}"' in html
