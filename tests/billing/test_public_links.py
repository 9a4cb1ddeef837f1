"""Stripe's return URLs and receipt links start with PUBLIC_URL, never the request's Host."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.stripe

PUBLIC = "https://hub.example.org"


@pytest.fixture
def app_config(app_config: dict) -> dict:
    app_config["PUBLIC_URL"] = PUBLIC
    return app_config


def test_checkout_return_and_cancel_urls_use_public_url(
    people, make_order, client, auth, fake_stripe
):
    order = make_order(people.hackney, people.buyer)
    auth.login("buyer@example.com")
    assert client.post(f"/account/orders/{order.id}/pay").status_code == 303
    [call] = [c for c in fake_stripe.api_calls if c["path"] == "/v1/checkout/sessions"]
    assert call["params"]["success_url"].startswith(f"{PUBLIC}/account/orders/{order.id}/return?")
    assert call["params"]["cancel_url"].startswith(f"{PUBLIC}/account/orders/{order.id}")
