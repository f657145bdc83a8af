"""The portal's Celery application; configuration lives in settings.celery."""

import logging
import os
from functools import partial

from celery import Celery
from celery.contrib.django.task import DjangoTask
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Like the WSGI entry point, workers and beat run on production settings unless
# told otherwise (tests and `make run` set their own; the embedded default
# runs tasks eagerly and starts no worker).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")


class PortalTask(DjangoTask):
    """A task queued once the transaction commits (``delay_on_commit``,
    ``apply_async_on_commit``) never fails the request that committed: where
    the broker is unreachable, the message is logged as not queued and the
    committed change stands (a partner's registration is saved and
    confirmed; beat's sweeps find the search outbox and webhook deliveries)."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        # As Celery's: the callback is this task's method with the task's own
        # arguments (tests run captured callbacks as the worker would).
        transaction.on_commit(partial(self.delay_or_log, *args, **kwargs))

    def delay_or_log(self, *args, **kwargs) -> None:
        self.queue_or_log(args, kwargs)

    def apply_async_on_commit(self, args=None, kwargs=None, **options) -> None:
        transaction.on_commit(partial(self.queue_or_log, args, kwargs, **options))

    def queue_or_log(self, args=None, kwargs=None, **options) -> None:
        try:
            self.apply_async(args, kwargs, **options)
        except OperationalError:
            logger.warning("%s not queued: the task broker is unreachable", self.name, exc_info=True)


app = Celery("portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
