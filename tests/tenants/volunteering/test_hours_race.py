"""At most 24 hours a day per person across London, also when two entries are recorded at the
same moment: real concurrent transactions on PostgreSQL (SQLite has one writer)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.platform.core.tenancy import Workspace
from londonhub.platform.core.timeutil import london_today
from londonhub.tenants.volunteering.models import ResponseStatus
from londonhub.tenants.volunteering.operations import hours, signups

from .test_signups import first_session, make_volunteer


@pytest.mark.postgres
def test_two_entries_at_once_cannot_pass_24_hours_in_a_day(
    app, make_user, admin, camden_admin, hackney, camden, make_opportunity
) -> None:
    vic = make_volunteer(make_user)
    placed = []
    for workspace, staff in ((hackney, admin), (camden, camden_admin)):
        opportunity_id = make_opportunity(workspace=workspace, user=staff)
        response = signups.respond(
            vic, workspace, opportunity_id, first_session(workspace, opportunity_id)
        )
        signups.decide(staff, workspace, response.id, ResponseStatus.ACCEPTED)
        db.session.commit()
        placed.append((workspace.id, opportunity_id))
    day = london_today() - timedelta(days=1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(workspace_id: int, opportunity_id: int) -> None:
        with app.app_context():
            try:
                with app.test_request_context():
                    person = db.session.get(User, vic.id)
                    workspace = db.session.get(Workspace, workspace_id)
                    barrier.wait(timeout=10)
                    hours.record_hours(person, workspace, opportunity_id, day, 13 * 60)
                    db.session.commit()
                    result = "recorded"
            except hours.VolunteeringError as exc:
                result = "refused" if "more than 24 hours" in str(exc) else f"error: {exc}"
            except Exception as exc:  # report, do not hide
                result = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=place) for place in placed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["recorded", "refused"], outcomes
    assert hours.minutes_on(vic, day) == 13 * 60
