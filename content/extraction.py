"""Text of attached files, for search: PDFs through PDFium, Office Open XML
(Word, PowerPoint) by reading their XML parts, Excel workbooks through
openpyxl (read-only, values only). Other formats give no text; search still
finds the asset by its title and summary.

Extraction runs in its own Celery task (search.tasks), bounded three ways:
the file's size, the text's length, and a deadline checked between pages and
rows (PDFium and openpyxl run C or long loops that a signal-based soft time
limit does not interrupt)."""

import io
import logging
import re
import time
import zipfile
import zlib
from html import unescape

import openpyxl
import pypdfium2

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_TEXT_CHARS = 100_000
#: an Office file's text parts may unpack to this much at most, and no part
#: may be compressed more than this ratio: a zip bomb is refused, not unpacked
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
#: seconds an extraction may take before it stops with the text so far
DEFAULT_TIME_BUDGET = 30.0
MAX_PDF_PAGES = 500
SPREADSHEET_EXTENSIONS = ("xlsx", "xlsm")
#: file extension -> the XML parts holding the text
OFFICE_PARTS = {
    "docx": re.compile(r"^word/document\.xml$"),
    "pptx": re.compile(r"^ppt/slides/slide\d+\.xml$"),
}

TEXT_RUN = re.compile(r"<(?:w|a):t(?:\s[^>]*)?>([^<]*)</(?:w|a):t>")


def is_extractable(name: str) -> bool:
    """Whether :func:`file_text` reads files of this name's kind."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return extension in ("pdf", *OFFICE_PARTS, *SPREADSHEET_EXTENSIONS)


class ExtractionTooLarge(Exception):
    """The file is over the size limit: it is not read at all."""


def file_text(file, *, time_budget: float = DEFAULT_TIME_BUDGET) -> str:
    """The searchable text of a stored file (empty when unknown or unreadable).

    Raises :class:`ExtractionTooLarge` for a file over the size limit; stops
    with the text found so far when ``time_budget`` seconds have passed."""
    if not file:
        return ""
    if not is_extractable(file.name):
        return ""
    extension = file.name.rsplit(".", 1)[-1].lower()
    try:
        if file.size > MAX_FILE_BYTES:
            raise ExtractionTooLarge(f"{file.name} is over {MAX_FILE_BYTES // (1024 * 1024)} MB")
        with file.open("rb") as handle:
            content = handle.read()
    except OSError as error:
        logger.warning("Cannot read %s for search: %s", file.name, error)
        return ""
    deadline = time.monotonic() + time_budget
    if extension == "pdf":
        text = _pdf_text(content, deadline)
    elif extension in SPREADSHEET_EXTENSIONS:
        text = _spreadsheet_text(content, deadline)
    else:
        text = _office_text(content, OFFICE_PARTS[extension])
    return " ".join(text.split())[:MAX_TEXT_CHARS]


def _pdf_text(content: bytes, deadline: float) -> str:
    try:
        document = pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError as error:
        logger.warning("Unreadable PDF for search: %s", error)
        return ""
    chunks, length = [], 0
    try:
        for index in range(min(len(document), MAX_PDF_PAGES)):
            if time.monotonic() > deadline or length > MAX_TEXT_CHARS:
                logger.warning("PDF text extraction stopped at page %s (time or length limit)", index)
                break
            text = document[index].get_textpage().get_text_range()
            chunks.append(text)
            length += len(text)
    finally:
        document.close()
    return "\n".join(chunks)


def _spreadsheet_text(content: bytes, deadline: float) -> str:
    """Cell values of every sheet, row by row. openpyxl's read-only mode
    streams the sheets; the zip checks of Office files apply first."""
    if not _zip_within_limits(content, re.compile(r"^xl/(worksheets/sheet\d+|sharedStrings)\.xml$")):
        return ""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many types for malformed files
        logger.warning("Unreadable workbook for search: %s", error)
        return ""
    chunks, length = [], 0
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                if time.monotonic() > deadline or length > MAX_TEXT_CHARS:
                    logger.warning("Workbook text extraction stopped (time or length limit)")
                    return " ".join(chunks)
                line = " ".join(str(value) for value in row if value is not None)
                chunks.append(line)
                length += len(line)
    finally:
        workbook.close()
    return " ".join(chunks)


def _zip_within_limits(content: bytes, parts: re.Pattern) -> bool:
    """Whether the zip's ``parts`` are readable and would unpack within the
    limits (sizes as the archive declares them; readers still cap the bytes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = [info for info in archive.infolist() if parts.match(info.filename)]
    except (zipfile.BadZipFile, KeyError, EOFError, zlib.error) as error:
        logger.warning("Unreadable Office file for search: %s", error)
        return False
    if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES or any(
        info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1) for info in members
    ):
        logger.warning("Office file refused for search: its text would unpack beyond the limits")
        return False
    return True


def _office_text(content: bytes, parts: re.Pattern) -> str:
    if not _zip_within_limits(content, parts):
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = sorted(
                (info for info in archive.infolist() if parts.match(info.filename)), key=lambda i: i.filename
            )
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
