"""Every table of the staff reports as CSV or XLSX, through the project's one
spreadsheet export (``programs.exports``).

Money columns name their currency in the heading when the table has one
currency, else a currency column says it row by row.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mdf.roi import AMOUNTS
from programs.exports import Table

from .program import ProgramFilters, pipeline_and_revenue, portal_health, registration_funnel
from .selectors import downloads_by_asset, downloads_by_tier, mdf_by_activity_type, zero_result_queries

#: the program report's breakdowns: dimension -> (title, column heading)
BREAKDOWN_TABLES = {
    "tier": (gettext_lazy("Pipeline and revenue by tier"), gettext_lazy("Tier")),
    "type": (gettext_lazy("Pipeline and revenue by partner type"), gettext_lazy("Partner type")),
    "region": (gettext_lazy("Pipeline and revenue by region"), gettext_lazy("Region")),
}


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
        title=_("Portal health"),
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
        title=_("Registration conversion"),
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
            # The section's title ("Pipeline and revenue by partner type") runs
            # past a worksheet's 31 characters and would lose what tells them apart.
            title=heading,
            money={"pipeline": "currency", "won": "currency"},
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
        title=_("MDF and pipeline by activity type"),
        money=dict.fromkeys(AMOUNTS, "currency"),
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
    return Table("downloads-by-asset", columns, downloads_by_asset(filters, user=user), title=_("Downloads per asset"))


def _tiers(filters, user):
    columns = {"name": _("Tier"), "downloads": _("Downloads"), "partners": _("Partners")}
    return Table("downloads-by-tier", columns, downloads_by_tier(filters, user=user), title=_("Downloads per tier"))


def _searches(filters, user):
    columns = {"query": _("Query"), "searches": _("Searches"), "partners": _("Partners"), "last_at": _("Last searched")}
    rows = zero_result_queries(filters, user=user)
    return Table("zero-result-searches", columns, rows, title=_("Searches that found nothing"))


#: the content usage report's tables: name (the ``export`` URL parameter) -> function of the filters and the reader
CONTENT_TABLES = {"assets": _assets, "tiers": _tiers, "searches": _searches}


def content_table(name: str, filters: ProgramFilters, *, user) -> Table | None:
    """A table of the content usage report, scoped to what ``user`` may see."""
    build = CONTENT_TABLES.get(name)
    return build(filters, user) if build is not None else None
