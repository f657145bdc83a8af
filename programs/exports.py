"""Tables of the staff reports as CSV or XLSX downloads, through Wagtail's
own spreadsheet export (``SpreadsheetExportMixin``, which the admin's listings
and reports such as training's course progress use): one mechanism for every
app's report (analytics, MDF), the same cells in both formats, numbers kept as
numbers in the workbook and text a partner typed never run as a formula.

A table is a file name, its columns (attribute or key -> heading), rows
(objects or dicts), the title of its worksheet, and which columns are
amounts of money (column -> the attribute or key naming the row's currency).
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from wagtail.admin.views.mixins import ExcelDateFormatter, SpreadsheetExportMixin
from wagtail.coreutils import multigetattr

from .formats import round_money

FORMATS = SpreadsheetExportMixin.FORMATS

#: what Excel refuses in a worksheet's name (openpyxl raises on these), and its length limit
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\*?:/\[\]]")
SHEET_TITLE_LENGTH = 31


@dataclass
class Table:
    filename: str
    columns: dict
    rows: list
    #: the worksheet's name in the XLSX download (the file name when empty)
    title: str = ""
    #: amount columns -> the attribute or key of the row naming their currency
    money: dict = field(default_factory=dict)


def defused(text: str) -> str:
    """Text a spreadsheet would run as a formula (a partner's search or
    activity title typed as ``=HYPERLINK(…)``) is written as text; the
    workbook does this by itself."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def sheet_title(title: str) -> str:
    """``title`` as Excel accepts a worksheet's name (31 characters, no
    slash or colon): report titles, translated ones more often, run longer,
    so a long one is cut after a whole word where it has spaces and the cut
    is marked."""
    text = " ".join(SHEET_TITLE_FORBIDDEN.sub(" ", str(title)).split()).strip("'")
    if len(text) > SHEET_TITLE_LENGTH:
        kept = text[: SHEET_TITLE_LENGTH - 1]
        if " " in kept and text[len(kept)] != " ":
            kept = kept.rsplit(" ", 1)[0]
        text = kept.rstrip(" '") + "…"
    return text or "Sheet1"


def _number_format(amount: Decimal) -> str:
    """An Excel format showing the places ``amount`` was rounded to (2000.00
    EUR, 2000 JPY) where the general format would drop the cents."""
    places = -amount.as_tuple().exponent
    return "#,##0." + "0" * places if places > 0 else "#,##0"


class TableExport(SpreadsheetExportMixin):
    custom_value_preprocess = {
        **SpreadsheetExportMixin.custom_value_preprocess,
        str: {SpreadsheetExportMixin.FORMAT_CSV: defused},
    }

    def __init__(self, table: Table):
        self.export_filename = table.filename
        self.list_export = list(table.columns)
        self.export_headings = table.columns
        self.sheet_title = sheet_title(table.title or table.filename)
        self.money = table.money

    def to_row_dict(self, item):
        # Amounts are stored with three decimals whatever the currency; a
        # Decimal rounded to the currency's minor unit keeps its places, so the
        # CSV reads 2000.00 (EUR) or 2000 (JPY) and the workbook gets a number.
        row = super().to_row_dict(item)
        for column, currency in self.money.items():
            if row[column] is not None:
                row[column] = round_money(row[column], multigetattr(item, currency))
        return row

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        cells = super().generate_xlsx_row(worksheet, row_dict, date_format=date_format)
        for (column, value), cell in zip(row_dict.items(), cells, strict=True):
            if column in self.money and isinstance(value, Decimal):
                cell.number_format = _number_format(value)
            yield cell

    def write_xlsx(self, queryset, output):
        # Wagtail's own, but for the worksheet's name: it writes "Sheet1" with no hook to change it.
        workbook = Workbook(write_only=True, iso_dates=True)
        worksheet = workbook.create_sheet(title=self.sheet_title)
        worksheet.append(self.get_heading(queryset, column) for column in self.list_export)
        date_format = ExcelDateFormatter().get()
        for item in queryset:
            worksheet.append(self.generate_xlsx_row(worksheet, self.to_row_dict(item), date_format=date_format))
        workbook.save(output)

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
