"""Issue 10 in the browser: a new workspace gets an owner and the hub can support it; an
invited newcomer signs up and lands on the workspace; the home page gives the public a start;
long words wrap; destructive actions ask first. axe checks every page (conftest.Site); each
journey is looked at at 375 and 1280 px wide."""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta

import pytest

from londonhub.platform.core.extensions import db
from londonhub.platform.core.seed import LONDON_WORKSPACES
from londonhub.platform.core.timeutil import utcnow
from londonhub.platform.core.workspaces import create_workspace
from londonhub.tenants.rooms import services as rooms
from tests.conftest import PASSWORD, Outbox
from tests.e2e.conftest import Site
from tests.tenants.rooms.conftest import room_values

pytestmark = pytest.mark.e2e

HUB_ADMIN = "hub@example.org"
HACKNEY_OWNER = "admin@hackney.example.org"
NEWCOMER = "new.worker@hackney.example.org"
LONG_WORD = "Supercalifragilisticexpialidocious" * 3  # 102 letters, no break
SCREENSHOTS = os.environ.get("LONDONHUB_E2E_SCREENSHOTS")
WIDTHS = (375, 1280)


def look(site: Site, name: str) -> None:
    """At each width: nothing is wider than the screen, axe passes; keep a screenshot."""
    for width in WIDTHS:
        site.page.set_viewport_size({"width": width, "height": 900})
        if SCREENSHOTS:
            os.makedirs(SCREENSHOTS, exist_ok=True)
            path = os.path.join(SCREENSHOTS, f"{name}-{width}.png")
            site.page.screenshot(path=path, full_page=True)
        scroll = site.page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"{site.page.url} is {scroll}px wide at {width}px"
        site.check()
    site.page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def london(make_user):
    """All 33 boroughs' workspaces, Hackney's owner, the hub admin."""
    from londonhub.platform.core.identity import Membership, Role

    for slug, borough, name, kind in LONDON_WORKSPACES:
        create_workspace(slug, name, borough=borough, kind=kind)
    db.session.commit()
    from londonhub.platform.core.tenancy import get_workspace_by_slug

    hackney = get_workspace_by_slug("hackney")
    owner = make_user(HACKNEY_OWNER, name="Hana Owner")
    db.session.add(Membership(workspace_id=hackney.id, user_id=owner.id, role=Role.OWNER))
    make_user(HUB_ADMIN, name="Hub Admin", hub_admin=True)
    db.session.commit()
    return hackney


def test_home_page_gives_the_public_a_start(site: Site, london) -> None:
    create_workspace("longname", LONG_WORD, borough="Longborough")
    db.session.commit()
    site.goto("/")
    page = site.page
    tiles = page.locator(".tile-map > li")
    assert tiles.count() == 33
    # Read in order, the map goes from north (Enfield) to south (Sutton).
    assert tiles.first.inner_text().strip() == "Enfield"
    assert tiles.last.inner_text().strip() == "Sutton"
    hackney = page.locator(".tile-map").get_by_role("link", name="Hackney", exact=True)
    havering = page.locator(".tile-map").get_by_role("link", name="Havering", exact=True)
    assert hackney.bounding_box()["x"] < havering.bounding_box()["x"]  # east is right
    assert page.get_by_role("link", name=LONG_WORD).count() == 1  # the list
    look(site, "home")

    page.get_by_label("Number of people").fill("20")
    page.get_by_label("Borough").select_option("Hackney")
    site.submit(page.get_by_role("button", name="Search rooms"))
    assert "/rooms?" in page.url and "borough=hackney" in page.url  # a slug: shareable


def test_hub_creates_a_workspace_with_its_owner_and_supports_it(site: Site, london, app) -> None:
    outbox = Outbox(__import__("pathlib").Path(app.config["MAIL_DIR"]))
    page = site.page
    site.sign_in(HUB_ADMIN, PASSWORD)
    assert page.url.endswith("/hub/")
    look(site, "hub-index")
    site.submit(page.get_by_role("link", name="Create a workspace"))
    page.get_by_label("Workspace name").fill("Thamesmead Community Hub")
    page.get_by_label("Web address").fill("thamesmead")
    page.get_by_label("Borough").fill("Greenwich")
    page.get_by_label("Owner's email address").fill("owner@thamesmead.example.org")
    site.submit(page.get_by_role("button", name="Create workspace and invite its owner"))
    assert page.url.endswith("/hub/workspaces/thamesmead/")
    assert "owner@thamesmead.example.org" in page.inner_text("main")
    assert outbox.to("owner@thamesmead.example.org")

    site.goto("/b/thamesmead/admin/", status=403)
    site.goto("/hub/workspaces/thamesmead/")
    look(site, "hub-workspace")
    page.get_by_label("Why do you need access?").fill("Setting up rooms with the new owner")
    site.submit(page.get_by_role("button", name="Enter admin for support"))
    assert page.url.endswith("/b/thamesmead/admin/")
    assert "for hub support until" in page.inner_text("main")
    look(site, "support-banner")
    site.submit(page.get_by_role("button", name="End support access"))
    site.goto("/b/thamesmead/admin/", status=403)

    # Archiving asks first and says what will happen.
    site.goto("/hub/")
    site.submit(page.get_by_role("link", name="Archive Thamesmead Community Hub"))
    assert "Nothing is deleted" in page.inner_text("main")
    look(site, "confirm-archive")
    site.submit(page.get_by_role("button", name="Yes, archive Thamesmead Community Hub"))
    site.goto("/b/thamesmead/", status=404)


