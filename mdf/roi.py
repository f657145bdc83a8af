"""Attribution and return on MDF: funds approved, claimed and paid, leads,
registrations, pipeline and won revenue, per activity type, partner, tier or
period (the admin report), or per activity (the partner's own figures).

A registration counts for an activity when the partner linked it, or when it
was converted from a lead the activity generated (a direct link wins over the
lead's). Pipeline is the estimated value of attributed registrations that were
not rejected; won revenue is the final amount of the won ones. Only
registrations in the activity's currency count (no conversion). Won revenue
per MDF dollar divides by funds paid.

Every figure is aggregated in PostgreSQL, in one statement: per request
(ledger, leads, attributed registrations, each read once through the small
link tables), then per group and currency, with the totals of each currency
(``GROUPING SETS``), sorted, and cut to the page asked for. The report at
5,000 partners reads 50,000 requests; only one page of groups leaves the
database.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext_lazy as _

from deals.models import DealRegistration, DealStatus

from .models import ActivityDeal, ActivityLead, FundRequest, LedgerEntry, LedgerKind

ZERO = Decimal("0.00")

#: dimension -> (FundRequest lookup of the group key, lookup of its label, column heading)
DIMENSIONS = {
    "activity_type": ("activity_type_id", "activity_type__name", _("Activity type")),
    "organization": ("organization_id", "organization__name", _("Partner")),
    "tier": ("organization__tier_id", "organization__tier__name", _("Tier")),
    "program": ("allocation__program_id", "allocation__program__name", _("Period")),
    "request": ("pk", "title", _("Activity")),
}


@dataclass
class RoiRow:
    key: object
    label: str
    currency: str
    approved: Decimal = ZERO
    claimed: Decimal = ZERO
    paid: Decimal = ZERO
    leads: int = 0
    registrations: int = 0
    pipeline: Decimal = ZERO
    won_revenue: Decimal = ZERO

    @property
    def won_per_dollar(self) -> Decimal | None:
        """Won revenue per MDF dollar paid (None before any payment)."""
        if not self.paid:
            return None
        return (self.won_revenue / self.paid).quantize(Decimal("0.01"))


@dataclass
class RoiReport:
    """One page of groups, the totals over every group (one row per
    currency) and how many groups there are in all."""

    rows: list[RoiRow]
    totals: list[RoiRow] = field(default_factory=list)
    count: int = 0


_FIGURES = ("approved", "claimed", "paid", "leads", "registrations", "pipeline", "won_revenue")


def _label_source(dimension: str):
    """The model and field a group's label is read from, once per group
    after grouping (not once per request): ``organization__name`` ->
    (PartnerOrganization, "name"), ``title`` -> (FundRequest, "title")."""
    *path, field_name = DIMENSIONS[dimension][1].split("__")
    model = FundRequest
    for name in path:
        model = model._meta.get_field(name).related_model
    return model, field_name


def _sql(requests_sql: str, labels_sql: str) -> str:
    ledger, leads, links = LedgerEntry._meta.db_table, ActivityLead._meta.db_table, ActivityDeal._meta.db_table
    deals = DealRegistration._meta.db_table
    # Each figure is summed straight into its group (key, currency): an
    # intermediate per-request aggregate of 50,000 rows spilled to disk.
    return f"""
    WITH req AS MATERIALIZED ({requests_sql}),
    money AS (
        SELECT req.group_key, req.group_currency,
               COALESCE(SUM(line.amount) FILTER (WHERE line.kind = %(committed)s), 0)
               - COALESCE(SUM(line.amount) FILTER (WHERE line.kind = %(released)s), 0) AS approved,
               COALESCE(SUM(line.amount) FILTER (WHERE line.kind = %(claimed)s), 0) AS claimed,
               COALESCE(SUM(line.amount) FILTER (WHERE line.kind = %(paid)s), 0) AS paid
        FROM req LEFT JOIN {ledger} line
             ON line.request_id = req.request_id AND line.kind IN (%(committed)s, %(released)s, %(claimed)s, %(paid)s)
        GROUP BY req.group_key, req.group_currency
    ),
    lead_counts AS (
        SELECT req.group_key, req.group_currency, COUNT(*) AS leads
        FROM req JOIN {leads} activity_lead ON activity_lead.request_id = req.request_id
        GROUP BY req.group_key, req.group_currency
    ),
    attributed AS (
        SELECT link.request_id, link.deal_id FROM req JOIN {links} link ON link.request_id = req.request_id
        UNION ALL
        SELECT activity_lead.request_id, deal.id
        FROM req
        JOIN {leads} activity_lead ON activity_lead.request_id = req.request_id
        JOIN {deals} deal ON deal.source_lead_id = activity_lead.lead_id
        WHERE NOT EXISTS (SELECT 1 FROM {links} direct WHERE direct.deal_id = deal.id)
    ),
    deal_figures AS (
        SELECT req.group_key, req.group_currency, COUNT(*) AS registrations, SUM(deal.estimated_value) AS pipeline,
               SUM(deal.final_amount) FILTER (WHERE deal.status = %(won)s) AS won_revenue
        FROM attributed
        JOIN {deals} deal ON deal.id = attributed.deal_id
        JOIN req ON req.request_id = attributed.request_id
        WHERE deal.status <> %(rejected)s AND deal.currency = req.group_currency
        GROUP BY req.group_key, req.group_currency
    ),
    grouped AS MATERIALIZED (
        SELECT money.group_key, money.group_currency, money.approved, money.claimed, money.paid,
               COALESCE(lead_counts.leads, 0) AS leads,
               COALESCE(deal_figures.registrations, 0) AS registrations,
               COALESCE(deal_figures.pipeline, 0) AS pipeline,
               COALESCE(deal_figures.won_revenue, 0) AS won_revenue
        FROM money
        LEFT JOIN lead_counts
             ON lead_counts.group_key IS NOT DISTINCT FROM money.group_key
             AND lead_counts.group_currency = money.group_currency
        LEFT JOIN deal_figures
             ON deal_figures.group_key IS NOT DISTINCT FROM money.group_key
             AND deal_figures.group_currency = money.group_currency
    ),
    ranked AS (
        SELECT grouped.*, labels.label AS group_label,
               ROW_NUMBER() OVER (ORDER BY won_revenue DESC, labels.label, group_key, group_currency) AS position,
               COUNT(*) OVER () AS groups
        FROM grouped LEFT JOIN ({labels_sql}) labels ON labels.label_key = grouped.group_key
    )
    SELECT FALSE, group_key, group_label, group_currency, {", ".join(_FIGURES)}, groups, position
    FROM ranked WHERE position > %(offset)s AND position <= %(end)s
    UNION ALL
    SELECT TRUE, NULL, NULL, group_currency, {", ".join(f"SUM({name})" for name in _FIGURES)}, COUNT(*) OVER (), 0
    FROM grouped GROUP BY group_currency
    ORDER BY 1, 13, 4
    """  # noqa: S608 - table names from _meta; values are parameters


def _named(sql: str, params, prefix: str) -> tuple[str, dict]:
    """A compiled query's positional placeholders as named ones, so that it
    can be embedded in a statement with named parameters."""
    named = {f"{prefix}_{index}": value for index, value in enumerate(params)}
    sql = sql.replace("%%", "\0") % tuple(f"%({name})s" for name in named)
    return sql.replace("\0", "%%"), named


def roi_report(requests, *, dimension: str, offset: int = 0, limit: int | None = None) -> RoiReport:
    """``requests`` (a FundRequest queryset, already scoped) grouped by
    ``dimension``, largest won revenue first: the ``limit`` groups after
    ``offset`` (every group without a limit), the totals of each currency
    over every group, and the number of groups."""
    key_lookup = DIMENSIONS[dimension][0]
    listed = requests.order_by().values(request_id=F("pk"), group_key=F(key_lookup), group_currency=F("currency"))
    try:
        requests_sql, requests_params = _named(*listed.query.sql_with_params(), "request")
    except EmptyResultSet:  # e.g. ``pk__in=[]``: no request, no group
        return RoiReport(rows=[])
    label_model, label_field = _label_source(dimension)
    labels = label_model._base_manager.order_by().values(label_key=F("pk"), label=F(label_field))
    labels_sql, labels_params = _named(*labels.query.sql_with_params(), "label")
    params = {
        **requests_params,
        **labels_params,
        "committed": LedgerKind.COMMITTED,
        "released": LedgerKind.RELEASED,
        "claimed": LedgerKind.CLAIMED,
        "paid": LedgerKind.PAID,
        "won": DealStatus.WON,
        "rejected": DealStatus.REJECTED,
        "offset": offset,
        "end": offset + limit if limit is not None else 2**62,
    }
    with connection.cursor() as cursor:
        cursor.execute(_sql(requests_sql, labels_sql), params)
        fetched = cursor.fetchall()
    report = RoiReport(rows=[])
    for is_total, key, label, currency, *figures, groups, _position in fetched:
        values = dict(zip(_FIGURES, figures, strict=True))
        values["leads"], values["registrations"] = int(values["leads"]), int(values["registrations"])
        row = RoiRow(key=key, label=label or "—", currency=currency, **values)
        if is_total:
            report.totals.append(row)
        else:
            report.rows.append(row)
        report.count = report.count if is_total else groups
    if not report.rows and report.totals:
        report.count = _count_groups(requests, key_lookup)
    return report


def _count_groups(requests, key_lookup: str) -> int:
    """How many groups there are, for a page past the last one (no row carries the count)."""
    return requests.order_by().values(key_lookup, "currency").distinct().count()


def roi_rows(requests, *, dimension: str) -> list[RoiRow]:
    """Every group of ``requests`` by ``dimension`` with its figures, largest won revenue first."""
    return roi_report(requests, dimension=dimension).rows


def roi_for_requests(requests) -> dict[int, RoiRow]:
    """Per-activity figures keyed by request id (the partner's own list)."""
    return {row.key: row for row in roi_rows(requests, dimension="request")}


def report_requests():
    """Every request that ever committed funds (the report's population)."""
    committed = LedgerEntry.objects.filter(request=OuterRef("pk"), kind=LedgerKind.COMMITTED)
    return FundRequest.objects.filter(Exists(committed))
