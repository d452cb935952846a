"""The end of a progress bar polled by htmx: when the background work has finished, the whole
page reloads (204 with HX-Refresh) to show its result; a plain request is sent to that page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def reload_page() -> HttpResponse:
    response = HttpResponse(status=204)
    response["HX-Refresh"] = "true"
    return response


def finished(request: HttpRequest, result_url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return reload_page()
    return redirect(result_url)
