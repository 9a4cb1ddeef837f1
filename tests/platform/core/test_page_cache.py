"""Anonymous public pages cached in Redis (core/pagecache.py): served again while unchanged,
fresh at once after any change, never a signed-in or personalised answer. Runs on both
databases, always with a real Redis."""

from __future__ import annotations

import pytest
from flask import flash
from sqlalchemy import select

from londonhub.platform.core.extensions import db
from londonhub.platform.core.pagecache import shared_page
from londonhub.platform.core.seed import seed_demo
from londonhub.platform.core.tenancy import get_workspace_by_slug, hub_scope, tenant_context

PUBLIC_PAGES = [
    "/",
    "/rooms",
    "/b/hackney/",
    "/opportunities",
    "/consultancy",
    "/resources",
    "/corporate",
]


@pytest.fixture
def app_config(app_config: dict, redis_url: str) -> dict:
    app_config["REDIS_URL"] = redis_url
    return app_config


@pytest.fixture
def demo(app):
    seed_demo()
    db.session.commit()
    return app


def _anon(app):
    return app.test_client()


def _get_twice(app, path: str):
    first = _anon(app).get(path)
    second = _anon(app).get(path)
    return first, second


def test_unchanged_public_pages_are_served_from_the_shared_cache(demo) -> None:
    for path in PUBLIC_PAGES:
        _served_again(demo, path)


def _served_again(demo, path: str) -> None:
    first, second = _get_twice(demo, path)
    assert first.status_code == second.status_code == 200
    assert "X-Page-Cache" not in first.headers
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert "Cookie" in second.headers["Vary"]
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers
    # Same page, fresh CSP nonce in both the header and the body.
    assert second.headers["Content-Security-Policy"] != first.headers["Content-Security-Policy"]
    nonce = second.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    if b"nonce=" in second.data:
        assert f'nonce="{nonce}"'.encode() in second.data


