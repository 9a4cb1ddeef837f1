"""Two people taking the last place at once: exactly one gets it, the other is waitlisted.
Real concurrent transactions on PostgreSQL (SQLite has one writer, so it cannot race)."""

from __future__ import annotations

import threading

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User
from londonhub.tenants.volunteering.models import ResponseStatus
from londonhub.tenants.volunteering.operations import signups

from .test_signups import first_session, make_volunteer, places_taken


def _race(app, hackney, opportunity_id: int, session_id: int, people: list[int]) -> list[str]:
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(user_id: int) -> None:
        with app.app_context():
            try:
                with app.test_request_context():
                    user = db.session.get(User, user_id)
                    barrier.wait(timeout=10)
                    response = signups.respond(user, hackney, opportunity_id, session_id)
                    result = response.status.value
                    db.session.commit()
            except Exception as exc:  # report, do not hide
                result = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.postgres
def test_two_people_taking_the_last_place_at_once_exactly_one_gets_it(
    app, make_user, hackney, make_opportunity
) -> None:
    opportunity_id = make_opportunity(sessions=((5, 3),))
    session_id = first_session(hackney, opportunity_id)
    early = [make_volunteer(make_user, f"early{i}@example.org") for i in range(2)]
    for person in early:
        signups.respond(person, hackney, opportunity_id, session_id)
    db.session.commit()
    racers = [make_volunteer(make_user, f"racer{i}@example.org").id for i in range(2)]
    outcomes = _race(app, hackney, opportunity_id, session_id, racers)
    assert outcomes == [ResponseStatus.PENDING.value, ResponseStatus.WAITLISTED.value], outcomes
    assert places_taken(hackney, opportunity_id) == [3]


@pytest.mark.postgres
def test_many_at_once_never_overfill_a_session(app, make_user, hackney, make_opportunity) -> None:
    opportunity_id = make_opportunity(sessions=((5, 3),))
    session_id = first_session(hackney, opportunity_id)
    racers = [make_volunteer(make_user, f"crowd{i}@example.org").id for i in range(10)]
    outcomes = _race(app, hackney, opportunity_id, session_id, racers)
    assert outcomes == ["pending"] * 3 + ["waitlisted"] * 7, outcomes
    assert places_taken(hackney, opportunity_id) == [3]
