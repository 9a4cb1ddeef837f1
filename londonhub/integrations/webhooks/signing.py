"""How deliveries are signed: the Standard Webhooks scheme (standardwebhooks.com).

Headers on every delivery:
- `webhook-id`: the event's id (`evt_...`), the same on every retry and replay of that event;
- `webhook-timestamp`: seconds since the Unix epoch when this attempt was signed;
- `webhook-signature`: `v1,` and the base64 HMAC-SHA256, keyed with the secret's bytes, of
  `{webhook-id}.{webhook-timestamp}.{body}`; during a rotation's grace period a second
  `v1,...` (the previous secret's) follows after a space.

A receiver recomputes the HMAC, compares in constant time, refuses a timestamp more than five
minutes from its clock, and refuses an id it has already handled. The secret is
`whsec_` + base64 of 32 random bytes, stored encrypted (Fernet, WEBHOOK_SECRET_KEY: one or more
keys, newest first; unset: derived from SECRET_KEY).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import InvalidToken, MultiFernet

from londonhub.platform.core.crypto import fernet

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets_),
    }


def _fernet() -> MultiFernet:
    return fernet("WEBHOOK_SECRET_KEY", "webhook-signing-secret")


def encrypt(secret: str) -> bytes:
    return _fernet().encrypt(secret.encode())


def decrypt(token: bytes) -> str:
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise RuntimeError(
            "A webhook signing secret cannot be read with the current WEBHOOK_SECRET_KEY"
        ) from exc
