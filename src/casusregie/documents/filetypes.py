"""What a file is, judged by its content (magic bytes and container entries), never by its name.

Allowed: PDF, PNG, JPEG, the Office Open XML documents (DOCX, XLSX, PPTX) and OpenDocument text
and spreadsheets (ODT, ODS), which are ZIP containers with characteristic entries, and the old
Word and Excel files (OLE compound files with a `WordDocument` or `Workbook` stream). Office
files with macros are refused. Everything else is refused.
"""

from __future__ import annotations

import io
import zipfile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"

# The types a document may have, with the extension a download gets when its name lacks it.
EXTENSIONS = {
    PDF: "pdf",
    PNG: "png",
    JPEG: "jpg",
    DOCX: "docx",
    XLSX: "xlsx",
    PPTX: "pptx",
    ODT: "odt",
    ODS: "ods",
    DOC: "doc",
    XLS: "xls",
}
# Shown in the refusal and on the upload form.
ALLOWED_NAMES = "PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS, DOC, XLS"

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
# Entries that make a ZIP container an Office Open XML document of each kind.
_OOXML = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
_ODF = {ODT.encode(), ODS.encode()}


def detect(data: bytes) -> str | None:
    """The content type of an allowed file, or None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_ZIP):
        return _zip_type(data)
    if data.startswith(_OLE):
        return _ole_type(data)
    return None


def _zip_type(data: bytes) -> str | None:
    """Reads the container's directory (and ODF's small `mimetype` entry), never extracts."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # a macro-enabled Office file
            if "[Content_Types].xml" in names:
                return next((kind for entry, kind in _OOXML if entry in names), None)
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                mimetype = archive.read("mimetype").strip()
                return mimetype.decode() if mimetype in _ODF else None
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return None
    return None


def _ole_type(data: bytes) -> str | None:
    """Stream names in a compound file's directory are UTF-16LE."""
    if "_VBA_PROJECT".encode("utf-16-le") in data:
        return None  # a document with macros
    if "WordDocument".encode("utf-16-le") in data:
        return DOC
    if "Workbook".encode("utf-16-le") in data or "Book\0".encode("utf-16-le") in data:
        return XLS
    return None
