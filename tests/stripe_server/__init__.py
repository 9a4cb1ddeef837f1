"""A local, stateful fake of the Stripe API for tests (see server.py and fixtures.py)."""

from .server import DEFAULT_API_KEY, CardDeclined, FakeStripe, FakeStripeError

__all__ = ["DEFAULT_API_KEY", "CardDeclined", "FakeStripe", "FakeStripeError"]
