from celery import shared_task

from .services import escalation, notifications


@shared_task(ignore_result=True, acks_late=True)
def escalate_breached_cases():
    """Every few minutes: breached cases go to the CAM, then the escalation group."""
    escalation.cases_escalate_breached()


@shared_task(ignore_result=True, acks_late=True)
def email_notification(notification_id: int):
    notifications.notification_email(notification_id=notification_id)


@shared_task(ignore_result=True, acks_late=True)
def email_unsent_notifications():
    """Every five minutes: the immediate e-mails whose task failed or is still held."""
    notifications.notifications_email_unsent()


@shared_task(ignore_result=True, acks_late=True)
def send_notification_digests():
    """Daily: one email per person who chose the digest."""
    notifications.notifications_send_digests()
