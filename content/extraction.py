"""Text of attached files, for search: PDFs through PDFium, Office Open XML
(Word, PowerPoint) by reading their XML parts. Other formats give no text;
search still finds the asset by its title and summary."""

import io
import logging
import re
import zipfile
from html import unescape

from .rendering import pdf_text

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_TEXT_CHARS = 100_000
#: file extension -> the XML parts holding the text
OFFICE_PARTS = {
    "docx": re.compile(r"^word/document\.xml$"),
    "pptx": re.compile(r"^ppt/slides/slide\d+\.xml$"),
}

TEXT_RUN = re.compile(r"<(?:w|a):t(?:\s[^>]*)?>([^<]*)</(?:w|a):t>")


def file_text(file) -> str:
    """The searchable text of a stored file (empty when unknown or unreadable)."""
    if not file:
        return ""
    extension = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else ""
    if extension not in ("pdf", *OFFICE_PARTS):
        return ""
    try:
        if file.size > MAX_FILE_BYTES:
            return ""
        with file.open("rb") as handle:
            content = handle.read()
    except OSError as error:
        logger.warning("Cannot read %s for search: %s", file.name, error)
        return ""
    text = pdf_text(content) if extension == "pdf" else _office_text(content, OFFICE_PARTS[extension])
    return " ".join(text.split())[:MAX_TEXT_CHARS]


def _office_text(content: bytes, parts: re.Pattern) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = sorted(name for name in archive.namelist() if parts.match(name))
            xml = " ".join(archive.read(name).decode("utf-8", "replace") for name in names)
    except (zipfile.BadZipFile, KeyError) as error:
        logger.warning("Unreadable Office file for search: %s", error)
        return ""
    # Text runs only (<w:t> in Word, <a:t> in PowerPoint); no XML parser, so
    # no entity expansion from an uploaded file.
    return " ".join(unescape(run) for run in TEXT_RUN.findall(xml))
