"""Billing's operations: domain logic as plain functions, one module per concern.

Layered so imports go one way: `errors` <- `orders` <- `documents` (invoice and credit note
documents) <- `ledger` <- `invoices` and `followup` (reminders, overdue decisions), and
`ledger` <- `refunds` <- `webhooks` (with order expiry and the jobs) <- `checkout`.
Other areas use `londonhub.billing.services`, the public face; these modules are billing's own.
"""
