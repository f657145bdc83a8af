"""The registrations attributed to each activity, added up
(``mdf.models.ActivityAttribution``): recomputed in the transaction that
changes a registration, a link or a lead (``mdf.signals``), so the ROI
figures (``mdf.roi``) are current the moment the change commits; rebuilt
whole nightly and after loading registrations or links with SQL."""

from collections.abc import Iterable

from django.db import connection, transaction

from deals.models import DealRegistration, DealStatus

from ..models import ActivityAttribution, ActivityDeal, ActivityLead, FundRequest

#: refreshes of some activities share this lock; a rebuild of all takes it alone
ATTRIBUTION_LOCK = 7_316_002

#: an activity's attributed registrations (``mdf.roi``'s rules) added up, for
#: the activities ``{links}`` and ``{leads}`` narrow (bound parameters only)
ATTRIBUTION_SQL = """
    WITH attributed AS (
        SELECT link.request_id, link.deal_id FROM {link_table} link WHERE {links}
        UNION ALL
        SELECT activity_lead.request_id, deal.id
        FROM {lead_table} activity_lead
        JOIN {deal_table} deal ON deal.source_lead_id = activity_lead.lead_id
        WHERE {leads} AND NOT EXISTS (SELECT 1 FROM {link_table} direct WHERE direct.deal_id = deal.id)
    )
    INSERT INTO {rollup} (request_id, registrations, pipeline, won_revenue)
    SELECT attributed.request_id, COUNT(*), SUM(deal.estimated_value),
           SUM(deal.final_amount) FILTER (WHERE deal.status = %(won)s)
    FROM attributed
    JOIN {request_table} request ON request.id = attributed.request_id
    JOIN {deal_table} deal ON deal.id = attributed.deal_id
    WHERE deal.status <> %(rejected)s AND deal.currency = request.currency
    GROUP BY attributed.request_id
"""


def _write(cursor, *, links: str, leads: str, params: dict) -> int:
    quote = connection.ops.quote_name
    sql = ATTRIBUTION_SQL.format(
        link_table=quote(ActivityDeal._meta.db_table),
        lead_table=quote(ActivityLead._meta.db_table),
        deal_table=quote(DealRegistration._meta.db_table),
        request_table=quote(FundRequest._meta.db_table),
        rollup=quote(ActivityAttribution._meta.db_table),
        links=links,
        leads=leads,
    )
    cursor.execute(sql, {"won": DealStatus.WON, "rejected": DealStatus.REJECTED, **params})
    return cursor.rowcount


def attribution_refresh(request_ids: Iterable[int | None]) -> None:
    """Recompute the attributed registrations of the activities ``request_ids``
    (inside the caller's transaction: the figures change with the records).
    Each activity's refresh is locked until commit, so two transactions
    refreshing it take turns and the second reads what the first wrote."""
    ids = sorted({pk for pk in request_ids if pk is not None})
    if not ids:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # (SQLite, the embedded default, lets one writer in at a time already.)
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [ATTRIBUTION_LOCK])
            # One lock per activity, in id order (two refreshes never wait on each other crosswise).
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, (id %% 2147483647)::int) FROM UNNEST(%s::bigint[]) AS id",
                [ATTRIBUTION_LOCK, ids],
            )
        ActivityAttribution.objects.filter(request_id__in=ids).delete()
        params = {f"id{index}": pk for index, pk in enumerate(ids)}
        placeholders = ", ".join(f"%({name})s" for name in params)
        _write(
            cursor,
            links=f"link.request_id IN ({placeholders})",
            leads=f"activity_lead.request_id IN ({placeholders})",
            params=params,
        )


def attribution_rebuild() -> int:
    """Every activity's attributed registrations again from the registrations
    (nightly, and after links or registrations were loaded with SQL); returns
    the number of activities with some."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ATTRIBUTION_LOCK])
        ActivityAttribution.objects.all().delete()
        return _write(cursor, links="TRUE", leads="TRUE", params={})


def attributed_request_ids(*, deal_id: int | None = None, lead_id: int | None = None) -> set[int]:
    """The activities a registration counts for or may count for: the one it
    is linked to, and the one whose lead it was converted from."""
    links = ActivityDeal.objects.filter(deal_id=deal_id).values("request_id")
    leads = ActivityLead.objects.filter(lead_id=lead_id).values("request_id")
    if deal_id is None:
        return set(leads.values_list("request_id", flat=True)) if lead_id is not None else set()
    if lead_id is None:
        return set(links.values_list("request_id", flat=True))
    return set(links.union(leads).values_list("request_id", flat=True))
