"""The partner's client secret, encrypted at rest with OIDC_SECRET_KEY (Fernet, rotatable)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from .errors import ProviderUnavailable


def _fernet() -> MultiFernet:
    """OIDC_SECRET_KEY: one or more Fernet keys, comma-separated, newest first (rotation).
    Unset (development, tests): a key derived from SECRET_KEY."""
    raw = current_app.config.get("OIDC_SECRET_KEY") or ""
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        digest = hashlib.sha256(
            b"londonhub:oidc-client-secret:" + current_app.config["SECRET_KEY"].encode()
        ).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise RuntimeError(
            "OIDC_SECRET_KEY must be Fernet keys (32 url-safe base64-encoded bytes each)"
        ) from exc


def encrypt_secret(secret: str) -> bytes:
    return _fernet().encrypt(secret.encode())


def decrypt_secret(token: bytes) -> str:
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise ProviderUnavailable(
            "The stored client secret cannot be read with the current OIDC_SECRET_KEY"
        ) from exc
