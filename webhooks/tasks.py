from celery import shared_task

from . import services
from .models import DeliveryStatus


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int):
    """One attempt at a delivery; retried with exponential back-off while it
    stays pending (the chain ends before the broker's visibility timeout).
    A duplicate of this task finds the delivery claimed or done and exits."""
    result = services.delivery_attempt(delivery_id=delivery_id)
    # Run eagerly (the embedded default, no broker), a retry would run again
    # at once inside the request: the failed attempt stays recorded instead.
    if result.attempted and result.delivery.status == DeliveryStatus.PENDING and not self.request.is_eager:
        raise self.retry(countdown=services.retry_delay_seconds(result.delivery.attempts))


@shared_task(ignore_result=True, acks_late=True)
def requeue_stalled_deliveries():
    """Periodic: queue the deliveries whose task never reached the broker."""
    services.deliveries_requeue_stalled()
