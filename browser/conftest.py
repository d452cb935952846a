"""Browser journeys: Playwright drives Debian's Chromium against a live server (pytest-django's
`live_server`, on the database `DATABASE_URL` names; CI uses PostgreSQL).

Run: `python3 dev.py browser`. Screenshots of every step go to `browser/screenshots/` (ignored
by git). Every visited page is checked with axe-core (installed from npm into
`browser/node_modules` by `python3 dev.py browser`): no serious or critical violations.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, sync_playwright

from casusregie.conftest import PASSWORD, TEST_BSN, Cast, case, cast  # noqa: F401 - fixtures

# Playwright's sync API runs an event loop in this thread; Django's ORM is used from it only
# for setting up data before the browser acts, never concurrently.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = HERE / "screenshots"
CHROMIUM = os.environ.get("CASUSREGIE_CHROMIUM", "/usr/bin/chromium")
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--lang=nl-NL",
            ],
            env={**os.environ, "LANG": "nl_NL.UTF-8", "LANGUAGE": "nl"},
        )
        yield launched
        launched.close()


@dataclass
class Journey:
    """One person in one browser context: logs in like a user, checks every page with axe and
    keeps a screenshot of each step."""

    name: str
    page: Page
    base: str
    steps: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def go(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    def login(self, user: Any) -> None:
        self.go("/inloggen/")
        self.page.get_by_label("E-mailadres").fill(user.email)
        self.page.get_by_label("Wachtwoord").fill(PASSWORD)
        self.page.get_by_role("button", name="Inloggen").click()
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
        self.page.get_by_label(re.compile("Zescijferige code")).fill(code)
        self.page.get_by_role("button", name="Bevestigen").click()
        self.page.wait_for_load_state()

    def check(self, label: str) -> None:
        """Screenshot the step, run axe on the page as it is now, and check the heading
        structure: one h1 and no skipped levels (WCAG 1.3.1, 2.4.6)."""
        self.steps.append(label)
        SHOTS.mkdir(exist_ok=True)
        number = len(self.steps)
        self.page.screenshot(path=SHOTS / f"{self.name}-{number:02d}-{label}.png", full_page=True)
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        headings = self.page.evaluate(
            "() => [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5,"
            " main h6')].filter(h => h.offsetParent !== null).map(h => Number(h.tagName[1]))"
        )
        if headings.count(1) != 1:
            self.violations.append(f"{label} {self.page.url}: {headings.count(1)} h1 headings")
        for before, after in itertools.pairwise(headings):
            if after > before + 1:
                self.violations.append(
                    f"{label} {self.page.url}: heading level skips from h{before} to h{after}"
                )
                break
        for violation in result["violations"]:
            if violation.get("impact") in SERIOUS:
                targets = [n["target"] for n in violation["nodes"]][:3]
                self.violations.append(
                    f"{label} {self.page.url}: {violation['id']} ({violation['impact']}) {targets}"
                )


@pytest.fixture
def journey(browser: Browser, live_server: Any, request: Any) -> Iterator[Any]:
    contexts = []
    made: list[Journey] = []

    def start(name: str) -> Journey:
        # bypass_csp lets the test inject axe-core; the product keeps its strict CSP.
        context = browser.new_context(locale="nl-NL", accept_downloads=True, bypass_csp=True)
        contexts.append(context)
        made.append(Journey(f"{request.node.name}-{name}", context.new_page(), live_server.url))
        return made[-1]

    yield start
    for context in contexts:
        context.close()
    problems = [v for j in made for v in j.violations]
    assert problems == [], "axe found serious or critical violations:\n" + "\n".join(problems)
