"""Passwords are stored as scrypt hashes at production cost; the suite runs at a tiny cost
(tests/conftest.py) and this test checks the real one."""

from __future__ import annotations

from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import User

from ...conftest import PASSWORD


def test_passwords_are_hashed_with_scrypt_at_production_cost(
    app, make_user, production_password_hashing
) -> None:
    user = make_user("strong@example.org")
    assert user.password_hash.startswith(f"{production_password_hashing}$")
    assert production_password_hashing == "scrypt:32768:8:1"
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.check_password(PASSWORD) and not stored.check_password(PASSWORD + "x")


def test_the_suite_hashes_cheaply_with_the_same_algorithm(make_user) -> None:
    user = make_user("quick@example.org")
    assert user.password_hash.startswith("scrypt:1024:8:1$")
