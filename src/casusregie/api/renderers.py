"""JSON answers of the API are attachments (ASVS 14.4.2).

`Content-Disposition: attachment` tells a browser that opens an API address directly (a link
in a mail, a redirect) to save the answer instead of showing it as a page, so a value in the
JSON can never be read as HTML or script in our origin. Clients that read the body (fetch,
requests, Swagger UI) are not affected. The docs page /api/v1/docs renders HTML with its own
renderer and stays viewable.
"""

from __future__ import annotations

from typing import Any

from rest_framework import renderers

DISPOSITION = 'attachment; filename="api.json"'


class JSONRenderer(renderers.JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and not response.has_header("Content-Disposition"):
            response["Content-Disposition"] = DISPOSITION
        return super().render(data, accepted_media_type, renderer_context)
