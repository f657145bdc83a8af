"""Text of attached files, for search: PDFs through PDFium, Office Open XML
(Word, PowerPoint) by reading their XML parts. Other formats give no text;
search still finds the asset by its title and summary."""

import io
import logging
import re
import zipfile
import zlib
from html import unescape

from .rendering import pdf_text

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_TEXT_CHARS = 100_000
#: an Office file's text parts may unpack to this much at most, and no part
#: may be compressed more than this ratio: a zip bomb is refused, not unpacked
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
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
            members = sorted(
                (info for info in archive.infolist() if parts.match(info.filename)), key=lambda i: i.filename
            )
            if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES or any(
                info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1) for info in members
            ):
                logger.warning("Office file refused for search: its text would unpack beyond the limits")
                return ""
            chunks, budget = [], MAX_UNPACKED_BYTES
            for info in members:
                # The sizes in the header can lie: never read past the budget.
                with archive.open(info) as part:
                    data = part.read(budget + 1)
                if len(data) > budget:
                    logger.warning("Office file refused for search: %s unpacks beyond the limit", info.filename)
                    return ""
                budget -= len(data)
                chunks.append(data.decode("utf-8", "replace"))
            xml = " ".join(chunks)
    except (zipfile.BadZipFile, KeyError, EOFError, zlib.error) as error:
        logger.warning("Unreadable Office file for search: %s", error)
        return ""
    # Text runs only (<w:t> in Word, <a:t> in PowerPoint); no XML parser, so
    # no entity expansion from an uploaded file.
    return " ".join(unescape(run) for run in TEXT_RUN.findall(xml))
