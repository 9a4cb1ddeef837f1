"""Browser journeys through the real pages, in headless Chromium, with CSRF on and axe-core
checking every page visited (see conftest.Site)."""

from __future__ import annotations

import os
import re

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import Site, assert_focus_visible

pytestmark = pytest.mark.e2e

HUB_ADMIN = "hub@example.org"
HACKNEY_ADMIN = "admin@hackney.example.org"
NEW_ACCENT = "#0b6e4f"  # dark green: white text on it is 6.4:1
SCREENSHOTS = os.environ.get("LONDONHUB_E2E_SCREENSHOTS")  # a folder, to look at the pages


def screenshot(site: Site, name: str) -> None:
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        site.page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture
def hackney(make_workspace, make_user):
    workspace = make_workspace("hackney", "Hackney CVS", borough="Hackney")
    make_user(HACKNEY_ADMIN, name="Hana Admin", workspace=workspace, role="owner")
    return workspace


def test_public_pages_are_accessible(site: Site, hackney) -> None:
    site.goto("/")
    assert site.page.get_by_role("link", name="Hackney CVS").is_visible()
    screenshot(site, "home")
    site.goto("/b/hackney/")
    assert site.page.get_by_role("heading", level=1).inner_text() == "Hackney CVS"
    site.goto("/register")
    site.goto("/verify-email/new")
    site.goto("/password/reset/not-a-real-token", status=400)
    site.goto("/password/forgot")
    site.page.get_by_label("Email address").fill("someone@example.org")
    site.submit(site.page.get_by_role("button", name="Send reset link"))
    assert site.page.get_by_role("heading", level=1).inner_text() == "Check your email"

    site.goto("/login")
    site.submit(site.page.get_by_role("button", name="Sign in", exact=True), status=400)
    summary = site.page.locator(".error-summary")
    assert "Enter your email address" in summary.inner_text()
    assert summary.get_by_role("link", name="Enter your email address").get_attribute("href") == (
        "#email"
    )
    assert site.page.title() == "Error: Sign in – Connecting Londoners"
    assert_focus_visible(site.page)

    site.goto("/no-such-page", status=404)
    assert site.page.get_by_role("heading", level=1).inner_text() == "Page not found"
    site.goto("/b/nowhere/", status=404)


def test_skip_link_is_first_and_moves_focus_to_main(site: Site) -> None:
    site.goto("/")
    page = site.page
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent.trim(), document.activeElement.hash]"
    )
    assert focused == ["Skip to main content", "#main-content"]
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "skip link shown when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"
    # The next Tab continues after the main content's start, past the header's links.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('header') === null")


def test_borough_admin_edits_public_profile(site: Site, hackney) -> None:
    page = site.page
    site.sign_in(HACKNEY_ADMIN, PASSWORD)
    assert page.url.endswith("/b/hackney/admin/")  # where their work is
    site.goto("/account")
    assert page.get_by_role("heading", name="Your account").is_visible()
    assert "Owner" in page.get_by_role("table").inner_text()

    site.goto("/b/hackney/admin/")
    site.submit(page.get_by_role("link", name="Public profile"))
    assert page.url.endswith("/b/hackney/admin/profile")

    description = "We support Hackney's voluntary groups.\n\nAsk us about funding and volunteers."
    page.get_by_label("About your organisation").fill(description)
    page.get_by_label("Accent colour").fill("#ffff00")  # far too light for white text
    site.submit(page.get_by_role("button", name="Save profile"), status=400)
    summary = page.locator(".error-summary")
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    assert "too light" in summary.inner_text()
    assert summary.locator("a").get_attribute("href") == "#accent_colour"
    field = page.get_by_label("Accent colour")
    assert field.get_attribute("aria-invalid") == "true"
    assert "too light" in page.locator("#accent_colour-error").inner_text()
    assert "accent_colour-error" in (field.get_attribute("aria-describedby") or "")
    assert page.get_by_label("About your organisation").input_value() == description
    screenshot(site, "profile-error")
    assert_focus_visible(page)

    field.fill(NEW_ACCENT)
    site.submit(page.get_by_role("button", name="Save profile"))
    assert page.url.endswith("/b/hackney/admin/profile")
    assert "Your public profile has been saved." in page.get_by_role("status").inner_text()

    site.goto("/b/hackney/")
    main = page.get_by_role("main")
    assert main.get_by_text("We support Hackney's voluntary groups.").is_visible()
    assert main.get_by_text("Ask us about funding and volunteers.").is_visible()
    banner = page.locator(".workspace-banner")
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == rgb(NEW_ACCENT)
    assert banner.get_by_role("link").evaluate("e => getComputedStyle(e).color") == rgb("#ffffff")
    screenshot(site, "hackney-public")
    assert_focus_visible(page)


