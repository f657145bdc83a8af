"""The portal's Celery application; configuration lives in settings.celery."""

import logging
import os
import time
from functools import partial

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import DatabaseError, transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Like the WSGI entry point, workers and beat run on production settings unless
# told otherwise (tests and `make run` set their own; the embedded default
# runs tasks eagerly and starts no worker).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")


class PortalTask(DjangoTask):
    """A task queued once the transaction commits (``delay_on_commit``,
    ``apply_async_on_commit``) never fails the request that committed: where
    the broker is unreachable, the task is held in the database and the
    committed change stands (a partner's registration is saved and
    confirmed); beat queues the held tasks once the broker answers
    (``home.tasks.queue_held_tasks``)."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        # As Celery's: the callback is this task's method with the task's own
        # arguments (tests run captured callbacks as the worker would).
        transaction.on_commit(partial(self.delay_or_hold, *args, **kwargs))

    def delay_or_hold(self, *args, **kwargs) -> None:
        self.queue_or_hold(args, kwargs)

    def apply_async_on_commit(self, args=None, kwargs=None, **options) -> None:
        transaction.on_commit(partial(self.queue_or_hold, args, kwargs, **options))

    def queue_or_hold(self, args=None, kwargs=None, **options) -> None:
        refused = BrokerRefusal.seconds_ago()
        if refused is None:
            try:
                self.apply_async(args, kwargs, **options)
                return
            except OperationalError as error:
                BrokerRefusal.note()
                reason = error
        else:
            reason = f"it refused {refused:.1f} s ago and is asked again after {BrokerRefusal.REST_SECONDS:.0f} s"
        from home.services import held_task_record

        try:
            held_task_record(task=self.name, args=args, kwargs=kwargs, options=options)
        except DatabaseError:
            logger.exception("%s lost: the task broker and the database are unreachable", self.name)
            return
        logger.warning("%s held: the task broker is unreachable (%s)", self.name, reason)


class BrokerRefusal:
    """When this process's broker last refused a message: the tasks of the
    next seconds are held without asking it (each refusal costs the request
    about 0.6 s a task where the port refuses, the connection timeout where
    nothing answers)."""

    REST_SECONDS = 10.0
    refused_at = float("-inf")

    @classmethod
    def note(cls) -> None:
        cls.refused_at = time.monotonic()

    @classmethod
    def seconds_ago(cls) -> float | None:
        """Seconds since the last refusal, or None where the broker is to be asked."""
        elapsed = time.monotonic() - cls.refused_at
        return elapsed if elapsed < cls.REST_SECONDS else None

    @classmethod
    def forget(cls) -> None:
        cls.refused_at = float("-inf")


app = Celery("portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
