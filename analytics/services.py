"""Recording partner activity and keeping the daily rollups (activity, deals) current."""

import datetime

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from deals.models import DealRegistration, DealStatus

from .models import ActivityDay, ActivityEvent, ActivityKind, DealDay

#: rollup column -> the event kind it counts
ROLLUP_COLUMNS = {
    "logins": ActivityKind.LOGIN,
    "searches": ActivityKind.SEARCH,
    "downloads": ActivityKind.DOWNLOAD,
    "registrations": ActivityKind.REGISTRATION,
    "course_steps": ActivityKind.COURSE,
    "mdf_actions": ActivityKind.MDF,
}


def activity_record(
    *, organization_id: int, kind: str, user_id: int | None = None, object_id: int | None = None, at=None
) -> ActivityEvent:
    """Append one event (the table is never updated): who, which
    organization, what kind, which record, when. Nothing else is kept."""
    return ActivityEvent.objects.create(
        organization_id=organization_id, user_id=user_id, kind=kind, object_id=object_id, at=at or timezone.now()
    )


def activity_rollup_refresh(*, start: datetime.date, end: datetime.date) -> int:
    """Rebuild the daily rollup for the UTC days ``start`` ≤ day ≤ ``end`` from
    the events, in one transaction and in the database (INSERT … SELECT), so a
    refresh can be repeated at any time with the same result. Returns the
    number of rollup rows written."""
    window_start = datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC)
    window_end = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
    aggregated = (
        ActivityEvent.objects.filter(at__gte=window_start, at__lt=window_end)
        .annotate(event_day=TruncDate("at", tzinfo=datetime.UTC))
        .values("event_day", "organization_id", "user_id")
        .annotate(
            total=Count("pk"),
            **{f"n_{column}": Count("pk", filter=Q(kind=kind)) for column, kind in ROLLUP_COLUMNS.items()},
        )
        .order_by()
    )
    select_sql, params = aggregated.query.sql_with_params()
    columns = ["day", "organization_id", "user_id", "events", *ROLLUP_COLUMNS]
    table = connection.ops.quote_name(ActivityDay._meta.db_table)
    with transaction.atomic():
        ActivityDay.objects.filter(day__gte=start, day__lte=end).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) {select_sql}",  # noqa: S608 - names from _meta, values bound
                params,
            )
            return cursor.rowcount


#: one lock for every refresh of the deal rollup: two refreshes of the same
#: day would both delete its rows and then insert them twice
DEAL_ROLLUP_LOCK = 7_316_001

#: the facts of ``DealDay`` from the deal table, each on its day: the
#: submission's (UTC date) and the close date of a won deal. ``{submitted}``
#: and ``{closed}`` narrow each side (bound parameters only); the other
#: names are the database's own spelling (``DEAL_ROLLUP_DIALECTS``).
DEAL_FACTS_SQL = """
    SELECT {utc_day} AS day, organization_id, currency, TRUE AS submitted, status, estimated_value,
           approved_at, submitted_at, {seconds} AS seconds, CAST(NULL AS NUMERIC) AS final_amount
    FROM {deals} WHERE {submitted}
    UNION ALL
    SELECT closed_on, organization_id, currency, FALSE, status, NULL, NULL, NULL, NULL, final_amount
    FROM {deals} WHERE status = %s AND closed_on IS NOT NULL AND {closed}
"""

DEAL_ROLLUP_SQL = """
    INSERT INTO {rollup} (day, organization_id, currency, registrations, pipeline, approved, approval_seconds,
                          approval_seconds_total, won_registrations, first_submitted_at, wins, won_amount)
    SELECT day, organization_id, currency,
           COUNT(*) FILTER (WHERE submitted),
           COALESCE(SUM(estimated_value) FILTER (WHERE submitted AND status <> %s), 0),
           COUNT(*) FILTER (WHERE submitted AND approved_at IS NOT NULL),
           COALESCE({seconds_list} FILTER (WHERE submitted AND approved_at IS NOT NULL), {empty_list}),
           COALESCE(SUM(seconds) FILTER (WHERE submitted AND approved_at IS NOT NULL), 0),
           COUNT(*) FILTER (WHERE submitted AND status = %s),
           MIN(submitted_at) FILTER (WHERE submitted),
           COUNT(*) FILTER (WHERE NOT submitted),
           COALESCE(SUM(final_amount) FILTER (WHERE NOT submitted), 0)
    FROM ({facts}) AS facts
    GROUP BY day, organization_id, currency
"""

