"""Proof-of-performance uploads: the type is read from the content, never
from the name, so a renamed executable is refused whatever it is called."""

import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

PROOF_MAX_BYTES = 10 * 1024 * 1024
PROOF_MAX_FILES = 10
ACCEPTED_TYPES = "PDF, PNG, JPEG, GIF, WebP, CSV, XLSX"


@dataclass(frozen=True)
class SniffedType:
    extension: str
    content_type: str


_SIGNATURES = (
    (b"%PDF-", SniffedType("pdf", "application/pdf")),
    (b"\x89PNG\r\n\x1a\n", SniffedType("png", "image/png")),
    (b"\xff\xd8\xff", SniffedType("jpg", "image/jpeg")),
    (b"GIF87a", SniffedType("gif", "image/gif")),
    (b"GIF89a", SniffedType("gif", "image/gif")),
)
XLSX = SniffedType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
CSV = SniffedType("csv", "text/csv")


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for cut in (0, 1, 2, 3):
        try:
            (head[:-cut] if cut else head).decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def sniff_proof_type(file) -> SniffedType | None:
    """The accepted type ``file``'s content is, or None."""
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(4096)
        for signature, sniffed in _SIGNATURES:
            if head.startswith(signature):
                return sniffed
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return SniffedType("webp", "image/webp")
        if head.startswith(b"PK\x03\x04"):
            file.seek(0)
            try:
                with zipfile.ZipFile(file) as archive:
                    names = set(archive.namelist())
            except zipfile.BadZipFile:
                return None
            # A ZIP is only accepted as a workbook (not any archive).
            return XLSX if "xl/workbook.xml" in names else None
        if head and _looks_like_text(head):
            return CSV
        return None
    finally:
        file.seek(position)


def validate_proof(file) -> SniffedType:
    """At most 10 MB and one of the accepted types, judged by content."""
    if file.size > PROOF_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is %(size)s; the limit is %(limit)s.")
            % {"name": file.name, "size": filesizeformat(file.size), "limit": filesizeformat(PROOF_MAX_BYTES)},
            code="proof_too_large",
        )
    if file.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": file.name}, code="proof_empty")
    sniffed = sniff_proof_type(file)
    if sniffed is None:
        raise ValidationError(
            _("%(name)s is not a file type we accept (%(types)s), whatever its name says.")
            % {"name": file.name, "types": ACCEPTED_TYPES},
            code="proof_type",
        )
    return sniffed
