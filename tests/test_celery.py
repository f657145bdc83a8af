import pytest
from django.conf import settings

from home.models import WorkerHeartbeat
from home.tasks import record_worker_heartbeat


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_task_sent_through_redis_runs_on_the_worker_and_writes_to_postgres(celery_worker, wait_for):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert settings.CELERY_BROKER_URL.startswith("redis://")

    record_worker_heartbeat.delay()

    heartbeat = wait_for(
        lambda: WorkerHeartbeat.objects.filter(worker=celery_worker.hostname).first(),
        message=f"the worker's heartbeat row (worker log:\n{celery_worker.log()})",
    )
    assert heartbeat.seen_at is not None
    assert heartbeat.seen_at.tzinfo is not None
