"""Benchmarks (bench/*.py): production's request path on a developer's
machine. DEBUG is off, as in production (Django keeps no query log of its
own, views and templates take their production branches); static files keep
their plain names as in tests, so no collectstatic is needed; mail goes to
the console as in development. The services are the ones the environment
names (bench/README.md)."""

from . import environment as env
from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.SECRET_KEY or "bench-only-insecure-key-never-used-in-production"  # noqa: S105
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True  # no STATIC_ROOT scan (it does not exist here), as in tests
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