#: what the rollup's SQL spells differently on SQLite (the embedded default of
#: ``make run``), which stores times as UTC text and lists as JSON
DEAL_ROLLUP_DIALECTS = {
    "postgresql": {
        "utc_day": "(submitted_at AT TIME ZONE 'UTC')::date",
        "seconds": "EXTRACT(EPOCH FROM approved_at - submitted_at)::float8",
        "seconds_list": "ARRAY_AGG(seconds ORDER BY seconds)",
        "empty_list": "'{}'",
    },
    "sqlite": {
        "utc_day": "date(submitted_at)",
        "seconds": "(julianday(approved_at) - julianday(submitted_at)) * 86400.0",
        "seconds_list": "json_group_array(seconds)",
        "empty_list": "'[]'",
    },
}


def _deal_rollup_write(*, submitted: str, closed: str, params: list, stale) -> int:
    dialect = DEAL_ROLLUP_DIALECTS[connection.vendor]
    deals = connection.ops.quote_name(DealRegistration._meta.db_table)
    facts = DEAL_FACTS_SQL.format(deals=deals, submitted=submitted.format(**dialect), closed=closed, **dialect)
    sql = DEAL_ROLLUP_SQL.format(rollup=connection.ops.quote_name(DealDay._meta.db_table), facts=facts, **dialect)
    submitted_params, closed_params = params
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # SQLite lets one writer in at a time already.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DEAL_ROLLUP_LOCK])
        stale(DealDay.objects).delete()
        cursor.execute(
            sql,
            [DealStatus.REJECTED, DealStatus.WON, *submitted_params, DealStatus.WON, *closed_params],
        )
        return cursor.rowcount


def deal_rollup_refresh(*, start: datetime.date | None = None, end: datetime.date | None = None) -> int:
    """Rebuild the deal rollup (``DealDay``) for the UTC days ``start`` ≤ day
    ≤ ``end`` (every day when both are None) from the deal table, in one
    transaction and in the database: a refresh can be repeated at any time
    with the same result. Returns the number of rollup rows written."""
    if start is None and end is None:
        return _deal_rollup_write(submitted="TRUE", closed="TRUE", params=([], []), stale=lambda rows: rows.all())
    window_start = datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC)
    window_end = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
    moment, day = connection.ops.adapt_datetimefield_value, connection.ops.adapt_datefield_value
    return _deal_rollup_write(
        submitted="submitted_at >= %s AND submitted_at < %s",
        closed="closed_on >= %s AND closed_on <= %s",
        params=([moment(window_start), moment(window_end)], [day(start), day(end)]),
        stale=lambda rows: rows.filter(day__gte=start, day__lte=end),
    )


def deal_rollup_refresh_days(*, organization_id: int, days: list[datetime.date]) -> int:
    """Recompute the rollup rows of one organization on the UTC ``days``
    given (a deal registered, approved, won or corrected touches the days
    of its submission and of its close date, before and after the change)."""
    days = sorted(set(days))
    if not days:
        return 0
    placeholders = ", ".join(["%s"] * len(days))
    days_params = [connection.ops.adapt_datefield_value(day) for day in days]
    return _deal_rollup_write(
        submitted=f"organization_id = %s AND {{utc_day}} IN ({placeholders})",
        closed=f"organization_id = %s AND closed_on IN ({placeholders})",
        params=([organization_id, *days_params], [organization_id, *days_params]),
        stale=lambda rows: rows.filter(organization_id=organization_id, day__in=days),
    )