def test_borough_admin_invites_staff_who_accept(site: Site, hackney, make_user, outbox) -> None:
    make_user("new.staff@hackney.example.org", name="Sam Staff")
    page = site.page
    site.sign_in(HACKNEY_ADMIN, PASSWORD)
    site.goto("/hub/", status=403)
    site.goto("/b/hackney/admin/members")
    assert page.get_by_role("table").get_by_text(HACKNEY_ADMIN).is_visible()

    page.get_by_label("Email address").fill("not an email")
    site.submit(page.get_by_role("button", name="Send invitation"), status=400)
    assert "Enter an email address like name@example.org" in (
        page.locator(".error-summary").inner_text()
    )
    assert page.get_by_label("Email address").get_attribute("aria-invalid") == "true"

    page.get_by_label("Email address").fill("new.staff@hackney.example.org")
    page.get_by_label("Role", exact=True).select_option("admin")
    site.submit(page.get_by_role("button", name="Send invitation"))
    assert "We have emailed an invitation" in page.get_by_role("status").inner_text()
    assert page.get_by_role(
        "button", name="Withdraw invitation new.staff@hackney.example.org"
    ).is_visible()

    site.goto("/b/hackney/admin/audit")
    assert page.get_by_role("table").get_by_text(re.compile("new.staff@hackney")).count() >= 1

    site.submit(page.get_by_role("button", name="Sign out"))
    assert "You have been signed out." in page.get_by_role("status").inner_text()
    site.sign_in("new.staff@hackney.example.org", PASSWORD)
    (message,) = outbox.to("new.staff@hackney.example.org")
    site.goto(outbox.link(message))
    assert page.get_by_role("heading", level=1).inner_text() == "Join Hackney CVS"
    site.submit(page.get_by_role("button", name="Accept invitation"))
    assert page.url.endswith("/b/hackney/admin/")
    assert "Welcome to Hackney CVS." in page.get_by_role("status").inner_text()
    admin_nav = page.get_by_role("navigation", name="Workspace admin")
    assert admin_nav.get_by_role("link").all_inner_texts() == [
        "Overview",
        "Public profile",
        "Staff and roles",
        "Rooms",
        "Volunteering",
        "Resources",
        "Corporate",
        "Income",
        "Staff emails",
        "Webhooks",
        "API tokens",
        "Audit log",
    ]
    site.goto("/account")
    assert "Admin" in page.get_by_role("table").inner_text()
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill("a brand new long passphrase")
    page.get_by_label("Confirm your new password").fill("a brand new long passphrase")
    site.submit(page.get_by_role("button", name="Change password"), status=400)
    assert "Your current password is not correct" in page.locator(".error-summary").inner_text()
    page.get_by_label("Full name").fill("Samantha Staff")
    site.submit(page.get_by_role("button", name="Save name"))
    assert "Your name has been updated." in page.get_by_role("status").inner_text()
    assert "Samantha Staff" in page.locator(".summary-list").inner_text()


def test_hub_admin_suspends_a_workspace(site: Site, hackney, make_workspace, make_user) -> None:
    make_workspace("camden", "Camden CVS", borough="Camden")
    make_user(HUB_ADMIN, name="Hub Admin", hub_admin=True)
    page = site.page
    site.sign_in(HUB_ADMIN, PASSWORD)
    site.submit(page.get_by_role("link", name="Hub admin"))
    assert page.url.endswith("/hub/")
    row = page.get_by_role("row").filter(has_text="Hackney CVS")
    assert "Active" in row.inner_text()
    screenshot(site, "hub-index")
    assert_focus_visible(page)

    site.submit(row.get_by_role("link", name="Suspend Hackney CVS"))
    assert "nothing in it can be changed" in page.get_by_role("main").inner_text()
    site.submit(page.get_by_role("button", name="Yes, suspend Hackney CVS"))
    assert page.url.endswith("/hub/")
    assert "Hackney CVS is now suspended." in page.get_by_role("status").inner_text()
    row = page.get_by_role("row").filter(has_text="Hackney CVS")
    assert "Suspended" in row.inner_text()
    assert row.get_by_role("link", name="Reactivate Hackney CVS").is_visible()
    assert "Active" in page.get_by_role("row").filter(has_text="Camden CVS").inner_text()

    site.goto("/b/hackney/")
    assert "Hackney CVS's workspace is suspended" in page.get_by_role("main").inner_text()

    site.goto("/hub/audit")
    assert "Hackney CVS" in page.get_by_role("table").inner_text()

    site.goto("/hub/workspaces/new")
    create = page.get_by_role("button", name="Create workspace and invite its owner")
    site.submit(create, status=400)
    assert page.locator(".error-summary li").count() == 4
    page.get_by_label("Workspace name").fill("Islington CVS")
    page.get_by_label("Web address").fill("islington")
    page.get_by_label("Borough").fill("Islington")
    page.get_by_label("Owner's email address").fill("owner@islington.example.org")
    site.submit(create)
    assert "Islington CVS has been created" in page.get_by_role("status").inner_text()


def test_pages_reflow_at_320_css_pixels(site: Site, hackney, make_user) -> None:
    """WCAG 1.4.10: at 320 CSS pixels wide nothing needs scrolling sideways (wide tables
    scroll inside their own wrapper)."""
    make_user(HUB_ADMIN, name="Hub Admin", hub_admin=True)
    site.page.set_viewport_size({"width": 320, "height": 640})
    site.sign_in(HUB_ADMIN, PASSWORD)
    for path in ("/", "/b/hackney/", "/hub/", "/hub/workspaces/new", "/account"):
        site.goto(path)
        width = site.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width}px wide at a 320px viewport"
        if path == "/hub/":
            screenshot(site, "hub-index-320")
