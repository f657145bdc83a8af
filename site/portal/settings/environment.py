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
# None when unset: production refuses to guess its host names.
ALLOWED_HOSTS: list[str] | None = _list("ALLOWED_HOSTS", []) or None
CSRF_TRUSTED_ORIGINS: list[str] = _list("CSRF_TRUSTED_ORIGINS", [])
DATABASE_URL: str | None = os.environ.get("DATABASE_URL") or None
# Off behind a pooler in transaction mode (see portal.settings.base).
DATABASE_PREPARED_STATEMENTS: bool = _optional_bool("DATABASE_PREPARED_STATEMENTS") is not False
ELASTICSEARCH_URL: str | None = os.environ.get("ELASTICSEARCH_URL") or None
REDIS_URL: str | None = os.environ.get("REDIS_URL") or None
SEARCH_INDEX_PREFIX: str = os.environ.get("SEARCH_INDEX_PREFIX", "portal")
BASE_URL: str = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL: str | None = os.environ.get("DEFAULT_FROM_EMAIL") or None
# Outgoing mail (SMTP); production requires EMAIL_HOST and DEFAULT_FROM_EMAIL.
EMAIL_HOST: str | None = os.environ.get("EMAIL_HOST") or None
EMAIL_PORT: int = int(os.environ.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER: str = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD: str = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS: bool = bool(_optional_bool("EMAIL_USE_TLS"))
EMAIL_USE_SSL: bool = bool(_optional_bool("EMAIL_USE_SSL"))
MEDIA_ROOT: str | None = os.environ.get("MEDIA_ROOT") or None
PRIVATE_MEDIA_ROOT: str | None = os.environ.get("PRIVATE_MEDIA_ROOT") or None
PRIVATE_FILES_ACCEL_PREFIX: str = os.environ.get("PRIVATE_FILES_ACCEL_PREFIX", "")
# Reverse proxies in front of the portal that append to X-Forwarded-For
# (portal.proxy): 0 when clients connect directly.
TRUSTED_PROXY_COUNT: int = int(os.environ.get("TRUSTED_PROXY_COUNT") or 0)
STATIC_ROOT: str | None = os.environ.get("STATIC_ROOT") or None
# Tests only: lets two suites share one PostgreSQL server.
TEST_DATABASE_NAME: str | None = os.environ.get("TEST_DATABASE_NAME") or None