def test_invited_newcomer_signs_up_and_lands_on_the_workspace(site: Site, london, app) -> None:
    outbox = Outbox(__import__("pathlib").Path(app.config["MAIL_DIR"]))
    page = site.page
    site.sign_in(HACKNEY_OWNER, PASSWORD)
    assert page.url.endswith("/b/hackney/admin/")  # where their work is
    site.goto("/b/hackney/admin/members")
    page.get_by_label("Email address").fill(NEWCOMER)
    page.get_by_label("Role", exact=True).select_option("staff")
    site.submit(page.get_by_role("button", name="Send invitation"))
    site.submit(page.get_by_role("button", name="Sign out"))

    link = outbox.link(outbox.to(NEWCOMER)[-1])
    site.goto(link)  # -> sign in, with the address filled in
    assert page.url.split("?")[0].endswith("/login")
    assert page.get_by_label("Email address").input_value() == NEWCOMER
    look(site, "invite-sign-in")
    site.submit(page.get_by_role("link", name="Create an account").first)
    assert page.get_by_label("Email address").input_value() == NEWCOMER
    page.get_by_label("Full name").fill("New Worker")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    site.submit(page.get_by_role("button", name="Create account"))
    assert "Check your email" in page.inner_text("h1")

    verification = [m for m in outbox.to(NEWCOMER) if "Confirm" in m["Subject"]][-1]
    site.goto(outbox.link(verification))
    assert page.get_by_label("Email address").input_value() == NEWCOMER
    page.get_by_label("Password").fill(PASSWORD)
    site.submit(page.get_by_role("button", name="Sign in", exact=True))
    assert page.url.endswith(link)
    site.submit(page.get_by_role("button", name="Accept invitation"))
    assert page.url.endswith("/b/hackney/admin/")
    assert "Welcome to Hackney CVS" in page.inner_text("main")


def test_destructive_workspace_actions_ask_first(site: Site, london, make_user) -> None:
    from londonhub.platform.core.identity import Membership, Role

    staff = make_user("staff@hackney.example.org", name=LONG_WORD)
    db.session.add(Membership(workspace_id=london.id, user_id=staff.id, role=Role.STAFF))
    db.session.commit()
    page = site.page
    site.sign_in(HACKNEY_OWNER, PASSWORD)
    site.goto("/b/hackney/admin/members")
    look(site, "members")
    site.submit(page.get_by_role("link", name=f"Remove {LONG_WORD}"))
    assert "loses access" in page.inner_text("main")
    look(site, "confirm-remove-member")
    site.submit(page.get_by_role("link", name="No, go back"))
    assert page.get_by_role("cell", name=LONG_WORD, exact=True).count() == 1  # nothing happened
    site.submit(page.get_by_role("link", name=f"Remove {LONG_WORD}"))
    site.submit(page.get_by_role("button", name=f"Yes, remove {LONG_WORD}"))
    assert page.get_by_role("cell", name=LONG_WORD, exact=True).count() == 0


def test_long_block_out_reason_keeps_the_remove_button_on_screen(site: Site, london) -> None:
    from londonhub.platform.core.identity import get_user_by_email

    owner = get_user_by_email(HACKNEY_OWNER)
    room_id = rooms.save_room(owner, london, room_values(name="Main hall")).id
    db.session.commit()
    day = rooms.london(utcnow()).date() + timedelta(days=3)
    starts = datetime.combine(day, time(10), tzinfo=UTC)
    rooms.add_blockout(
        owner, london, room_id, rooms.Slot(starts, starts + timedelta(hours=2)), LONG_WORD
    )
    db.session.commit()
    page = site.page
    site.sign_in(HACKNEY_OWNER, PASSWORD)
    site.goto(f"/b/hackney/admin/rooms/calendar?view=day&date={day.isoformat()}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        button = page.get_by_role("button", name="Remove").first
        box = button.bounding_box()
        assert box and box["x"] + box["width"] <= width, f"Remove at {box} off a {width}px screen"
    look(site, "calendar-long-reason")


def test_status_page_and_branded_errors(site: Site) -> None:
    site.goto("/status")
    assert "Everything is working." in site.page.inner_text("main")
    look(site, "status")
    site.goto("/static/brand/missing.css", status=404)
    assert "Page not found" in site.page.inner_text("h1")
