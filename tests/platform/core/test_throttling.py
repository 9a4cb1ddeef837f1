"""Throttling of what anyone can do without an account: wrong passwords slow the address that
sends them (never lock the owner out from elsewhere), and emails anyone can cause are capped per
recipient and per client address. Memory and Redis stores behave alike."""

from __future__ import annotations

import pytest

from londonhub.platform.core import ratelimit

from ...conftest import PASSWORD
from .helpers import field_error, signed_in

OWNER = "admin@sutton.example.org"
ATTACKER = "203.0.113.66"
OWNER_ADDRESS = "198.51.100.7"


@pytest.fixture
def app_config(app_config: dict) -> dict:
    # A first wait long enough that a slow machine still reads "10 minutes" when it asks.
    app_config["THROTTLE_BACKOFF_SECONDS"] = 600
    return app_config


@pytest.fixture(params=["memory", "redis"], autouse=True)
def store(app, request: pytest.FixtureRequest) -> None:
    """Counts in memory (the embedded default) or in Redis (production); jobs stay in-process."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        app.extensions["londonhub_failures"] = ratelimit.RedisFailureCounter(url)


@pytest.fixture
def owner(make_user):
    return make_user(OWNER)


def attempt(client, password: str, address: str, email: str = OWNER):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(app, client, owner):
    for _ in range(5):
        assert attempt(client, "wrong password", ATTACKER).status_code == 400
    # The attacker's address is slowed down, with a clear message and Retry-After ...
    slowed = attempt(client, PASSWORD, ATTACKER)
    assert slowed.status_code == 429
    assert 540 < int(slowed.headers["Retry-After"]) <= 600
    assert field_error(slowed.text, "email") == (
        "Too many failed sign-ins from your network. "
        "Try again in 10 minutes, or reset your password."
    )
    assert not signed_in(client)
    # ... while the owner, from their own address, still gets in.
    assert attempt(client, PASSWORD, OWNER_ADDRESS).status_code == 302
    assert signed_in(client)


def test_the_wait_doubles_with_each_further_failure_and_is_capped(app, owner):
    rule = ratelimit.Rule("test", allowed=2, window=300, backoff=60)
    waits = [ratelimit.hit(rule, "k") for _ in range(7)]
    assert waits == [0, 60, 120, 240, 300, 300, 300]
    assert 0 < ratelimit.wait_for(rule, "k") <= 300
    ratelimit.forget(rule, "k")
    assert ratelimit.wait_for(rule, "k") == 0


def test_after_the_wait_an_attempt_is_allowed_again(app, client, owner):
    for _ in range(5):
        attempt(client, "wrong password", ATTACKER)
    assert attempt(client, PASSWORD, ATTACKER).status_code == 429
    rule = ratelimit.sign_in_rules()[0]
    ratelimit._store().unblock(ratelimit._key(rule, f"{OWNER}|{ATTACKER}"))  # time passes
    assert attempt(client, PASSWORD, ATTACKER).status_code == 302


def forgot(client, email: str = OWNER, address: str = ATTACKER):
    return client.post(
        "/password/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": address}
    )


def test_forgot_password_sends_a_few_emails_then_says_when_to_try_again(client, owner, outbox):
    answers = [forgot(client).status_code for _ in range(25)]
    assert answers[:3] == [200, 200, 200]
    assert set(answers[3:]) == {429}
    assert len(outbox.to(OWNER)) == 3
    slowed = forgot(client, address=OWNER_ADDRESS)  # per recipient, from anywhere
    assert slowed.status_code == 429
    assert 540 < int(slowed.headers["Retry-After"]) <= 600
    assert "We have sent several emails to this address recently." in slowed.text
    assert "Try again in 10 minutes." in slowed.text


def test_forgot_password_from_one_address_for_many_emails_is_capped(client, owner, outbox):
    answers = [forgot(client, f"guess{n}@example.org").status_code for n in range(12)]
    assert answers == [200] * 10 + [429] * 2
    assert "from your network" in forgot(client, "other@example.org").text
    # Another address is not affected.
    assert forgot(client, address=OWNER_ADDRESS).status_code == 200
    assert len(outbox.to(OWNER)) == 1


def test_the_throttle_counts_unknown_addresses_too_so_it_reveals_no_accounts(client, owner):
    unknown = [forgot(client, "nobody@example.org").status_code for _ in range(4)]
    known = [forgot(client, OWNER).status_code for _ in range(4)]
    assert unknown == known == [200, 200, 200, 429]


def test_resend_verification_is_throttled_too(client, make_user, outbox):
    make_user("new@example.org", verified=False)
    answers = [
        client.post(
            "/verify-email/new",
            data={"email": "new@example.org"},
            environ_base={"REMOTE_ADDR": ATTACKER},
        ).status_code
        for _ in range(10)
    ]
    assert answers == [200] * 3 + [429] * 7
    assert len(outbox.to("new@example.org")) == 3
