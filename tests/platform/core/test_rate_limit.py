"""Failed sign-ins are counted per (email, address) and per address: in memory, or in Redis
when set; past the allowance the address waits (and the wait doubles), the account never locks."""

from __future__ import annotations

import pytest
from redis import Redis

from londonhub.platform.core import accounts
from londonhub.platform.core.ratelimit import MemoryFailureCounter, RedisFailureCounter

from ...conftest import PASSWORD
from .helpers import field_error, signed_in

LIMIT = 3
WINDOW = 600
BACKOFF = 300  # long enough that a slow machine still reads "5 minutes" when it asks


@pytest.fixture(params=["memory", "redis"])
def app_config(app_config: dict, request: pytest.FixtureRequest) -> dict:
    app_config["LOGIN_MAX_FAILURES"] = LIMIT
    app_config["LOGIN_FAILURE_WINDOW_SECONDS"] = WINDOW
    app_config["THROTTLE_BACKOFF_SECONDS"] = BACKOFF
    if request.param == "redis":
        app_config["REDIS_URL"] = request.getfixturevalue("redis_url")
    return app_config


@pytest.fixture
def person(make_user):
    return make_user("ada@example.org")


def attempt(client, email: str, password: str, address: str = "203.0.113.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, email: str, times: int, address: str = "203.0.113.1") -> None:
    for _ in range(times):
        assert attempt(client, email, "wrong password", address).status_code == 400


def test_after_the_limit_even_the_right_password_answers_429_from_that_address(
    app, app_config, client, person
):
    fail(client, "ada@example.org", LIMIT)
    response = attempt(client, "ada@example.org", PASSWORD)
    assert response.status_code == 429
    assert field_error(response.text, "email") == (
        "Too many failed sign-ins from your network. "
        "Try again in 5 minutes, or reset your password."
    )
    assert BACKOFF - 60 < int(response.headers["Retry-After"]) <= BACKOFF
    assert not signed_in(client)

    if app_config["REDIS_URL"]:
        redis = Redis.from_url(app_config["REDIS_URL"])
        key = "londonhub:fail:login-account:ada@example.org|203.0.113.1"
        assert int(redis.get(key)) == LIMIT
        assert 0 < redis.ttl(key) <= WINDOW
        assert 0 < redis.ttl("londonhub:wait:login-account:ada@example.org|203.0.113.1") <= BACKOFF
        assert int(redis.get("londonhub:fail:login-client:203.0.113.1")) == LIMIT
    else:
        assert isinstance(app.extensions["londonhub_failures"], MemoryFailureCounter)


def test_one_failure_fewer_than_the_limit_still_signs_in(client, person):
    fail(client, "ada@example.org", LIMIT - 1)
    assert attempt(client, "ada@example.org", PASSWORD).status_code == 302


def test_email_is_counted_however_it_is_written(client, person):
    fail(client, "ADA@example.org", LIMIT - 1)
    fail(client, " ada@EXAMPLE.org", 1)
    assert attempt(client, "ada@example.org", PASSWORD).status_code == 429


def test_success_clears_the_count_for_that_email(client, auth, person):
    fail(client, "ada@example.org", LIMIT - 1)
    assert attempt(client, "ada@example.org", PASSWORD).status_code == 302
    auth.logout()
    fail(client, "ada@example.org", LIMIT - 1)
    assert attempt(client, "ada@example.org", PASSWORD).status_code == 302


def test_failures_from_one_address_never_lock_the_owner_out_from_another(client, person, make_user):
    make_user("bob@example.org")
    fail(client, "ada@example.org", LIMIT, address="203.0.113.1")
    assert attempt(client, "ada@example.org", PASSWORD, "198.51.100.7").status_code == 302
    assert attempt(client, "bob@example.org", PASSWORD, "198.51.100.8").status_code == 302


def test_one_address_trying_many_emails_is_stopped(app, client, person):
    app.config["LOGIN_MAX_FAILURES"] = 1
    # Per address the allowance is four times wider (offices share addresses).
    for n in range(4):
        assert attempt(client, f"guess{n}@example.org", "wrong password").status_code == 400
    assert attempt(client, "ada@example.org", PASSWORD).status_code == 429
    assert attempt(client, "ada@example.org", PASSWORD, "198.51.100.7").status_code == 302


def test_resetting_the_password_lifts_the_wait_as_the_message_promises(app, client, person):
    fail(client, "ada@example.org", LIMIT)
    assert attempt(client, "ada@example.org", PASSWORD).status_code == 429
    token = accounts.make_token(
        accounts.RESET, {"uid": person.id, "pw": accounts._password_fingerprint(person)}
    )
    new = "a different long phrase"
    response = client.post(
        f"/password/reset/{token}",
        data={"password": new, "confirm": new},
        environ_base={"REMOTE_ADDR": "203.0.113.1"},
    )
    assert response.status_code == 302
    assert attempt(client, "ada@example.org", new).status_code == 302


# --- the counters themselves ------------------------------------------------------------


def test_memory_counter_forgets_after_the_window():
    counter = MemoryFailureCounter()
    assert counter.add("k", 60) == 1
    assert counter.add("k", 60) == 2
    assert counter.count("k") == 2
    counter.clear("k")
    assert counter.count("k") == 0
    counter.add("old", 0)  # a window that has already passed
    assert counter.count("old") == 0
    assert counter.add("old", 60) == 1


def test_redis_counter_window_starts_at_the_first_failure(redis_url):
    counter = RedisFailureCounter(redis_url)
    assert counter.add("k", 100) == 1
    counter.redis.expire("londonhub:fail:k", 50)
    assert counter.add("k", 100) == 2
    assert counter.redis.ttl("londonhub:fail:k") <= 50  # not pushed back by later failures
    assert counter.count("k") == 2
    counter.clear("k")
    assert counter.count("k") == 0


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_counters_hold_a_wait_and_forget_it(kind, request):
    if kind == "redis":
        counter = RedisFailureCounter(request.getfixturevalue("redis_url"))
    else:
        counter = MemoryFailureCounter()
    assert counter.blocked_for("k") == 0
    counter.block("k", 30)
    assert 29 <= counter.blocked_for("k") <= 30
    counter.unblock("k")
    assert counter.blocked_for("k") == 0
    counter.add("k", 60)
    counter.block("k", 30)
    counter.clear("k")  # clearing a key forgets its count and its wait
    assert counter.count("k") == 0
    assert counter.blocked_for("k") == 0
