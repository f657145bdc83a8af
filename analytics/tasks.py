import datetime

from celery import shared_task
from django.utils import timezone

from .digest import program_digest_send
from .services import activity_rollup_refresh, deal_rollup_refresh, deal_rollup_refresh_days


@shared_task(ignore_result=True, acks_late=True)
def refresh_activity_rollup(days: int = 2):
    """Rebuild the last ``days`` UTC days of the activity rollup (today
    included, so figures are at most one beat interval old). Idempotent."""
    today = timezone.now().astimezone(datetime.UTC).date()
    activity_rollup_refresh(start=today - datetime.timedelta(days=days - 1), end=today)


@shared_task(ignore_result=True, acks_late=True)
def send_program_digest():
    """Monday mornings: last week's program digest to the channel leaders."""
    program_digest_send()


@shared_task(ignore_result=True, acks_late=True)
def refresh_deal_days(organization_id: int, days: list[str]):
    """Recompute one organization's deal rollup on the UTC ``days`` (ISO
    dates) a deal change touched. Idempotent: recomputed from the deal table."""
    deal_rollup_refresh_days(organization_id=organization_id, days=[datetime.date.fromisoformat(day) for day in days])


@shared_task(ignore_result=True, acks_late=True)
def rebuild_deal_rollup():
    """Nightly: the whole deal rollup again from the deal table, the safety net
    for changes made without saving a registration (bulk loads, SQL)."""
    deal_rollup_refresh()
