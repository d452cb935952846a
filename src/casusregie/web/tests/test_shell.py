"""The page shell: home page, security headers, accessibility landmarks, error pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from casusregie.conftest import Cast


@pytest.mark.django_db
class TestHome:
    def test_home_lists_houses_and_roles(self, as_user, cast: Cast) -> None:
        body = as_user(cast.participant_a).get("/").content.decode()
        assert cast.house.name in body
        assert "Politie Heuvelland-test" in body
        assert "Partnerdeelnemer" in body
        assert cast.other_house.name not in body

    def test_admin_sees_settings_link_others_do_not(self, as_user, cast: Cast) -> None:
        assert "/instellingen/" in as_user(cast.admin).get("/").content.decode()
        assert "/instellingen/" not in as_user(cast.participant_a).get("/").content.decode()

    def test_anonymous_goes_to_login(self, client: Client) -> None:
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == "/inloggen/?next=/"


@pytest.mark.django_db
class TestSecurityHeaders:
    def test_strict_headers_on_every_page(self, client: Client) -> None:
        response = client.get("/inloggen/")
        csp = response["Content-Security-Policy"]
        assert "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "style-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert "'unsafe-eval'" not in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"

    def test_no_inline_script_or_style_in_pages(self, as_user, cast: Cast) -> None:
        client = as_user(cast.admin)
        for path in (
            "/",
            "/account/",
            f"/huizen/{cast.house.slug}/organisaties/",
            f"/huizen/{cast.house.slug}/instellingen/",
        ):
            body = client.get(path).content.decode()
            assert not re.search(r"<script(?![^>]*\bsrc=)", body), path
            assert "<style" not in body, path
            assert not re.search(r'\sstyle="', body), path
            assert not re.search(r"\son[a-z]+=", body), path

    def test_cookies_are_samesite_and_httponly(self, client: Client, cast: Cast) -> None:
        client.post("/inloggen/", {"username": "a@test.invalid", "password": "wrong"})
        response = client.post(
            "/inloggen/", {"username": "a@test.invalid", "password": "correct horse battery staple"}
        )
        cookie = response.cookies["casusregie_session"]
        assert cookie["samesite"] == "Lax"
        assert cookie["httponly"]


@pytest.mark.django_db
class TestAccessibleShell:
    def test_landmarks_skip_link_and_language(self, as_user, cast: Cast) -> None:
        body = as_user(cast.participant_a).get("/").content.decode()
        assert '<a class="utrecht-skip-link' in body
        assert 'href="#inhoud"' in body
        assert '<main id="inhoud"' in body
        assert "<header" in body
        assert "<footer" in body
        assert "<nav" in body
        assert 'aria-current="page"' in body
        assert body.count("<h1") == 1

    def test_assets_are_served_by_the_app(self, client: Client) -> None:
        body = client.get("/inloggen/").content.decode()
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', body)
        assert assets
        assert not re.search(r'(?:href|src)="https?://', body)
        for asset in assets:
            response = client.get(asset)
            assert response.status_code == 200, asset

    def test_not_found_page_is_dutch(self, as_user, cast: Cast) -> None:
        response = as_user(cast.participant_a).get("/huizen/bestaat-niet/organisaties/")
        assert response.status_code == 404
        assert "Niet gevonden" in response.content.decode()


def test_health(client: Client, db: None) -> None:
    response = client.get("/gezondheid/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
class TestWhatWaits:
    def test_counts_follow_the_access_policy(self, as_user, cast: Cast, case) -> None:
        assert "1 open casus" in as_user(cast.participant_a).get("/").content.decode()
        assert "0 open casussen" in as_user(cast.participant_c).get("/").content.decode()

    def test_house_staff_is_warned_about_cases_without_case_director(
        self, as_user, cast: Cast, case
    ) -> None:
        from casusregie.cases.actions import do_transition_case

        do_transition_case(case, "meeting", actor=cast.process_director)
        do_transition_case(case, "plan", actor=cast.process_director)
        body = as_user(cast.process_director).get("/").content.decode()
        assert "zonder casusregisseur" in body
        listing = (
            as_user(cast.process_director)
            .get(f"/huizen/{cast.house.slug}/casussen/?zonder_casusregisseur=on")
            .content.decode()
        )
        assert case.reference in listing
        # A partner is not shown the house manager's warning.
        assert "zonder casusregisseur" not in as_user(cast.participant_a).get("/").content.decode()
