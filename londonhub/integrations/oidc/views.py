"""Partner sign-in (`/login/sso`), the partner organisation's view (`/partners/<slug>`) and
the hub admin's partner pages (`/hub/partners`).

Over 400 lines for now: one route table for the sign-in integration. It splits when the
partner organisation pages move out of integrations into a platform feature (issue 11,
item 4), leaving this module with sign-in alone.

The routes, in one place:
  GET/POST /login/sso                      work email -> the organisation's provider
  GET      /login/sso/callback             the provider's answer: validate, sign in
  GET/POST /login/sso/link/<token>         link a provider identity to a password account
  GET      /login/sso/signed-out/<token>   after sign-out: offer the provider's sign-out too
  GET      /partners/<slug>                the organisation's view, for its members
  GET      /hub/partners                   hub admins: every partner organisation
  GET/POST /hub/partners/new
  GET/POST /hub/partners/<id>
  POST     /hub/partners/<id>/test         test connection
  POST     /hub/partners/<id>/identities/<identity_id>/revoke
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user
from joserfc.errors import JoseError

from londonhub.platform.core import audit, ratelimit
from londonhub.platform.core.access import public, require_hub_admin
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import (
    TokenInvalid,
    make_token,
    normalise_email,
    read_token,
)

from . import services
from .forms import PartnerForm, SsoStartForm
from .models import PartnerKind

sso_bp = Blueprint("partner_sso", __name__, url_prefix="/login/sso", template_folder="templates")
partners_bp = Blueprint("partners", __name__, url_prefix="/partners")
hub_partners_bp = Blueprint("hub_partners", __name__, url_prefix="/hub/partners")

#: The sign-in in flight: partner id, settings version, state, when it started.
PENDING = "partner_sso_pending"
#: Set on a session signed in through a partner's provider: its partner id.
SIGNED_IN_WITH = "partner_sso_partner"
LINK_PURPOSE = "partner-link"
LINK_MAX_AGE = 15 * 60
SIGNED_OUT_PURPOSE = "partner-signed-out"

#: Everything a provider or its token can throw at the callback.
PROVIDER_ERRORS = (AuthlibBaseError, JoseError, ValueError, KeyError)


# --- sign-in -----------------------------------------------------------------------------------


@sso_bp.before_request
def _allow_forms_to_providers() -> None:
    """Browsers apply the CSP's form-action to the redirect that follows a form POST: the
    sign-in page may lead to the providers' authorization endpoints."""
    if request.endpoint == "partner_sso.start":
        g.csp_form_action_extra = services.form_action_origins()


def _problem(title: str, message: str, status: int, **extra):
    return render_template("oidc/problem.html", title=title, message=message, **extra), status


def _fail(partner, reason: str, summary: str, **details):
    """Audit a failed sign-in (a short reason code; never tokens, codes or secrets)."""
    audit.record(
        "partner_sso.failed",
        summary,
        partner_id=partner.id if partner is not None else None,
        reason=reason,
        **details,
    )


def _provider_down(partner):
    return _problem(
        f"{partner.name}'s sign-in is not answering",
        f"We could not reach {partner.name}'s sign-in service, so you have not been signed in "
        "and nothing has changed. Try again in a few minutes. If it keeps happening, tell your "
        "organisation's IT team, or sign in with a password instead.",
        503,
        retry=True,
    )


@sso_bp.route("", methods=["GET", "POST"])
def start():
    form = SsoStartForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("oidc/start.html", form=form), status
    try:  # before any audit row or call to a provider
        ratelimit.spend_sso_start(request.remote_addr)
    except ratelimit.Throttled as exc:
        form.email.errors.append(str(exc))
        headers = {"Retry-After": str(exc.retry_after)}
        return render_template("oidc/start.html", form=form), 429, headers
    email = normalise_email(form.email.data)
    domain = email.rpartition("@")[2]
    partner = services.partner_for_email(email)
    if partner is None or not partner.is_enabled:
        _fail(
            partner,
            "unknown_domain",
            f"Organisation sign-in asked for {domain}: not set up",
            domain=domain,
        )
        db.session.commit()
        return render_template("oidc/not_set_up.html", domain=domain, partner=partner), 200
    audit.record(
        "partner_sso.started",
        f"Sign-in through {partner.name} started",
        partner_id=partner.id,
        domain=domain,
    )
    redirect_uri = url_for(".callback", _external=True)
    try:
        metadata = services.provider_metadata(partner)
        client = services.client_for(partner)
        authorization = client.create_authorization_url(redirect_uri, login_hint=email)
    except (services.ProviderUnavailable, requests.RequestException, *PROVIDER_ERRORS) as exc:
        _fail(
            partner,
            "provider_unavailable",
            f"{partner.name}'s provider unavailable",
            error=type(exc).__name__,
        )
        db.session.commit()
        return _provider_down(partner)
    # Authlib keeps the state, nonce and PKCE verifier in the session for the callback.
    client.save_authorize_data(redirect_uri=redirect_uri, **authorization)
    session[PENDING] = {
        "pid": partner.id,
        "v": partner.config_version,
        "state": authorization["state"],
        "at": time.time(),
    }
    origin = services.origin_of(metadata["authorization_endpoint"])
    allowed = partner.authorization_origin == origin
    partner.authorization_origin = origin
    db.session.commit()
    if allowed:
        return redirect(authorization["url"])
    # This page's form-action did not name the provider yet: a link always works.
    return render_template("oidc/continue.html", partner=partner, url=authorization["url"])


