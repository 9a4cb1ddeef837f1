"""The partner's client secret, encrypted at rest with OIDC_SECRET_KEY (Fernet, rotatable)."""

from __future__ import annotations

from cryptography.fernet import InvalidToken, MultiFernet

from londonhub.platform.core.crypto import fernet

from .errors import ProviderUnavailable


def _fernet() -> MultiFernet:
    """OIDC_SECRET_KEY: one or more Fernet keys, comma-separated, newest first (rotation).
    Unset (development, tests): a key derived from SECRET_KEY."""
    return fernet("OIDC_SECRET_KEY", "oidc-client-secret")


def encrypt_secret(secret: str) -> bytes:
    return _fernet().encrypt(secret.encode())


def decrypt_secret(token: bytes) -> str:
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise ProviderUnavailable(
            "The stored client secret cannot be read with the current OIDC_SECRET_KEY"
        ) from exc
