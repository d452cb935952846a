"""The answer that hands out a document's file, for the page and the API alike."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from .access import download_name
from .models import Document


def file_response(document: Document, data: bytes) -> HttpResponse:
    """An attachment (never shown inline) with the type found in the content, which browsers
    must not second-guess (`nosniff`), and not kept in shared caches."""
    response = HttpResponse(data, content_type=document.content_type)
    disposition = content_disposition_header(as_attachment=True, filename=download_name(document))
    response["Content-Disposition"] = disposition or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
