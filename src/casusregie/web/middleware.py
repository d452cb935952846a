"""Dutch by default; English only when the user chose it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers


class LanguageMiddleware:
    """Activate the language chosen with the language switch, else Dutch.

    Django's LocaleMiddleware would follow the browser's Accept-Language header, so a civil
    servant with an English browser would get an English interface they never asked for. The
    product is Dutch; English is an explicit choice stored in the language cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class OutOfRangeMiddleware:
    """A page address with a number too large for the database (`/casussen/99999999999999999999/`)
    names nothing: answer the "not found" page instead of a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from casusregie.api.problems import is_out_of_range
        from casusregie.web.views import not_found

        if is_out_of_range(exception):
            return not_found(request, Http404())
        return None


class PrivateResponseMiddleware:
    """Nothing a signed-in person or a partner system receives is kept by a browser, proxy or
    shared computer's cache: `Cache-Control: no-store, private` on every answer to a signed-in
    user and on every API answer (ASVS 8.2.1). Static files are served before this runs and
    stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path_info.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response
