"""Makes the fake Stripe fixtures available here, as any other test folder's conftest can."""

from tests.stripe_server.fixtures import fake_stripe, webhook_receiver  # noqa: F401
