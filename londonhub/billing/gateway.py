"""The one place that talks to Stripe: a `StripeClient` per call, never the global api_key."""

from __future__ import annotations

from urllib.parse import urlsplit

import stripe
from flask import current_app

#: Stripe API version the code was written against (the `stripe` package's own pin).
API_VERSION = stripe.api_version


def stripe_enabled() -> bool:
    """Without a secret key the hub runs in invoice mode."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def client() -> stripe.StripeClient:
    config = current_app.config
    base = config.get("STRIPE_API_BASE")
    addresses = {"api": base, "connect": base, "files": base} if base else None
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses=addresses,
        stripe_version=API_VERSION,
        max_network_retries=2,
    )


def hosted_origins() -> list[str]:
    """Origins a form may send the browser to (Checkout, Connect onboarding), for the CSP."""
    base = current_app.config.get("STRIPE_API_BASE")
    if base:
        parts = urlsplit(base)
        return [f"{parts.scheme}://{parts.netloc}"]
    return ["https://checkout.stripe.com", "https://connect.stripe.com"]


def as_dict(obj: object) -> dict:
    """Stripe objects are not dicts in `stripe` 16; events and payloads are handled as dicts."""
    if isinstance(obj, dict):
        return obj
    return obj.to_dict()  # type: ignore[attr-defined]