@sso_bp.get("/callback")
def callback():
    pending = session.pop(PENDING, None)
    partner = services.get_partner(pending.get("pid")) if isinstance(pending, dict) else None
    if partner is None:
        _fail(None, "missing_state", "Organisation sign-in returned without a sign-in in progress")
        db.session.commit()
        return _problem(
            "This sign-in has expired",
            "We could not match this sign-in to one you started in this browser. "
            "Start again from the sign-in page.",
            400,
            retry=True,
        )
    state = request.args.get("state", "")
    if request.args.get("error") and (not state or state == pending.get("state")):
        # The person cancelled, or the provider refused them: say so (no state to replay).
        error = request.args.get("error", "")[:80]
        _fail(
            partner, "provider_error", f"{partner.name}'s provider refused the sign-in", error=error
        )
        db.session.commit()
        return _problem(
            "You have not been signed in",
            f"{partner.name}'s sign-in service did not sign you in (it said “{error}”).",
            400,
            retry=True,
        )
    refusal = None
    if not partner.is_enabled:
        refusal = ("partner_disabled", "Sign-in for your organisation is turned off.")
    elif (
        time.time() - float(pending.get("at", 0)) > current_app.config["OIDC_LOGIN_MAX_AGE_SECONDS"]
    ):
        refusal = ("expired_state", "This sign-in took too long and has expired.")
    elif not state or not secrets.compare_digest(state, str(pending.get("state", ""))):
        refusal = ("state_mismatch", "This sign-in does not match the one you started.")
    elif pending.get("v") != partner.config_version:
        refusal = ("settings_changed", "Your organisation's sign-in settings changed meanwhile.")
    if refusal is None:
        try:
            services.use_once("state", state)
        except services.SignInRefused as exc:
            refusal = (exc.reason, str(exc))
    if refusal is not None:
        _fail(partner, refusal[0], f"Sign-in through {partner.name} refused: {refusal[0]}")
        db.session.commit()
        return _problem(
            "You have not been signed in", refusal[1] + " Start again.", 400, retry=True
        )
    try:
        services.provider_metadata(partner)
        client = services.client_for(partner)
        token = client.authorize_access_token(
            claims_options={
                "iss": {"essential": True, "values": [partner.issuer]},
                "sub": {"essential": True},
            },
            leeway=60,
        )
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise ValueError("no ID token")
        services.use_once("nonce", str(claims.get("nonce", "")))
    except (services.ProviderUnavailable, requests.RequestException) as exc:
        _fail(
            partner,
            "provider_unavailable",
            f"{partner.name}'s provider unavailable",
            error=type(exc).__name__,
        )
        db.session.commit()
        return _provider_down(partner)
    except services.SignInRefused as exc:
        _fail(partner, exc.reason, f"Sign-in through {partner.name} refused: {exc.reason}")
        db.session.commit()
        return _problem("You have not been signed in", str(exc) + " Start again.", 400, retry=True)
    except PROVIDER_ERRORS as exc:
        # A token that fails validation: signature, issuer, audience, expiry, nonce.
        reason = getattr(exc, "error", None) or type(exc).__name__
        _fail(
            partner, "token_rejected", f"{partner.name}'s ID token refused", error=str(reason)[:120]
        )
        db.session.commit()
        return _problem(
            "You have not been signed in",
            f"The answer from {partner.name}'s sign-in service could not be trusted, so you "
            "have not been signed in. Start again; if it keeps happening, tell the hub.",
            400,
            retry=True,
        )
    try:
        result = services.complete_sign_in(partner, claims)
    except services.LinkRequired as link:
        audit.record(
            "partner_sso.link_required",
            f"{link.email} has an account already: asked to link it with a password sign-in",
            partner_id=partner.id,
        )
        db.session.commit()
        link_url = url_for(".link", token=make_token(LINK_PURPOSE, asdict(link)))
        return render_template(
            "oidc/link_needed.html",
            partner=partner,
            email=link.email,
            login_url=url_for("auth.login", next=link_url),
        )
    except services.SignInRefused as exc:
        _fail(partner, exc.reason, f"Sign-in through {partner.name} refused: {exc.reason}")
        db.session.commit()
        return _problem("You have not been signed in", str(exc), 403)
    audit.record(
        "partner_sso.signed_in",
        f"{result.user.email} signed in through {partner.name}",
        actor=result.user,
        partner_id=partner.id,
        created=result.created,
    )
    db.session.commit()
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(result.user)
    session[SIGNED_IN_WITH] = partner.id
    flash(f"You are signed in as {result.user.email} through {partner.name}.", "success")
    return redirect(url_for("partners.view", slug=partner.slug))


