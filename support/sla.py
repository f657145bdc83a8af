"""Business-hours arithmetic for SLA clocks.

A clock only runs during working hours on working days that are not
holidays, in the support team's time zone (Settings → Support settings).
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .models import SupportHoliday, SupportSettings

#: Two years of calendar days: a target longer than that is a configuration error.
_MAX_DAYS = 731


@dataclass(frozen=True)
class BusinessCalendar:
    time_zone: zoneinfo.ZoneInfo
    day_start: time
    day_end: time
    working_days: frozenset[int]  # ISO weekdays, 1 = Monday
    holidays: frozenset[date]

    @classmethod
    def load(cls) -> "BusinessCalendar":
        settings = SupportSettings.load()
        return cls(
            time_zone=zoneinfo.ZoneInfo(settings.business_time_zone),
            day_start=_as_time(settings.business_day_start),
            day_end=_as_time(settings.business_day_end),
            working_days=frozenset(int(day) for day in settings.working_days),
            holidays=frozenset(SupportHoliday.objects.values_list("date", flat=True)),
        )

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working hours of ``day`` as aware datetimes, or None on a day off."""
        if day.isoweekday() not in self.working_days or day in self.holidays:
            return None
        return (
            datetime.combine(day, self.day_start, tzinfo=self.time_zone),
            datetime.combine(day, self.day_end, tzinfo=self.time_zone),
        )

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of business time after ``start``."""
        remaining = duration
        day = start.astimezone(self.time_zone).date()
        for _ in range(_MAX_DAYS):
            window = self._window(day)
            if window is not None:
                opens, closes = window
                begin = max(opens, start)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("SLA target exceeds two years of business time")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time elapsed from ``start`` to ``end`` (zero if end is earlier)."""
        total = timedelta()
        if end <= start:
            return total
        day = start.astimezone(self.time_zone).date()
        last = end.astimezone(self.time_zone).date()
        while day <= last:
            window = self._window(day)
            if window is not None:
                begin, finish = max(window[0], start), min(window[1], end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total


def _as_time(value) -> time:
    # A freshly created settings row may still hold the "09:00" string default.
    return value if isinstance(value, time) else time.fromisoformat(value)
