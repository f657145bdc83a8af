"""Production: refuses to start unless every service, the secret, the host
names and outgoing mail are configured, naming everything that is missing."""

from django.core.exceptions import ImproperlyConfigured

from . import environment as env
from .base import *  # noqa: F403

_missing = [
    reason
    for reason, is_missing in {
        "SECRET_KEY (a random value of at least 50 characters)": not env.SECRET_KEY or len(env.SECRET_KEY) < 50,
        "ALLOWED_HOSTS (the portal's host names, comma-separated)": not env.ALLOWED_HOSTS,
        "DATABASE_URL (PostgreSQL)": not env.DATABASE_URL,
        "REDIS_URL (Celery broker and cache)": not env.REDIS_URL,
        "ELASTICSEARCH_URL (search engine)": not env.ELASTICSEARCH_URL,
        "EMAIL_HOST (SMTP server for notifications)": not env.EMAIL_HOST,
        "DEFAULT_FROM_EMAIL (sender address of notifications)": not env.DEFAULT_FROM_EMAIL,
    }.items()
    if is_missing
]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: " + "; ".join(_missing) + ". See README, Production."
    )

PORTAL_ENVIRONMENT = "production"
DEBUG = False
SECRET_KEY = env.SECRET_KEY
ALLOWED_HOSTS = env.ALLOWED_HOSTS

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# /healthz/ is probed by load balancers over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Wagtail overrides this to SAMEORIGIN on its preview views only.
X_FRAME_OPTIONS = "DENY"
