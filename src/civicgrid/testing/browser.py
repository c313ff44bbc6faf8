"""Browser-test helpers: Debian's Chromium under Playwright, logins, axe, screenshots.

Never downloads a browser: the tests use ``/usr/bin/chromium`` (installed by
``make browser``) and are skipped where it is missing.

Deterministic under load: nothing here sleeps for a fixed time. ``settle``
waits for conditions (page loaded, fonts loaded, every visible map drawn,
nothing marked ``aria-busy``, two frames painted) before a screenshot or an
axe check, and pages open with "reduce motion" so charts draw without
animation. (Not "network idle": the command screen keeps an event stream open.)
"""

from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"laptop": (1366, 768), "wall": (1920, 1080), "phone": (390, 844)}
DEMO_PASSWORD = "civicgrid-demo"
# Chromium reports a blocked inline script, style or image on the console with this.
CSP_CONSOLE_MARK = "Content Security Policy"


@pytest.fixture(scope="module")
def chromium():
    """Yield a headless Debian Chromium driven by Playwright (skip when absent).

    Module-scoped: Playwright's sync API allows one driver at a time, and other
    modules start their own.
    """
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


def new_page(browser, viewport: str = "laptop", **options):
    """Open a fresh context (own cookies) with a viewport; return its page."""
    width, height = VIEWPORTS[viewport]
    options.setdefault("locale", "zh-CN")
    # No service worker filling its cache behind the test's back; the tests of
    # the offline outbox open their own contexts with it.
    options.setdefault("service_workers", "block")
    options.setdefault("reduced_motion", "reduce")
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    return context.new_page()


#: True once fonts are in, no region is busy and every visible map has its view (``map.js``).
_SETTLED = """() => document.readyState === "complete"
  && document.fonts.status === "loaded"
  && !document.querySelector("[aria-busy='true']")
  && Array.from(document.querySelectorAll(".leaflet-container"))
       .filter(m => m.offsetParent !== null)
       .every(m => m.dataset.mapReady === "1")"""


def settle(page, timeout: float = 15_000) -> None:
    """Wait until the page is still: loaded, nothing busy, maps drawn, frames painted."""
    page.wait_for_load_state("load", timeout=timeout)
    page.wait_for_function(_SETTLED, timeout=timeout)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def login(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
    assert "/accounts/login/" not in page.url, f"login as {username} failed"


def login_to(page, base_url: str, next_url: str, username: str, password: str) -> None:
    """Log in through the login form and wait until it has sent the browser to ``next_url``."""
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}{next_url}")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact; return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    settle(page)
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, rules=("label", "color-contrast")) -> list[dict]:
    """Run axe-core (from npm) on the settled page; return violations of ``rules``."""
    settle(page)
    # Evaluated through the driver, not added as an inline <script>: the pages'
    # Content-Security-Policy blocks inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'rule', values: rules}})", list(rules)
    )
    return [
        {
            "rule": v["id"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


@contextmanager
def watch_csp():
    """Collect the Content-Security-Policy violations of every page opened meanwhile.

    Wraps Playwright's ``new_context``/``new_page`` for every browser, also
    those a test launches itself, and yields the list of messages (page URL
    and Chromium's console text) it fills.
    """
    from playwright.sync_api import Browser

    violations: list[str] = []

    def listen(page_or_context):
        def on_console(message):
            if message.type == "error" and CSP_CONSOLE_MARK in message.text:
                violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

        page_or_context.on("console", on_console)
        return page_or_context

    original_context, original_page = Browser.new_context, Browser.new_page
    Browser.new_context = lambda self, *a, **kw: listen(original_context(self, *a, **kw))
    Browser.new_page = lambda self, *a, **kw: listen(original_page(self, *a, **kw))
    try:
        yield violations
    finally:
        Browser.new_context, Browser.new_page = original_context, original_page
