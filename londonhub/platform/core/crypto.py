"""Secrets the app must read back (partners' client secrets, webhook signing secrets),
encrypted at rest with Fernet under keys from the environment, rotatable."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


def fernet(config_key: str, purpose: str) -> MultiFernet:
    """The keys in `config_key`: one or more Fernet keys, comma-separated, newest first (a
    rotation adds the new key in front). Unset (development, tests): one key derived from
    SECRET_KEY and `purpose`, so each use has its own."""
    raw = current_app.config.get(config_key) or ""
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        digest = hashlib.sha256(
            f"londonhub:{purpose}:".encode() + current_app.config["SECRET_KEY"].encode()
        ).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise RuntimeError(
            f"{config_key} must be Fernet keys (32 url-safe base64-encoded bytes each)"
        ) from exc
