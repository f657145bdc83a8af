"""Every table of the staff reports as CSV or XLSX, through Wagtail's own
spreadsheet export (``SpreadsheetExportMixin``, which the admin's listings and
reports such as training's course progress use): one mechanism, the same
cells in both formats, numbers kept as numbers in the workbook.

A table is a file name, its columns (attribute or key -> heading) and rows
(objects or dicts); money columns name their currency in the heading when the
table has one currency, else a currency column says it row by row.
"""

from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from .program import ProgramFilters, pipeline_and_revenue, portal_health, registration_funnel
from .selectors import downloads_by_asset, downloads_by_tier, mdf_by_activity_type, zero_result_queries

FORMATS = SpreadsheetExportMixin.FORMATS
#: the program report's breakdowns: dimension -> (title, column heading)
BREAKDOWN_TABLES = {
    "tier": (gettext_lazy("Pipeline and revenue by tier"), gettext_lazy("Tier")),
    "type": (gettext_lazy("Pipeline and revenue by partner type"), gettext_lazy("Partner type")),
    "region": (gettext_lazy("Pipeline and revenue by region"), gettext_lazy("Region")),
}


@dataclass
class Table:
    filename: str
    columns: dict
    rows: list


def _defused(text: str) -> str:
    """Text a spreadsheet would run as a formula (a partner's search typed as
    ``=HYPERLINK(…)``) is written as text; the workbook does this by itself."""
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


def _weeks(filters):
    return Table(
        "portal-health",
        {
            "start": _("Week starting"),
            "active_accounts": _("Active accounts"),
            "accounts": _("Partner accounts"),
            "active_percent": _("Active accounts (%)"),
            "registrations": _("Registrations"),
            "active_partners": _("Active partners"),
            "registrations_per_active_partner": _("Registrations per active partner"),
        },
        portal_health(filters),
    )


def _conversion(filters):
    return Table(
        "registration-conversion",
        {
            "submitted": _("Registrations submitted"),
            "approved": _("Approved"),
            "approved_percent": _("Approved (%)"),
            "won": _("Won"),
            "won_percent": _("Won (%)"),
            "median_approval_days": _("Median days to approval"),
        },
        [registration_funnel(filters)],
    )


def _breakdown(dimension: str, heading: str):
    def table(filters):
        rows = pipeline_and_revenue(filters, by=dimension)
        currency = rows[0]["currency"] if rows else ""
        return Table(
            f"pipeline-by-{dimension}",
            {
                "name": heading,
                "partners": _("Partners"),
                "pipeline": f"{_('Pipeline registered')} ({currency})",
                "won": f"{_('Won revenue')} ({currency})",
            },
            rows,
        )

    return table


def _mdf(filters):
    return Table(
        "mdf-by-activity-type",
        {
            "label": _("Activity type"),
            "currency": _("Currency"),
            "approved": _("MDF committed"),
            "claimed": _("MDF claimed"),
            "paid": _("MDF paid"),
            "registrations": _("Registrations"),
            "pipeline": _("Pipeline"),
            "won_revenue": _("Won revenue"),
            "won_per_dollar": _("Won revenue per MDF dollar"),
        },
        mdf_by_activity_type(filters),
    )


def program_tables() -> dict:
    """Table name (the ``export`` URL parameter) -> function of the filters building it."""
    return {
        "weeks": _weeks,
        "conversion": _conversion,
        **{dimension: _breakdown(dimension, heading) for dimension, (_title, heading) in BREAKDOWN_TABLES.items()},
        "mdf": _mdf,
    }


def _assets(filters, user):
    columns = {
        "title": _("Asset"),
        "asset_type": _("Type"),
        "downloads": _("Downloads"),
        "partners": _("Partners"),
        "people": _("People"),
    }
    return Table("downloads-by-asset", columns, downloads_by_asset(filters, user=user))


def _tiers(filters, user):
    columns = {"name": _("Tier"), "downloads": _("Downloads"), "partners": _("Partners")}
    return Table("downloads-by-tier", columns, downloads_by_tier(filters, user=user))


def _searches(filters, user):
    columns = {"query": _("Query"), "searches": _("Searches"), "partners": _("Partners"), "last_at": _("Last searched")}
    return Table("zero-result-searches", columns, zero_result_queries(filters, user=user))


#: the content usage report's tables: name (the ``export`` URL parameter) -> function of the filters and the reader
CONTENT_TABLES = {"assets": _assets, "tiers": _tiers, "searches": _searches}


def content_table(name: str, filters: ProgramFilters, *, user) -> Table | None:
    """A table of the content usage report, scoped to what ``user`` may see."""
    build = CONTENT_TABLES.get(name)
    return build(filters, user) if build is not None else None
