"""The portal's Celery application; configuration lives in settings.celery."""

import logging
import os
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
        try:
            self.apply_async(args, kwargs, **options)
        except OperationalError:
            from home.services import held_task_record

            try:
                held_task_record(task=self.name, args=args, kwargs=kwargs, options=options)
            except DatabaseError:
                logger.exception("%s lost: the task broker and the database are unreachable", self.name)
                return
            logger.warning("%s held: the task broker is unreachable", self.name, exc_info=True)


app = Celery("portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
