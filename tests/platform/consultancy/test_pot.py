"""The subsidy pot: topped up by hub admins, drawn on by approved discounts for small groups,
never overdrawn, even when two discounts are approved at the same moment."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from londonhub.platform.consultancy import engagements, money, pot
from londonhub.platform.consultancy.associates import ConsultancyError, NotAllowed
from londonhub.platform.consultancy.models import Account, Engagement, Enquiry
from londonhub.platform.core.extensions import db


def _small(engagement_id: int) -> None:
    engagement = db.session.get(Engagement, engagement_id)
    db.session.get(Enquiry, engagement.enquiry_id).income_band = "under-10k"
    db.session.commit()


def test_a_discount_draws_on_the_pot_and_the_client_pays_less(world, quoted):
    engagement = engagements.accept_quote(world.client, quoted().id)
    db.session.commit()
    with pytest.raises(NotAllowed):
        pot.top_up_pot(world.associate_user, 10_000, "")
    db.session.rollback()
    pot.top_up_pot(world.hub, 50_000, "Trust grant")
    db.session.commit()
    with pytest.raises(ConsultancyError, match="small groups"):
        pot.approve_subsidy(world.hub, engagement.id, 20_000)
    db.session.rollback()
    _small(engagement.id)
    with pytest.raises(ConsultancyError, match="holds £500.00"):
        pot.approve_subsidy(world.hub, engagement.id, 60_000)
    db.session.rollback()
    pot.approve_subsidy(world.hub, engagement.id, 20_000)
    db.session.commit()
    engagement = db.session.get(Engagement, engagement.id)
    assert engagement.client_pays_pence == 90_000 and engagement.balance_pence == 62_500
    assert money.account_total(Account.SUBSIDY_POT) == 30_000
    assert money.associate_balance(world.associate) == 17_000  # 85% of £200


@pytest.mark.postgres
def test_two_discounts_at_once_never_overdraw_the_pot(app, world, quoted):
    ids = []
    for client in (world.client, world.other_client):
        engagement = engagements.accept_quote(client, quoted(client=client).id)
        db.session.commit()
        _small(engagement.id)
        ids.append(engagement.id)
    pot.top_up_pot(world.hub, 30_000, "")
    db.session.commit()
    hub_id = world.hub.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(engagement_id: int) -> None:
        with app.app_context():
            from londonhub.platform.core.identity import User

            hub = db.session.get(User, hub_id)
            barrier.wait()
            try:
                pot.approve_subsidy(hub, engagement_id, 20_000)
                db.session.commit()
                outcomes.append("approved")
            except ConsultancyError as exc:
                db.session.rollback()
                outcomes.append(str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.session.rollback()
    assert outcomes.count("approved") == 1, outcomes
    assert "The subsidy pot holds £100.00: top it up first" in outcomes
    assert money.account_total(Account.SUBSIDY_POT) == 10_000
    assert (
        db.session.scalar(select(func.count(Engagement.id)).where(Engagement.subsidy_pence > 0))
        == 1
    )
