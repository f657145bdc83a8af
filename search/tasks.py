from celery import shared_task

from . import services


@shared_task(ignore_result=True, acks_late=True)
def drain_index_outbox():
    """Drain until empty; entries that failed wait for their back-off and the
    periodic run picks them up."""
    while True:
        result = services.outbox_drain()
        if result.indexed + result.superseded == 0:
            return


@shared_task(ignore_result=True)
def purge_index_outbox():
    services.outbox_purge()
