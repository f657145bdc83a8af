"""The portal's Celery application; configuration lives in settings.celery."""

import os

from celery import Celery

# Like the WSGI entry point, workers and beat run on production settings unless
# told otherwise (tests and `make run` set their own; the embedded default
# runs tasks eagerly and starts no worker).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
