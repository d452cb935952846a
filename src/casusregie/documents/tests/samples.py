"""Small synthetic files of every allowed type, and files that must be refused."""

from __future__ import annotations

import io
import zipfile

# The EICAR anti-virus test file: harmless, recognised by every scanner as a test virus.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def ooxml(part: str) -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", part: b"<x/>"})


def odf(mimetype: str) -> bytes:
    return _zip({"mimetype": mimetype.encode(), "content.xml": b"<x/>"})


DOCX = ooxml("word/document.xml")
XLSX = ooxml("xl/workbook.xml")
PPTX = ooxml("ppt/presentation.xml")
ODT = odf("application/vnd.oasis.opendocument.text")
ODS = odf("application/vnd.oasis.opendocument.spreadsheet")
DOC = OLE + "WordDocument".encode("utf-16-le") + b"\x00" * 64
XLS = OLE + "Workbook".encode("utf-16-le") + b"\x00" * 64

ALLOWED = {
    "verslag.pdf": (PDF, "application/pdf"),
    "foto.png": (PNG, "image/png"),
    "foto.jpg": (JPEG, "image/jpeg"),
    "brief.docx": (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "lijst.xlsx": (XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "dia.pptx": (
        PPTX,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "brief.odt": (ODT, "application/vnd.oasis.opendocument.text"),
    "lijst.ods": (ODS, "application/vnd.oasis.opendocument.spreadsheet"),
    "oud.doc": (DOC, "application/msword"),
    "oud.xls": (XLS, "application/vnd.ms-excel"),
}

TEXT_AS_PDF = b"Dit is gewoon tekst over Jan Testpersoon, geen PDF.\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"This program cannot be run in DOS"
DOCM = _zip(
    {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<x/>", "word/vbaProject.bin": b"x"}
)
PLAIN_ZIP = _zip({"readme.txt": b"hello"})
OTHER_ODF = odf("application/vnd.oasis.opendocument.graphics")
DOC_WITH_MACROS = DOC + "_VBA_PROJECT".encode("utf-16-le")
OTHER_OLE = OLE + "Something".encode("utf-16-le")
