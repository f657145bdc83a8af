from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Office formats are ZIP containers; the content must start like its extension says.
_ZIP = (b"PK\x03\x04",)
ATTACHMENT_SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": _ZIP,
    "xlsx": _ZIP,
    "pptx": _ZIP,
    # Plain text: checked for being text instead of a signature.
    "txt": None,
    "csv": None,
}


def validate_attachment(file) -> None:
    """At most 10 MB, one of the accepted formats, and content that matches
    the extension (a renamed executable is refused)."""
    if file.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(ATTACHMENT_MAX_BYTES)},
            code="attachment_too_large",
        )
    name = getattr(file, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    accepted = ", ".join(sorted(ATTACHMENT_SIGNATURES))
    if extension not in ATTACHMENT_SIGNATURES:
        raise ValidationError(
            _("Attach a file of one of these types: %(types)s.") % {"types": accepted}, code="attachment_type"
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(2048)
    finally:
        file.seek(position)
    signatures = ATTACHMENT_SIGNATURES[extension]
    if signatures is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A multi-byte character cut at the 2 KB boundary is still text.
            valid = b"\x00" not in head and _decodes_without_last_bytes(head)
        else:
            valid = b"\x00" not in head
    else:
        valid = head.startswith(signatures)
    if not valid:
        raise ValidationError(
            _("The file's content does not match its .%(extension)s extension.") % {"extension": extension},
            code="attachment_content",
        )


def _decodes_without_last_bytes(head: bytes) -> bool:
    for cut in (1, 2, 3):
        try:
            head[:-cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False
