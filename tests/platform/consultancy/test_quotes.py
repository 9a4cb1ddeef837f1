"""Enquiries and quotes: to an associate or the hub, quoting with lines, revising, declining,
expiring, accepting; every bad input gets a clear message and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from londonhub.platform.consultancy import associates, engagements, enquiries
from londonhub.platform.consultancy.associates import ConsultancyError
from londonhub.platform.consultancy.models import (
    Engagement,
    EngagementStatus,
    Enquiry,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import london_today

from .conftest import quote_draft


def _counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Quote, QuoteLine, Engagement)
    )


def test_client_sends_an_enquiry_and_the_associate_quotes_through_the_pages(world, signed_in):
    client = signed_in(world.client.email)
    response = client.post(
        f"/consultancy/enquire?associate={world.associate.slug}",
        data={
            "organisation": "Camden Carers",
            "borough": "camden",
            "income_band": "10k-100k",
            "needs": "Our board needs a governance review",
            "budget": "1500",
            "timescale": "By March",
        },
    )
    assert response.status_code == 302, response.data[-800:]
    enquiry = db.session.scalar(select(Enquiry))
    assert enquiry.associate_id == world.associate.id and enquiry.budget_pence == 150_000

    ada = signed_in(world.associate_user.email)
    expires = (london_today() + timedelta(days=10)).isoformat()
    response = ada.post(
        f"/consultancy/enquiries/{enquiry.id}/quote",
        data={
            "kind": "project",
            "lines-0-description": "Board review",
            "lines-0-days": "2",
            "lines-0-price": "450",
            "lines-1-description": "Report",
            "lines-1-price": "200",
            "deposit_percent": "25",
            "expires_on": expires,
            "expenses_policy": "None",
            "terms": "Standard",
        },
    )
    assert response.status_code == 302, response.data[-1500:]
    quote = db.session.scalar(select(Quote))
    assert quote.total_pence == 110_000 and quote.deposit_pence == 27_500
    page = client.get(f"/consultancy/quotes/{quote.id}")
    assert b"\xc2\xa31,100.00" in page.data and b"Accept the quote" in page.data
    response = client.post(f"/consultancy/quotes/{quote.id}/accept")
    engagement = db.session.scalar(select(Engagement))
    assert response.location.endswith(f"/consultancy/engagements/{engagement.id}")
    assert engagement.total_pence == 110_000 and engagement.deposit_pence == 27_500
    assert engagement.status == EngagementStatus.AWAITING_DEPOSIT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lines": []}, "Add at least one line"),
        ({"lines": [engagements.LineDraft("Work", 0, 2)]}, "more than £0"),
        ({"lines": [engagements.LineDraft("Work", -100)]}, "more than £0"),
        ({"lines": [engagements.LineDraft("Work", 100, 0)]}, "at least 1 day"),
        ({"lines": [engagements.LineDraft("", 100)]}, "say what the line is for"),
        ({"deposit_percent": 101}, "from 0 to 100"),
        ({"deposit_percent": -1}, "from 0 to 100"),
        ({"expires_on": london_today()}, "after today"),
    ],
)
def test_a_bad_quote_is_refused_with_a_clear_message_and_nothing_written(world, overrides, message):
    enquiry = enquiries.send_enquiry(
        world.client,
        enquiries.EnquiryDraft(organisation="Camden Carers", needs="Help"),
        world.associate.slug,
    )
    db.session.commit()
    before = _counts()
    with pytest.raises(ConsultancyError, match=message):
        engagements.create_quote(world.associate_user, enquiry.id, quote_draft(**overrides))
    db.session.rollback()
    assert _counts() == before


def test_the_quote_form_shows_bad_input_on_the_page(world, signed_in):
    enquiry = enquiries.send_enquiry(
        world.client,
        enquiries.EnquiryDraft(organisation="Camden Carers", needs="Help"),
        world.associate.slug,
    )
    db.session.commit()
    ada = signed_in(world.associate_user.email)
    expires = (london_today() + timedelta(days=10)).isoformat()
    for data, message in [
        ({"deposit_percent": "150"}, b"Enter a deposit from 0 to 100 percent"),
        ({"lines-0-price": "-5"}, b"Line 1: enter a price of more than"),
        ({"lines-0-price": "0"}, b"Line 1: enter a price of more than"),
        ({"lines-0-description": "", "lines-0-price": ""}, b"Add at least one line"),
    ]:
        form = {
            "kind": "project",
            "lines-0-description": "Work",
            "lines-0-price": "300",
            "deposit_percent": "20",
            "expires_on": expires,
            **data,
        }
        response = ada.post(f"/consultancy/enquiries/{enquiry.id}/quote", data=form)
        assert response.status_code == 400
        assert message in response.data
    assert _counts() == (0, 0, 0)


def test_revising_replaces_the_quote_and_the_old_version_cannot_be_accepted(world, quoted):
    first = quoted()
    second = engagements.revise_quote(
        world.associate_user, first.id, quote_draft(deposit_percent=10)
    )
    db.session.commit()
    assert (first.status, second.status, second.version) == (
        QuoteStatus.REVISED,
        QuoteStatus.SENT,
        2,
    )
    with pytest.raises(ConsultancyError, match="replaced by a newer version"):
        engagements.accept_quote(world.client, first.id)
    db.session.rollback()
    engagement = engagements.accept_quote(world.client, second.id)
    db.session.commit()
    assert engagement.quote_id == second.id


def test_an_accepted_quote_price_cannot_change(world, quoted):
    quote = quoted()
    engagements.accept_quote(world.client, quote.id)
    db.session.commit()
    with pytest.raises(ConsultancyError, match="accepted: its price cannot change"):
        engagements.revise_quote(
            world.associate_user,
            quote.id,
            quote_draft(lines=[engagements.LineDraft("Cheaper", 100)]),
        )
    db.session.rollback()
    with pytest.raises(ConsultancyError, match="already accepted"):
        engagements.accept_quote(world.client, quote.id)
    db.session.rollback()
    assert db.session.get(Quote, quote.id).total_pence == 110_000
    assert db.session.scalar(select(func.count(Engagement.id))) == 1


def test_an_expired_quote_cannot_be_accepted_and_the_job_expires_it(world, quoted, runner):
    quote = quoted()
    stale = quoted(client=world.other_client)
    for q in (quote, stale):
        q.expires_on = london_today() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(ConsultancyError, match="expired"):
        engagements.accept_quote(world.client, quote.id)
    db.session.rollback()
    result = runner.invoke(args=["consultancy", "expire-quotes"])
    assert "2 quote(s) expired" in result.output
    db.session.expire_all()
    assert db.session.get(Quote, stale.id).status == QuoteStatus.EXPIRED
    assert db.session.scalar(select(func.count(Engagement.id))) == 0


def test_the_page_says_why_an_expired_quote_cannot_be_accepted(world, quoted, signed_in):
    quote = quoted()
    quote.expires_on = london_today() - timedelta(days=1)
    db.session.commit()
    client = signed_in(world.client.email)
    page = client.post(f"/consultancy/quotes/{quote.id}/accept", follow_redirects=True)
    assert b"This quote has expired: ask for a new one" in page.data
    assert db.session.scalar(select(func.count(Engagement.id))) == 0


def test_a_declined_quote_reopens_the_enquiry_for_a_new_quote(world, quoted):
    quote = quoted()
    engagements.decline_quote(world.client, quote.id)
    db.session.commit()
    second = engagements.create_quote(world.associate_user, quote.enquiry_id, quote_draft())
    db.session.commit()
    assert second.version == 2


def test_only_the_client_accepts_and_only_the_associate_quotes(world, quoted):
    quote = quoted()
    with pytest.raises(associates.NotAllowed):
        engagements.accept_quote(world.associate_user, quote.id)
    db.session.rollback()
    with pytest.raises(associates.NotFound):
        engagements.accept_quote(world.other_client, quote.id)
    db.session.rollback()
    with pytest.raises(associates.NotFound):
        engagements.create_quote(world.other_associate_user, quote.enquiry_id, quote_draft())


def test_an_enquiry_to_the_hub_is_matched_then_quoted(world, signed_in):
    client = signed_in(world.client.email)
    client.post("/consultancy/enquire", data={"organisation": "Camden Carers", "needs": "Help"})
    enquiry = db.session.scalar(select(Enquiry))
    assert enquiry.associate_id is None
    with pytest.raises(ConsultancyError, match="must first match"):
        engagements.create_quote(world.hub, enquiry.id, quote_draft())
    db.session.rollback()
    hub = signed_in("hub@example.org")
    assert b"Camden Carers" in hub.get("/hub/consultancy").data
    hub.post(
        f"/hub/consultancy/enquiries/{enquiry.id}/assign",
        data={"assign-associate_id": str(world.other_associate.id)},
    )
    db.session.expire_all()
    assert db.session.get(Enquiry, enquiry.id).associate_id == world.other_associate.id
    quote = engagements.create_quote(world.other_associate_user, enquiry.id, quote_draft())
    assert quote.associate_id == world.other_associate.id


def test_a_paused_associate_takes_no_enquiries(world):
    associates.set_paused(world.associate_user, True)
    with pytest.raises(ConsultancyError, match="not taking new work"):
        enquiries.send_enquiry(
            world.client,
            enquiries.EnquiryDraft(organisation="X", needs="Help"),
            world.associate.slug,
        )