def test_a_revalidation_with_the_etag_gets_304_without_a_body(demo) -> None:
    first = _anon(demo).get("/rooms")
    etag = first.headers["ETag"]
    for _ in range(2):  # once rendered, once from the cache
        again = _anon(demo).get("/rooms", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.data == b""


def _text_after_edit(app, path: str, edit) -> tuple[bytes, bytes]:
    before = _get_twice(app, path)[1]
    assert before.headers.get("X-Page-Cache") == "hit"
    edit()
    db.session.commit()
    after = _anon(app).get(path)
    assert after.status_code == 200
    return before.data, after.data


def test_a_workspace_page_edited_by_its_admin_shows_on_the_next_request(demo) -> None:
    _get_twice(demo, "/b/hackney/")
    admin = demo.test_client()
    admin.post(
        "/login", data={"email": "admin@hackney.example.org", "password": "london-demo-2026"}
    )
    form = admin.get("/b/hackney/admin/profile")
    assert form.status_code == 200
    saved = admin.post(
        "/b/hackney/admin/profile",
        data={"description": "Freshly edited description 4711", "accent_colour": "#1d70b8"},
    )
    assert saved.status_code == 302, saved.data[:2000]
    after = _anon(demo).get("/b/hackney/")
    assert b"Freshly edited description 4711" in after.data
    assert "X-Page-Cache" not in after.headers


def test_a_room_renamed_shows_on_the_next_request_in_search_and_on_its_page(demo) -> None:
    from londonhub.tenants.rooms.models import Room

    hackney = get_workspace_by_slug("hackney")
    with tenant_context(hackney.id):
        room = db.session.scalars(select(Room).where(Room.published)).first()
        room_id = room.id
    page = f"/b/hackney/rooms/{room_id}"

    def rename() -> None:
        with tenant_context(hackney.id):
            db.session.get(Room, room_id).name = "The Renamed Room 4711"
            db.session.flush()

    _get_twice(demo, "/rooms?borough=hackney")
    before, after = _text_after_edit(demo, page, rename)
    assert b"The Renamed Room 4711" not in before and b"The Renamed Room 4711" in after
    assert b"The Renamed Room 4711" in _anon(demo).get("/rooms?borough=hackney").data


def test_an_opportunity_edited_shows_on_the_next_request(demo) -> None:
    from londonhub.tenants.volunteering.models.listings import Opportunity

    with hub_scope("test"):
        opportunity_id = db.session.scalars(select(Opportunity.id)).first()
        tenant_id = db.session.get(Opportunity, opportunity_id).tenant_id

    def edit() -> None:
        with tenant_context(tenant_id):
            db.session.get(Opportunity, opportunity_id).title = "A Brand New Opportunity 4711"
            db.session.flush()

    _before, after = _text_after_edit(demo, "/opportunities?q=4711", edit)
    assert b"A Brand New Opportunity 4711" in after


def test_a_resource_consultant_and_package_edited_show_on_the_next_request(demo) -> None:
    from markupsafe import escape

    from londonhub.platform.consultancy.models import Associate
    from londonhub.platform.corporate.models import CorporatePackage
    from londonhub.platform.resources.models import ResourceVersion

    def shown(model, attribute: str, page: bytes):
        """A row whose text the page shows (its first page lists only some)."""
        rows = db.session.scalars(select(model).order_by(model.id)).all()
        return next(r for r in rows if str(escape(getattr(r, attribute))).encode() in page)

    cases = [
        ("/resources", ResourceVersion, "title"),  # the list shows the published version
        ("/consultancy", Associate, "name"),
        ("/corporate", CorporatePackage, "name"),
    ]
    for path, model, attribute in cases:
        with hub_scope("test"):
            row = shown(model, attribute, _anon(demo).get(path).data)
            marker = f"Edited {model.__name__} 4711"
            same = [
                r
                for r in db.session.scalars(select(model))
                if getattr(r, attribute) == getattr(row, attribute)
            ]

            def edit(rows=same, attribute=attribute, marker=marker) -> None:
                for each in rows:
                    setattr(each, attribute, marker)

            before, after = _text_after_edit(demo, path, edit)
        assert marker.encode() not in before, path
        assert marker.encode() in after, path


def test_a_signed_in_page_is_never_cached_nor_served_to_someone_else(demo) -> None:
    admin = demo.test_client()
    admin.post(
        "/login", data={"email": "admin@hackney.example.org", "password": "london-demo-2026"}
    )
    for path in PUBLIC_PAGES:
        mine = admin.get(path)
        again = admin.get(path)
        assert mine.status_code == 200
        assert "X-Page-Cache" not in again.headers
        assert again.headers["Cache-Control"] == "private, no-store"
        assert b"admin@hackney.example.org" in mine.data or b"Sign out" in mine.data
        anonymous = _anon(demo).get(path)
        assert b"admin@hackney.example.org" not in anonymous.data
        assert b"Sign out" not in anonymous.data


def test_a_personalised_answer_to_an_anonymous_request_is_not_stored(app) -> None:
    """A page that flashes (so starts a session and sets a cookie) is never shared."""

    @shared_page
    def flashing():
        flash("A message for one person only")
        return "<p>personal</p>"

    app.add_url_rule("/test-flashing", "test_flashing", flashing)
    first = _anon(app).get("/test-flashing")
    assert "Set-Cookie" in first.headers
    assert first.headers["Cache-Control"] == "private, no-store"
    second = _anon(app).get("/test-flashing")
    assert "X-Page-Cache" not in second.headers


def test_without_redis_pages_work_uncached(app_config, database_urls) -> None:
    from londonhub import create_app

    app_config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    broken = create_app(app_config)
    with broken.app_context():
        for _ in range(2):
            answer = broken.test_client().get("/")
            assert answer.status_code == 200
            assert "X-Page-Cache" not in answer.headers
        db.session.remove()
        db.engine.dispose()
