"""/healthz, email delivery, and the audit log."""

from __future__ import annotations

import logging

import pytest
from flask_login import login_user
from sqlalchemy import select

from londonhub.platform.core import mail
from londonhub.platform.core.audit import AuditEvent, list_events, record
from londonhub.platform.core.config import ConfigError, load_config
from londonhub.platform.core.extensions import db
from londonhub.platform.core.jobs import get_queue

# --- /healthz -------------------------------------------------------------------------------


def test_healthz_without_redis_reports_database_and_in_process_jobs(app, client, hub_admin):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["dialect"] == db.engine.dialect.name
    assert body["queue"] == {"status": "ok", "backend": "in-process"}


@pytest.fixture
def hub_admin(make_user, auth):
    """Signed in as a hub admin: the only people who see how the service is built."""
    make_user("hub@example.org", hub_admin=True)
    auth.login("hub@example.org")


def test_healthz_tells_the_public_the_state_but_not_what_the_service_is_made_of(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": {"status": "ok"},
        "queue": {"status": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"
    for word in ("sqlite", "postgresql", "in-process", "rq", "dialect", "backend"):
        assert word not in response.text


def test_status_page_tells_people_whether_things_work(app, client):
    page = client.get("/status")
    assert page.status_code == 200
    assert "Everything is working." in page.text
    assert "Emails and background work" in page.text
    assert "dialect" not in page.text and db.engine.dialect.name not in page.text
    home = client.get("/").text
    assert 'href="/status"' in home and 'href="/healthz"' not in home


def test_status_page_shows_detail_to_hub_admins(app, client, hub_admin):
    page = client.get("/status")
    assert f"dialect: {db.engine.dialect.name}" in page.text
    assert "backend: in-process" in page.text


@pytest.fixture
def rq_config(app_config: dict, redis_url: str) -> dict:
    app_config["REDIS_URL"] = redis_url
    return app_config


def test_healthz_with_redis_reports_the_rq_queue(rq_config, app, client, hub_admin):
    get_queue(app).enqueue("builtins.print", "waiting")
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["queue"] == {"status": "ok", "backend": "rq", "queued": 1, "failed": 0}


def test_healthz_reports_an_unreachable_redis_as_503(app_config, client):
    client.application.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["queue"]["status"] == "error"
    assert body["database"]["status"] == "ok"


# --- mail ---------------------------------------------------------------------------------


def test_without_mail_url_the_job_writes_an_eml_file(app, outbox):
    mail.send_email("ada@example.org", "Hello", "A body with a link https://x.example/a/b\n")
    assert outbox.messages == []  # only after commit
    db.session.commit()
    [message] = outbox.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "Hello"
    assert message["From"] == app.config["MAIL_FROM"]
    assert outbox.body(message) == "A body with a link https://x.example/a/b\n"
    assert outbox.link(message) == "/a/b"


def test_the_log_names_recipient_and_subject_but_never_the_body(app, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "https://hub.example/password/reset/SECRET-TOKEN"
    mail.send_email("ada@example.org", "Reset your password", f"Open {secret}\n")
    db.session.commit()
    assert "SECRET-TOKEN" not in caplog.text
    assert "ada@example.org" in caplog.text and "Reset your password" in caplog.text
    [message] = outbox.messages  # the whole email is still in instance/mail/ for a developer
    assert secret in outbox.body(message)


def test_production_refuses_to_start_without_mail_url(tmp_path, monkeypatch):
    for name in ("LONDONHUB_ENV", "MAIL_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = {
        "ENV_NAME": "production",
        "SECRET_KEY": "a-production-secret-that-is-long-enough-123456",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "PUBLIC_URL": "https://hub.example.org",
    }
    with pytest.raises(ConfigError, match="MAIL_URL"):
        load_config(str(tmp_path), settings)
    assert load_config(str(tmp_path), dict(settings, MAIL_URL="smtp://mail.example.org"))


def test_two_emails_to_the_same_person_are_two_files(app, outbox):
    mail.send_email("ada@example.org", "One", "1\n")
    mail.send_email("ada@example.org", "Two", "2\n")
    db.session.commit()
    assert sorted(m["Subject"] for m in outbox.to("ada@example.org")) == ["One", "Two"]


class FakeSMTP:
    sent: list = []

    def __init__(self, host: str, port: int, timeout: int) -> None:
        self.calls = [("connect", host, port)]

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        FakeSMTP.sent.append(self.calls)

    def starttls(self) -> None:
        self.calls.append(("starttls",))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", user, password))

    def send_message(self, message) -> None:
        self.calls.append(("send", message["To"], message["Subject"]))


def test_with_mail_url_the_job_sends_by_smtp(app, outbox, monkeypatch):
    FakeSMTP.sent = []
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    app.config["MAIL_URL"] = "smtp://user%40x:p%2Fss@mail.example:2525?starttls=1"
    mail.send_email("ada@example.org", "Hello", "Body\n")
    db.session.commit()
    assert FakeSMTP.sent == [
        [
            ("connect", "mail.example", 2525),
            ("starttls",),
            ("login", "user@x", "p/ss"),
            ("send", "ada@example.org", "Hello"),
        ]
    ]
    assert outbox.messages == []


# --- audit --------------------------------------------------------------------------------


def test_record_stores_actor_workspace_and_details(app, make_user, make_workspace):
    hackney = make_workspace("hackney", "Hackney CVS")
    admin = make_user("admin@example.org", workspace=hackney, role="owner")
    record("member.remove", "Removed someone", workspace=hackney, actor=admin, email="x@y.z")
    db.session.commit()
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.remove"))
    assert event.actor_id == admin.id
    assert event.actor_email == "admin@example.org"
    assert event.workspace_id == hackney.id
    assert event.summary == "Removed someone"
    assert event.details == {"email": "x@y.z"}
    assert event.created_at is not None


def test_record_takes_the_signed_in_person_and_address_from_the_request(app, make_user):
    person = make_user("ada@example.org")
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "198.51.100.9"}):
        login_user(person)
        record("hub.note", "A hub-wide action")
        db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "hub.note"))
    assert event.actor_id == person.id
    assert event.workspace_id is None
    assert event.ip_address == "198.51.100.9"


def test_record_is_part_of_the_transaction(app):
    record("hub.note", "Rolled back")
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "hub.note")) is None


def test_list_events_is_newest_first_per_workspace_and_paged(app, make_workspace):
    hackney = make_workspace("hackney")
    camden = make_workspace("camden")
    for n in range(3):
        record("note", f"hackney {n}", workspace=hackney)
    record("note", "camden 0", workspace=camden)
    db.session.commit()
    events, more = list_events(workspace=hackney, per_page=2)
    assert [e.summary for e in events] == ["hackney 2", "hackney 1"]
    assert more is True
    events, more = list_events(workspace=hackney, page=2, per_page=2)
    assert [e.summary for e in events] == [
        "hackney 0",
        "Created workspace Hackney CVS (/b/hackney/)",
    ]
    assert more is False
    everything, _ = list_events(per_page=100)
    assert {e.workspace.slug for e in everything} == {"hackney", "camden"}


def test_healthz_reports_a_database_failure_as_503(app, client, monkeypatch, hub_admin):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == {"status": "error", "error": "ConnectionRefusedError"}
    assert "database down" not in response.text  # no internals leak
