from celery import shared_task

from . import services


@shared_task(ignore_result=True, acks_late=True)
def sweep_certification_expiries():
    """Daily: record the certifications that lapsed (reversing their effects),
    then send the due 60/30/7-day reminders. Each step happens once per record."""
    services.certifications_expire()
    services.certifications_send_reminders()
