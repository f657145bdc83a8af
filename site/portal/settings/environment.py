"""Every environment variable the portal reads, in one place.

Absent service URLs select the embedded default (SQLite, Wagtail's database
search, eager Celery tasks) so the portal runs with nothing installed.
Security-related values have no usable default outside development.
"""

import os


def _optional_bool(name: str) -> bool | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
# None when unset, so each environment picks its own default.
DEBUG: bool | None = _optional_bool("DEBUG")
ALLOWED_HOSTS: list[str] = _list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = _list("CSRF_TRUSTED_ORIGINS", [])
DATABASE_URL: str | None = os.environ.get("DATABASE_URL") or None
ELASTICSEARCH_URL: str | None = os.environ.get("ELASTICSEARCH_URL") or None
REDIS_URL: str | None = os.environ.get("REDIS_URL") or None
SEARCH_INDEX_PREFIX: str = os.environ.get("SEARCH_INDEX_PREFIX", "portal")
BASE_URL: str = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL: str = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")
MEDIA_ROOT: str | None = os.environ.get("MEDIA_ROOT") or None
STATIC_ROOT: str | None = os.environ.get("STATIC_ROOT") or None
# Tests only: lets two suites share one PostgreSQL server.
TEST_DATABASE_NAME: str | None = os.environ.get("TEST_DATABASE_NAME") or None
