"""Attendance: staff record who came to a session that has started; each gets its time as
verified hours once, never past 24 hours in a day, and never someone without a place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import hub_scope, tenant_context
from londonhub.platform.core.timeutil import in_london, utcnow
from londonhub.tenants.volunteering.models import (
    HoursStatus,
    OpportunitySession,
    VolunteerHours,
)
from londonhub.tenants.volunteering.operations import VolunteeringError, attendance, hours, signups

from .conftest import ADMIN
from .test_signups import first_session, make_volunteer


def _happened(workspace, session_id: int, length: timedelta = timedelta(hours=3)) -> None:
    """Time passes: the session took place a few hours ago."""
    with tenant_context(workspace.id):
        session = db.session.get(OpportunitySession, session_id)
        session.starts_at = utcnow().replace(microsecond=0) - timedelta(hours=1) - length
        session.ends_at = session.starts_at + length
        db.session.commit()


def _session(workspace, session_id: int) -> OpportunitySession:
    with tenant_context(workspace.id):
        return db.session.get(OpportunitySession, session_id)


def _hours_count() -> int:
    with hub_scope("test: counting hours"):
        return db.session.scalar(select(func.count(VolunteerHours.id)))


@pytest.fixture
def attended(make_user, hackney, make_opportunity):
    opportunity_id = make_opportunity(sessions=((5, 3),))
    session_id = first_session(hackney, opportunity_id)
    people = [make_volunteer(make_user, f"a{i}@example.org") for i in range(2)]
    for person in people:
        signups.respond(person, hackney, opportunity_id, session_id)
    db.session.commit()
    return opportunity_id, session_id, people


def test_staff_record_who_came_and_each_gets_verified_hours_once(
    client, auth, hackney, attended
) -> None:
    opportunity_id, session_id, (ann, bob) = attended
    auth.login(ADMIN)
    url = (
        f"/b/hackney/admin/volunteering/opportunities/{opportunity_id}"
        f"/sessions/{session_id}/attendance"
    )
    early = client.post(url, data={"came": [str(ann.id)]})
    assert early.status_code == 400 and "once the session has started" in early.get_data(
        as_text=True
    )
    _happened(hackney, session_id)
    assert client.post(url, data={"came": [str(ann.id)]}).status_code == 302
    [entry] = hours.my_hours(ann)
    session = _session(hackney, session_id)
    assert entry.hours.status == HoursStatus.VERIFIED and entry.hours.minutes == 180
    assert entry.hours.day == in_london(session.starts_at).date()
    assert hours.my_hours(bob) == []
    # Again, with both: Ann is not counted twice.
    assert client.post(url, data={"came": [str(ann.id), str(bob.id)]}).status_code == 302
    assert hours.verified_minutes(ann) == 180 and hours.verified_minutes(bob) == 180
    page = client.get(url).get_data(as_text=True)
    assert "Already recorded" in page and "Save who came" not in page


def test_someone_without_a_place_cannot_be_marked(make_user, admin, hackney, attended) -> None:
    opportunity_id, session_id, (ann, _bob) = attended
    stranger = make_volunteer(make_user, "stranger@example.org")
    _happened(hackney, session_id)
    with pytest.raises(VolunteeringError, match="had a place"):
        attendance.record_attendance(
            admin, hackney, opportunity_id, session_id, [ann.id, stranger.id]
        )
    db.session.rollback()
    assert _hours_count() == 0


def test_attendance_past_24_hours_in_a_day_is_refused_and_nothing_is_saved(
    admin, hackney, attended
) -> None:
    opportunity_id, session_id, (ann, bob) = attended
    _happened(hackney, session_id, timedelta(hours=3))
    day = in_london(_session(hackney, session_id).starts_at).date()
    # Bob already gave 22 hours that day.
    with tenant_context(hackney.id):
        db.session.add(
            VolunteerHours(opportunity_id=opportunity_id, user_id=bob.id, day=day, minutes=22 * 60)
        )
        db.session.commit()
    with pytest.raises(VolunteeringError, match="more than 24 hours"):
        attendance.record_attendance(admin, hackney, opportunity_id, session_id, [ann.id, bob.id])
    db.session.rollback()
    assert hours.verified_minutes(ann) == 0 and _hours_count() == 1


@pytest.mark.postgres
def test_two_staff_recording_the_same_person_at_once_give_one_entry_and_no_error(
    app, admin, hackney, attended
) -> None:
    """Real concurrent transactions (SQLite has one writer): the second waits for the first and
    then finds the person already recorded, instead of failing on the unique index."""
    import threading

    from londonhub.platform.core.identity import User
    from londonhub.platform.core.tenancy import Workspace

    opportunity_id, session_id, (ann, _bob) = attended
    _happened(hackney, session_id)
    # Ids read here: the threads must not touch this thread's session.
    admin_id, hackney_id, ann_id = admin.id, hackney.id, ann.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        with app.app_context():
            try:
                with app.test_request_context():
                    staff = db.session.get(User, admin_id)
                    workspace = db.session.get(Workspace, hackney_id)
                    barrier.wait(timeout=10)
                    added = attendance.record_attendance(
                        staff, workspace, opportunity_id, session_id, [ann_id]
                    )
                    db.session.commit()
                    result = f"added {added}"
            except Exception as exc:  # report, do not hide
                result = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["added 0", "added 1"], outcomes
    assert hours.verified_minutes(ann) == 180 and _hours_count() == 1
