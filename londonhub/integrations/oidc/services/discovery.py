"""A provider's discovery document and signing keys: fetched only through core.http's guard,
checked (its issuer; its endpoints on the issuer's origin unless a hub admin allowed others for
this partner), and kept in the shared cache (Redis in production): a document for an hour, a
failure for a minute. Anonymous sign-in attempts read the cache; they cannot drive fetches.

Nothing here keeps provider state in the process: every process reads the same cache.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app

from londonhub.platform.core import audit, http
from londonhub.platform.core.cache import SharedCache, cache

from ..models import PartnerOrganisation
from .errors import ProviderUnavailable

#: A discovery document and keys are fetched again after this long.
METADATA_MAX_AGE_SECONDS = 3600
#: A failed fetch is remembered this long: until then every sign-in attempt is told at once.
FAILURE_MAX_AGE_SECONDS = 60
#: An ID token signed with an unknown key refreshes the keys at most this often.
KEYS_REFRESH_MIN_SECONDS = 300

ENDPOINTS = (
    ("authorization_endpoint", "Authorization endpoint"),
    ("token_endpoint", "Token endpoint"),
    ("userinfo_endpoint", "User info endpoint"),
    ("jwks_uri", "Signing keys address"),
    ("end_session_endpoint", "Sign-out endpoint (RP-initiated logout)"),
)
REQUIRED = ("authorization_endpoint", "token_endpoint", "jwks_uri")
#: What is kept of a document. Authlib passes the document to its session as keyword
#: arguments, so an unknown key (`verify`, `proxies`, `default_timeout`) must never reach it.
KEPT = {key for key, _ in ENDPOINTS} | {
    "issuer",
    "id_token_signing_alg_values_supported",
    "token_endpoint_auth_methods_supported",
    "code_challenge_methods_supported",
    "scopes_supported",
    "response_types_supported",
    "claims_supported",
    "grant_types_supported",
    "subject_types_supported",
}


@dataclass(frozen=True)
class ProviderSettings:
    """What a fetch depends on, copied from the partner's row (Authlib clients outlive it)."""

    partner_id: int
    version: int
    metadata_url: str
    issuer: str
    allow_foreign_endpoints: bool

    @classmethod
    def of(cls, partner: PartnerOrganisation) -> ProviderSettings:
        return cls(
            partner.id,
            partner.config_version,
            partner.metadata_url,
            partner.issuer,
            bool(partner.allow_foreign_endpoints),
        )

    def key(self, what: str) -> str:
        """Named by the settings themselves: changed settings never meet an old entry."""
        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()
        return f"oidc:{what}:{self.partner_id}:{digest[:32]}"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _policy() -> http.Policy:
    return http.current_policy(deadline=current_app.config.get("OIDC_HTTP_TIMEOUT_SECONDS"))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, http.OutboundError):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__


def _get_json(url: str) -> Any:
    with http.GuardedSession(_policy()) as session:
        response = session.get(url, headers={"Accept": "application/json"})
    response.raise_for_status()
    return response.json()


def fetch_document(settings: ProviderSettings) -> dict[str, Any]:
    """The document as the provider serves it now (not checked yet)."""
    try:
        document = _get_json(settings.metadata_url)
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"discovery document unavailable ({_describe(exc)})") from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable("the discovery document is not a JSON object")
    return document


def document_problems(settings: ProviderSettings, document: dict[str, Any]) -> list[str]:
    """Why this document cannot be used, in sentences for the hub admin (empty: usable)."""
    problems = []
    issuer = document.get("issuer")
    if issuer != settings.issuer:
        problems.append(
            f"The provider says its issuer is {str(issuer or 'nothing')[:300]}, "
            f"not {settings.issuer}."
        )
    home = _origin(settings.issuer)
    policy = _policy()
    for key, _label in ENDPOINTS:
        value = document.get(key)
        if not value:
            if key in REQUIRED:
                problems.append(f"The discovery document has no {key}.")
            continue
        if not isinstance(value, str):
            problems.append(f"The {key} is not a web address.")
            continue
        try:
            http.check_url(value, policy)
        except http.OutboundRefused as exc:
            problems.append(f"The {key} cannot be used: {exc}.")
            continue
        if _origin(value) != home and not settings.allow_foreign_endpoints:
            problems.append(
                f"The {key} ({value[:300]}) is not at the issuer's address "
                f"{origin_of(settings.issuer)}. If that is right for this provider, a hub admin "
                "can allow endpoints elsewhere for this organisation."
            )
    return problems


def _checked(settings: ProviderSettings) -> dict[str, Any]:
    document = fetch_document(settings)
    problems = document_problems(settings, document)
    if problems:
        raise ProviderUnavailable(problems[0])
    return {k: v for k, v in document.items() if k in KEPT}


