"""No double booking, ever: the database refuses overlaps, even under concurrent requests."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, pool, select, text
from sqlalchemy.exc import IntegrityError

from londonhub.platform.core.extensions import db
from londonhub.platform.core.tenancy import tenant_context
from londonhub.tenants.rooms import services
from londonhub.tenants.rooms.models import Booking, BookingKind, BookingStatus

from .conftest import future_day, request_for


@pytest.mark.postgres
def test_exclusion_constraint_refuses_overlap_even_past_the_service(
    make_room, hackney, database_urls
) -> None:
    room = make_room(buffer_minutes=30)
    slot = request_for(future_day()).slots[0]

    def row(starts, ends, status=BookingStatus.HELD) -> Booking:
        return Booking(
            room_id=room.id,
            kind=BookingKind.BOOKING,
            status=status,
            starts_at=starts,
            ends_at=ends,
            blocked_from=starts - timedelta(minutes=30),
            blocked_until=ends + timedelta(minutes=30),
            reference="direct",
        )

    with tenant_context(hackney.id):
        db.session.add(row(slot.starts_at, slot.ends_at))
        db.session.commit()
        # Starts inside the first booking's buffer: refused by the database itself.
        db.session.add(row(slot.ends_at + timedelta(minutes=15), slot.ends_at + timedelta(hours=1)))
        with pytest.raises(IntegrityError) as refused:
            db.session.flush()
        assert refused.value.orig.sqlstate == "23P01"
        db.session.rollback()
        # Cancelled and lapsed rows do not occupy the room.
        db.session.add(row(slot.starts_at, slot.ends_at, BookingStatus.CANCELLED))
        db.session.add(row(slot.ends_at + timedelta(minutes=30), slot.ends_at + timedelta(hours=2)))
        db.session.commit()
    engine = create_engine(database_urls["owner"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        definition = connection.scalar(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = 'ex_room_booking_no_overlap'"
            )
        )
    engine.dispose()
    assert "tstzrange(starts_at, blocked_until" in definition and "gist" in definition


def test_many_concurrent_attempts_at_one_slot_exactly_one_wins(
    app, make_room, hackney, make_user
) -> None:
    """On both databases: PostgreSQL's exclusion constraint, and on SQLite the write lock
    taken before the check (`_serialise_writes`), let exactly one of the racers win."""
    make_room(name="Other hall")
    room = make_room()
    buyers = [make_user(f"racer{i}@example.org") for i in range(12)]
    day = future_day()
    barrier = threading.Barrier(len(buyers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(user_id: int) -> None:
        with app.app_context():
            try:
                with app.test_request_context():
                    user = db.session.get(type(buyers[0]), user_id)
                    barrier.wait(timeout=10)
                    try:
                        services.book(user, hackney, room.id, request_for(day))
                        db.session.commit()
                        result = "won"
                    except services.SlotTaken as exc:
                        db.session.rollback()
                        assert "just been taken" in str(exc)
                        assert exc.alternatives
                        result = "taken"
            except Exception as exc:  # report, do not hide
                result = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(b.id,)) for b in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    won = outcomes.count("won")
    assert sorted(outcomes) == ["taken"] * (len(buyers) - 1) + ["won"], (
        f"{won} of {len(buyers)} threads won the slot: {outcomes}"
    )
    with tenant_context(hackney.id):
        held = db.session.scalars(select(Booking).where(Booking.status == BookingStatus.HELD)).all()
    assert len(held) == 1