@sso_bp.route("/link/<token>", methods=["GET", "POST"])
@login_required
def link(token: str):
    try:
        data = read_token(LINK_PURPOSE, token, LINK_MAX_AGE)
        pending = services.LinkRequired(**data)
    except (TokenInvalid, TypeError):
        return _problem(
            "This link has expired",
            "Linking must follow a sign-in through your organisation within 15 minutes. "
            "Sign in through your organisation again.",
            400,
            retry=True,
        )
    partner = services.get_partner(pending.partner_id)
    if partner is None:
        abort(404)
    if current_user.email != normalise_email(pending.email):
        return _problem(
            "This is not your link",
            "Your organisation vouched for another email address than the one you are "
            "signed in with.",
            403,
        )
    if request.method == "POST":  # CSRFProtect has checked the token
        try:
            services.link_identity(current_user._get_current_object(), pending)
        except services.SignInRefused as exc:
            db.session.rollback()
            _fail(partner, exc.reason, f"Linking to {partner.name} refused: {exc.reason}")
            db.session.commit()
            return _problem("Your account has not been linked", str(exc), 403)
        db.session.commit()
        # This browser has just come through the organisation's sign-in (within LINK_MAX_AGE).
        session[SIGNED_IN_WITH] = partner.id
        flash(f"Your account is linked: next time, sign in through {partner.name}.", "success")
        return redirect(url_for("partners.view", slug=partner.slug))
    return render_template("oidc/link_confirm.html", partner=partner, email=pending.email)


@sso_bp.get("/signed-out/<token>")
@public
def signed_out(token: str):
    """Shown after sign-out from a session that came through a partner's provider."""
    try:
        data = read_token(SIGNED_OUT_PURPOSE, token, 3600)
    except TokenInvalid:
        abort(404)
    partner = services.get_partner(data.get("pid"))
    if partner is None:
        abort(404)
    logout_url = None
    try:
        end_session = services.provider_metadata(partner).get("end_session_endpoint")
    except (services.ProviderUnavailable, *PROVIDER_ERRORS):
        end_session = None
    if end_session:
        params = {
            "client_id": partner.client_id,
            "post_logout_redirect_uri": url_for("brand.home", _external=True),
        }
        logout_url = f"{end_session}{'&' if '?' in end_session else '?'}{urlencode(params)}"
    return render_template("oidc/signed_out.html", partner=partner, logout_url=logout_url)


def _sign_out_offer() -> str | None:
    """Core's sign-out hook: a session that came through a partner's provider is offered
    that provider's sign-out (RP-initiated logout) afterwards."""
    partner_id = session.get(SIGNED_IN_WITH)
    if not partner_id:
        return None
    return url_for(
        "partner_sso.signed_out", token=make_token(SIGNED_OUT_PURPOSE, {"pid": partner_id})
    )


def _account_section(user):
    memberships = services.memberships_of_user(user)
    if not memberships:
        return None
    return "oidc/account_section.html", {"memberships": memberships}


# --- the partner organisation's view -----------------------------------------------------------


@partners_bp.get("/<slug>")
@login_required
def view(slug: str):
    partner = services.get_partner_by_slug(slug)
    if partner is None:
        abort(404)
    membership = services.membership_of(current_user, partner)
    if membership is None and not current_user.is_hub_admin:
        abort(404)  # never reveal which organisations exist
    if (
        membership is not None
        and membership.through_sign_in
        and session.get(SIGNED_IN_WITH) != partner.id
        and not current_user.is_hub_admin
    ):
        # The organisation's sign-in made this membership: only that sign-in proves it.
        return render_template("oidc/sign_in_through.html", partner=partner), 403
    members = services.members_of(partner)
    return render_template(
        "oidc/partner_view.html",
        partner=partner,
        membership=membership,
        members=members,
        orders=orders_of_buyers([m.user_id for m in members]),
        consultancy=consultancy_of_people([m.user_id for m in members]),
    )


