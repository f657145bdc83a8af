"""Notifications' emails, delivered in the test's own process: the centre
queues each email as a task on commit, which the worker runs elsewhere; the
locmem outbox a test reads is this process's."""


def deliver_notifications() -> int:
    """Send every notification email still due at once (what the worker does)."""
    from support.models import Delivery, Notification
    from support.services.notifications import notification_email

    pending = Notification.objects.filter(delivery=Delivery.IMMEDIATE, emailed_at__isnull=True).order_by("pk")
    return sum(notification_email(notification_id=pk) for pk in pending.values_list("pk", flat=True))
