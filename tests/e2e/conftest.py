"""Browser end-to-end fixtures: a live server on the test app, headless Chromium through
Playwright, and axe-core accessibility checks on every page a test visits.

Chromium comes from Debian (/usr/bin/chromium); Playwright's own browser download does not
work here. A missing browser is a failure, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("LONDONHUB_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Every WCAG 2.0, 2.1 and 2.2 success criterion at levels A and AA that axe-core checks, plus
# its best practices (landmarks, one h1, heading order, ...).
AXE_TAGS = [
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22a",
    "wcag22aa",
    "best-practice",
]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}


@pytest.fixture(autouse=True)
def e2e_config(app_config: dict) -> dict:
    """Real forms: CSRF protection on, as in production."""
    app_config["WTF_CSRF_ENABLED"] = True
    app_config["SESSION_COOKIE_SECURE"] = False  # plain http on 127.0.0.1
    return app_config


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the browser tests need Debian's chromium "
            "(apt-get update && apt-get install -y chromium). Playwright's own download "
            "does not work here.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server: str) -> Iterator[object]:
    """A fresh browser context (no cookies) per test. JavaScript stays enabled because axe-core
    needs timers; the pages themselves carry no script (`Site` checks that on every page)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def _report(violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s):"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}: {node.get('failureSummary', '').replace(chr(10), ' ')}")
            lines.append(f"      {node.get('html', '')[:200]}")
    return "\n".join(lines)


_AXE = None


def assert_accessible(page) -> None:
    """Run axe-core on the page as it is now; fail listing every violation."""
    global _AXE
    if _AXE is None:
        from axe_playwright_python.sync_playwright import Axe

        _AXE = Axe()
    results = _AXE.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    assert not violations, f"{page.url}\n{_report(violations)}"


_DUPLICATE_IDS = """() => {
  const seen = new Set(), twice = new Set();
  for (const e of document.querySelectorAll("[id]")) (seen.has(e.id) ? twice : seen).add(e.id);
  return [...twice];
}"""

_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  return {html: e.outerHTML.slice(0, 120), color: s.color, background: s.backgroundColor,
          outline: s.outlineStyle + " " + s.outlineColor + " " + s.outlineWidth};
}"""
FOCUS_YELLOW = "rgb(255, 221, 0)"


def _luminance(css_rgb: str) -> float:
    values = [int(float(v)) for v in css_rgb[css_rgb.index("(") + 1 : -1].split(",")[:3]]

    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in values)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def assert_focus_visible(page, limit: int = 60) -> int:
    """Tab through every focusable element from the top of the page: each shows the yellow
    focus state (a yellow background with dark text, or a yellow outline on form fields).
    axe cannot see focus states, so this checks them. Returns how many elements it visited."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None or (seen and focused["html"] == seen[0]):
            break
        seen.append(focused["html"])
        where = f"{page.url}: {focused['html']}"
        if focused["background"] == FOCUS_YELLOW:
            ratio = contrast(focused["color"], focused["background"])
            assert ratio >= 4.5, f"{where}: focused text contrast {ratio:.1f}:1"
        else:
            assert focused["outline"].startswith("solid " + FOCUS_YELLOW), (
                f"{where}: no visible focus state ({focused})"
            )
    else:
        pytest.fail(f"{page.url}: more than {limit} focusable elements")
    return len(seen)


class Site:
    """Visits pages and submits forms, checking each page it lands on with axe."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def goto(self, path: str, status: int = 200):
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == status, f"GET {path}: {response.status}, expected {status}"
        self.check()
        return response

    def check(self) -> None:
        """The page works without JavaScript (it has none) and passes axe."""
        assert self.page.locator("script").count() == 0, f"{self.page.url} has a script"
        assert_accessible(self.page)
        duplicates = self.page.evaluate(_DUPLICATE_IDS)
        assert not duplicates, f"{self.page.url}: duplicate ids {duplicates}"
        if self.page.locator(".error-summary").count():
            assert self.page.title().startswith("Error: "), "an error page's title says so"

    def submit(self, button, status: int = 200):
        """Click a submit button or a link (a locator) and wait for the page it leads to."""
        with self.page.expect_navigation() as navigation:
            button.click()
        response = navigation.value
        assert response is not None
        assert response.status == status, f"{response.url}: {response.status}, expected {status}"
        self.check()
        return response

    def sign_in(self, email: str, password: str) -> None:
        self.goto("/login")
        token = self.page.locator("form input[name=csrf_token]")
        assert token.count() == 1 and token.get_attribute("value"), "CSRF is on in e2e"
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.submit(self.page.get_by_role("button", name="Sign in", exact=True))
        # Each person lands where their work is (their workspace admin, the hub) or /account.
        assert "/login" not in self.page.url, self.page.url


@pytest.fixture
def site(page, live_server: str) -> Site:
    return Site(page, live_server)
