"""Outgoing mail: SMTP configured from the environment (production requires
it; development prints mails and tests keep them in memory)."""

from . import environment as env

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env.EMAIL_HOST or "localhost"
EMAIL_PORT = env.EMAIL_PORT
EMAIL_HOST_USER = env.EMAIL_HOST_USER
EMAIL_HOST_PASSWORD = env.EMAIL_HOST_PASSWORD
EMAIL_USE_TLS = env.EMAIL_USE_TLS
EMAIL_USE_SSL = env.EMAIL_USE_SSL
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL or "portal@localhost"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
