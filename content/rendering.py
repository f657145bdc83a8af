"""PDF and image output of co-branded templates, without a browser.

WeasyPrint lays the personalized HTML out as a PDF; PDFium (pypdfium2)
rasterizes the first page to the template's image size. Templates are written
by vendor staff and filled with partner-supplied text, so the renderer fetches
nothing from the network or the disk: only ``data:`` URIs (the partner's logo
is embedded that way by ``services.cobrand_values``).
"""

import io

import pypdfium2
from PIL import Image, ImageOps
from weasyprint import HTML
from weasyprint.urls import URLFetcher

ALLOWED_PROTOCOLS = frozenset({"data"})
POINTS_PER_INCH = 72


class RenderingError(Exception):
    """The template could not be turned into a file; the message says why."""


def render_pdf(html: str) -> bytes:
    try:
        return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS)).write_pdf()
    except Exception as error:  # WeasyPrint raises many types for malformed input
        raise RenderingError(f"PDF rendering failed: {error}") from error


def render_png(pdf: bytes, *, width: int, height: int | None = None) -> bytes:
    """The PDF's first page as a PNG of exactly ``width`` x ``height`` pixels,
    scaled to fit and centred on white so nothing of the layout is cropped
    (no height: in proportion to the page)."""
    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError as error:
        raise RenderingError(f"Image rendering failed: {error}") from error
    try:
        page = document[0]
        page_width, page_height = page.get_size()
        height = height or round(width * page_height / page_width)
        scale = min(width / page_width, height / page_height)
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    image = ImageOps.pad(image, (width, height), method=Image.Resampling.LANCZOS, color="white")
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def pdf_text(pdf: bytes, *, max_pages: int = 50) -> str:
    """The text of a PDF (for search and tests); empty when it has none or is unreadable."""
    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError:
        return ""
    try:
        pages = (document[index].get_textpage().get_text_range() for index in range(min(len(document), max_pages)))
        return "\n".join(pages)
    finally:
        document.close()
