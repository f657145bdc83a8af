"""Tables of the staff reports as CSV or XLSX downloads, through Wagtail's
own spreadsheet export (``SpreadsheetExportMixin``, which the admin's listings
and reports such as training's course progress use): one mechanism for every
app's report (analytics, MDF), the same cells in both formats, numbers kept as
numbers in the workbook and text a partner typed never run as a formula.

A table is a file name, its columns (attribute or key -> heading) and rows
(objects or dicts).
"""

from dataclasses import dataclass

from django.http import HttpResponse
from wagtail.admin.views.mixins import SpreadsheetExportMixin

FORMATS = SpreadsheetExportMixin.FORMATS


@dataclass
class Table:
    filename: str
    columns: dict
    rows: list


def _defused(text: str) -> str:
    """Text a spreadsheet would run as a formula (a partner's search or
    activity title typed as ``=HYPERLINK(…)``) is written as text; the
    workbook does this by itself."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class TableExport(SpreadsheetExportMixin):
    custom_value_preprocess = {
        **SpreadsheetExportMixin.custom_value_preprocess,
        str: {SpreadsheetExportMixin.FORMAT_CSV: _defused},
    }

    def __init__(self, table: Table):
        self.export_filename = table.filename
        self.list_export = list(table.columns)
        self.export_headings = table.columns

    def write_csv_response(self, rows):
        # Small tables: one response (Wagtail streams, for whole listings), in UTF-8 like the other reports.
        response = HttpResponse(b"".join(self.stream_csv(rows)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.export_filename}.csv"'
        return response


def table_response(table: Table, file_format: str) -> HttpResponse:
    """``table`` as a download in ``file_format`` (csv or xlsx)."""
    return TableExport(table).as_spreadsheet(table.rows, file_format)


def export_format(query) -> str:
    """The file format a download link asks for (``format``), CSV unless XLSX."""
    return query.get("format") if query.get("format") in FORMATS else SpreadsheetExportMixin.FORMAT_CSV
