"""Money: orders, Stripe Checkout, webhooks, refunds, Connect payouts, ledger (issue 4)."""
