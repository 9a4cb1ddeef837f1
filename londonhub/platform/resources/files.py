"""Uploaded resource files, judged by their bytes, never by their name or the browser's claim.

PDF by its `%PDF-` header; DOCX, XLSX and ODT by their zip structure (the parts each format
must contain; the archive's listing is read, nothing is extracted, and archives claiming
absurd sizes are refused); CSV as UTF-8 text without binary bytes. The stored name gets the
extension of what the file really is.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from londonhub.platform.core.uploads import limit_text

KINDS = {
    "pdf": ("application/pdf", "PDF"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word (DOCX)",
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
    "odt": ("application/vnd.oasis.opendocument.text", "OpenDocument text (ODT)"),
    "csv": ("text/csv", "CSV"),
}
ACCEPTED = "PDF, Word (DOCX), OpenDocument text (ODT), Excel (XLSX) or CSV"
#: A zip whose parts claim more than this when unpacked is refused (a "zip bomb").
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000


class FileRefused(ValueError):
    """The file cannot be accepted; the message says why, for a person."""


@dataclass(frozen=True)
class CheckedFile:
    kind: str
    content_type: str
    filename: str


def check_file(data: bytes, filename: str, *, max_bytes: int) -> CheckedFile:
    """What the file is, or FileRefused."""
    if not data:
        raise FileRefused("Choose a file to upload")
    if len(data) > max_bytes:
        raise FileRefused(f"The file must be smaller than {limit_text(max_bytes)}")
    kind = _kind_of(data)
    if kind is None:
        raise FileRefused(f"The file must be a {ACCEPTED} file")
    return CheckedFile(kind, KINDS[kind][0], clean_filename(filename, kind))


def _kind_of(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_csv(data):
        return "csv"
    return None


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return None
            if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                return None
            names = {info.filename for info in infos}
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 100:
                    mimetype = archive.read("mimetype").strip()
                    if mimetype == KINDS["odt"][0].encode() and "content.xml" in names:
                        return "odt"
                return None
            if "[Content_Types].xml" not in names:
                return None
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None
    return None


_BINARY = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _is_csv(data: bytes) -> bool:
    """UTF-8 text (a BOM allowed) with no control bytes and at least one comma, tab or
    semicolon-separated line: not a program renamed."""
    if _BINARY.search(data):
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    first = text.lstrip().split("\n", 1)[0]
    return bool(first) and any(sep in first for sep in (",", "\t", ";"))


def clean_filename(filename: str, kind: str) -> str:
    """A display name: no folders, no control characters, at most 150 characters, ending in
    the extension of the file's real kind."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if ch.isprintable())
    name = name.strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem = name
    stem = stem.strip(" .")[:140] or "resource"
    return f"{stem}.{kind}"