def orders_of_buyers(user_ids: list[int]) -> list:
    """The orders these people made, from whichever area sells things (billing registers
    `londonhub.orders_of_buyers`); integrations import only platform.core."""
    provider = current_app.extensions.get("londonhub.orders_of_buyers")
    return provider(user_ids) if provider else []


def consultancy_of_people(user_ids: list[int]) -> list:
    """The consultancy enquiries (and engagements) these people made, from the consultancy
    area (it registers `londonhub.consultancy_of_people`)."""
    provider = current_app.extensions.get("londonhub.consultancy_of_people")
    return provider(user_ids) if provider else []


# --- hub admin ---------------------------------------------------------------------------------


require_hub_admin(hub_partners_bp)


@hub_partners_bp.get("")
def index():
    partners = services.list_partners()
    counts = services.member_counts([p.id for p in partners])
    return render_template("oidc/hub_index.html", partners=partners, counts=counts)


def _save(form: PartnerForm, partner=None):
    """Create or update from the form; returns the partner or None (errors on the form)."""
    try:
        fields = {
            "name": form.name.data,
            "kind": PartnerKind(form.kind.data),
            "domains": services.parse_domains(form.domains.data),
            "issuer": form.issuer.data,
            "discovery_url": form.discovery_url.data or None,
            "client_id": form.client_id.data,
            "client_secret": form.client_secret.data or None,
            "scopes": form.scopes.data,
            "role_rules": services.parse_role_rules(form.role_rules.data),
            "allow_foreign_endpoints": bool(form.allow_foreign_endpoints.data),
        }
        if partner is None:
            partner = services.create_partner(**fields)
        else:
            partner = services.update_partner(partner, is_enabled=form.is_enabled.data, **fields)
    except services.PartnerError as exc:
        db.session.rollback()
        getattr(form, exc.field or "name").errors.append(str(exc))
        return None
    db.session.commit()
    return partner


@hub_partners_bp.route("/new", methods=["GET", "POST"])
def new():
    form = PartnerForm()
    if form.validate_on_submit():
        if not form.client_secret.data:
            form.client_secret.errors.append(
                "Enter the client secret from the organisation's provider"
            )
        else:
            partner = _save(form)
            if partner is not None:
                flash(
                    f"{partner.name} has been added. The client secret is stored encrypted and "
                    "will not be shown again.",
                    "success",
                )
                return redirect(url_for(".edit", partner_id=partner.id))
    status = 400 if request.method == "POST" else 200
    return render_template("oidc/hub_form.html", form=form, partner=None), status


def _edit_page(partner, form: PartnerForm, status: int = 200, report=None):
    return render_template(
        "oidc/hub_form.html",
        form=form,
        partner=partner,
        report=report,
        identities=services.identities_of(partner),
        callback_url=url_for("partner_sso.callback", _external=True),
    ), status


def _get_or_404(partner_id: int):
    partner = services.get_partner(partner_id)
    if partner is None:
        abort(404)
    return partner


@hub_partners_bp.route("/<int:partner_id>", methods=["GET", "POST"])
def edit(partner_id: int):
    partner = _get_or_404(partner_id)
    form = PartnerForm(obj=partner if request.method == "GET" else None)
    if request.method == "GET":
        form.domains.data = "\n".join(d.domain for d in partner.domains)
        form.role_rules.data = services.format_role_rules(partner.role_rules)
        form.kind.data = partner.kind.value
        form.client_secret.data = ""
    if form.validate_on_submit() and _save(form, partner) is not None:
        flash(f"{partner.name} has been saved.", "success")
        return redirect(url_for(".edit", partner_id=partner.id))
    return _edit_page(partner, form, 400 if request.method == "POST" else 200)


@hub_partners_bp.post("/<int:partner_id>/test")
def test_connection(partner_id: int):
    partner = _get_or_404(partner_id)
    report = services.check_connection(partner)
    db.session.commit()
    form = PartnerForm(obj=partner, formdata=None)
    form.domains.data = "\n".join(d.domain for d in partner.domains)
    form.role_rules.data = services.format_role_rules(partner.role_rules)
    form.client_secret.data = ""
    return _edit_page(partner, form, report=report)


@hub_partners_bp.post("/<int:partner_id>/identities/<int:identity_id>/revoke")
def revoke(partner_id: int, identity_id: int):
    partner = _get_or_404(partner_id)
    identity = services.revoke_identity(partner, identity_id)
    if identity is None:
        abort(404)
    db.session.commit()
    flash(f"The sign-in link of {identity.email} has been revoked.", "success")
    return redirect(url_for(".edit", partner_id=partner.id))
