"""Two workspaces with a published room each, an admin each, and tokens."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from londonhub.platform.api import tokens
from londonhub.platform.core.extensions import db
from londonhub.tenants.rooms import services as rooms
from tests.tenants.rooms.conftest import room_values

HACKNEY_ADMIN = "admin@hackney.example.org"
CAMDEN_ADMIN = "admin@camden.example.org"


@dataclass
class ApiWorld:
    hackney: object
    camden: object
    hackney_admin: object
    camden_admin: object
    hackney_room: int
    camden_room: int
    read: str  # hackney's read-only token
    write: str  # hackney's read-write token
    camden_write: str


@pytest.fixture
def app_config(app_config: dict) -> dict:
    app_config["SERVER_NAME"] = None
    return app_config


def make_token(user, workspace, scope=tokens.TokenScope.READ, name="Reports") -> str:
    _token, raw = tokens.create_token(user, workspace, name, scope)
    db.session.commit()
    return raw


@pytest.fixture
def api_world(app, make_workspace, make_user) -> ApiWorld:
    hackney = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    camden = make_workspace("camden", "Camden CVS", borough="Camden")
    hackney_admin = make_user(HACKNEY_ADMIN, workspace=hackney, role="owner")
    camden_admin = make_user(CAMDEN_ADMIN, workspace=camden, role="owner")
    with app.test_request_context():
        hackney_room = rooms.save_room(hackney_admin, hackney, room_values()).id
        camden_room = rooms.save_room(camden_admin, camden, room_values(name="Camden hall")).id
        db.session.commit()
        world = ApiWorld(
            hackney=hackney,
            camden=camden,
            hackney_admin=hackney_admin,
            camden_admin=camden_admin,
            hackney_room=hackney_room,
            camden_room=camden_room,
            read=make_token(hackney_admin, hackney),
            write=make_token(hackney_admin, hackney, tokens.TokenScope.READ_WRITE, "Sync"),
            camden_write=make_token(camden_admin, camden, tokens.TokenScope.READ_WRITE),
        )
    return world


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_hours(make_user, workspace, admin, email: str, minutes: int = 120) -> int:
    """A volunteer accepted on one of the workspace's opportunities, with hours recorded
    yesterday (waiting to be verified); returns the hours' id."""
    from datetime import timedelta

    from londonhub.platform.core.timeutil import london_today
    from londonhub.tenants.volunteering.models import ResponseStatus
    from londonhub.tenants.volunteering.operations import hours, signups
    from tests.tenants.volunteering.conftest import add_opportunity
    from tests.tenants.volunteering.test_signups import first_session, make_volunteer

    opportunity_id = add_opportunity(workspace, admin, group=f"Group of {email}")
    user = make_volunteer(make_user, email)
    response = signups.respond(
        user, workspace, opportunity_id, first_session(workspace, opportunity_id)
    )
    signups.decide(admin, workspace, response.id, ResponseStatus.ACCEPTED)
    entry = hours.record_hours(
        user, workspace, opportunity_id, london_today() - timedelta(days=1), minutes
    )
    hours_id = entry.id
    db.session.commit()
    return hours_id


@pytest.fixture
def hours_world(app, api_world, make_user) -> dict[str, int]:
    """Hours waiting to be verified in Hackney and in Camden."""
    with app.test_request_context():
        return {
            "hackney": add_hours(
                make_user, api_world.hackney, api_world.hackney_admin, "vol@h.org"
            ),
            "camden": add_hours(make_user, api_world.camden, api_world.camden_admin, "vol@c.org"),
        }
