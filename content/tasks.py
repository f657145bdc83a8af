from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .services import asset_popularity_refresh, cobrand_render, stale_asset_reminders_send


@shared_task(ignore_result=True, acks_late=True)
def render_cobrand_generation(generation_id: str):
    cobrand_render(generation_id=generation_id)


@shared_task(ignore_result=True)
def remind_stale_asset_owners():
    """Daily: owners of assets past their review-by date get one reminder each."""
    stale_asset_reminders_send()


@shared_task(ignore_result=True)
def refresh_asset_popularity(hours: int = 1):
    """Hourly: search re-reads the download counts of assets downloaded since the last run."""
    asset_popularity_refresh(since=timezone.now() - timedelta(hours=hours))
