"""Demo invoice settings for the 33 London workspaces: the address on their invoices and how
to pay them (demo bank details). Idempotent: a workspace that has settings keeps them."""

from __future__ import annotations

from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.seed import DEMO_ADDRESSES, LONDON_WORKSPACES, register_seeder
from londonhub.platform.core.tenancy import Workspace, tenant_context

from .document_models import DEFAULT_DUE_DAYS, DEFAULT_REMINDER_DAYS, BillingSettings


@register_seeder
def seed_invoice_settings() -> None:
    slugs = [slug for slug, *_ in LONDON_WORKSPACES]
    workspaces = db.session.scalars(select(Workspace).where(Workspace.slug.in_(slugs))).all()
    for index, workspace in enumerate(sorted(workspaces, key=lambda w: w.slug)):
        with tenant_context(workspace.id):
            if db.session.scalar(select(BillingSettings.id)) is not None:
                continue
            street, town, postcode = DEMO_ADDRESSES[workspace.slug]
            db.session.add(
                BillingSettings(
                    address=f"{street}\n{town}\nLondon {postcode}",
                    vat_registered=False,
                    vat_number=None,
                    vat_rate_percent=0,
                    payment_instructions=(
                        f"Bank transfer to {workspace.name}, sort code 00-00-00, account "
                        f"{10000000 + index} (demo details), quoting the invoice number."
                    ),
                    due_days=DEFAULT_DUE_DAYS,
                    reminder_days=DEFAULT_REMINDER_DAYS,
                    next_invoice_number=1,
                    next_credit_note_number=1,
                )
            )
            db.session.flush()
