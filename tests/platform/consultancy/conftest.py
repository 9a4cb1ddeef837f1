"""Consultancy fixtures: the hub admin, approved associates, clients, and helpers that take
an enquiry to a quote and an engagement through the services."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from londonhub.platform.consultancy import associates, engagements, enquiries
from londonhub.platform.consultancy.models import Associate
from londonhub.platform.core.extensions import db
from londonhub.platform.core.timeutil import london_today
from tests.conftest import PASSWORD

_HASH: list[str] = []


def png(width: int = 8, height: int = 8) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def profile(**overrides: Any) -> associates.Profile:
    data: dict[str, Any] = {
        "name": "Ada Adviser",
        "headline": "Governance for small charities",
        "bio": "Twenty years as a trustee and chair.",
        "expertise": ["governance"],
        "boroughs": ["camden"],
        "languages": "English",
        "day_rate_pence": 45_000,
        "availability": "available",
        "references": "Jo Bloggs, jo@example.org",
    }
    data.update(overrides)
    return associates.Profile(**data)


@dataclass
class World:
    hub: Any
    associate_user: Any
    associate: Associate
    other_associate_user: Any
    other_associate: Associate
    client: Any
    other_client: Any


@pytest.fixture
def quick_user(make_user) -> Callable[..., Any]:
    """`make_user` with the password hashed once per run."""
    from werkzeug.security import generate_password_hash

    def factory(email: str, **kwargs: Any) -> Any:
        if not _HASH:
            _HASH.append(generate_password_hash(PASSWORD))
        user = make_user(email, password="", **kwargs)
        user.password_hash = _HASH[0]
        db.session.commit()
        return user

    return factory


def approved(user: Any, hub: Any, **overrides: Any) -> Associate:
    associate = associates.apply(user, profile(**overrides))
    associates.decide(hub, associate.id, "approve")
    db.session.commit()
    return associate


@pytest.fixture
def world(app, quick_user) -> World:
    hub = quick_user("hub@example.org", name="Hugh Hub", hub_admin=True)
    ada = quick_user("ada@associates.example.org", name="Ada Adviser")
    ben = quick_user("ben@associates.example.org", name="Ben Builder")
    return World(
        hub=hub,
        associate_user=ada,
        associate=approved(ada, hub),
        other_associate_user=ben,
        other_associate=approved(
            ben, hub, name="Ben Builder", expertise=["finance"], boroughs=["hackney"]
        ),
        client=quick_user("chair@camden-charity.example.org", name="Cam Chair"),
        other_client=quick_user("other@hackney-group.example.org", name="Hal Other"),
    )


def quote_draft(**overrides: Any) -> engagements.QuoteDraft:
    data: dict[str, Any] = {
        "lines": [
            engagements.LineDraft("Board review", 45_000, 2),
            engagements.LineDraft("Written report", 20_000),
        ],
        "deposit_percent": 25,
        "expires_on": london_today() + timedelta(days=14),
        "expenses_policy": "Travel within London at cost",
        "terms": "Standard terms",
    }
    data.update(overrides)
    return engagements.QuoteDraft(**data)


@pytest.fixture
def quoted(world) -> Callable[..., Any]:
    """An enquiry from the client to the associate, quoted; returns the quote."""

    def factory(client: Any = None, associate_user: Any = None, **overrides: Any) -> Any:
        client = client or world.client
        user = associate_user or world.associate_user
        associate = associates.own_associate(user)
        enquiry = enquiries.send_enquiry(
            client,
            enquiries.EnquiryDraft(
                organisation="Camden Carers", needs="A governance review", borough="camden"
            ),
            associate.slug,
        )
        quote = engagements.create_quote(user, enquiry.id, quote_draft(**overrides))
        db.session.commit()
        return quote

    return factory


@pytest.fixture
def signed_in(app) -> Callable[[str], Any]:
    def factory(email: str) -> Any:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.data[-500:]
        return client

    return factory
