"""The harness itself can fail: axe reports a page with a serious violation."""

from __future__ import annotations

from typing import Any

from conftest import Journey


def test_axe_reports_a_serious_violation(browser: Any) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content('<html lang="nl"><body><main><img src="x.png"></main></body></html>')
    trip = Journey("harness", page, "")
    trip.check("kapot")
    context.close()
    assert any("image-alt" in v for v in trip.violations)


def test_a_skipped_heading_level_is_reported(browser: Any) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content(
        '<html lang="nl"><body><main><h1>Titel</h1><h3>Te diep</h3></main></body></html>'
    )
    trip = Journey("harness", page, "")
    trip.check("koppen")
    context.close()
    assert any("skips from h1 to h3" in v for v in trip.violations)
