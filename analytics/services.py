"""Recording partner activity and keeping its daily rollup current."""

import datetime

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import ActivityDay, ActivityEvent, ActivityKind

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
