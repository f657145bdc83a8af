"""The one definition of partner activity that every figure uses.

A partner **account is active on a day** when it has at least one recorded
event that day (any kind in ``ActivityKind``: signing in counts), days being
UTC dates. It is active in a period when it was active on at least one day
of it; an **organization is active** in a period when one of its accounts
was. Figures read the daily rollup (``ActivityDay``), never the raw events,
so "active" is computed the same way everywhere and stays cheap at scale.
"""

import datetime

from django.db.models import Count, QuerySet

from .models import ActivityDay


def active_days(*, start: datetime.date, end: datetime.date) -> QuerySet[ActivityDay]:
    """Rollup rows of active accounts on the days ``start`` ≤ day ≤ ``end``."""
    return ActivityDay.objects.filter(day__gte=start, day__lte=end, user__isnull=False)


def active_account_count(*, start: datetime.date, end: datetime.date, organizations=None) -> int:
    """Distinct partner accounts active between ``start`` and ``end`` (inclusive)."""
    rows = active_days(start=start, end=end)
    if organizations is not None:
        rows = rows.filter(organization__in=organizations)
    return rows.aggregate(count=Count("user", distinct=True))["count"]


def active_organization_ids(*, start: datetime.date, end: datetime.date) -> QuerySet:
    """Ids of organizations with an active account between ``start`` and ``end``."""
    return active_days(start=start, end=end).values("organization").distinct()
