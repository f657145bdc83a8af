"""Attribution and return on MDF: funds approved, claimed and paid, leads,
registrations, pipeline and won revenue, per activity type, partner, tier or
period (the admin report), or per activity (the partner's own figures).

A registration counts for an activity when the partner linked it, or when it
was converted from a lead the activity generated (a direct link wins over the
lead's). Pipeline is the estimated value of attributed registrations that were
not rejected; won revenue is the final amount of the won ones. Only
registrations in the activity's currency count (no conversion). Won revenue
per MDF dollar divides by funds paid.

Every figure is aggregated in PostgreSQL, in one statement: each
contribution (ledger line, lead, and an activity's attributed registrations
added up in ``ActivityAttribution``, which ``mdf.services.attribution`` keeps
by these rules) summed into its group and currency, the groups sorted and
cut to the page asked for, with the totals of each currency over every group.
The report at 5,000 partners reads 50,000 requests; only one page of groups
leaves the database.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext_lazy as _

from .models import ActivityAttribution, ActivityLead, FundRequest, LedgerEntry, LedgerKind

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


#: the figures of a row that are amounts in its currency (the others are counts)
AMOUNTS = ("approved", "claimed", "paid", "pipeline", "won_revenue")

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


def _sql(requests_sql: str, labels_sql: str, *, committed_only: bool) -> str:
    ledger, leads = LedgerEntry._meta.db_table, ActivityLead._meta.db_table
    attribution = ActivityAttribution._meta.db_table
    # Every contribution (a ledger line, a lead, an activity's attributed
    # registrations added up in ``ActivityAttribution``) is one row of
    # ``facts``, read through a join with the requests (the planner sizes it
    # from the request query: hash joins for the report, index lookups for a
    # partner's page) and summed straight into its group. Aggregates per
    # request, or per group joined to each other, were planned badly (a
    # per-request aggregate of 50,000 rows spilled to disk; group joins became
    # merge joins re-reading millions of rows; ``IN (SELECT …)`` of the
    # requests was estimated at 200 rows and looked up 50,000 times); reading
    # the 40,000 attributed registrations themselves took half the report.
    every_request = "" if committed_only else "UNION ALL SELECT group_key, group_currency, NULL, 0, 0, 0, 0, 0 FROM req"
    return f"""
    WITH req AS NOT MATERIALIZED ({requests_sql}),
    facts (group_key, group_currency, kind, amount, leads, registrations, pipeline, won_revenue) AS (
        SELECT req.group_key, req.group_currency, line.kind, line.amount, 0, 0, 0, 0
        FROM req JOIN {ledger} line ON line.request_id = req.request_id
        WHERE line.kind IN (%(committed)s, %(released)s, %(claimed)s, %(paid)s)
        UNION ALL
        SELECT req.group_key, req.group_currency, NULL, 0, 1, 0, 0, 0
        FROM req JOIN {leads} activity_lead ON activity_lead.request_id = req.request_id
        UNION ALL
        SELECT req.group_key, req.group_currency, NULL, 0, 0, attributed.registrations, attributed.pipeline,
               attributed.won_revenue
        FROM req JOIN {attribution} attributed ON attributed.request_id = req.request_id
        {every_request}
    ),
    grouped AS MATERIALIZED (
        SELECT group_key, group_currency,
               COALESCE(SUM(amount) FILTER (WHERE kind = %(committed)s), 0)
               - COALESCE(SUM(amount) FILTER (WHERE kind = %(released)s), 0) AS approved,
               COALESCE(SUM(amount) FILTER (WHERE kind = %(claimed)s), 0) AS claimed,
               COALESCE(SUM(amount) FILTER (WHERE kind = %(paid)s), 0) AS paid,
               SUM(leads) AS leads, SUM(registrations) AS registrations,
               SUM(pipeline) AS pipeline, SUM(won_revenue) AS won_revenue
        FROM facts
        GROUP BY group_key, group_currency
        {"HAVING MAX(CASE WHEN kind = %(committed)s THEN 1 ELSE 0 END) = 1" if committed_only else ""}
    ),
    page AS (
        SELECT FALSE AS is_total, group_key, labels.label AS group_label, group_currency, {", ".join(_FIGURES)}
        FROM grouped LEFT JOIN ({labels_sql}) labels ON labels.label_key = grouped.group_key
        ORDER BY won_revenue DESC, labels.label, group_key, group_currency
        LIMIT %(limit)s OFFSET %(offset)s
    ),
    totals AS (
        SELECT TRUE AS is_total, CAST(NULL AS bigint) AS group_key, CAST(NULL AS text) AS group_label, group_currency,
               {", ".join(f"SUM({name})" for name in _FIGURES)}
        FROM grouped GROUP BY group_currency
    )
    SELECT *, (SELECT COUNT(*) FROM grouped) FROM page
    UNION ALL
    SELECT *, (SELECT COUNT(*) FROM grouped) FROM totals
    ORDER BY is_total, won_revenue DESC, group_label, group_key, group_currency
    """  # noqa: S608 - table names from _meta; values are parameters


def _named(sql: str, params, prefix: str) -> tuple[str, dict]:
    """A compiled query's positional placeholders as named ones, so that it
    can be embedded in a statement with named parameters."""
    named = {f"{prefix}_{index}": value for index, value in enumerate(params)}
    sql = sql.replace("%%", "\0") % tuple(f"%({name})s" for name in named)
    return sql.replace("\0", "%%"), named


def roi_report(
    requests, *, dimension: str, offset: int = 0, limit: int | None = None, committed_only: bool = False
) -> RoiReport:
    """``requests`` (a FundRequest queryset, already scoped) grouped by
    ``dimension``, largest won revenue first: the ``limit`` groups after
    ``offset`` (every group without a limit), the totals of each currency
    over every group, and the number of groups. ``committed_only`` keeps the
    groups where some request committed funds (the report's population, see
    ``report_requests``): a request that never did has no figure to add."""
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
        "offset": offset,
        # No limit: NULL on PostgreSQL, -1 on SQLite (the embedded default).
        "limit": limit if limit is not None or connection.vendor == "postgresql" else -1,
    }
    statement = _sql(requests_sql, labels_sql, committed_only=committed_only)
    if committed_only and connection.vendor == "postgresql":
        # The report reads every request: JIT compilation took half its time
        # (0.5 s of 1 s), and its 80,000 facts sorted on disk in the default
        # 4 MB (hashed in memory: 120 -> 75 ms). A partner's few activities
        # stay below the JIT threshold.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)")
            cursor.execute(statement, params)
            fetched = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            fetched = cursor.fetchall()
    report = RoiReport(rows=[])
    for is_total, key, label, currency, *figures, groups in fetched:
        # SQLite (the embedded default) sums decimals as numbers; PostgreSQL returns Decimals.
        values = {
            name: value if isinstance(value, Decimal) else Decimal(str(value or 0))
            for name, value in zip(_FIGURES, figures, strict=True)
        }
        values["leads"], values["registrations"] = int(values["leads"]), int(values["registrations"])
        row = RoiRow(key=key, label=label or "—", currency=currency, **values)
        if is_total:
            report.totals.append(row)
        else:
            report.rows.append(row)
        report.count = groups
    return report


def roi_rows(requests, *, dimension: str, committed_only: bool = False) -> list[RoiRow]:
    """Every group of ``requests`` by ``dimension`` with its figures, largest won revenue first."""
    return roi_report(requests, dimension=dimension, committed_only=committed_only).rows


def roi_for_requests(requests) -> dict[int, RoiRow]:
    """Per-activity figures keyed by request id (the partner's own list)."""
    return {row.key: row for row in roi_rows(requests, dimension="request")}


def report_requests():
    """Every request that ever committed funds (the report's population;
    ``roi_report(..., committed_only=True)`` selects the same groups without
    this semi-join)."""
    committed = LedgerEntry.objects.filter(request=OuterRef("pk"), kind=LedgerKind.COMMITTED)
    return FundRequest.objects.filter(Exists(committed))
