"""Account services: registration, verification, password reset, sign-in checks.

Plain functions, no `request`; views call one of these and render what they return or raise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from . import ratelimit
from .extensions import db
from .identity import (
    PASSWORD_HASH_METHOD,
    Membership,
    TokenInvalid,
    User,
    get_user_by_email,
    make_token,
    normalise_email,
    read_token,
)
from .mail import send_email
from .timeutil import utcnow
from .urls import public_url

VERIFY = "verify-email"
RESET = "reset-password"


class AccountError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SignInBlocked(AccountError):
    """Too many failed attempts for this email from this address, or from this address."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, "email")
        self.retry_after = retry_after


def describe_duration(seconds: int) -> str:
    """How long a link works, in words: "24 hours", "1 hour", "30 minutes"."""
    if seconds >= 3600 and seconds % 3600 == 0:
        count, unit = seconds // 3600, "hour"
    else:
        count, unit = max(1, -(-seconds // 60)), "minute"
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def create_user(
    email: str, name: str, password: str | None, *, verified: bool = False, hub_admin: bool = False
) -> User:
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise AccountError("An account with this email address already exists", "email")
    user = User(email=email, name=name.strip(), is_hub_admin=hub_admin)
    if password:
        user.set_password(password)
    if verified:
        user.email_verified_at = utcnow()
    db.session.add(user)
    db.session.flush()
    return user


def register(email: str, name: str, password: str, next_url: str | None = None) -> User | None:
    """Create the account and send its confirmation link. For an address that already has an
    account, tell its owner instead and answer exactly as for a new one (no enumeration).
    `next_url` (a same-site path, checked by the caller) rides in the signed verification
    link, so an invitation survives sign-up."""
    existing = get_user_by_email(email)
    if existing is None:
        user = create_user(email, name, password)
        send_verification(user, next_url)
        return user
    # Hash as a new account would: timing reveals no accounts either.
    generate_password_hash(password, method=PASSWORD_HASH_METHOD)
    if not existing.is_disabled:
        _send_already_registered(existing)
    return None


def _send_already_registered(user: User) -> None:
    hub = current_app.config["HUB_NAME"]
    send_email(
        user.email,
        "Someone tried to register with your email address",
        f"Hello {user.name},\n\nSomeone (perhaps you) tried to create a new {hub} account with "
        f"this email address, which already has an account. Nothing has changed.\n\n"
        f"To sign in, go to:\n\n{public_url('auth.login')}\n\n"
        f"If you have forgotten your password, you can reset it at:\n\n"
        f"{public_url('auth.forgot_password')}\n\n"
        "If it was not you, you can ignore this email.\n",
    )


def send_verification(user: User, next_url: str | None = None) -> None:
    payload: dict[str, Any] = {"uid": user.id, "email": user.email}
    if next_url:
        payload["next"] = next_url
    token = make_token(VERIFY, payload)
    link = public_url("auth.verify_email", token=token)
    send_email(
        user.email,
        "Confirm your email address",
        f"Hello {user.name},\n\nConfirm your email address for {current_app.config['HUB_NAME']} "
        f"by opening this link:\n\n{link}\n\n"
        f"The link works for {describe_duration(current_app.config['TOKEN_MAX_AGE_SECONDS'])}.\n",
    )


def verify_email(token: str) -> User:
    """Mark the email verified. Raises TokenExpired/TokenInvalid for a bad or stale link."""
    data = read_token(VERIFY, token, current_app.config["TOKEN_MAX_AGE_SECONDS"])
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("email"):
        raise TokenInvalid(VERIFY)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def next_after_verification(token: str) -> str | None:
    """The page the person was heading for when they signed up (unchecked: the caller checks
    it is a same-site path before redirecting)."""
    data = read_token(VERIFY, token, current_app.config["TOKEN_MAX_AGE_SECONDS"])
    target = data.get("next")
    return target if isinstance(target, str) else None


def _password_fingerprint(user: User) -> str:
    # The reset token names the current password hash, so it stops working once used.
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def request_password_reset(email: str) -> None:
    """Send a reset link if the account exists; say nothing either way (no enumeration)."""
    user = get_user_by_email(email)
    if user is None or user.is_disabled:
        return
    token = make_token(RESET, {"uid": user.id, "pw": _password_fingerprint(user)})
    link = public_url("auth.reset_password", token=token)
    send_email(
        user.email,
        "Reset your password",
        f"Hello {user.name},\n\nSomeone asked to reset the password for your "
        f"{current_app.config['HUB_NAME']} account. To choose a new password, open:\n\n{link}\n\n"
        f"The link works for {describe_duration(current_app.config['RESET_TOKEN_MAX_AGE_SECONDS'])}"
        " and once only. If it was not you, ignore this email.\n",
    )


def user_for_reset_token(token: str) -> User:
    data = read_token(RESET, token, current_app.config["RESET_TOKEN_MAX_AGE_SECONDS"])
    user = db.session.get(User, data.get("uid"))
    if user is None or data.get("pw") != _password_fingerprint(user):
        raise TokenInvalid(RESET)
    return user


def reset_password(token: str, new_password: str, address: str | None = None) -> User:
    user = user_for_reset_token(token)
    change_password(user, new_password)
    # The sign-in page tells a slowed-down person to reset their password: that must work.
    ratelimit.clear_failed_sign_ins(user.email, address)
    # Following the emailed link proves the address.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def change_password(user: User, new_password: str) -> None:
    """Set the password and end every existing session of this user."""
    user.set_password(new_password)
    user.end_all_sessions()


_dummy_hash: str | None = None


def _spend_a_password_check(password: str) -> None:
    """Hash as long for an unknown email as for a known one: timing reveals no accounts."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash("no such account", method=PASSWORD_HASH_METHOD)
    check_password_hash(_dummy_hash, password)


def authenticate(email: str, password: str, address: str | None) -> User:
    """Check a sign-in attempt, counting failures; raises AccountError with the message to show.
    Fails closed: with the failure counts unreachable (Redis down) no password is checked."""
    try:
        return _authenticate(email, password, address)
    except ratelimit.LimiterUnavailable as exc:
        raise SignInBlocked(str(exc), exc.retry_after) from exc


def _authenticate(email: str, password: str, address: str | None) -> User:
    email = normalise_email(email)
    if wait := ratelimit.sign_in_wait(email, address):
        raise SignInBlocked(
            "Too many failed sign-ins from your network. "
            f"Try again in {ratelimit.describe_wait(wait)}, or reset your password.",
            wait,
        )
    user = get_user_by_email(email)
    if user is None or not user.password_hash:
        _spend_a_password_check(password)
    if user is None or not user.check_password(password) or user.is_disabled:
        ratelimit.record_failed_sign_in(email, address)
        raise AccountError("Enter a correct email address and password", "email")
    if not user.email_verified:
        raise AccountError(
            "Confirm your email address first: use the link we sent you, or ask for a new one.",
            "email",
        )
    ratelimit.clear_failed_sign_ins(email, address)
    return user


def memberships_of(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.user_id == user.id)
            .options(joinedload(Membership.workspace))
        )
    )


# --- extension points for other areas (core imports none of them) ---------------------------

#: (user) -> (template name, context) or None: an extra section on /account.
AccountSection = Callable[[User], "tuple[str, dict[str, Any]] | None"]
#: () -> URL or None, called on sign-out before the session ends: where to go next.
SignOutHook = Callable[[], "str | None"]


def register_account_section(app: Flask, provider: AccountSection) -> None:
    providers = app.extensions.setdefault("londonhub.account_sections", [])
    if provider not in providers:
        providers.append(provider)


def register_sign_out_hook(app: Flask, hook: SignOutHook) -> None:
    hooks = app.extensions.setdefault("londonhub.sign_out_hooks", [])
    if hook not in hooks:
        hooks.append(hook)


def account_sections(user: User) -> list[tuple[str, dict[str, Any]]]:
    sections = []
    for provider in current_app.extensions.get("londonhub.account_sections", []):
        section = provider(user)
        if section is not None:
            sections.append(section)
    return sections


def after_sign_out_url() -> str | None:
    for hook in current_app.extensions.get("londonhub.sign_out_hooks", []):
        url = hook()
        if url:
            return url
    return None
