"""Hub admins manage partner organisations; the client secret is encrypted and never shown
again; the CLI adds partners; each partner's Authlib client comes from its row only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from londonhub.integrations.oidc import services
from londonhub.integrations.oidc.models import PartnerIdentity, PartnerOrganisation
from londonhub.platform.core.audit import AuditEvent
from londonhub.platform.core.extensions import db
from tests.conftest import PASSWORD
from tests.platform.core.helpers import signed_in

from .conftest import sso_sign_in
from .provider import PROVIDER_WARNINGS, free_port_url

pytestmark = PROVIDER_WARNINGS

HUB_ADMIN = "hub@example.org"
SECRET = "s3cret-value-never-shown-again"


@pytest.fixture
def admin(app, make_user):
    make_user(HUB_ADMIN, name="Hub Admin", hub_admin=True)
    client = app.test_client()
    client.post("/login", data={"email": HUB_ADMIN, "password": PASSWORD})
    return client


def form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Islington Council",
        "kind": "council",
        "domains": "islington.gov.uk, Islington.Example.org",
        "issuer": "https://login.islington.example",
        "discovery_url": "",
        "client_id": "hub-client",
        "client_secret": SECRET,
        "scopes": "openid email profile",
        "role_rules": "groups = partner-admins -> admin",
        "is_enabled": "y",
    }
    data.update(overrides)
    return data


def test_only_hub_admins_manage_partners(app, client, make_user) -> None:
    assert client.get("/hub/partners").status_code == 302  # to sign in
    make_user("staff@example.org")
    client.post("/login", data={"email": "staff@example.org", "password": PASSWORD})
    for path in ("/hub/partners", "/hub/partners/new"):
        assert client.get(path).status_code == 403
    assert client.post("/hub/partners/new", data=form()).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(PartnerOrganisation)) == 0


def test_a_hub_admin_adds_a_partner_and_the_secret_is_never_shown_again(admin) -> None:
    assert "Partner organisations" in admin.get("/hub/").get_data(as_text=True)
    response = admin.post("/hub/partners/new", data=form())
    assert response.status_code == 302
    page = admin.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "will not be shown again" in html
    assert SECRET not in html
    assert (
        'name="client_secret"' in html
        and re.search(r'name="client_secret"[^>]*value="[^"]', html) is None
    )
    assert "http://localhost/login/sso/callback" in html  # what to give the provider
    partner = db.session.scalar(select(PartnerOrganisation))
    assert [d.domain for d in partner.domains] == ["islington.example.org", "islington.gov.uk"]
    assert partner.role_rules == [{"claim": "groups", "value": "partner-admins", "role": "admin"}]
    stored = db.session.execute(
        text("SELECT client_secret_encrypted FROM partner_organisation")
    ).scalar_one()
    assert SECRET.encode() not in bytes(stored)
    assert services.decrypt_secret(stored) == SECRET
    listing = admin.get("/hub/partners")
    assert listing.status_code == 200 and "Islington Council" in listing.get_data(as_text=True)
    assert SECRET not in listing.get_data(as_text=True)
    audit = [e.details for e in db.session.scalars(select(AuditEvent))]
    assert SECRET not in repr(audit)


def test_domains_belong_to_one_organisation_only(admin) -> None:
    assert admin.post("/hub/partners/new", data=form()).status_code == 302
    again = admin.post(
        "/hub/partners/new", data=form(name="Other Council", domains="ISLINGTON.gov.uk")
    )
    assert again.status_code == 400
    assert "islington.gov.uk already belongs to Islington Council" in again.get_data(True)
    bad = admin.post("/hub/partners/new", data=form(name="X", domains="not a domain!"))
    assert bad.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PartnerOrganisation)) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("issuer", "http://login.example.org", "must start with https://"),
        ("scopes", "openid profile", "Scopes must include email"),
        ("role_rules", "groups partner-admins admin", "claim = value -&gt; admin"),
        ("client_secret", "", "Enter the client secret"),
    ],
)
def test_the_partner_form_explains_mistakes(admin, field: str, value: str, message: str) -> None:
    response = admin.post("/hub/partners/new", data=form(**{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_editing_keeps_the_secret_unless_a_new_one_is_given(admin) -> None:
    admin.post("/hub/partners/new", data=form())
    partner = db.session.scalar(select(PartnerOrganisation))
    first_client = services.client_for(partner)
    assert partner.config_version == 1 and first_client.client_secret == SECRET

    saved = admin.post(f"/hub/partners/{partner.id}", data=form(client_secret="", name="LBI"))
    assert saved.status_code == 302
    db.session.expire_all()
    assert partner.name == "LBI" and partner.config_version == 1
    assert services.decrypt_secret(partner.client_secret_encrypted) == SECRET

    admin.post(f"/hub/partners/{partner.id}", data=form(client_secret="rotated-secret"))
    db.session.expire_all()
    assert partner.config_version == 2
    client = services.client_for(partner)
    assert client is not first_client and client.name == f"partner{partner.id}v2"
    assert client.client_secret == "rotated-secret"
    assert f"partner{partner.id}v1" not in services.registry()._registry


def test_partner_clients_never_read_app_config(app, admin) -> None:
    admin.post("/hub/partners/new", data=form())
    partner = db.session.scalar(select(PartnerOrganisation))
    app.config[f"PARTNER{partner.id}V1_CLIENT_ID"] = "from-config"
    app.config[f"PARTNER{partner.id}V1_CLIENT_SECRET"] = "from-config"
    client = services.client_for(partner)
    assert (client.client_id, client.client_secret) == ("hub-client", SECRET)


def test_test_connection_reports_what_the_provider_offers(admin, provider, make_partner) -> None:
    partner = make_partner(provider, learn_origin=False)
    response = admin.post(f"/hub/partners/{partner.id}/test")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The connection works" in html
    assert f"{provider.base_url}/oauth2/authorize" in html
    assert f"{provider.base_url}/oauth2/end_session" in html
    assert "Signing keys" in html and "RS256" in html
    assert partner.client_secret not in html
    db.session.expire_all()
    assert services.get_partner(partner.id).authorization_origin == provider.base_url


def test_test_connection_reports_an_unreachable_provider(admin) -> None:
    partner = services.create_partner(
        name="Gone Trust",
        kind="charity",
        domains=["gone.example"],
        issuer=free_port_url(),
        client_id="x",
        client_secret="y",
    )
    db.session.commit()
    html = admin.post(f"/hub/partners/{partner.id}/test").get_data(as_text=True)
    assert "The connection has problems" in html
    assert "Could not read the discovery document" in html


def test_a_hub_admin_sees_and_revokes_sign_in_links(app, admin, provider, make_partner) -> None:
    partner = make_partner(provider)
    provider.set_user("sub-ada", email="ada@camden.gov.uk", email_verified=True, name="Ada")
    person = app.test_client()
    sso_sign_in(person, provider, "ada@camden.gov.uk", "sub-ada")
    assert signed_in(person)
    identity = db.session.scalar(select(PartnerIdentity))
    page = admin.get(f"/hub/partners/{partner.id}").get_data(as_text=True)
    assert "ada@camden.gov.uk" in page and "Revoke" in page
    response = admin.post(f"/hub/partners/{partner.id}/identities/{identity.id}/revoke")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PartnerIdentity)) == 0
    assert not signed_in(person), "revoking ends the person's sessions"
    assert (
        admin.post(f"/hub/partners/{partner.id}/identities/{identity.id}/revoke").status_code == 404
    )
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "partner.identity_revoked" in actions


def test_the_organisations_view_is_for_its_members_and_hub_admins(
    app, admin, provider, make_partner, make_user
) -> None:
    partner = make_partner(provider)
    provider.set_user("sub-ada", email="ada@camden.gov.uk", email_verified=True, name="Ada")
    member = app.test_client()
    sso_sign_in(member, provider, "ada@camden.gov.uk", "sub-ada")
    assert member.get(f"/partners/{partner.slug}").status_code == 200
    assert admin.get(f"/partners/{partner.slug}").status_code == 200
    make_user("outsider@example.org")
    outsider = app.test_client()
    outsider.post("/login", data={"email": "outsider@example.org", "password": PASSWORD})
    assert outsider.get(f"/partners/{partner.slug}").status_code == 404
    assert outsider.get("/partners/no-such-partner").status_code == 404
    assert app.test_client().get(f"/partners/{partner.slug}").status_code == 302


def test_the_cli_adds_a_partner(runner) -> None:
    result = runner.invoke(
        args=[
            "partners", "add",
            "--name", "Hackney Council",
            "--domain", "hackney.gov.uk",
            "--domain", "hackney.example.org",
            "--issuer", "https://login.hackney.example",
            "--client-id", "cid",
            "--client-secret", SECRET,
            "--kind", "council",
            "--role-rule", "roles = admin -> admin",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Added Hackney Council" in result.output and SECRET not in result.output
    partner = db.session.scalar(select(PartnerOrganisation))
    assert partner.slug == "hackney-council" and partner.kind.value == "council"
    assert services.decrypt_secret(partner.client_secret_encrypted) == SECRET
    assert partner.role_rules == [{"claim": "roles", "value": "admin", "role": "admin"}]

    duplicate = runner.invoke(
        args=[
            "partners", "add", "--name", "Other", "--domain", "hackney.gov.uk",
            "--issuer", "https://x.example", "--client-id", "c", "--client-secret", "s",
        ]
    )  # fmt: skip
    assert duplicate.exit_code != 0
    assert "already belongs to Hackney Council" in duplicate.output

    listed = runner.invoke(args=["partners", "list"])
    assert "hackney-council" in listed.output and "hackney.example.org" in listed.output
    assert SECRET not in listed.output


def test_a_wrong_encryption_key_is_a_clear_error(app) -> None:
    partner = services.create_partner(
        name="Keyed",
        kind="other",
        domains=["keyed.example"],
        issuer="https://keyed.example",
        client_id="c",
        client_secret="s",
    )
    db.session.commit()
    from cryptography.fernet import Fernet

    app.config["OIDC_SECRET_KEY"] = Fernet.generate_key().decode()
    with pytest.raises(services.ProviderUnavailable, match="OIDC_SECRET_KEY"):
        services.decrypt_secret(partner.client_secret_encrypted)
    # Rotation: the new key first, the old one still reads old secrets.
    old = services._fernet()
    new_key = Fernet.generate_key().decode()
    app.config["OIDC_SECRET_KEY"] = f"{new_key},{app.config['OIDC_SECRET_KEY']}"
    assert services.decrypt_secret(old.encrypt(b"rotated")) == "rotated"
