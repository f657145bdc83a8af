from celery import shared_task

from .services import cobrand_render, stale_asset_reminders_send


@shared_task(ignore_result=True, acks_late=True)
def render_cobrand_generation(generation_id: str):
    cobrand_render(generation_id=generation_id)


@shared_task(ignore_result=True)
def remind_stale_asset_owners():
    """Daily: owners of assets past their review-by date get one reminder each."""
    stale_asset_reminders_send()
