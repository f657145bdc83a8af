"""Calendar periods of payouts and rebates (months and quarters, by date)."""

import calendar
import datetime

from .models import PayoutFrequency


def period_bounds(day: datetime.date, frequency: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of the month or quarter holding ``day``."""
    first_month = day.month if frequency == PayoutFrequency.MONTHLY else 3 * ((day.month - 1) // 3) + 1
    last_month = first_month if frequency == PayoutFrequency.MONTHLY else first_month + 2
    start = datetime.date(day.year, first_month, 1)
    end = datetime.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
    return start, end


def is_period_end(day: datetime.date, frequency: str) -> bool:
    return period_bounds(day, frequency)[1] == day
