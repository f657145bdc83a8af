from celery import shared_task

from . import services


@shared_task(bind=True, ignore_result=True)
def record_worker_heartbeat(self):
    services.worker_heartbeat_record(worker=self.request.hostname or "eager")


@shared_task(bind=True, ignore_result=True)
def queue_held_tasks(self):
    """Periodic: queue the tasks held while the broker was unreachable."""
    services.held_tasks_queue(app=self.app)
