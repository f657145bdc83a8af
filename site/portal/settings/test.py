"""Tests: always the real PostgreSQL, Elasticsearch and Redis started by
``scripts/services.sh`` (``eval "$(scripts/services.sh env)"``). A missing
service URL stops the run here instead of silently testing the embedded default."""

from django.core.exceptions import ImproperlyConfigured

from . import environment as env
from .base import *  # noqa: F403

_missing = [
    name
    for name, value in {
        "DATABASE_URL": env.DATABASE_URL,
        "ELASTICSEARCH_URL": env.ELASTICSEARCH_URL,
        "REDIS_URL": env.REDIS_URL,
    }.items()
    if not value
]
if _missing:
    raise ImproperlyConfigured(
        f"Tests run against real services; {', '.join(_missing)} not set. "
        'Run `make test`, or `scripts/services.sh start && eval "$(scripts/services.sh env)"`.'
    )
if not env.DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("Tests run on PostgreSQL; DATABASE_URL must be a postgres:// URL.")

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SEARCH_INDEX_PREFIX = f"test-{env.SEARCH_INDEX_PREFIX}"
# Lets two suites share one PostgreSQL server (TEST_DATABASE_NAME=test_prm_other).
# Always named, so fixtures that must only touch the test database can check it.
DATABASES["default"]["TEST"] = {"NAME": env.TEST_DATABASE_NAME or f"test_{DATABASES['default']['NAME']}"}  # noqa: F405
# The real Redis, as in production (throttles and rate limits count there); a
# prefix per suite, whose keys tests/conftest.py removes after each test.
CACHES["default"]["KEY_PREFIX"] = f"test-{env.SEARCH_INDEX_PREFIX}"  # noqa: F405
MEDIA_ROOT = BASE_DIR / ".services" / "test-media"  # noqa: F405
PRIVATE_MEDIA_ROOT = BASE_DIR / ".services" / "test-private-media"  # noqa: F405
# Tests run with DEBUG off and without collectstatic, so pages link the plain
# names and WhiteNoise finds them in the apps when asked (no STATIC_ROOT scan,
# which warned once per test client that STATIC_ROOT does not exist);
# tests/test_shell.py runs collectstatic with the real storage.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
}

# Webhook retries in seconds, not minutes, so tests see them.
WEBHOOK_RETRY_BASE_SECONDS = 1
