from celery import shared_task

from . import services


@shared_task(bind=True, ignore_result=True)
def record_worker_heartbeat(self):
    services.worker_heartbeat_record(worker=self.request.hostname or "eager")
