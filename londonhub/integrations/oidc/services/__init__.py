"""Partner organisations and their sign-in through OpenID Connect: plain functions, no
`request`. The browser half of the authorisation-code flow lives in views.py.

Rules (DESIGN.md, Identity and roles; PATTERNS.md, Authlib and OpenID Connect):
- an identity is keyed on (issuer, subject), never on email alone;
- a first sign-in creates an account only for an email the provider verified, in a domain
  the organisation vouches for; it never takes over an existing account: the owner links it
  by signing in with their password once;
- each partner's Authlib client is built from its database row, registered under
  `partner{id}v{version}`, and never reads `app.config` defaults.

The operations live in modules (`secrets`, `partners`, `discovery`, `clients`, `sign_in`, `errors`);
this face re-exports them so callers keep writing `services.create_partner(...)`.
"""

from __future__ import annotations

from .clients import (
    OAUTH_EXTENSION,
    GuardedOAuth2Session,
    PartnerClient,
    PartnerOAuth,
    client_for,
    form_action_origins,
    init_oauth,
    provider_metadata,
    registry,
)
from .discovery import (
    FAILURE_MAX_AGE_SECONDS,
    METADATA_MAX_AGE_SECONDS,
    ConnectionReport,
    ProviderSettings,
    check_connection,
    origin_of,
    signing_keys,
)
from .errors import (
    LinkRequired,
    PartnerError,
    ProviderUnavailable,
    SignInRefused,
)
from .partners import (
    DOMAIN_PATTERN,
    PROVIDER_FIELDS,
    check_provider_url,
    create_partner,
    format_role_rules,
    get_partner,
    get_partner_by_slug,
    identities_of,
    list_partners,
    member_counts,
    members_of,
    membership_of,
    memberships_of_user,
    normalise_domain,
    parse_domains,
    parse_role_rules,
    partner_for_email,
    partner_of,
    revoke_identity,
    update_partner,
)
from .secrets import (
    _fernet,
    decrypt_secret,
    encrypt_secret,
)
from .sign_in import (
    SignInResult,
    complete_sign_in,
    link_identity,
    role_from_claims,
    use_once,
)

__all__ = [
    "ConnectionReport",
    "DOMAIN_PATTERN",
    "FAILURE_MAX_AGE_SECONDS",
    "GuardedOAuth2Session",
    "LinkRequired",
    "METADATA_MAX_AGE_SECONDS",
    "OAUTH_EXTENSION",
    "PROVIDER_FIELDS",
    "PartnerClient",
    "PartnerError",
    "PartnerOAuth",
    "ProviderSettings",
    "ProviderUnavailable",
    "SignInRefused",
    "SignInResult",
    "_fernet",
    "check_connection",
    "check_provider_url",
    "client_for",
    "complete_sign_in",
    "create_partner",
    "decrypt_secret",
    "encrypt_secret",
    "form_action_origins",
    "format_role_rules",
    "get_partner",
    "get_partner_by_slug",
    "identities_of",
    "init_oauth",
    "link_identity",
    "list_partners",
    "member_counts",
    "members_of",
    "membership_of",
    "memberships_of_user",
    "normalise_domain",
    "origin_of",
    "parse_domains",
    "parse_role_rules",
    "partner_for_email",
    "partner_of",
    "provider_metadata",
    "registry",
    "revoke_identity",
    "role_from_claims",
    "signing_keys",
    "update_partner",
    "use_once",
]
