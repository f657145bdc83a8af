"""Local development: the embedded default unless service URLs are given."""

from . import environment as env
from .base import *  # noqa: F403

DEBUG = env.DEBUG is not False
SECRET_KEY = env.SECRET_KEY or "dev-only-insecure-key-never-used-in-production"  # noqa: S105
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