def _read(store: SharedCache, key: str) -> dict[str, Any] | None:
    hit = store.get(key)
    if hit is None:
        return None
    if "problem" in hit:
        raise ProviderUnavailable(hit["problem"])
    return hit


def _fetch_once(
    store: SharedCache, key: str, fetch: Any, max_age: float, *, fresh: bool = False
) -> dict[str, Any]:
    """Fetch and remember, or remember the failure. One process fetches at a time; the others
    wait for its answer rather than fetch too."""
    if not fresh:
        hit = _read(store, key)
        if hit is not None:
            return hit
    deadline = _policy().deadline
    lock = key + ":fetching"
    if not store.add(lock, 1, deadline + 5):
        waited_until = time.monotonic() + deadline + 1
        while time.monotonic() < waited_until:
            time.sleep(0.1)
            hit = _read(store, key)
            if hit is not None:
                return hit
        raise ProviderUnavailable("another request is still fetching from the provider")
    try:
        value = fetch()
    except ProviderUnavailable as exc:
        store.set(key, {"problem": str(exc)}, FAILURE_MAX_AGE_SECONDS)
        raise
    finally:
        store.delete(lock)
    entry = {"value": value, "at": time.time()}
    store.set(key, entry, max_age)
    return entry


def metadata(settings: ProviderSettings, *, fresh: bool = False) -> dict[str, Any]:
    """The checked discovery document; raises ProviderUnavailable (also when it recently
    failed, without asking the provider again)."""
    entry = _fetch_once(
        cache(),
        settings.key("discovery"),
        lambda: _checked(settings),
        METADATA_MAX_AGE_SECONDS,
        fresh=fresh,
    )
    return dict(entry["value"])


def _fetch_keys(settings: ProviderSettings) -> dict[str, Any]:
    uri = metadata(settings)["jwks_uri"]
    try:
        keys = _get_json(uri)
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"signing keys unavailable ({_describe(exc)})") from exc
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise ProviderUnavailable("the signing keys are not a JSON key set")
    return {"keys": keys["keys"]}


def signing_keys(
    settings: ProviderSettings, *, force: bool = False, fresh: bool = False
) -> dict[str, Any]:
    """The provider's key set. `force` (an ID token names a key we do not have) refetches,
    but not more often than KEYS_REFRESH_MIN_SECONDS; `fresh` (the hub admin's test) always."""
    store, key = cache(), settings.key("jwks")
    if force and not fresh:
        hit = _read(store, key)
        fresh = hit is None or time.time() - float(hit.get("at", 0)) > KEYS_REFRESH_MIN_SECONDS
    entry = _fetch_once(
        store, key, lambda: _fetch_keys(settings), METADATA_MAX_AGE_SECONDS, fresh=fresh
    )
    return entry["value"]


@dataclass
class ConnectionReport:
    ok: bool
    found: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_connection(partner: PartnerOrganisation) -> ConnectionReport:
    """Fetch the discovery document and the keys afresh (through the guard), and say what
    they hold. A usable answer replaces what the cache held."""
    settings = ProviderSettings.of(partner)
    report = ConnectionReport(ok=False)
    try:
        document = fetch_document(settings)
    except ProviderUnavailable as exc:
        report.problems.append(
            f"Could not read the discovery document at {settings.metadata_url}: {exc}."
        )
        document = None
    if document is not None:
        report.found.append(("Issuer", str(document.get("issuer") or "missing")[:300]))
        for key, label in ENDPOINTS:
            value = document.get(key)
            report.found.append((label, str(value)[:300] if value else "not offered"))
        algorithms = document.get("id_token_signing_alg_values_supported") or []
        if not isinstance(algorithms, list):
            algorithms = []
        report.found.append(
            ("ID token signing", ", ".join(map(str, algorithms))[:300] or "not stated")
        )
        report.problems.extend(document_problems(settings, document))
    store = cache()
    if document is not None and not report.problems:
        kept = {k: v for k, v in document.items() if k in KEPT}
        store.set(
            settings.key("discovery"),
            {"value": kept, "at": time.time()},
            METADATA_MAX_AGE_SECONDS,
        )
        try:
            keys = signing_keys(settings, fresh=True)["keys"]
        except ProviderUnavailable as exc:
            report.problems.append(f"Could not read the signing keys: {exc}.")
        else:
            report.found.append(("Signing keys", str(len(keys))))
            if not keys:
                report.problems.append("The provider publishes no signing keys.")
    report.ok = not report.problems
    if not report.ok:
        store.set(
            settings.key("discovery"), {"problem": report.problems[0]}, FAILURE_MAX_AGE_SECONDS
        )
    else:
        partner.authorization_origin = origin_of(document["authorization_endpoint"])
    audit.record(
        "partner.connection_tested",
        f"Connection to {partner.name}'s provider tested: {'ok' if report.ok else 'problems'}",
        partner_id=partner.id,
        ok=report.ok,
    )
    return report
